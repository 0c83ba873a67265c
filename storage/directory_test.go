package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// Tests of the notification directory (directory.go): its answers are the
// queries' answers, and a change is seen by the next event whoever makes
// it, while a rolled-back change is not.

var dirBase = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// inTx runs fn through the committer, with the transaction's *tx.
func inTx(t *testing.T, db *DB, fn func(tt *tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), func(x domain.Tx) error { return fn(x.(*tx)) }); err != nil {
		t.Fatal(err)
	}
}

// oneBatch runs fns as the callers of one shared transaction of the
// committer, in order, and returns each one's error. The committer's own
// goroutine is idle meanwhile: the test makes no other call.
func oneBatch(t *testing.T, db *DB, fns ...func(tt *tx) error) []error {
	t.Helper()
	jobs := make([]*job, len(fns))
	for i, fn := range fns {
		jobs[i] = &job{ctx: context.Background(), res: make(chan jobResult, 1),
			fn: func(x domain.Tx) error { return fn(x.(*tx)) }}
	}
	db.batch.runBatch(jobs)
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		r := <-j.res
		if r.panicked {
			t.Fatalf("caller %d panicked: %v", i, r.value)
		}
		errs[i] = r.err
	}
	return errs
}

// describe renders a fan-out, one line per row.
func describe(out []addressed) []string {
	lines := make([]string, len(out))
	for i, o := range out {
		lines[i] = fmt.Sprintf("%s to=%s %s %q hook=%s", o.key, derefString(o.recipient), o.d.Channel, o.d.Address, o.d.WebhookID)
	}
	return lines
}

// fromDirectory is the fan-out of ev from the committer's directory, which
// must be usable and the same as a whole read. It runs on the committer's goroutine: it returns errors
// rather than stop the test there.
func fromDirectory(tt *tx, ev domain.NotificationEvent, at time.Time) ([]string, error) {
	if tt.dir == nil {
		return nil, errors.New("the transaction has no directory: not the SQLite committer")
	}
	d, err := tt.dir.get(tt)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, errors.New("the directory is not usable")
	}
	if err := sameAsWholeRead(tt, d); err != nil {
		return nil, err
	}
	out, err := fanOut(d, ev, at, "k")
	return describe(out), err
}

// fromQueries is the fan-out of ev from the tables.
func fromQueries(tt *tx, ev domain.NotificationEvent, at time.Time) ([]string, error) {
	out, err := fanOut(tt, ev, at, "k")
	return describe(out), err
}

// dirWorld is the random contents of the property test.
type dirWorld struct {
	rng      *rand.Rand
	users    []userRow
	dels     []delegationRow
	hooks    []webhookRow
	roles    []string // role names, some odd, for accounts, delegations and events
	nations  []string
	kinds    []string
	channels []string
	oddRoles []string // roles columns a LIKE would misread: other cases, neighbours of role names
	// delegateRoles are roles columns for a delegate: mostly without any
	// approver role (which ends what delegations give them), some with one.
	delegateRoles []string
	usernames     []string
}

func newDirWorld(seed int64) *dirWorld {
	w := &dirWorld{rng: rand.New(rand.NewPCG(uint64(seed), 11)),
		nations:  []string{"NO", "SE", "DK", ""},
		kinds:    []string{"request.submitted", "request.decided", "stage.active"},
		channels: []string{domain.ChannelInbox, domain.ChannelEmail, domain.ChannelWebhook},
		oddRoles: []string{"ADMIN", "Operations_Approver", "liaisonXofficer", "", ",admin,", "admin,,auditor", "ops,lead",
			"ops_lead", "auditor,ops_lead", "opsXlead", "ops%lead", "hns,officer", "liaison,officer,admin"},
		delegateRoles: []string{"liaison_officer", "auditor", "admin", "auditor,admin", "", "HNS_OFFICER", "hns,officer",
			"range_officerX", "ministry", "admin,range_officer"}}
	for _, r := range []domain.Role{domain.RoleLiaison, domain.RoleHNS, domain.RoleRange, domain.RoleOperations,
		domain.RoleMinistry, domain.RoleAuditor, domain.RoleAdmin} {
		w.roles = append(w.roles, string(r))
	}
	w.roles = append(w.roles, "ops_lead", "ops%lead", "ops%")
	return w
}

