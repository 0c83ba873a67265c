package domain

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// fieldMessage is the message of the first error of e naming field, ""
// when there is none.
func fieldMessage(err error, field string) string {
	e, _ := err.(*Error)
	if e == nil {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// TestReservedUsernames: no account is named as an actor of the audit log
// that is not an account (SystemActor), whatever its case or the white
// space around it; names that merely start like one are fine.
func TestReservedUsernames(t *testing.T) {
	ref := testReference()
	for _, c := range []struct {
		name     string
		reserved bool
	}{
		{"system", true},
		{SystemActor, true},
		{"SYSTEM", true},
		{"System", true},
		{" system ", true},
		{"system\t", true},
		{"systems", false},
		{"system-ops", false},
		{"sys", false},
		{"ops", false},
	} {
		err := ValidateUser(User{Username: c.name, Roles: []Role{RoleHNS}}, ref)
		msg := fieldMessage(err, "username")
		switch {
		case c.reserved && (ErrorCode(err) != CodeInvalid || !strings.Contains(msg, "reserved")):
			t.Errorf("%q: %v (username: %q), want invalid naming username as reserved", c.name, err, msg)
		case !c.reserved && err != nil:
			t.Errorf("%q: %v, want valid", c.name, err)
		}
	}
	// The accounts service refuses it before anything is stored.
	s := &editTx{}
	us := NewUserService(&editStore{tx: s}, nil, time.Now, func() string { return "id" })
	if _, err := us.CreateUser(context.Background(), "admin", User{Username: "system", Roles: []Role{RoleHNS}}, "hash"); ErrorCode(err) != CodeInvalid ||
		fieldMessage(err, "username") == "" || len(s.writes) != 0 || len(s.audited) != 0 {
		t.Errorf("creating an account named system: %v, writes %v, audited %v", err, s.writes, s.audited)
	}
}

// TestAdministratorHoldsNoOtherRole: the role admin stands alone, on
// creation and on change, with an error naming roles.
func TestAdministratorHoldsNoOtherRole(t *testing.T) {
	ref := testReference()
	for _, c := range []struct {
		roles []Role
		ok    bool
	}{
		{[]Role{RoleAdmin}, true},
		{[]Role{RoleHNS, RoleMinistry}, true},
		{[]Role{RoleOperations, RoleAuditor}, true},
		{[]Role{RoleAdmin, RoleAuditor}, false},
		{[]Role{RoleAdmin, RoleHNS}, false},
		{[]Role{RoleMinistry, RoleAdmin, RoleOperations}, false},
		{[]Role{RoleAdmin, RoleAdmin, RoleRange}, false},
	} {
		err := ValidateUser(User{Username: "someone", Roles: c.roles}, ref)
		if c.ok != (err == nil) || (!c.ok && !strings.Contains(fieldMessage(err, "roles"), "administrator holds no other role")) {
			t.Errorf("%v: %v, want ok=%v (an error naming roles)", c.roles, err, c.ok)
		}
	}

	s := &editTx{user: User{ID: "u1", Username: "gov", Roles: []Role{RoleMinistry}, Version: 3, Generation: 5}}
	us := NewUserService(&editStore{tx: s}, nil, time.Now, func() string { return "id" })
	both := []Role{RoleAdmin, RoleMinistry}
	if _, err := us.Change(context.Background(), "admin", "u1", 3, UserChange{Roles: &both}); ErrorCode(err) != CodeInvalid ||
		fieldMessage(err, "roles") == "" || len(s.writes) != 0 || len(s.audited) != 0 {
		t.Errorf("making an approver an administrator too: %v, writes %v, audited %v", err, s.writes, s.audited)
	}
}

// TestNobodyChangesTheirOwnPowers: an account's own roles and nation are
// changed by another administrator, never by itself (403, nothing stored
// or audited); its own address it may change, and a change that changes
// nothing stays no change. Another administrator's change is one audit
// entry.
func TestNobodyChangesTheirOwnPowers(t *testing.T) {
	roles := func(rs ...Role) *[]Role { return &rs }
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name    string
		actor   string
		ch      UserChange
		code    string
		audited []string
	}{
		{"own approver role", "boss", UserChange{Roles: roles(RoleAdmin, RoleMinistry, RoleOperations)}, CodeForbidden, nil},
		{"own roles swapped", "boss", UserChange{Roles: roles(RoleMinistry)}, CodeForbidden, nil},
		{"own nation", "boss", UserChange{Nation: str("NO")}, CodeForbidden, nil},
		{"own address", "boss", UserChange{Email: str("boss@example.org")}, "", []string{AuditUserUpdated}},
		{"own roles as they are", "boss", UserChange{Roles: roles(RoleAdmin), Nation: str("")}, "", nil},
		{"another administrator", "admin2", UserChange{Roles: roles(RoleAuditor)}, "", []string{AuditUserUpdated}},
	} {
		s := &editTx{user: User{ID: "u1", Username: "boss", Roles: []Role{RoleAdmin}, Version: 3, Generation: 5}}
		us := NewUserService(&adminsStore{tx: &adminsTx{editTx: s, admins: 2}}, nil, time.Now, func() string { return "id" })
		_, err := us.Change(context.Background(), c.actor, "u1", 3, c.ch)
		if ErrorCode(err) != c.code && !(c.code == "" && err == nil) {
			t.Errorf("%s: %v, want %q", c.name, err, c.code)
		}
		if c.code != "" && (err == nil || !strings.Contains(err.Error(), "another administrator must") || len(s.writes) != 0) {
			t.Errorf("%s: %v, writes %v", c.name, err, s.writes)
		}
		if !slices.Equal(s.audited, c.audited) {
			t.Errorf("%s: audited %v, want %v", c.name, s.audited, c.audited)
		}
	}
}

// adminsStore is an editStore whose transaction counts administrators.
type adminsStore struct {
	Store
	tx *adminsTx
}

func (s *adminsStore) InTx(_ context.Context, fn func(Tx) error) error { return fn(s.tx) }

// adminsTx is an editTx that counts admins enabled administrators.
type adminsTx struct {
	*editTx
	admins int
}

func (s *adminsTx) CountAdminsWhoCanSignIn(time.Time) (int, error) { return s.admins, nil }

// TestAdministratorsNeverDecide: a caller who holds admin is refused a
// decision with separation of duties, and is offered no stage by a
// request's page or the queue; nor is a delegate offered one through a
// delegation from an account holding admin, which does not count
// (delegatorInactive) — storage does not return it (DelegationCounts, as
// the store below reads the delegations) — while a delegation of the same
// role from an approver still gives it, whichever of the two comes first.
func TestAdministratorsNeverDecide(t *testing.T) {
	now := decideNow
	users := map[string][]Role{"gov": {RoleMinistry}, "boss": {RoleAdmin, RoleHNS}, "hns": {RoleHNS}, "x1": {RoleRange}}
	for _, c := range []struct {
		name    string
		p       Principal
		refused bool
	}{
		{"an approver", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, false},
		{"an administrator who is an approver too", Principal{Subject: "boss", Roles: []Role{RoleAdmin, RoleHNS}}, true},
		{"an administrator's token", Principal{Subject: "root", Roles: []Role{RoleAdmin}}, true},
	} {
		err := refuseAdministrator(c.p)
		if c.refused != (err != nil) || (c.refused && ErrorCode(err) != CodeSeparationOfDuties) {
			t.Errorf("%s: %v, want refused=%v (separation of duties)", c.name, err, c.refused)
		}
	}

	account := func(name string) *User {
		if rs, ok := users[name]; ok {
			return &User{Username: name, Roles: rs}
		}
		return nil
	}
	// counting are the delegations of ds that count, as storage returns
	// them (countingDelegations).
	counting := func(ds []Delegation) []Delegation {
		var out []Delegation
		for _, d := range ds {
			if DelegationCounts(d, account(d.From), account(d.To)) {
				out = append(out, d)
			}
		}
		return out
	}
	fromBoss := Delegation{ID: "d1", From: "boss", To: "x1", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	fromHNS := Delegation{ID: "d2", From: "hns", To: "x1", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	for _, c := range []struct {
		name  string
		p     Principal
		ds    []Delegation
		stage []string
		queue []Role
	}{
		{"an approver", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, nil, []string{"intake"}, []Role{RoleHNS}},
		{"an administrator and approver", Principal{Subject: "boss", Roles: []Role{RoleAdmin, RoleHNS}}, nil, nil, nil},
		{"a delegate of an administrator", Principal{Subject: "x1", Roles: []Role{RoleRange}}, []Delegation{fromBoss}, nil, []Role{RoleRange}},
		{"a delegate of an approver", Principal{Subject: "x1", Roles: []Role{RoleRange}}, []Delegation{fromHNS}, []string{"intake"}, []Role{RoleRange, RoleHNS}},
		{"a delegate of an administrator first and of an approver", Principal{Subject: "x1", Roles: []Role{RoleRange}},
			[]Delegation{fromBoss, fromHNS}, []string{"intake"}, []Role{RoleRange, RoleHNS}},
	} {
		qs := &queueStore{delegationsStore: delegationsStore{to: map[string][]Delegation{"x1": counting(c.ds)}, roles: users}}
		s := &ApprovalService{store: qs, now: func() time.Time { return now }}
		got, err := s.DecidableStages(context.Background(), c.p, reviewed())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var stages []string
		for _, sc := range got {
			stages = append(stages, sc.Stage.ID)
			if sc.ActingFor == "boss" {
				t.Errorf("%s: %s offered acting for boss", c.name, sc.Stage.ID)
			}
		}
		if !slices.Equal(stages, c.stage) {
			t.Errorf("%s: decidable stages %q, want %q", c.name, stages, c.stage)
		}
		if _, _, err := s.Queue(context.Background(), c.p, QueueQuery{}); err != nil {
			t.Fatalf("%s: queue: %v", c.name, err)
		}
		var queued []Role
		if qs.f != nil {
			queued = qs.f.Roles
		}
		if !slices.Equal(queued, c.queue) {
			t.Errorf("%s: the queue asked for roles %v, want %v", c.name, queued, c.queue)
		}
	}
}

// CreateUser records the creation of an account.
func (s *editTx) CreateUser(*User) error {
	s.writes = append(s.writes, "create")
	return nil
}

// TestNobodyResetsTheirOwnPassword: an administrator's reset of their own
// password is refused (403, nothing stored or audited), checked or done;
// another administrator and the command line (cli:…, no account) reset
// it.
func TestNobodyResetsTheirOwnPassword(t *testing.T) {
	for _, c := range []struct {
		actor string
		code  string
	}{{"boss", CodeForbidden}, {"admin2", ""}, {"cli:boss", ""}} {
		s := &editTx{user: User{ID: "u1", Username: "boss", Roles: []Role{RoleAdmin}, Version: 3, Generation: 5}}
		us := NewUserService(&adminsStore{tx: &adminsTx{editTx: s, admins: 2}}, nil, time.Now, func() string { return "id" })
		_, checkErr := us.CheckResetPassword(context.Background(), c.actor, "u1", "forgot")
		_, err := us.ResetPassword(context.Background(), c.actor, "u1", "hash", "forgot")
		for _, e := range []error{checkErr, err} {
			if ErrorCode(e) != c.code && !(c.code == "" && e == nil) {
				t.Errorf("%s: %v, want %q", c.actor, e, c.code)
			}
		}
		if c.code != "" && (err == nil || !strings.Contains(err.Error(), OwnResetRefusal) || len(s.writes) != 0 || len(s.audited) != 0) {
			t.Errorf("%s: %v, writes %v, audited %v", c.actor, err, s.writes, s.audited)
		}
		if c.code == "" && len(s.audited) != 1 {
			t.Errorf("%s: audited %v", c.actor, s.audited)
		}
	}
}
