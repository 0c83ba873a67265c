package storage

import (
	"slices"
	"strings"
)

// Reading the notification directory's rows (directory.go,
// directory_rows.go): whole, or again row by row after the changes the log
// (migration 0021) names.

// dirRows are rows read for the directory. users holds disabled accounts
// too: a refresh looks at every username it reads (readAgain).
type dirRows struct {
	users       []*dirUser
	disabled    []bool
	delegations []dirDelegation
	optOuts     []dirOptOut
	hooks       []webhookRow
}

type dirOptOut struct {
	user string
	optOut
}

// The queries of the directory's rows; a refresh adds "AND id IN (...)".
const (
	dirUsersQuery       = "SELECT id, username, email, roles, nation, disabled_at IS NOT NULL FROM users WHERE 1"
	dirDelegationsQuery = "SELECT id, from_user, to_user, role, starts_at, ends_at FROM delegations WHERE revoked_at IS NULL"
	dirOptOutsQuery     = "SELECT user_id, kind, channel FROM notification_optouts WHERE 1"
	dirWebhooksQuery    = "SELECT id, user_id, role, url FROM webhooks WHERE revoked_at IS NULL"
)

// readUsers adds to rows the accounts of query, enabled or not.
func (rows *dirRows) readUsers(t *tx, query string, args ...any) error {
	return scanAll(t, "directory users", query, func(scan func(...any) error) error {
		u := &dirUser{}
		var disabled bool
		if err := scan(&u.row.ID, &u.row.Username, &u.row.Email, &u.roles, &u.nation, &disabled); err != nil {
			return err
		}
		u.held = toDomainUser(userRow{Roles: u.roles}).Roles
		rows.users = append(rows.users, u)
		rows.disabled = append(rows.disabled, disabled)
		return nil
	}, args...)
}

func (rows *dirRows) readDelegations(t *tx, query string, args ...any) error {
	return scanAll(t, "directory delegations", query, func(scan func(...any) error) error {
		var dl dirDelegation
		if err := scan(&dl.id, &dl.from, &dl.to, &dl.role, &dl.starts, &dl.ends); err != nil {
			return err
		}
		rows.delegations = append(rows.delegations, dl)
		return nil
	}, args...)
}

func (rows *dirRows) readOptOuts(t *tx, query string, args ...any) error {
	return scanAll(t, "directory opt-outs", query, func(scan func(...any) error) error {
		var o dirOptOut
		if err := scan(&o.user, &o.kind, &o.channel); err != nil {
			return err
		}
		rows.optOuts = append(rows.optOuts, o)
		return nil
	}, args...)
}

func (rows *dirRows) readHooks(t *tx, query string, args ...any) error {
	return scanAll(t, "directory webhooks", query, func(scan func(...any) error) error {
		var w webhookRow
		if err := scan(&w.ID, &w.UserID, &w.Role, &w.URL); err != nil {
			return err
		}
		rows.hooks = append(rows.hooks, w)
		return nil
	}, args...)
}

// put enters rows into d: the enabled accounts, the delegations, opt-outs
// and webhooks.
func (d *directory) put(rows *dirRows) {
	for i, u := range rows.users {
		if !rows.disabled[i] {
			d.putUser(u)
		}
	}
	for _, dl := range rows.delegations {
		d.putDelegation(dl)
	}
	for _, o := range rows.optOuts {
		d.putOptOut(o.user, o.optOut)
	}
	for _, w := range rows.hooks {
		d.putHook(w)
	}
}