func (w *dirWorld) pick(from []string) string { return from[w.rng.IntN(len(from))] }

// rolesColumn is a random roles column: a set of roles, now and then an
// odd one.
func (w *dirWorld) rolesColumn() string {
	if w.rng.IntN(8) == 0 {
		return w.pick(w.oddRoles)
	}
	var rs []string
	for _, r := range w.roles[:7] {
		if w.rng.IntN(3) == 0 {
			rs = append(rs, r)
		}
	}
	return strings.Join(rs, ",")
}

// someTime is a random time around dirBase, to the microsecond.
func (w *dirWorld) someTime() time.Time {
	return dirBase.Add(time.Duration(w.rng.Int64N(int64(96*time.Hour))) - 48*time.Hour).Truncate(time.Microsecond)
}

func (w *dirWorld) disabledAt() *time.Time {
	if w.rng.IntN(5) == 0 {
		at := w.someTime()
		return &at
	}
	return nil
}

func (w *dirWorld) addUser(tt *tx, i int) error {
	id, err := randomID()
	if err != nil {
		return err
	}
	roles := w.rolesColumn()
	if i < len(w.oddRoles) { // every odd column from the start
		roles = w.oddRoles[i]
	}
	u := userRow{ID: id, Username: fmt.Sprintf("u%02d", i), PasswordHash: "x", Roles: roles,
		Nation: w.pick(w.nations), CreatedAt: dirBase, Generation: 1, Version: 1, DisabledAt: w.disabledAt()}
	if w.rng.IntN(4) > 0 {
		u.Email = u.Username + "@example.org"
	}
	w.users = append(w.users, u)
	w.usernames = append(w.usernames, u.Username)
	return translate(tt.g.Create(&u).Error, "user")
}

func (w *dirWorld) addDelegation(tt *tx) error {
	id, err := randomID()
	if err != nil {
		return err
	}
	from, to, role := w.pick(append(w.usernames, "ghost")), w.pick(append(w.usernames, "ghost")), w.pick(w.roles)
	if u := w.users[w.rng.IntN(len(w.users))]; w.rng.IntN(2) == 0 { // half of them of a role their delegator held
		if held := toDomainUser(u).Roles; len(held) > 0 {
			from, role = u.Username, string(held[w.rng.IntN(len(held))])
		}
	}
	start := w.someTime()
	d := delegationRow{ID: id, FromUser: from, ToUser: to, Role: role, StartsAt: start,
		EndsAt: start.Add(time.Duration(1+w.rng.IntN(72)) * time.Hour), CreatedAt: dirBase}
	if w.rng.IntN(5) == 0 {
		d.RevokedAt = &start
	}
	w.dels = append(w.dels, d)
	return translate(tt.g.Create(&d).Error, "delegation")
}

func (w *dirWorld) addWebhook(tt *tx) error {
	id, err := randomID()
	if err != nil {
		return err
	}
	h := webhookRow{ID: id, URL: "https://hooks.example.org/" + id[:6], Secret: "s", CreatedBy: "admin", CreatedAt: dirBase}
	if w.rng.IntN(3) == 0 {
		role := w.pick(w.roles)
		h.Role = &role
	} else {
		uid := w.users[w.rng.IntN(len(w.users))].ID
		h.UserID = &uid
	}
	if w.rng.IntN(5) == 0 {
		h.RevokedAt = &dirBase
	}
	w.hooks = append(w.hooks, h)
	return translate(tt.g.Create(&h).Error, "webhook")
}

