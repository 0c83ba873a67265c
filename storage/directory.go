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
// rules of those queries (outbox_audience.go, outbox.go channelsFor).
//
// It is never stale. Triggers (migration 0019) bump the one row of
// directory_version on every change of the rows it holds, in the changing
// transaction, whoever makes it. Before each use the committer reads that
// row inside the change's own transaction, so it sees the writes of the
// callers before it in the shared transaction and the commits of other
// processes, and reads the whole directory again when the version is not
// the one it was read at. A version is never reused for other contents:
//
//   - a caller whose savepoint rolls back (its bump rolled back with it, so
//     the next change gets the same number again) restores the directory it
//     started from: one read inside the savepoint is thrown away;
//   - a batch that does not commit forgets the directory.
//
// The check also reads SQLite's schema version: when the schema changes
// (a migration that rebuilds a table drops its triggers), the directory is
// read again and its triggers are looked up; while one is missing, events
// read the tables as before. PostgreSQL has no committer and keeps the
// queries.

// directoryTriggers are the triggers of migration 0019. Without all of
// them a change could leave the version as it was.
var directoryTriggers = []string{
	"directory_users_insert", "directory_users_delete", "directory_users_update",
	"directory_delegations_insert", "directory_delegations_delete", "directory_delegations_update",
	"directory_optouts_insert", "directory_optouts_delete", "directory_optouts_update",
	"directory_webhooks_insert", "directory_webhooks_delete", "directory_webhooks_update",
}

// dirUser is an enabled account: what recipients reads (row) and what the
// audience's filters test.
type dirUser struct {
	row    userRow // id, username, email
	roles  string  // the roles column as stored, for hasRole's match
	nation string
	held   []domain.Role // the roles as toDomainUser reads them, for countingDelegations
}

// dirDelegation is a delegation not revoked.
type dirDelegation struct {
	from, to     string
	starts, ends time.Time
}

type optOutKey struct{ user, kind, channel string }

// directory is what the fan-out reads, as of one version. Its rows never
// change once read; holders only memoizes what they give.
type directory struct {
	version, schema int64
	usable          bool // every trigger is present; else read the tables

	users       []*dirUser                 // enabled accounts, in id order
	byName      map[string]*dirUser        // enabled accounts by username
	delegations map[string][]dirDelegation // not revoked, by role, in id order
	optOuts     map[optOutKey]bool
	userHooks   map[string][]webhookRow // active webhooks by user id, in id order
	roleHooks   map[string][]webhookRow // active webhooks by role, in id order

	holders map[domain.Role][]*dirUser // memo: the enabled accounts hasRole matches
}

// dirKeeper is the committer's directory; only the committer goroutine
// uses it.
type dirKeeper struct {
	cur   *directory // nil: not read yet, or forgotten
	loads int        // how often it was read (for tests)
}

// forget drops the directory after a batch that did not commit.
func (k *dirKeeper) forget() { k.cur = nil }

// directoryVersionQuery reads the version and SQLite's schema version in
// one statement.
const directoryVersionQuery = "SELECT version, (SELECT schema_version FROM pragma_schema_version) " +
	"FROM directory_version WHERE id = 1"

// get returns the directory as the transaction sees it now, read again if
// the version or the schema moved; nil when it cannot be used (a trigger
// is missing, or the version row is gone) and the tables must be read.
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
	if c := k.cur; c == nil || c.version != version || c.schema != schema {
		d, err := loadDirectory(t, version, schema)
		if err != nil {
			return nil, err
		}
		k.cur = d
		k.loads++
	}
	if !k.cur.usable {
		return nil, nil
	}
	return k.cur, nil
}