// loadDirectory reads the directory in t, at version and schema.
func loadDirectory(t *tx, version, schema int64) (*directory, error) {
	d := newDirectory(version, schema)
	var err error
	if d.usable, d.logged, err = triggersPresent(t); err != nil || !d.usable {
		return d, err
	}
	var rows dirRows
	if err := rows.readUsers(t, dirUsersQuery+" AND disabled_at IS NULL ORDER BY id"); err != nil {
		return nil, err
	}
	if err := rows.readDelegations(t, dirDelegationsQuery+" ORDER BY id"); err != nil {
		return nil, err
	}
	if err := rows.readOptOuts(t, dirOptOutsQuery); err != nil {
		return nil, err
	}
	if err := rows.readHooks(t, dirWebhooksQuery+" ORDER BY id"); err != nil {
		return nil, err
	}
	d.put(&rows)
	return d, nil
}

// readAgain reads the rows of keys as they are now, adding to keys each
// enabled account held under a username that one of them now has: a
// REPLACE that deleted that account on its username fired no delete
// trigger. (Migration 0021's name triggers record that account before the
// REPLACE; this is the second net.)
func readAgain(t *tx, d *directory, keys map[dirKey]bool) (*dirRows, error) {
	ids := map[string][]string{}
	for k := range keys {
		ids[k.table] = append(ids[k.table], k.id)
	}
	var rows dirRows
	err := inChunks(ids[dirDelegations], func(in string, args []any) error {
		return rows.readDelegations(t, dirDelegationsQuery+" AND id IN ("+in+")", args...)
	})
	if err == nil {
		err = inChunks(ids[dirOptOuts], func(in string, args []any) error {
			return rows.readOptOuts(t, dirOptOutsQuery+" AND user_id IN ("+in+")", args...)
		})
	}
	if err == nil {
		err = inChunks(ids[dirWebhooks], func(in string, args []any) error {
			return rows.readHooks(t, dirWebhooksQuery+" AND id IN ("+in+")", args...)
		})
	}
	for users := ids[dirUsers]; err == nil && len(users) > 0; {
		from := len(rows.users)
		err = inChunks(users, func(in string, args []any) error {
			return rows.readUsers(t, dirUsersQuery+" AND id IN ("+in+")", args...)
		})
		users = nil
		for _, u := range rows.users[from:] {
			if other := d.byName[u.row.Username]; other != nil && !keys[dirKey{dirUsers, other.row.ID}] {
				keys[dirKey{dirUsers, other.row.ID}] = true
				users = append(users, other.row.ID)
			}
		}
	}
	return &rows, err
}

// inChunks calls each with "?, ?, ..." and the arguments for ids, at most
// 500 at a time.
func inChunks(ids []string, each func(in string, args []any) error) error {
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if err := each(strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", "), args); err != nil {
			return err
		}
	}
	return nil
}

// replace drops the rows of keys from d and enters rows, read again for
// them.
func (d *directory) replace(keys map[dirKey]bool, rows *dirRows) {
	for k := range keys {
		switch k.table {
		case dirUsers:
			d.dropUser(k.id)
		case dirDelegations:
			d.dropDelegation(k.id)
		case dirOptOuts:
			delete(d.optOuts, k.id)
		case dirWebhooks:
			d.dropHook(k.id)
		}
	}
	d.put(rows)
}

// readChanges adds to keys the rows the change log names after version
// from up to version to; false, with keys half filled, when it lacks one of those versions (pruned, or bumped
// by something that logged nothing), names another table, has a row
// without a key, or has versions past to.
func readChanges(t *tx, from, to int64, keys map[dirKey]bool) (bool, error) {
	complete, next := to >= from, from+1
	err := scanAll(t, "directory changes", "SELECT version, entity, row_key FROM directory_changes WHERE version > ? ORDER BY version",
		func(scan func(...any) error) error {
			var v int64
			var table string
			var id *string
			if err := scan(&v, &table, &id); err != nil {
				return err
			}
			switch {
			case v == next:
				next++
			case v != next-1:
				complete = false
			}
			switch table {
			case dirUsers, dirDelegations, dirOptOuts, dirWebhooks:
			default:
				complete = false
			}
			if id == nil {
				complete = false
			} else {
				keys[dirKey{table, *id}] = true
			}
			return nil
		}, from)
	return complete && next == to+1, err
}
