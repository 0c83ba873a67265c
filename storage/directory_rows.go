package storage

import (
	"slices"
	"strings"
	"time"

	"exaccess/domain"
)

// The notification directory's rows (directory.go): how they are held, and
// kept in order as rows are read again (directory_read.go).

// The tables of the directory, as the change log (migration 0021) names
// them.
const (
	dirUsers       = "users"
	dirDelegations = "delegations"
	dirOptOuts     = "notification_optouts"
	dirWebhooks    = "webhooks"
)

// dirKey is a row of the directory as the change log names it: its table
// and its id; for notification_optouts the account's id, whose opt-outs
// are read together.
type dirKey struct{ table, id string }

// dirUser is an enabled account: what recipients reads (row) and what the
// audience's filters test.
type dirUser struct {
	row    userRow // id, username, email
	roles  string  // the roles column as stored, for hasRole's match
	nation string
	held   []domain.Role // the roles as toDomainUser reads them, for domain.DelegationCounts (delegator and delegate)
}

// holds is hasRole's test of the roles column for r.
func (u *dirUser) holds(r domain.Role) bool {
	return strings.Contains(","+u.roles+",", roleElement(r))
}

// account is u as domain.DelegationCounts reads a delegator or a
// delegate: an enabled account (the directory holds no other) with its
// roles as toDomainUser reads them; nil for none (no enabled account).
func (u *dirUser) account() *domain.User {
	if u == nil {
		return nil
	}
	return &domain.User{Username: u.row.Username, Roles: u.held}
}

// dirDelegation is a delegation not revoked.
type dirDelegation struct {
	id, role     string
	from, to     string
	starts, ends time.Time
}

// optOut is one channel an account turned off for one kind of event.
type optOut struct{ kind, channel string }

// directory is what the fan-out reads, as of one version. A refresh
// replaces the rows it reads again; each index below is kept as a full read
// would build it.
type directory struct {
	version, schema int64
	usable          bool            // every trigger is present; else read the tables
	logged          bool            // the change log exists (migration 0021); else read whole on each change
	dirty           map[dirKey]bool // rows to read again before the next use (a rolled-back savepoint's)

	users       []*dirUser                 // enabled accounts, in id order
	byID        map[string]*dirUser        // enabled accounts by id
	byName      map[string]*dirUser        // enabled accounts by username
	delegations map[string][]dirDelegation // not revoked, by role, in id order
	delByID     map[string]dirDelegation   // not revoked, by id
	optOuts     map[string]map[optOut]bool // by account id
	hooks       map[string]webhookRow      // active webhooks by id
	userHooks   map[string][]webhookRow    // active webhooks by user id, in id order
	roleHooks   map[string][]webhookRow    // active webhooks by role, in id order

	holders map[domain.Role][]*dirUser // memo: the enabled accounts hasRole matches, in id order
}

func newDirectory(version, schema int64) *directory {
	return &directory{version: version, schema: schema, dirty: map[dirKey]bool{},
		byID: map[string]*dirUser{}, byName: map[string]*dirUser{},
		delegations: map[string][]dirDelegation{}, delByID: map[string]dirDelegation{},
		optOuts: map[string]map[optOut]bool{}, hooks: map[string]webhookRow{},
		userHooks: map[string][]webhookRow{}, roleHooks: map[string][]webhookRow{},
		holders: map[domain.Role][]*dirUser{}}
}

// putSorted puts v into s, which is in the order of id, in its place, or
// in place of the element with its id.
func putSorted[T any](s []T, v T, id func(T) string) []T {
	i, found := slices.BinarySearchFunc(s, id(v), func(e T, k string) int { return strings.Compare(id(e), k) })
	if found {
		s[i] = v
		return s
	}
	return slices.Insert(s, i, v)
}

// dropSorted removes the element with id key from s, in the order of id.
func dropSorted[T any](s []T, key string, id func(T) string) []T {
	if i, found := slices.BinarySearchFunc(s, key, func(e T, k string) int { return strings.Compare(id(e), k) }); found {
		return slices.Delete(s, i, i+1)
	}
	return s
}

func userID(u *dirUser) string            { return u.row.ID }
func delegationID(d dirDelegation) string { return d.id }
func hookID(w webhookRow) string          { return w.ID }

func (d *directory) putUser(u *dirUser) {
	d.byID[u.row.ID] = u
	d.byName[u.row.Username] = u
	d.users = putSorted(d.users, u, userID)
	for r, hs := range d.holders {
		if u.holds(r) {
			d.holders[r] = putSorted(hs, u, userID)
		}
	}
}

func (d *directory) dropUser(id string) {
	u := d.byID[id]
	if u == nil {
		return
	}
	delete(d.byID, id)
	if d.byName[u.row.Username] == u {
		delete(d.byName, u.row.Username)
	}
	d.users = dropSorted(d.users, id, userID)
	for r, hs := range d.holders {
		d.holders[r] = dropSorted(hs, id, userID)
	}
}

func (d *directory) putDelegation(dl dirDelegation) {
	d.delByID[dl.id] = dl
	d.delegations[dl.role] = putSorted(d.delegations[dl.role], dl, delegationID)
}

func (d *directory) dropDelegation(id string) {
	dl, ok := d.delByID[id]
	if !ok {
		return
	}
	delete(d.delByID, id)
	if d.delegations[dl.role] = dropSorted(d.delegations[dl.role], id, delegationID); len(d.delegations[dl.role]) == 0 {
		delete(d.delegations, dl.role)
	}
}

func (d *directory) putOptOut(user string, o optOut) {
	if d.optOuts[user] == nil {
		d.optOuts[user] = map[optOut]bool{}
	}
	d.optOuts[user][o] = true
}

func (d *directory) putHook(w webhookRow) {
	d.hooks[w.ID] = w
	if w.UserID != nil {
		d.userHooks[*w.UserID] = putSorted(d.userHooks[*w.UserID], w, hookID)
	}
	if w.Role != nil {
		d.roleHooks[*w.Role] = putSorted(d.roleHooks[*w.Role], w, hookID)
	}
}

func (d *directory) dropHook(id string) {
	w, ok := d.hooks[id]
	if !ok {
		return
	}
	delete(d.hooks, id)
	if w.UserID != nil {
		if d.userHooks[*w.UserID] = dropSorted(d.userHooks[*w.UserID], id, hookID); len(d.userHooks[*w.UserID]) == 0 {
			delete(d.userHooks, *w.UserID)
		}
	}
	if w.Role != nil {
		if d.roleHooks[*w.Role] = dropSorted(d.roleHooks[*w.Role], id, hookID); len(d.roleHooks[*w.Role]) == 0 {
			delete(d.roleHooks, *w.Role)
		}
	}
}