// loadDirectory reads the directory in t, at version and schema.
func loadDirectory(t *tx, version, schema int64) (*directory, error) {
	d := &directory{version: version, schema: schema, byName: map[string]*dirUser{},
		delegations: map[string][]dirDelegation{}, optOuts: map[optOutKey]bool{},
		userHooks: map[string][]webhookRow{}, roleHooks: map[string][]webhookRow{}, holders: map[domain.Role][]*dirUser{}}
	var err error
	if d.usable, err = triggersPresent(t); err != nil || !d.usable {
		return d, err
	}
	err = scanAll(t, "directory users",
		"SELECT id, username, email, roles, nation FROM users WHERE disabled_at IS NULL ORDER BY id",
		func(scan func(...any) error) error {
			u := &dirUser{}
			if err := scan(&u.row.ID, &u.row.Username, &u.row.Email, &u.roles, &u.nation); err != nil {
				return err
			}
			u.held = toDomainUser(userRow{Roles: u.roles}).Roles
			d.users = append(d.users, u)
			d.byName[u.row.Username] = u
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = scanAll(t, "directory delegations",
		"SELECT from_user, to_user, role, starts_at, ends_at FROM delegations WHERE revoked_at IS NULL ORDER BY id",
		func(scan func(...any) error) error {
			var dl dirDelegation
			var role string
			if err := scan(&dl.from, &dl.to, &role, &dl.starts, &dl.ends); err != nil {
				return err
			}
			d.delegations[role] = append(d.delegations[role], dl)
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = scanAll(t, "directory opt-outs", "SELECT user_id, kind, channel FROM notification_optouts",
		func(scan func(...any) error) error {
			var k optOutKey
			if err := scan(&k.user, &k.kind, &k.channel); err != nil {
				return err
			}
			d.optOuts[k] = true
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = scanAll(t, "directory webhooks", "SELECT id, user_id, role, url FROM webhooks WHERE revoked_at IS NULL ORDER BY id",
		func(scan func(...any) error) error {
			var w webhookRow
			if err := scan(&w.ID, &w.UserID, &w.Role, &w.URL); err != nil {
				return err
			}
			if w.UserID != nil {
				d.userHooks[*w.UserID] = append(d.userHooks[*w.UserID], w)
			}
			if w.Role != nil {
				d.roleHooks[*w.Role] = append(d.roleHooks[*w.Role], w)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// triggersPresent reports whether every trigger of directoryTriggers exists.
func triggersPresent(t *tx) (bool, error) {
	have := map[string]bool{}
	err := scanAll(t, "directory triggers", "SELECT name FROM sqlite_master WHERE type = 'trigger'",
		func(scan func(...any) error) error {
			var name string
			if err := scan(&name); err != nil {
				return err
			}
			have[name] = true
			return nil
		})
	if err != nil {
		return false, err
	}
	for _, name := range directoryTriggers {
		if !have[name] {
			return false, nil
		}
	}
	return true, nil
}

// scanAll runs query in t and calls each for every row.
func scanAll(t *tx, what, query string, each func(scan func(...any) error) error) error {
	rows, err := t.query(query)
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
			rows = append(rows, u.row)
		}
	}
	if a.Role == "" {
		return rows, nil
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.ID] = true
	}
	for _, u := range d.delegatesOf(a.Role, at) {
		if !seen[u.row.ID] {
			seen[u.row.ID] = true
			rows = append(rows, u.row)
		}
	}
	return rows, nil
}

// holdersOf are the enabled accounts whose roles column matches hasRole
// for r, in id order: the same substring test on the same strings, so that
// the answer is the query's to the letter.
func (d *directory) holdersOf(r domain.Role) []*dirUser {
	if hs, ok := d.holders[r]; ok {
		return hs
	}
	element := roleElement(r)
	var hs []*dirUser
	for _, u := range d.users {
		if strings.Contains(","+u.roles+",", element) {
			hs = append(hs, u)
		}
	}
	d.holders[r] = hs
	return hs
}

// delegatesOf is tx.delegatesOf from the directory: the enabled accounts
// that a delegation of role active at at reaches, when its delegator is
// enabled and holds the role (countingDelegations), in id order.
func (d *directory) delegatesOf(role domain.Role, at time.Time) []*dirUser {
	at = dbTime(at)
	var out []*dirUser
	seen := map[string]bool{}
	for _, dl := range d.delegations[string(role)] {
		if !dl.ends.After(at) || dl.starts.After(at) {
			continue
		}
		if from := d.byName[dl.from]; from == nil || !slices.Contains(from.held, role) {
			continue
		}
		if to := d.byName[dl.to]; to != nil && !seen[to.row.ID] {
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
		if !d.optOuts[optOutKey{u.ID, kind, domain.ChannelInbox}] {
			out = append(out, delivery{Channel: domain.ChannelInbox})
		}
		if !d.optOuts[optOutKey{u.ID, kind, domain.ChannelEmail}] {
			out = append(out, delivery{Channel: domain.ChannelEmail, Address: u.Email})
		}
		if !d.optOuts[optOutKey{u.ID, kind, domain.ChannelWebhook}] {
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
