package domain

import (
	"context"
	"slices"
	"testing"
	"time"
)

// editStore is a fake Store whose transactions are one editTx.
type editStore struct {
	Store
	tx *editTx
}

func (s *editStore) InTx(_ context.Context, fn func(Tx) error) error { return fn(s.tx) }

// editTx is a fake Tx for the administrators' edits of an account, a
// framework agreement and a training area: one of each, the writes and
// audit entries recorded. Any other method panics (nil).
type editTx struct {
	Tx
	user      User
	framework Framework
	area      TrainingArea
	writes    []string
	audited   []string
}

func (s *editTx) GetUser(string) (*User, error) {
	u := s.user
	u.Roles = slices.Clone(s.user.Roles)
	return &u, nil
}

func (s *editTx) UpdateUser(u *User, _ int) error {
	s.writes = append(s.writes, "user")
	s.user = *u
	return nil
}

func (s *editTx) WithdrawQueuedDeliveries(string, time.Time) (int64, error) {
	s.writes = append(s.writes, "withdraw")
	return 0, nil
}

func (s *editTx) WithdrawRoleNotices(_ string, role Role, _ string, _ time.Time) (int64, error) {
	s.writes = append(s.writes, "withdraw "+string(role))
	return 0, nil
}

func (s *editTx) ActiveDelegations(string, time.Time) ([]Delegation, error) { return nil, nil }

func (s *editTx) ReaddressQueuedMail(string, string, time.Time) (int64, error) {
	s.writes = append(s.writes, "readdress")
	return 0, nil
}

func (s *editTx) DelegationsFrom(string, time.Time) ([]Delegation, error) { return nil, nil }
func (s *editTx) DelegationsTo(string, time.Time) ([]Delegation, error)   { return nil, nil }

func (s *editTx) RequestsInReviewNaming(string) ([]Request, error) { return nil, nil }

func (s *editTx) GetFramework(string) (*Framework, error) {
	f := s.framework
	f.TrainingAreas = slices.Clone(s.framework.TrainingAreas)
	return &f, nil
}

func (s *editTx) GetFrameworkForUpdate(id string) (*Framework, error) { return s.GetFramework(id) }

func (s *editTx) UpdateFramework(f *Framework, _ int) error {
	s.writes = append(s.writes, "framework")
	s.framework = *f
	return nil
}

func (s *editTx) TrainingAreas([]string, bool) ([]TrainingArea, error) {
	a := s.area
	a.BlackoutDays = slices.Clone(s.area.BlackoutDays)
	return []TrainingArea{a}, nil
}

func (s *editTx) UpdateTrainingArea(a *TrainingArea, _ int) error {
	s.writes = append(s.writes, "area")
	s.area = *a
	return nil
}

func (s *editTx) AppendAudit(e *AuditEntry) error {
	s.audited = append(s.audited, e.Action)
	return nil
}

// TestUserChangeWithoutChangeIsNone: an administrator's change of an
// account that changes nothing — only a reason, or roles (in any order),
// nation or address equal to the current ones — stores nothing, audits
// nothing and keeps the version and the generation (no session ends). A
// change of roles or nation moves both on; a new address alone only the
// version. A role taken withdraws the queued rows of that role, a role
// added none, admin given all of them. A bad reason is refused even when nothing would change.
func TestUserChangeWithoutChangeIsNone(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	roles := func(rs ...Role) *[]Role { return &rs }
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name            string
		ch              UserChange
		version, gen    int
		writes, audited []string
	}{
		{"only a reason", UserChange{Reason: "checked"}, 3, 5, nil, nil},
		{"nothing at all", UserChange{}, 3, 5, nil, nil},
		{"the same roles", UserChange{Roles: roles(RoleHNS, RoleRange), Reason: "checked"}, 3, 5, nil, nil},
		{"the same roles in another order", UserChange{Roles: roles(RoleRange, RoleHNS)}, 3, 5, nil, nil},
		{"the same (no) nation", UserChange{Nation: str("")}, 3, 5, nil, nil},
		{"the same address", UserChange{Email: str("hns@example.org")}, 3, 5, nil, nil},
		{"everything the same", UserChange{Roles: roles(RoleHNS, RoleRange), Nation: str(""), Email: str("hns@example.org"), Reason: "x"},
			3, 5, nil, nil},
		{"a role taken", UserChange{Roles: roles(RoleHNS)}, 4, 6, []string{"user", "withdraw range_officer"}, []string{AuditUserUpdated}},
		{"a role added", UserChange{Roles: roles(RoleHNS, RoleRange, RoleOperations)}, 4, 6, []string{"user"}, []string{AuditUserUpdated}},
		{"a role taken and a new address", UserChange{Roles: roles(RoleHNS), Email: str("desk@example.org")},
			4, 6, []string{"user", "withdraw range_officer", "readdress"}, []string{AuditUserUpdated}},
		{"made an administrator", UserChange{Roles: roles(RoleAdmin)}, 4, 6, []string{"user", "withdraw"}, []string{AuditUserUpdated}},
		{"a new address", UserChange{Email: str("desk@example.org")}, 4, 5, []string{"user", "readdress"}, []string{AuditUserUpdated}},
		{"the same roles and a new address", UserChange{Roles: roles(RoleRange, RoleHNS), Email: str("desk@example.org")},
			4, 5, []string{"user", "readdress"}, []string{AuditUserUpdated}},
	} {
		s := &editTx{user: User{ID: "u1", Username: "hns", Roles: []Role{RoleHNS, RoleRange}, Email: "hns@example.org",
			Version: 3, Generation: 5}}
		us := NewUserService(&editStore{tx: s}, nil, func() time.Time { return now }, func() string { return "id" })
		u, err := us.Change(context.Background(), "admin", "u1", 3, c.ch)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if u.Version != c.version || int(u.Generation) != c.gen || !slices.Equal(s.writes, c.writes) || !slices.Equal(s.audited, c.audited) {
			t.Errorf("%s: version %d, generation %d, writes %v, audited %v; want %d, %d, %v, %v",
				c.name, u.Version, u.Generation, s.writes, s.audited, c.version, c.gen, c.writes, c.audited)
		}
	}
	s := &editTx{user: User{ID: "u1", Username: "hns", Roles: []Role{RoleHNS}, Version: 3, Generation: 5}}
	us := NewUserService(&editStore{tx: s}, nil, func() time.Time { return now }, func() string { return "id" })
	long := string(make([]byte, maxReasonLen+1))
	if _, err := us.Change(context.Background(), "admin", "u1", 3, UserChange{Reason: long}); ErrorCode(err) != CodeInvalid {
		t.Errorf("a reason too long with nothing to change: %v, want invalid", err)
	}
	if _, err := us.Change(context.Background(), "admin", "u1", 2, UserChange{}); ErrorCode(err) != CodePreconditionFailed {
		t.Errorf("a stale version with nothing to change: %v, want precondition_failed", err)
	}
}

