package storage

import (
	"slices"
	"strings"
	"time"

	"exaccess/domain"
)

// The notification directory in the SQLite committer's memory. Each
// notification event reads its audience and their channels: the accounts
// by role, nation or name, the delegations of the role and their
// delegators, the opt-outs and the webhooks — four to six queries per
// event on the one writer every change waits for. The committer keeps what
// they read instead, and answers an event from memory with exactly the
// rules of those queries (outbox_audience.go, outbox.go channelsFor). Its
// rows are in directory_rows.go, how they are read and read again in
// directory_read.go.
//
// It is never stale. Triggers (migrations 0019 and 0021) bump the one row
// of directory_version on every change of the rows it holds, in the
// changing transaction, whoever makes it, and record the change in
// directory_changes under the version it took: the table and the row's id.
// Before each use the committer reads the version inside the change's own
// transaction, so it sees the writes of the callers before it in the
// shared transaction and the commits of other processes. When the version
// moved, it reads again the rows the log names after the version it holds,
// if the log has each of those versions; else (the log keeps the last 1000
// versions) it reads the whole directory again. What it holds keeps this
// invariant: the directory at version v holds every row as the
// transaction sees it, except the rows the log names after v and the rows
// marked dirty. A log entry is in the same transaction as its change, so
// its version names that change and no other:
//
//   - a caller whose savepoint rolls back (its bump and its log rolled
//     back with it, so the next change gets the same number again) puts
//     the directory back at the version it held at the savepoint, with the
//     rows read again since marked dirty; a whole read inside the
//     savepoint is thrown away;
//   - a batch that does not commit forgets the directory.
//
// The check also reads SQLite's schema version: when the schema changes
// (a migration that rebuilds a table drops its triggers), the directory is
// read again and its triggers are looked up; while one is missing, events
// read the tables as before. PostgreSQL has no committer and keeps the
// queries.

// directoryTriggers are the triggers of migrations 0019 and 0021. Without
// all of them a change could leave the version as it was.
var directoryTriggers = []string{
	"directory_users_insert", "directory_users_delete", "directory_users_update",
	"directory_delegations_insert", "directory_delegations_delete", "directory_delegations_update",
	"directory_optouts_insert", "directory_optouts_delete", "directory_optouts_update",
	"directory_webhooks_insert", "directory_webhooks_delete", "directory_webhooks_update",
}

// directoryNameTriggers are the triggers of migration 0021 that record the
// account a REPLACE is about to delete for its username. Without them the
// change log can miss a row, and the directory is read whole instead.
var directoryNameTriggers = []string{"directory_users_name_insert", "directory_users_name_update"}

// dirKeeper is the committer's directory; only the committer goroutine
// uses it.
type dirKeeper struct {
	cur       *directory // nil: not read yet, or forgotten
	loads     int        // how often it was read whole (for tests)
	refreshes int        // how often rows were read again (for tests)

	// What the directory was at the start of the running caller's
	// savepoint, and the rows read again since.
	atSavepoint *directory
	version     int64
	touched     map[dirKey]bool
}

// forget drops the directory after a batch that did not commit.
func (k *dirKeeper) forget() { k.cur = nil }

// savepoint notes the directory as a caller's savepoint starts.
func (k *dirKeeper) savepoint() {
	k.atSavepoint = k.cur
	if k.cur != nil {
		k.version = k.cur.version
	}
	clear(k.touched)
}

// rollBack puts the directory back as it was at the savepoint, whose
// changes are rolled back: at the version it held then, with the rows read
// again since marked dirty, since they may hold the rolled-back changes.
// A directory read whole since is thrown away; the one of the savepoint
// kept its other rows (a whole read makes a new one).
func (k *dirKeeper) rollBack() {
	k.cur = k.atSavepoint
	if k.cur == nil {
		return
	}
	k.cur.version = k.version
	for key := range k.touched {
		k.cur.dirty[key] = true
	}
}

// directoryVersionQuery reads the version and SQLite's schema version in
// one statement.
const directoryVersionQuery = "SELECT version, (SELECT schema_version FROM pragma_schema_version) " +
	"FROM directory_version WHERE id = 1"

// get returns the directory as the transaction sees it now, brought up to
// date if the version or the schema moved; nil when it cannot be used (a
// trigger is missing, or the version row is gone) and the tables must be
// read.
func (k *dirKeeper) get(t *tx) (*directory, error) {
	rows, err := t.query(directoryVersionQuery)
	if err != nil {
		return nil, translate(err, "directory version")
	}
	var version, schema int64
	found := rows.Next()
	if found {
		err = rows.Scan(&version, &schema)
	}
	if err == nil {
		err = rows.Err()
	}
	rows.Close()
	if err != nil {
		return nil, translate(err, "directory version")
	}
	if !found {
		k.cur = nil
		return nil, nil
	}
	c := k.cur
	switch {
	case c == nil || c.schema != schema || version < c.version || !c.usable && version != c.version:
		return k.load(t, version, schema)
	case version != c.version || len(c.dirty) > 0:
		if ok, err := k.refresh(t, c, version); err != nil {
			return nil, err
		} else if !ok {
			return k.load(t, version, schema)
		}
	}
	if !c.usable {
		return nil, nil
	}
	return c, nil
}

// load reads the whole directory, at version and schema.
func (k *dirKeeper) load(t *tx, version, schema int64) (*directory, error) {
	d, err := loadDirectory(t, version, schema)
	if err != nil {
		return nil, err
	}
	k.cur = d
	k.loads++
	if !d.usable {
		return nil, nil
	}
	return d, nil
}