func (w *dirWorld) addOptOut(tt *tx) error {
	uid := w.users[w.rng.IntN(len(w.users))].ID
	return tt.exec("INSERT INTO notification_optouts (user_id, kind, channel) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		uid, w.pick(w.kinds), w.pick(w.channels))
}

// mutate makes one random change of what the fan-out reads, or of a column
// it does not read.
func (w *dirWorld) mutate(tt *tx) error {
	u := w.users[w.rng.IntN(len(w.users))]
	switch w.rng.IntN(12) {
	case 0:
		return tt.exec("UPDATE users SET roles = ? WHERE id = ?", w.rolesColumn(), u.ID)
	case 1:
		return tt.exec("UPDATE users SET nation = ? WHERE id = ?", w.pick(w.nations), u.ID)
	case 2:
		return tt.exec("UPDATE users SET disabled_at = ? WHERE id = ?", w.disabledAt(), u.ID)
	case 3:
		return tt.exec("UPDATE users SET email = ? WHERE id = ?", fmt.Sprintf("new%d@example.org", w.rng.IntN(100)), u.ID)
	case 4: // a username taken by nobody, or one freed by an earlier rename
		name := w.pick(append(w.usernames, "ghost"))
		return tt.exec("UPDATE users SET username = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM users WHERE username = ?)",
			name, u.ID, name)
	case 5:
		return tt.exec("UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = ?", u.ID)
	case 6:
		d := w.dels[w.rng.IntN(len(w.dels))]
		return tt.exec("UPDATE delegations SET revoked_at = ? WHERE id = ?", dbTime(dirBase), d.ID)
	case 7:
		return w.addDelegation(tt)
	case 8:
		return w.addOptOut(tt)
	case 9:
		return tt.exec("DELETE FROM notification_optouts WHERE user_id = ?", u.ID)
	case 10: // a delegate loses every approver role (or is given one back), or is disabled
		d := w.dels[w.rng.IntN(len(w.dels))]
		if w.rng.IntN(4) == 0 {
			return tt.exec("UPDATE users SET disabled_at = ? WHERE username = ?", w.disabledAt(), d.ToUser)
		}
		return tt.exec("UPDATE users SET roles = ? WHERE username = ?", w.pick(w.delegateRoles), d.ToUser)
	default:
		if w.rng.IntN(2) == 0 {
			return w.addWebhook(tt)
		}
		h := w.hooks[w.rng.IntN(len(w.hooks))]
		return tt.exec("UPDATE webhooks SET revoked_at = ? WHERE id = ?", dbTime(dirBase), h.ID)
	}
}

// event is a random event: for an account (by name, perhaps unknown or in
// another case), a nation (sometimes with a role), or a role (perhaps
// odd); at a random time or exactly at a delegation's start or end.
func (w *dirWorld) event() (domain.NotificationEvent, time.Time) {
	ev := domain.NotificationEvent{Kind: w.pick(w.kinds), RequestID: "r1"}
	switch w.rng.IntN(3) {
	case 0:
		ev.Audience.User = w.pick(append(w.usernames, "ghost", "U01", ""))
	case 1:
		ev.Audience.Nation = w.pick(w.nations[:3])
		if w.rng.IntN(3) == 0 {
			ev.Audience.Role = domain.Role(w.pick(w.roles))
		}
	default:
		ev.Audience.Role = domain.Role(w.pick(append(w.roles, "ADMIN", "")))
	}
	at := w.someTime()
	if w.rng.IntN(3) == 0 { // a delegation's role at its start or end, or a microsecond off
		d := w.dels[w.rng.IntN(len(w.dels))]
		ev.Audience = domain.Audience{Role: domain.Role(d.Role)}
		at = d.StartsAt
		if w.rng.IntN(2) == 0 {
			at = d.EndsAt
		}
		if w.rng.IntN(2) == 0 {
			at = at.Add(time.Duration(2*w.rng.IntN(2)-1) * time.Microsecond)
		}
	}
	// A stage's event leaves out the people separation of duties bars
	// (holders and delegates, and the delegates of a barred delegator):
	// some of the accounts and delegations' people, a name that is none.
	if ev.Audience.Role != "" && w.rng.IntN(2) == 0 {
		for range 1 + w.rng.IntN(3) {
			who := w.pick(append(w.usernames, "ghost"))
			if w.rng.IntN(2) == 0 && len(w.dels) > 0 {
				d := w.dels[w.rng.IntN(len(w.dels))]
				who = d.FromUser
				if w.rng.IntN(2) == 0 {
					who = d.ToUser
				}
			}
			ev.Audience.Barred = append(ev.Audience.Barred, who)
		}
	}
	return ev, at
}

// strandedDelegates counts the delegations of role running at at whose
// delegator is enabled and holds the role and whose delegate is enabled
// but holds no approver role: those that domain.DelegateCounts leaves
// out, which the comparison must meet often enough to test that rule.
func strandedDelegates(tt *tx, role domain.Role, at time.Time) (int, error) {
	rows, err := runningDelegations(tt.g, "role", string(role), at)
	if err != nil {
		return 0, err
	}
	enabled := func(name string) (*domain.User, error) {
		var us []userRow
		if err := tt.g.Where("username = ? AND disabled_at IS NULL", name).Find(&us).Error; err != nil || len(us) == 0 {
			return nil, err
		}
		return toDomainUser(us[0]), nil
	}
	n := 0
	for _, r := range rows {
		from, err := enabled(r.FromUser)
		if err != nil {
			return 0, err
		}
		to, err := enabled(r.ToUser)
		if err != nil {
			return 0, err
		}
		if from != nil && from.HasRole(role) && to != nil && !domain.DelegateCounts(to) {
			n++
		}
	}
	return n, nil
}

// TestDirectoryMatchesQueries compares the directory's fan-out with the
// queries' over random accounts (odd roles columns: other cases, and
// neighbours of role names with "_" or "%" such as "ops,lead" beside the
// role ops_lead; nations; disabled ones), delegations (expiring, revoked, of disabled delegators or of
// delegators without the role, to delegates who are disabled or hold no
// approver role, or lose it), opt-outs and webhooks, for random events
// and times, through random changes made inside the transaction of the
// comparison and in earlier ones.
func TestDirectoryMatchesQueries(t *testing.T) {
	db := openMigratedAt(t, filepath.Join(t.TempDir(), "dir.db"))
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	w := newDirWorld(seed)
	inTx(t, db, func(tt *tx) error {
		for i := range 40 {
			if err := w.addUser(tt, i); err != nil {
				return err
			}
		}
		for range 80 {
			if err := w.addDelegation(tt); err != nil {
				return err
			}
		}
		for range 15 {
			if err := w.addWebhook(tt); err != nil {
				return err
			}
		}
		for range 30 {
			if err := w.addOptOut(tt); err != nil {
				return err
			}
		}
		return nil
	})
	nonEmpty, stranded := 0, 0
	for round := range 30 {
		inTx(t, db, func(tt *tx) error {
			for step := range 20 {
				if step%5 == 4 {
					if err := w.mutate(tt); err != nil {
						return err
					}
				}
				ev, at := w.event()
				want, err := fromQueries(tt, ev, at)
				if err != nil {
					return err
				}
				got, err := fromDirectory(tt, ev, at)
				if err != nil {
					return err
				}
				if !slices.Equal(got, want) {
					return fmt.Errorf("round %d step %d, %+v at %s:\ndirectory:\n  %s\nqueries:\n  %s", round, step, ev.Audience,
						at.Format(time.RFC3339Nano), strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
				if len(want) > 0 {
					nonEmpty++
				}
				if ev.Audience.Role != "" {
					n, err := strandedDelegates(tt, ev.Audience.Role, at)
					if err != nil {
						return err
					}
					stranded += n
				}
			}
			return nil
		})
		inTx(t, db, w.mutate)
	}
	if nonEmpty < 100 {
		t.Fatalf("only %d of 600 events had an audience: the test compares too little", nonEmpty)
	}
	t.Logf("%d delegations to delegates without an approver role met", stranded)
	if stranded < 10 {
		t.Fatalf("only %d delegations to delegates without an approver role met: the test compares too little", stranded)
	}
	// Read whole once; then brought up to date after the changes, at least
	// one per round, at most one per change.
	if k := db.batch.dir; k.loads != 1 || k.refreshes < 30 || k.refreshes > 30*5 {
		t.Fatalf("the directory was read whole %d times and brought up to date %d times", k.loads, k.refreshes)
	}
}

// dirFixture is a small organisation: two operations approvers (one of
// whom delegated the role to deputy, a range officer), a liaison officer
// each for Norway and Sweden, a webhook of ops1 and one of the operations
// role.
type dirFixture struct {
	db                     *DB
	ops1, ops2, loNO, loSE *domain.User
	deputy                 *domain.User
	delegation             string
	userHook, roleHook     string
}

func newDirFixture(t *testing.T, path string) *dirFixture {
	t.Helper()
	f := &dirFixture{db: openMigratedAt(t, path)}
	user := func(name, nation string, roles ...domain.Role) *domain.User {
		return &domain.User{Username: name, PasswordHash: "x", Roles: roles, Nation: nation, CreatedAt: dirBase,
			Email: name + "@example.org"}
	}
	f.ops1, f.ops2 = user("ops1", "", domain.RoleOperations), user("ops2", "", domain.RoleOperations)
	f.loNO, f.loSE = user("lo-NO", "NO", domain.RoleLiaison), user("lo-SE", "SE", domain.RoleLiaison)
	f.deputy = user("deputy", "", domain.RoleRange) // a delegate counts while they hold an approver role
	f.delegation, f.userHook, f.roleHook = "d1", "h-user", "h-role"
	inTx(t, f.db, func(tt *tx) error {
		for _, u := range []*domain.User{f.ops1, f.ops2, f.loNO, f.loSE, f.deputy} {
			if err := tt.CreateUser(u); err != nil {
				return err
			}
		}
		if err := tt.CreateDelegation(&domain.Delegation{ID: f.delegation, From: "ops1", To: "deputy",
			Role: domain.RoleOperations, Starts: dirBase.Add(-time.Hour), Ends: dirBase.Add(time.Hour), CreatedAt: dirBase}); err != nil {
			return err
		}
		if err := tt.CreateWebhook(&domain.Webhook{ID: f.userHook, UserID: f.ops1.ID, URL: "https://a.example.org/",
			Secret: "s", CreatedBy: "admin", CreatedAt: dirBase}); err != nil {
			return err
		}
		return tt.CreateWebhook(&domain.Webhook{ID: f.roleHook, Role: domain.RoleOperations, URL: "https://b.example.org/",
			Secret: "s", CreatedBy: "admin", CreatedAt: dirBase})
	})
	f.warm(t)
	return f
}

// warm lets the committer read its directory.
func (f *dirFixture) warm(t *testing.T) {
	t.Helper()
	inTx(t, f.db, func(tt *tx) error {
		_, err := fromDirectory(tt, domain.NotificationEvent{Kind: "k", Audience: domain.Audience{Role: domain.RoleAdmin}}, dirBase)
		return err
	})
	if f.db.batch.dir.cur == nil {
		t.Fatal("no directory after an event")
	}
}

// notify writes the rows of an event for audience a about request id at
// dirBase, as a change would.
func notify(a domain.Audience, id string) func(tt *tx) error {
	return func(tt *tx) error {
		return tt.notifyEvent(domain.NotificationEvent{Kind: "request.decided", Audience: a, RequestID: id}, dirBase, id)
	}
}

// storedKeys lists the keys of the rows stored for request id, less the key
// base: recipient:channel[:webhook] or role:<role>:webhook:<id>.
func storedKeys(t *testing.T, db *DB, id string) []string {
	t.Helper()
	ns, err := db.Notifications(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, n := range ns {
		keys = append(keys, strings.TrimPrefix(n.Key, id+":"))
	}
	slices.Sort(keys)
	return keys
}

// update changes the account u as the console and the API do.
func update(u *domain.User, change func(u *domain.User)) func(tt *tx) error {
	return func(tt *tx) error {
		cur, err := tt.GetUser(u.ID)
		if err != nil {
			return err
		}
		change(cur)
		return tt.UpdateUser(cur, cur.Version)
	}
}

// TestDirectorySeesEarlierCallers changes, in one caller of a shared
// transaction, something the fan-out reads, and checks that the event of
// the next caller in the same transaction is addressed as the change
// says, and as the queries would address it.
func TestDirectorySeesEarlierCallers(t *testing.T) {
	ops := domain.Audience{Role: domain.RoleOperations}
	norway := domain.Audience{Nation: "NO"}
	cases := []struct {
		name   string
		change func(f *dirFixture) func(tt *tx) error
		a      domain.Audience
		absent string // a key that the change removes
		added  string // a key that the change adds
	}{
		{"role removed", func(f *dirFixture) func(tt *tx) error {
			return update(f.ops2, func(u *domain.User) { u.Roles = nil })
		}, ops, "ops2:inbox", ""},
		{"account disabled", func(f *dirFixture) func(tt *tx) error {
			return update(f.ops2, func(u *domain.User) { at := dirBase; u.DisabledAt = &at })
		}, ops, "ops2:email", ""},
		{"nation changed", func(f *dirFixture) func(tt *tx) error {
			return update(f.loSE, func(u *domain.User) { u.Nation = "NO" })
		}, norway, "", "lo-SE:inbox"},
		{"e-mail changed", func(f *dirFixture) func(tt *tx) error {
			return update(f.ops2, func(u *domain.User) { u.Email = "" })
		}, ops, "", ""},
		{"delegation revoked", func(f *dirFixture) func(tt *tx) error {
			return func(tt *tx) error { return tt.RevokeDelegation(f.delegation, dirBase) }
		}, ops, "deputy:inbox", ""},
		{"delegator lost the role", func(f *dirFixture) func(tt *tx) error {
			return update(f.ops1, func(u *domain.User) { u.Roles = []domain.Role{domain.RoleAuditor} })
		}, ops, "deputy:inbox", ""},
		{"delegate lost their last approver role", func(f *dirFixture) func(tt *tx) error {
			return update(f.deputy, func(u *domain.User) { u.Roles, u.Nation = []domain.Role{domain.RoleLiaison}, "AT" })
		}, ops, "deputy:email", ""},
		{"delegate disabled", func(f *dirFixture) func(tt *tx) error {
			return update(f.deputy, func(u *domain.User) { at := dirBase; u.DisabledAt = &at })
		}, ops, "deputy:inbox", ""},
		{"user webhook revoked", func(f *dirFixture) func(tt *tx) error {
			return func(tt *tx) error { return tt.RevokeWebhook(f.userHook, dirBase) }
		}, ops, "ops1:webhook:h-user", ""},
		{"role webhook revoked", func(f *dirFixture) func(tt *tx) error {
			return func(tt *tx) error { return tt.RevokeWebhook(f.roleHook, dirBase) }
		}, ops, "role:operations_approver:webhook:h-role", ""},
		{"opt-out added", func(f *dirFixture) func(tt *tx) error {
			return func(tt *tx) error {
				return tt.SetNotificationOptOuts(f.ops1.ID, []domain.ChannelSetting{{Kind: "request.decided", Channel: domain.ChannelEmail}})
			}
		}, ops, "ops1:email", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
			ids := map[string]string{f.ops1.ID: "ops1", f.ops2.ID: "ops2", f.loNO.ID: "lo-NO", f.loSE.ID: "lo-SE", f.deputy.ID: "deputy"}
			named := func(keys []string) []string {
				out := make([]string, len(keys))
				for i, k := range keys {
					id, rest, _ := strings.Cut(k, ":")
					if n, ok := ids[id]; ok {
						k = n + ":" + rest
					}
					out[i] = k
				}
				slices.Sort(out)
				return out
			}
			oneBatch(t, f.db, notify(c.a, "before"))
			before := named(storedKeys(t, f.db, "before"))
			var fromSQL []string
			errs := oneBatch(t, f.db, c.change(f), notify(c.a, "after"), func(tt *tx) error {
				out, err := fanOut(tt, domain.NotificationEvent{Kind: "request.decided", Audience: c.a}, dirBase, "after")
				for _, o := range out {
					fromSQL = append(fromSQL, strings.TrimPrefix(o.key, "after:"))
				}
				return err
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("caller %d: %v", i, err)
				}
			}
			after := named(storedKeys(t, f.db, "after"))
			if slices.Sort(fromSQL); !slices.Equal(named(fromSQL), after) {
				t.Errorf("after the change, the rows stored are\n  %v\nthe queries say\n  %v", after, named(fromSQL))
			}
			if c.absent != "" && (!slices.Contains(before, c.absent) || slices.Contains(after, c.absent)) {
				t.Errorf("%s: before %v, after %v", c.absent, before, after)
			}
			if c.added != "" && (slices.Contains(before, c.added) || !slices.Contains(after, c.added)) {
				t.Errorf("%s: before %v, after %v", c.added, before, after)
			}
			if c.name == "e-mail changed" {
				ns, err := f.db.Notifications(context.Background(), "after")
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range ns {
					if n.Recipient == f.ops2.ID && n.Channel == domain.ChannelEmail && n.Address != "" {
						t.Errorf("ops2's e-mail row goes to %q after the address was removed", n.Address)
					}
				}
			}
		})
	}
}

// TestDirectoryForgetsRolledBackCallers: a caller changes an account, has
// the directory read again with its change, and fails; the next caller of
// the same transaction makes another change, which takes the same version
// number. Its event must see its own change and not the rolled-back one.
func TestDirectoryForgetsRolledBackCallers(t *testing.T) {
	f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
	ops := domain.Audience{Role: domain.RoleOperations}
	fail := errors.New("fails on purpose")
	errs := oneBatch(t, f.db,
		func(tt *tx) error {
			if err := update(f.ops2, func(u *domain.User) { u.Roles = nil })(tt); err != nil {
				return err
			}
			if err := notify(ops, "failed")(tt); err != nil {
				return err
			}
			return fail
		},
		func(tt *tx) error {
			if err := update(f.ops1, func(u *domain.User) { at := dirBase; u.DisabledAt = &at })(tt); err != nil {
				return err
			}
			return notify(ops, "after")(tt)
		})
	if errs[0] != fail || errs[1] != nil {
		t.Fatalf("callers: %v", errs)
	}
	if got := storedKeys(t, f.db, "failed"); len(got) != 0 {
		t.Fatalf("the failed caller's rows are stored: %v", got)
	}
	// ops1 is disabled: no ops1 rows, and deputy's delegation no longer
	// counts; ops2 keeps the role the failed caller took away.
	want := []string{f.ops2.ID + ":email", f.ops2.ID + ":inbox", "role:operations_approver:webhook:h-role"}
	if got := storedKeys(t, f.db, "after"); !slices.Equal(got, want) {
		t.Fatalf("rows after a rolled-back caller: %v, want %v", got, want)
	}
}

// TestDirectorySeesOtherProcesses changes an account through a second
// handle on the same file, as another process (the CLI) would, with the
// storage layer and with plain SQL; the first handle's next event sees it.
func TestDirectorySeesOtherProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir.db")
	f := newDirFixture(t, path)
	other := openMigratedAt(t, path)
	ops := domain.Audience{Role: domain.RoleOperations}
	inTx(t, other, update(f.ops2, func(u *domain.User) { u.Roles = nil }))
	inTx(t, f.db, notify(ops, "one"))
	if got := storedKeys(t, f.db, "one"); slices.Contains(got, f.ops2.ID+":inbox") || !slices.Contains(got, f.ops1.ID+":inbox") {
		t.Fatalf("after ops2 lost the role in another process: %v", got)
	}
	if err := other.writer.Exec("UPDATE users SET disabled_at = ? WHERE id = ?", dbTime(dirBase), f.ops1.ID).Error; err != nil {
		t.Fatal(err)
	}
	inTx(t, f.db, notify(ops, "two"))
	if got := storedKeys(t, f.db, "two"); !slices.Equal(got, []string{"role:operations_approver:webhook:h-role"}) {
		t.Fatalf("after ops1 was disabled with plain SQL in another process: %v", got)
	}
}

// TestDirectoryReadOnlyWhenNeeded: a change of a column the fan-out does
// not read (a failed sign-in) keeps the directory; a change of one it
// reads has that account read again, not the whole directory.
func TestDirectoryReadOnlyWhenNeeded(t *testing.T) {
	f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
	ops := domain.Audience{Role: domain.RoleOperations}
	k := &f.db.batch.dir
	loads, refreshes := k.loads, k.refreshes
	inTx(t, f.db, update(f.ops2, func(u *domain.User) { u.FailedSignIns++ }))
	inTx(t, f.db, notify(ops, "one"))
	inTx(t, f.db, notify(ops, "two"))
	if k.loads != loads || k.refreshes != refreshes {
		t.Fatalf("without a change of what it holds, the directory was read whole %d times and brought up to date %d times",
			k.loads-loads, k.refreshes-refreshes)
	}
	inTx(t, f.db, update(f.ops2, func(u *domain.User) { u.Nation = "NO" }))
	inTx(t, f.db, notify(ops, "three"))
	if k.loads != loads || k.refreshes != refreshes+1 {
		t.Fatalf("after a change of one account, the directory was read whole %d times and brought up to date %d times; want 0 and 1",
			k.loads-loads, k.refreshes-refreshes)
	}
}

// TestDirectoryWithoutTriggers: when a trigger is missing (a migration
// rebuilt a table and forgot it), the schema change is noticed and events
// read the tables, which see every change.
func TestDirectoryWithoutTriggers(t *testing.T) {
	f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
	if err := f.db.writer.Exec("DROP TRIGGER directory_users_update").Error; err != nil {
		t.Fatal(err)
	}
	inTx(t, f.db, func(tt *tx) error {
		if d, err := tt.dir.get(tt); err != nil || d != nil {
			return fmt.Errorf("directory without a trigger: %v, %v; want none", d, err)
		}
		return nil
	})
	inTx(t, f.db, update(f.ops2, func(u *domain.User) { u.Roles = nil }))
	inTx(t, f.db, notify(domain.Audience{Role: domain.RoleOperations}, "one"))
	if got := storedKeys(t, f.db, "one"); slices.Contains(got, f.ops2.ID+":inbox") {
		t.Fatalf("ops2 lost the role but is told: %v", got)
	}
}

// TestDirectoryForgetsFailedBatches: a caller changes an account, has the
// directory read again and then breaks the shared transaction (it releases
// the committer's savepoint itself), so that nothing of the batch commits.
// The next batch's change takes the same version number; its event must
// see that change and not the lost one.
func TestDirectoryForgetsFailedBatches(t *testing.T) {
	f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
	ops := domain.Audience{Role: domain.RoleOperations}
	errs := oneBatch(t, f.db, func(tt *tx) error {
		if err := update(f.ops2, func(u *domain.User) { u.Roles = nil })(tt); err != nil {
			return err
		}
		if err := notify(ops, "lost")(tt); err != nil {
			return err
		}
		return tt.exec("RELEASE caller")
	})
	if errs[0] == nil {
		t.Fatal("the batch whose savepoint was released committed")
	}
	if got := storedKeys(t, f.db, "lost"); len(got) != 0 {
		t.Fatalf("the failed batch's rows are stored: %v", got)
	}
	inTx(t, f.db, update(f.ops1, func(u *domain.User) { at := dirBase; u.DisabledAt = &at }))
	inTx(t, f.db, notify(ops, "after"))
	want := []string{f.ops2.ID + ":email", f.ops2.ID + ":inbox", "role:operations_approver:webhook:h-role"}
	if got := storedKeys(t, f.db, "after"); !slices.Equal(got, want) {
		t.Fatalf("rows after a failed batch: %v, want %v", got, want)
	}
}

// TestDirectoryDelegatesInIDOrder: the delegates of a role come in the
// order of their account ids, as the query sorts them, whatever the order
// of the delegations.
func TestDirectoryDelegatesInIDOrder(t *testing.T) {
	f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
	first := &domain.User{ID: "0000", Username: "deputy2", PasswordHash: "x", CreatedAt: dirBase, Roles: []domain.Role{domain.RoleMinistry}}
	inTx(t, f.db, func(tt *tx) error {
		if err := tt.CreateUser(first); err != nil {
			return err
		}
		return tt.CreateDelegation(&domain.Delegation{ID: "d2", From: "ops2", To: "deputy2", Role: domain.RoleOperations,
			Starts: dirBase.Add(-time.Hour), Ends: dirBase.Add(time.Hour), CreatedAt: dirBase})
	})
	ev := domain.NotificationEvent{Kind: "request.decided", Audience: domain.Audience{Role: domain.RoleOperations}}
	inTx(t, f.db, func(tt *tx) error {
		want, err := fromQueries(tt, ev, dirBase)
		if err != nil {
			return err
		}
		got, err := fromDirectory(tt, ev, dirBase)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) || !strings.Contains(strings.Join(want, " "), "to=0000") {
			return fmt.Errorf("directory:\n  %s\nqueries:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		return nil
	})
}