// TestFrameworkEditsWithoutChangeAreNone: terms of an agreement, or a
// training area's capacity and blackout days, equal to the current ones
// store nothing, audit nothing and keep the version; a change stores and
// audits it.
func TestFrameworkEditsWithoutChangeAreNone(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	ref := NewReferenceData([]Nation{{Code: "NO", Alpha3: "NOR", Name: "Norway"}},
		[]TrainingArea{{Code: "kilen"}, {Code: "ravlunda"}}, []EntryPoint{{Code: "storlien"}})
	terms := FrameworkTerms{Nation: "NO", Name: "Standing", Reference: "FA-NO-1", ValidFrom: day("2027-01-01"),
		ValidUntil: day("2027-12-31"), TrainingAreas: []string{"kilen"}, EntryPoints: []string{"storlien"}, PersonnelCeiling: 500}
	p := Principal{Subject: "admin", Roles: []Role{RoleAdmin}}
	suspended := terms
	suspended.Suspended = true
	for _, c := range []struct {
		name            string
		t               FrameworkTerms
		version         int
		writes, audited []string
	}{
		{"the same terms", terms, 2, nil, nil},
		{"the same terms, the nation in lower case", func() FrameworkTerms { t := terms; t.Nation = "no"; return t }(), 2, nil, nil},
		{"suspended", suspended, 3, []string{"framework"}, []string{AuditFrameworkUpdated}},
	} {
		s := &editTx{framework: Framework{ID: "f1", Version: 2, FrameworkTerms: terms}}
		fs := NewFrameworkService(&editStore{tx: s}, ref, func() time.Time { return now }, func() string { return "id" })
		f, err := fs.Update(context.Background(), p, "f1", 2, c.t)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if f.Version != c.version || !slices.Equal(s.writes, c.writes) || !slices.Equal(s.audited, c.audited) {
			t.Errorf("%s: version %d, writes %v, audited %v; want %d, %v, %v", c.name, f.Version, s.writes, s.audited,
				c.version, c.writes, c.audited)
		}
	}

	area := TrainingArea{Code: "kilen", CapacityPersonnel: 800, BlackoutDays: []time.Time{day("2027-06-06"), day("2027-06-19")}, Version: 4}
	for _, c := range []struct {
		name            string
		e               AreaEdit
		version         int
		writes, audited []string
	}{
		{"the same capacity and days", AreaEdit{CapacityPersonnel: 800, BlackoutDays: []time.Time{day("2027-06-06"), day("2027-06-19")}},
			4, nil, nil},
		{"the same days in another order, one twice", AreaEdit{CapacityPersonnel: 800,
			BlackoutDays: []time.Time{day("2027-06-19"), day("2027-06-06"), day("2027-06-19")}}, 4, nil, nil},
		{"another capacity", AreaEdit{CapacityPersonnel: 900, BlackoutDays: []time.Time{day("2027-06-06"), day("2027-06-19")}},
			5, []string{"area"}, []string{AuditTrainingAreaUpdated}},
		{"a day less", AreaEdit{CapacityPersonnel: 800, BlackoutDays: []time.Time{day("2027-06-06")}},
			5, []string{"area"}, []string{AuditTrainingAreaUpdated}},
	} {
		s := &editTx{area: area}
		fs := NewFrameworkService(&editStore{tx: s}, ref, func() time.Time { return now }, func() string { return "id" })
		saved, err := fs.SaveTrainingArea(context.Background(), p, "kilen", 4, c.e)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		a := saved.Area
		if a.Version != c.version || !slices.Equal(s.writes, c.writes) || !slices.Equal(s.audited, c.audited) {
			t.Errorf("%s: version %d, writes %v, audited %v; want %d, %v, %v", c.name, a.Version, s.writes, s.audited,
				c.version, c.writes, c.audited)
		}
	}
}
