package domain

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReceivesRole: after a revocation, a delegate is still told of a
// role's stages only while they hold it themselves or an active
// delegation of it to them remains; then nothing queued to them for the
// role is withdrawn.
func TestReceivesRole(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	range_ := &User{Username: "deputy", Roles: []Role{RoleRange}}
	both := &User{Username: "deputy", Roles: []Role{RoleRange, RoleHNS}}
	active := Delegation{ID: "d2", From: "hns2", To: "deputy", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	other := active
	other.Role = RoleOperations
	ended := active
	ended.Ends = now
	later := active
	later.Starts = now.Add(time.Minute)
	revoked := active
	revoked.RevokedAt = &now
	elsewhere := active
	elsewhere.To = "someone"
	liaison := &User{Username: "deputy", Roles: []Role{RoleLiaison}, Nation: "AT"}
	auditor := &User{Username: "deputy", Roles: []Role{RoleAuditor}}
	disabled := &User{Username: "deputy", Roles: []Role{RoleRange}, DisabledAt: &now}
	for _, c := range []struct {
		name string
		u    *User
		ds   []Delegation
		want bool
	}{
		{"no other hold on the role", range_, nil, false},
		{"holds it directly", both, nil, true},
		{"another active delegation of it", range_, []Delegation{active}, true},
		{"another delegation of another role", range_, []Delegation{other}, false},
		{"another delegation that has ended", range_, []Delegation{ended}, false},
		{"another delegation not started yet", range_, []Delegation{later}, false},
		{"another delegation revoked too", range_, []Delegation{revoked}, false},
		{"a delegation to someone else", range_, []Delegation{elsewhere}, false},
		// A delegation gives nothing to a delegate who is disabled or holds
		// no approver role any more, whatever the read returned.
		{"an active delegation to a delegate now a liaison officer", liaison, []Delegation{active}, false},
		{"an active delegation to a delegate now an auditor", auditor, []Delegation{active}, false},
		{"an active delegation to a disabled delegate", disabled, []Delegation{active}, false},
	} {
		if got := receivesRole(c.u, c.ds, RoleHNS, now); got != c.want {
			t.Errorf("%s: receivesRole = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestLapses: an account change ends a delegation of the account's when the
// delegation ran and counted before and does not count after: the account
// was disabled, or lost the delegated role. One of an account holding admin
// beside the role counted for nothing, so nothing lapses.
func TestLapses(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	hns := &User{Username: "hns", Roles: []Role{RoleHNS, RoleMinistry}}
	disabled := *hns
	disabled.DisabledAt = &now
	ministry := &User{Username: "hns", Roles: []Role{RoleMinistry}}
	hnsOnly := &User{Username: "hns", Roles: []Role{RoleHNS}}
	legacy := &User{Username: "hns", Roles: []Role{RoleAdmin, RoleHNS}}
	legacyOff := *legacy
	legacyOff.DisabledAt = &now
	active := Delegation{ID: "d1", From: "hns", To: "deputy", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	later := active
	later.Starts = now.Add(time.Minute)
	ended := active
	ended.Ends = now
	revoked := active
	revoked.RevokedAt = &now
	for _, c := range []struct {
		name          string
		d             Delegation
		before, after *User
		want          bool
	}{
		{"the delegator is disabled", active, hns, &disabled, true},
		{"the delegator loses the role", active, hns, ministry, true},
		{"the delegator loses another role", active, hns, hnsOnly, false},
		{"the delegator changes nothing of it", active, hns, hns, false},
		{"the delegator was disabled already", active, &disabled, &disabled, false},
		{"the delegator never held the role", active, ministry, &User{Username: "hns", Roles: []Role{RoleAuditor}}, false},
		{"the delegation has not started", later, hns, &disabled, false},
		{"the delegation has ended", ended, hns, &disabled, false},
		{"the delegation was revoked", revoked, hns, &disabled, false},
		// An account that held admin beside the role gave nothing by it
		// (delegatorInactive): nothing lapses, whatever it becomes.
		{"the delegator held admin too and is disabled", active, legacy, &legacyOff, false},
		{"the delegator held admin too and loses the role", active, legacy, &User{Username: "hns", Roles: []Role{RoleAdmin}}, false},
		{"the delegator loses admin", active, legacy, hnsOnly, false},
	} {
		if got := lapses(&c.d, c.before, c.after, now); got != c.want {
			t.Errorf("%s: lapses = %v, want %v", c.name, got, c.want)
		}
	}
}

// withdrawTx is a fake Tx for the outbox step of a delegation that stops
// counting: accounts by username, the delegations each delegate still has
// and each delegator gave, and the withdrawals asked for. Any other
// method of Tx panics (nil).
type withdrawTx struct {
	Tx
	users map[string]*User
	to    map[string][]Delegation // ActiveDelegations, by delegate
	from  map[string][]Delegation // DelegationsFrom, by delegator
	// received are DelegationsTo, by delegate
	received map[string][]Delegation
	calls    []string
}

func (f *withdrawTx) GetUserByUsername(name string, _ bool) (*User, error) {
	if u := f.users[name]; u != nil {
		return u, nil
	}
	return nil, ErrNotFound("user")
}

func (f *withdrawTx) ActiveDelegations(user string, _ time.Time) ([]Delegation, error) {
	return f.to[user], nil
}

func (f *withdrawTx) DelegationsFrom(user string, _ time.Time) ([]Delegation, error) {
	return f.from[user], nil
}

func (f *withdrawTx) DelegationsTo(user string, _ time.Time) ([]Delegation, error) {
	return f.received[user], nil
}

func (f *withdrawTx) WithdrawRoleNotices(userID string, role Role, reason string, _ time.Time) (int64, error) {
	f.calls = append(f.calls, "role "+userID+" "+string(role)+": "+reason)
	return 1, nil
}

func (f *withdrawTx) WithdrawDelegationNotices(userID, id, reason string, _ time.Time) (int64, error) {
	f.calls = append(f.calls, "delegation "+userID+" "+id+": "+reason)
	return 1, nil
}

// TestWithdrawDelegatedNotices: a delegation that stops counting — revoked,
// or lapsed with its delegator — withdraws its delegate's queued notices
// about that delegation (it started, it ends soon) always, with the
// change's reason; and their notices of the role only when they no longer
// receive it at all. A delegate without an account has nothing queued.
func TestWithdrawDelegatedNotices(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	d1 := Delegation{ID: "d1", From: "hns", To: "deputy", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	d2 := d1
	d2.ID, d2.From = "d2", "hns2"
	deputy := &User{ID: "u-deputy", Username: "deputy", Roles: []Role{RoleRange}}
	both := &User{ID: "u-deputy", Username: "deputy", Roles: []Role{RoleRange, RoleHNS}}
	const revoked, lapsed = DelegationRevokedError, DelegationLapsedError
	for _, c := range []struct {
		name   string
		deputy *User
		others []Delegation // the deputy's delegations still counting after the change
		reason string
		want   []string
	}{
		{"revoked, no other hold on the role", deputy, nil, revoked,
			[]string{"delegation u-deputy d1: " + revoked, "role u-deputy hns_officer: " + revoked}},
		{"revoked, the delegate holds the role directly", both, nil, revoked,
			[]string{"delegation u-deputy d1: " + revoked}},
		{"revoked, another delegation of the role counts", deputy, []Delegation{d2}, revoked,
			[]string{"delegation u-deputy d1: " + revoked}},
		{"revoked, the read still returns it", deputy, []Delegation{d1}, revoked,
			[]string{"delegation u-deputy d1: " + revoked, "role u-deputy hns_officer: " + revoked}},
		{"lapsed, no other hold on the role", deputy, nil, lapsed,
			[]string{"delegation u-deputy d1: " + lapsed, "role u-deputy hns_officer: " + lapsed}},
		{"lapsed, another delegation of the role counts", deputy, []Delegation{d2}, lapsed,
			[]string{"delegation u-deputy d1: " + lapsed}},
		{"the delegate has no account", nil, nil, revoked, nil},
	} {
		tx := &withdrawTx{users: map[string]*User{}, to: map[string][]Delegation{"deputy": c.others}}
		if c.deputy != nil {
			tx.users["deputy"] = c.deputy
		}
		d := d1
		if err := withdrawDelegatedNotices(tx, &d, c.reason, now); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(tx.calls, c.want) {
			t.Errorf("%s: withdrew %q, want %q", c.name, tx.calls, c.want)
		}
	}
}

// TestLapsedDelegationWithdrawsItsOwnNotices: disabling a delegator takes
// each of their running delegations' notices from its delegate, each by its
// own id, with the lapse's reason.
func TestLapsedDelegationWithdrawsItsOwnNotices(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	hns := &User{ID: "u-hns", Username: "hns", Roles: []Role{RoleHNS}}
	disabled := *hns
	disabled.DisabledAt = &now
	toDeputy := Delegation{ID: "d1", From: "hns", To: "deputy", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	toGov := toDeputy
	toGov.ID, toGov.To = "d3", "gov"
	tx := &withdrawTx{
		users: map[string]*User{"deputy": {ID: "u-deputy", Username: "deputy", Roles: []Role{RoleRange}},
			"gov": {ID: "u-gov", Username: "gov", Roles: []Role{RoleMinistry}}},
		from: map[string][]Delegation{"hns": {toDeputy, toGov}},
	}
	if err := withdrawLapsedDelegations(tx, hns, &disabled, now); err != nil {
		t.Fatal(err)
	}
	const r = DelegationLapsedError
	want := []string{"delegation u-deputy d1: " + r, "role u-deputy hns_officer: " + r,
		"delegation u-gov d3: " + r, "role u-gov hns_officer: " + r}
	if !slices.Equal(tx.calls, want) {
		t.Errorf("withdrew %q, want %q", tx.calls, want)
	}
}

// TestNoticeDelegation: a row about a delegation names it in its key, as
// the sweep makes it (the notice's key, then the recipient and channel);
// every other row is about none.
func TestNoticeDelegation(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	d := Delegation{ID: "0193-d1", From: "hns", To: "deputy", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	notices := ScheduledNotices(now, ScheduleCandidates{Delegations: []Delegation{d}})
	if len(notices) != 2 {
		t.Fatalf("notices %+v, want started and ending", notices)
	}
	prefixes := DelegationNoticeKeyPrefixes(d.ID)
	for _, n := range notices {
		for _, suffix := range []string{":u-deputy:email", ":u-deputy:webhook:w-1"} {
			row := Notification{Kind: n.Event.Kind, Key: n.Key + suffix}
			if id, ok := NoticeDelegation(row); id != d.ID || !ok {
				t.Errorf("%s: NoticeDelegation = %q, %v; want %q, true", row.Key, id, ok, d.ID)
			}
			if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(row.Key, p) }) {
				t.Errorf("%s: begins with none of %q", row.Key, prefixes)
			}
			if UnaddressedError(row) != DelegationNotRunningError {
				t.Errorf("%s: UnaddressedError = %q", row.Key, UnaddressedError(row))
			}
		}
	}
	// A delegation whose id begins with another's is not that one.
	if slices.ContainsFunc(DelegationNoticeKeyPrefixes("0193"), func(p string) bool {
		return strings.HasPrefix(notices[0].Key+":u:email", p)
	}) {
		t.Error("the prefixes of delegation 0193 match a row about 0193-d1")
	}
	for _, c := range []struct {
		name string
		n    Notification
		id   string
		ok   bool
	}{
		{"a stage notice", Notification{Kind: NotifyStageActive, Key: "a7.0:u-deputy:email", AudienceRole: RoleHNS}, "", false},
		{"a liaison officer's notice", Notification{Kind: NotifyWithdrawn, Key: "delegation.started:d1:u:email"}, "", false},
		{"a key that names no delegation", Notification{Kind: NotifyDelegationStarted, Key: "something else"}, "", true},
		{"a key of another kind", Notification{Kind: NotifyDelegationEnding, Key: "delegation.started:d1:u:email"}, "", true},
	} {
		if id, ok := NoticeDelegation(c.n); id != c.id || ok != c.ok {
			t.Errorf("%s: NoticeDelegation = %q, %v; want %q, %v", c.name, id, ok, c.id, c.ok)
		}
	}
	if UnaddressedError(Notification{Kind: NotifyStageActive, AudienceRole: RoleHNS}) != RoleNotHeldError {
		t.Error("a stage notice's reason is not RoleNotHeldError")
	}
}

// TestDelegateCounts: a delegation gives its delegate something only
// while the delegate is enabled and holds at least one approver role —
// what creating one asks of the delegate.
func TestDelegateCounts(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		u    *User
		want bool
	}{
		{"a range officer", &User{Roles: []Role{RoleRange}}, true},
		{"a minister and auditor", &User{Roles: []Role{RoleAuditor, RoleMinistry}}, true},
		{"a liaison officer", &User{Roles: []Role{RoleLiaison}, Nation: "AT"}, false},
		{"an auditor", &User{Roles: []Role{RoleAuditor}}, false},
		{"an administrator", &User{Roles: []Role{RoleAdmin}}, false},
		{"no role", &User{}, false},
		{"a role name in another case", &User{Roles: []Role{"HNS_OFFICER"}}, false},
		{"a disabled range officer", &User{Roles: []Role{RoleRange}, DisabledAt: &now}, false},
		{"no account", nil, false},
	} {
		if got := DelegateCounts(c.u); got != c.want {
			t.Errorf("%s: DelegateCounts = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestWithdrawReceivedDelegations: an account change that disables a
// delegate, or takes their last approver role, withdraws the delegate's
// queued rows about each delegation to them and those of each delegated
// role they did not hold themselves before, with DelegateLapsedError (once
// per role); a change that leaves them an approver, or of an account that
// was no delegate who counted, withdraws nothing here.
func TestWithdrawReceivedDelegations(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	fromHNS := Delegation{ID: "d1", From: "hns", To: "x1", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	fromHNS2 := fromHNS
	fromHNS2.ID, fromHNS2.From = "d2", "hns2"
	fromRange := fromHNS
	fromRange.ID, fromRange.From, fromRange.Role = "d3", "range2", RoleRange
	x1 := func(roles ...Role) *User { return &User{ID: "u-x1", Username: "x1", Roles: roles} }
	disabled := x1(RoleRange)
	disabled.DisabledAt = &now
	austrian := x1(RoleLiaison)
	austrian.Nation = "AT"
	const r = DelegateLapsedError
	for _, c := range []struct {
		name          string
		before, after *User
		received      []Delegation
		want          []string
	}{
		{"made a liaison officer", x1(RoleRange), austrian, []Delegation{fromHNS},
			[]string{"delegation u-x1 d1: " + r, "role u-x1 hns_officer: " + r}},
		{"disabled", x1(RoleRange), disabled, []Delegation{fromHNS},
			[]string{"delegation u-x1 d1: " + r, "role u-x1 hns_officer: " + r}},
		{"two delegations of one role", x1(RoleRange), x1(RoleAuditor), []Delegation{fromHNS, fromHNS2},
			[]string{"delegation u-x1 d1: " + r, "role u-x1 hns_officer: " + r, "delegation u-x1 d2: " + r}},
		{"a delegated role held directly as well", x1(RoleRange), austrian, []Delegation{fromRange, fromHNS},
			[]string{"delegation u-x1 d3: " + r, "delegation u-x1 d1: " + r, "role u-x1 hns_officer: " + r}},
		{"another approver role left", x1(RoleRange), x1(RoleMinistry), []Delegation{fromHNS}, nil},
		{"one of two approver roles left", x1(RoleRange, RoleMinistry), x1(RoleMinistry), []Delegation{fromHNS}, nil},
		{"no delegate who counted before", x1(RoleAuditor), austrian, []Delegation{fromHNS}, nil},
		{"no delegation to them", x1(RoleRange), austrian, nil, nil},
	} {
		tx := &withdrawTx{received: map[string][]Delegation{"x1": c.received}}
		if err := withdrawReceivedDelegations(tx, c.before, c.after, now); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(tx.calls, c.want) {
			t.Errorf("%s: withdrew %q, want %q", c.name, tx.calls, c.want)
		}
	}
}

// delegationsStore is a fake Store whose ActiveDelegations returns the
// delegations given, as a storage that filtered nothing would.
type delegationsStore struct {
	Store
	to    map[string][]Delegation
	roles map[string][]Role // GetUserByUsername: the accounts' roles, by username (none: not found)
}

func (s *delegationsStore) ActiveDelegations(_ context.Context, user string, _ time.Time) ([]Delegation, error) {
	return s.to[user], nil
}

func (s *delegationsStore) GetUserByUsername(_ context.Context, name string) (*User, error) {
	rs, ok := s.roles[name]
	if !ok {
		return nil, ErrNotFound("user")
	}
	return &User{Username: name, Roles: rs}, nil
}

// TestDelegatedAuthorityNeedsAnApprover: deciding a stage, and the queue,
// by delegation need a caller who holds an approver role: a former range
// officer who is a liaison officer or an auditor now does not act for hns,
// even if a read of delegations still returned one.
func TestDelegatedAuthorityNeedsAnApprover(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	d := Delegation{ID: "d1", From: "hns", To: "x1", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	ds := map[string][]Delegation{"x1": {d}}
	for _, c := range []struct {
		name      string
		roles     []Role
		actingFor string // "-": refused
		queue     []Role
	}{
		{"a range officer", []Role{RoleRange}, "hns", []Role{RoleRange, RoleHNS}},
		{"a liaison officer now", []Role{RoleLiaison}, "-", nil},
		{"an auditor now", []Role{RoleAuditor}, "-", nil},
		{"an hns officer themselves", []Role{RoleHNS}, "", []Role{RoleHNS}},
	} {
		p := Principal{Subject: "x1", Roles: c.roles}
		got, err := authority(&withdrawTx{to: ds}, p, RoleHNS, now)
		if c.actingFor == "-" {
			if ErrorCode(err) != CodeForbidden {
				t.Errorf("%s: authority = %q, %v; want forbidden", c.name, got, err)
			}
		} else if err != nil || got != c.actingFor {
			t.Errorf("%s: authority = %q, %v; want %q", c.name, got, err, c.actingFor)
		}
		roles, err := decidableRoles(&withdrawTx{to: ds}, p, now)
		if err != nil || !slices.Equal(roles, c.queue) {
			t.Errorf("%s: decidable roles %v, %v; want %v", c.name, roles, err, c.queue)
		}
	}
}

// queueStore is a fake Store that keeps the filter the queue asked for.
type queueStore struct {
	delegationsStore
	f *QueueFilter
}

func (s *queueStore) ListQueue(_ context.Context, f QueueFilter) (QueuePage, error) {
	s.f = &f
	return QueuePage{}, nil
}

// TestQueueChecksWhomDecideChecks: the queue asks storage to leave out
// the stages separation of duties refuses the very people Decide checks
// (CheckSeparationOfDuties): the caller, and on a role they reach only by
// a delegation the person authority finds they act for (the first
// delegation of that role), not on a role they hold themselves.
func TestQueueChecksWhomDecideChecks(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	deleg := func(id, from string, role Role) Delegation {
		return Delegation{ID: id, From: from, To: "x1", Role: role, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	}
	for _, c := range []struct {
		name  string
		roles []Role
		ds    []Delegation
		role  Role // the query's role filter
		want  map[Role][]string
	}{
		{"a role held", []Role{RoleRange}, nil, "", map[Role][]string{RoleRange: {"x1"}}},
		{"a delegated role", []Role{RoleRange}, []Delegation{deleg("d1", "hns", RoleHNS)}, "",
			map[Role][]string{RoleRange: {"x1"}, RoleHNS: {"x1", "hns"}}},
		{"two delegators of one role: the first, as Decide", []Role{RoleRange},
			[]Delegation{deleg("d1", "hns", RoleHNS), deleg("d2", "hns2", RoleHNS)}, "",
			map[Role][]string{RoleRange: {"x1"}, RoleHNS: {"x1", "hns"}}},
		{"a role held and delegated too: acting for nobody", []Role{RoleRange, RoleHNS}, []Delegation{deleg("d1", "hns", RoleHNS)}, "",
			map[Role][]string{RoleRange: {"x1"}, RoleHNS: {"x1"}}},
		{"the role filter on a delegated role", []Role{RoleRange}, []Delegation{deleg("d1", "hns", RoleHNS)}, RoleHNS,
			map[Role][]string{RoleHNS: {"x1", "hns"}}},
	} {
		st := &queueStore{delegationsStore: delegationsStore{to: map[string][]Delegation{"x1": c.ds}}}
		s := &ApprovalService{store: st, now: func() time.Time { return now }}
		if _, _, err := s.Queue(context.Background(), Principal{Subject: "x1", Roles: c.roles}, QueueQuery{Role: c.role}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if st.f == nil {
			t.Fatalf("%s: the queue asked storage nothing", c.name)
		}
		got := map[Role][]string{}
		for _, r := range st.f.Roles {
			got[r] = st.f.People(r)
		}
		if !maps.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%s: people checked per role %v, want %v", c.name, got, c.want)
		}
	}
}

// TestValidateDelegationTellsNoAccountsApart: a delegate who may not
// receive the delegation — no account, a disabled one, one without an
// approver role — is refused on to with one message, so that whoever may
// delegate learns nothing of accounts; an enabled approver is accepted.
func TestValidateDelegationTellsNoAccountsApart(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	p := Principal{Subject: "hns", Roles: []Role{RoleHNS}}
	in := DelegationInput{To: "x", Role: RoleHNS, Starts: now, Ends: now.Add(time.Hour)}
	disabled := &User{Username: "x", Roles: []Role{RoleMinistry}, DisabledAt: &now}
	for _, c := range []struct {
		name string
		to   *User
		want string // "" accepted
	}{
		{"no account", nil, NoDelegateMessage},
		{"a liaison officer", &User{Username: "x", Roles: []Role{RoleLiaison}, Nation: "NO"}, NoDelegateMessage},
		{"an auditor", &User{Username: "x", Roles: []Role{RoleAuditor}}, NoDelegateMessage},
		{"an administrator", &User{Username: "x", Roles: []Role{RoleAdmin}}, NoDelegateMessage},
		{"a disabled approver", disabled, NoDelegateMessage},
		{"an approver", &User{Username: "x", Roles: []Role{RoleMinistry}}, ""},
	} {
		err := validateDelegation(p, in, c.to, now)
		var got string
		if e, ok := err.(*Error); ok {
			for _, f := range e.Fields {
				got += f.Field + ": " + f.Message
			}
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := map[bool]string{true: "", false: "to: " + c.want}[c.want == ""]; got != want {
			t.Errorf("%s: %q, want %q", c.name, got, want)
		}
	}
}