// refresh brings c from its version to version by reading again the rows
// the log names after its version, and its dirty rows; false, with c as it
// was, when the log does not have every version between.
func (k *dirKeeper) refresh(t *tx, c *directory, version int64) (bool, error) {
	keys := map[dirKey]bool{}
	if version != c.version {
		if !c.logged {
			return false, nil
		}
		if ok, err := readChanges(t, c.version, version, keys); err != nil || !ok {
			return false, err
		}
	}
	for key := range c.dirty {
		keys[key] = true
	}
	rows, err := readAgain(t, c, keys)
	if err != nil {
		return false, err
	}
	if k.touched == nil {
		k.touched = map[dirKey]bool{}
	}
	for key := range keys {
		k.touched[key] = true
	}
	c.replace(keys, rows)
	c.version = version
	clear(c.dirty)
	k.refreshes++
	return true, nil
}

// triggersPresent reports whether every trigger of directoryTriggers
// exists, and whether the change log does.
func triggersPresent(t *tx) (usable, logged bool, err error) {
	have := map[string]bool{}
	err = scanAll(t, "directory triggers",
		"SELECT type || ' ' || name FROM sqlite_master WHERE type = 'trigger' OR (type = 'table' AND name = 'directory_changes')",
		func(scan func(...any) error) error {
			var name string
			if err := scan(&name); err != nil {
				return err
			}
			have[name] = true
			return nil
		})
	if err != nil {
		return false, false, err
	}
	for _, name := range directoryTriggers {
		if !have["trigger "+name] {
			return false, false, nil
		}
	}
	logged = have["table directory_changes"]
	for _, name := range directoryNameTriggers {
		logged = logged && have["trigger "+name]
	}
	return true, logged, nil
}

// scanAll runs query with args in t and calls each for every row.
func scanAll(t *tx, what, query string, each func(scan func(...any) error) error, args ...any) error {
	rows, err := t.query(query, args...)
	if err != nil {
		return translate(err, what)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return translate(err, what)
		}
	}
	return translate(rows.Err(), what)
}

// audience is tx.audience answered from the directory: the same accounts
// in the same order.
func (d *directory) audience(a domain.Audience, at time.Time) ([]userRow, error) {
	var rows []userRow
	switch {
	case a.User != "":
		if u := d.byName[a.User]; u != nil {
			rows = append(rows, u.row)
		}
	case a.Nation != "":
		for _, u := range d.holdersOf(domain.RoleLiaison) {
			if u.nation == a.Nation {
				rows = append(rows, u.row)
			}
		}
	default:
		for _, u := range d.holdersOf(a.Role) {
			if !u.holds(domain.RoleAdmin) { // the query's hasRole test, to the letter (domain.ReceivesRoleNotices)
				rows = append(rows, u.row)
			}
		}
	}
	if a.Role == "" {
		return rows, nil
	}
	rows = slices.DeleteFunc(rows, func(u userRow) bool { return slices.Contains(a.Barred, u.Username) })
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.ID] = true
	}
	for _, u := range d.delegatesOf(a.Role, at, a.Barred) {
		if !seen[u.row.ID] {
			seen[u.row.ID] = true
			rows = append(rows, u.row)
		}
	}
	return rows, nil
}

// holdersOf are the enabled accounts whose roles column matches hasRole
// for r, in id order: the same substring test on the same strings, so that
// the answer is the query's to the letter. The memo is kept as accounts
// are read again (putUser, dropUser).
func (d *directory) holdersOf(r domain.Role) []*dirUser {
	if hs, ok := d.holders[r]; ok {
		return hs
	}
	var hs []*dirUser
	for _, u := range d.users {
		if u.holds(r) {
			hs = append(hs, u)
		}
	}
	d.holders[r] = hs
	return hs
}

// delegatesOf is tx.delegatesOf from the directory: the enabled accounts
// that a delegation of role active at at reaches while it counts — its
// delegator enabled, holding the role and not admin, its delegate enabled,
// holding an approver role and not admin: domain.DelegationCounts, as
// countingDelegations applies it — and not barred (notBarred), in id order.
func (d *directory) delegatesOf(role domain.Role, at time.Time, barred []string) []*dirUser {
	at = dbTime(at)
	var out []*dirUser
	seen := map[string]bool{}
	for _, dl := range d.delegations[string(role)] {
		if !dl.ends.After(at) || dl.starts.After(at) || !notBarred(barred, dl.from, dl.to) {
			continue
		}
		from, to := d.byName[dl.from], d.byName[dl.to]
		if !domain.DelegationCounts(domain.Delegation{Role: role}, from.account(), to.account()) {
			continue
		}
		if !seen[to.row.ID] {
			seen[to.row.ID] = true
			out = append(out, to)
		}
	}
	slices.SortFunc(out, func(a, b *dirUser) int { return strings.Compare(a.row.ID, b.row.ID) })
	return out
}

// channelsFor is tx.channelsFor from the directory.
func (d *directory) channelsFor(_ []userRow, kind string) (func(u userRow) []delivery, error) {
	return func(u userRow) []delivery {
		var out []delivery
		off := d.optOuts[u.ID]
		if !off[optOut{kind, domain.ChannelInbox}] {
			out = append(out, delivery{Channel: domain.ChannelInbox})
		}
		if !off[optOut{kind, domain.ChannelEmail}] {
			out = append(out, delivery{Channel: domain.ChannelEmail, Address: u.Email})
		}
		if !off[optOut{kind, domain.ChannelWebhook}] {
			for _, h := range d.userHooks[u.ID] {
				out = append(out, delivery{Channel: domain.ChannelWebhook, Address: h.URL, WebhookID: h.ID})
			}
		}
		return out
	}, nil
}

// roleWebhooks are the active webhooks of role, in id order.
func (d *directory) roleWebhooks(role domain.Role) ([]webhookRow, error) {
	return d.roleHooks[string(role)], nil
}
