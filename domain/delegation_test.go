package domain

import (
	"context"
	"testing"
	"time"
)

// TestDelegationInactive: a delegation is active only while it runs and
// counts; otherwise the first reason of InactiveReasons that applies says
// why. A delegation within its dates whose delegator or delegate lapsed is
// not active, and DelegationCounts agrees with it on every running one.
func TestDelegationInactive(t *testing.T) {
	now := decideNow
	hns := &User{Username: "hns", Roles: []Role{RoleHNS}}
	gov := &User{Username: "gov", Roles: []Role{RoleMinistry}}
	disabled := func(u *User) *User { c := *u; c.DisabledAt = &now; return &c }
	roles := func(u *User, rs ...Role) *User { c := *u; c.Roles = rs; return &c }
	running := Delegation{From: "hns", To: "gov", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	revoked := running
	revoked.RevokedAt = &now
	ended := running
	ended.Ends = now
	later := running
	later.Starts = now.Add(time.Minute)
	tests := []struct {
		name     string
		d        Delegation
		from, to *User
		want     string
	}{
		{"runs and counts", running, hns, gov, ""},
		{"starts now", Delegation{From: "hns", To: "gov", Role: RoleHNS, Starts: now, Ends: now.Add(time.Hour)}, hns, gov, ""},
		{"delegate also holds the role", running, hns, roles(gov, RoleHNS), ""},
		{"revoked", revoked, hns, gov, InactiveRevoked},
		{"revoked, delegate disabled too", revoked, hns, disabled(gov), InactiveRevoked},
		{"ended at its end", ended, hns, gov, InactiveEnded},
		{"ended, delegator disabled too", ended, disabled(hns), gov, InactiveEnded},
		{"not started", later, hns, gov, InactiveNotStarted},
		{"not started, delegate disabled", later, hns, disabled(gov), InactiveDelegateDisabled},
		{"delegator disabled", running, disabled(hns), gov, InactiveDelegatorDisabled},
		{"delegator has no account", running, nil, gov, InactiveDelegatorDisabled},
		{"delegator lost the role", running, roles(hns, RoleRange), gov, InactiveDelegatorLostRole},
		{"delegator disabled and lost the role", running, disabled(roles(hns)), gov, InactiveDelegatorDisabled},
		{"delegate disabled", running, hns, disabled(gov), InactiveDelegateDisabled},
		{"delegate has no account", running, hns, nil, InactiveDelegateDisabled},
		{"delegate now a liaison officer", running, hns, roles(gov, RoleLiaison), InactiveDelegateNotApprover},
		{"delegate now an auditor", running, hns, roles(gov, RoleAuditor, RoleAdmin), InactiveDelegateNotApprover},
		{"delegate without roles", running, hns, roles(gov), InactiveDelegateNotApprover},
		{"delegate an administrator too (stored before the rule)", running, hns, roles(gov, RoleAdmin, RoleMinistry), InactiveDelegateAdmin},
		{"delegator an administrator too (stored before the rule)", running, roles(hns, RoleAdmin, RoleHNS), gov, InactiveDelegatorAdmin},
		{"delegator an administrator too, not started", later, roles(hns, RoleHNS, RoleAdmin), gov, InactiveDelegatorAdmin},
		{"delegator an administrator without the role", running, roles(hns, RoleAdmin), gov, InactiveDelegatorLostRole},
		{"both administrators too: the delegator first", running, roles(hns, RoleAdmin, RoleHNS), roles(gov, RoleAdmin, RoleMinistry), InactiveDelegatorAdmin},
		{"both lapsed: the delegator first", running, roles(hns), disabled(gov), InactiveDelegatorLostRole},
	}
	for _, tt := range tests {
		got := DelegationInactive(tt.d, tt.from, tt.to, now)
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		listed := ListedDelegation{Delegation: tt.d, InactiveReason: got}
		if listed.GivesRole() != (tt.want == "") {
			t.Errorf("%s: GivesRole %v", tt.name, listed.GivesRole())
		}
		if tt.d.Runs(now) {
			if counts := DelegationCounts(tt.d, tt.from, tt.to); counts != (got == "") {
				t.Errorf("%s: runs, DelegationCounts %v but inactive %q", tt.name, counts, got)
			}
			if counts := DelegationCounts(tt.d, tt.from, tt.to); counts && !DelegateCounts(tt.to) {
				t.Errorf("%s: counts for a delegate DelegateCounts refuses", tt.name)
			}
		}
	}
}

// TestDelegateRefusals: a new delegation's delegate must be another
// enabled approver who does not hold the role already — delegating
// ministry from gov2 to gov, who holds it, gives nobody anything and is
// refused at the field to; one to the same person of a role they do not
// hold is fine. Delegates offers exactly those MayReceive accepts.
func TestDelegateRefusals(t *testing.T) {
	now := decideNow
	gov2 := Principal{Subject: "gov2", Roles: []Role{RoleMinistry}}
	both := Principal{Subject: "boss", Roles: []Role{RoleMinistry, RoleOperations}}
	gov := &User{Username: "gov", Roles: []Role{RoleMinistry}}
	ops := &User{Username: "ops", Roles: []Role{RoleOperations}}
	off := &User{Username: "gov3", Roles: []Role{RoleMinistry}, DisabledAt: &now}
	liaison := &User{Username: "lo-no", Roles: []Role{RoleLiaison}}
	tests := []struct {
		name string
		p    Principal
		role Role
		to   *User
		want string // the error of the field to, "" for none
	}{
		{"another approver without the role", gov2, RoleMinistry, ops, ""},
		{"the delegate holds the role", gov2, RoleMinistry, gov, DelegateHoldsRoleMessage},
		{"holds one of the delegator's roles, receives the other", both, RoleOperations, gov, ""},
		{"holds the very role of the delegator's two", both, RoleMinistry, gov, DelegateHoldsRoleMessage},
		{"disabled, and holding the role", gov2, RoleMinistry, off, NoDelegateMessage},
		{"no approver", gov2, RoleMinistry, liaison, NoDelegateMessage},
		{"no account", gov2, RoleMinistry, nil, NoDelegateMessage},
		{"oneself", gov2, RoleMinistry, &User{Username: "gov2", Roles: []Role{RoleMinistry}}, "you cannot delegate to yourself"},
	}
	for _, tt := range tests {
		to := "nobody"
		if tt.to != nil {
			to = tt.to.Username
		}
		in := DelegationInput{To: to, Role: tt.role, Starts: now, Ends: now.Add(24 * time.Hour)}
		err := validateDelegation(tt.p, in, tt.to, now)
		got := ""
		if err != nil {
			de, ok := err.(*Error)
			if !ok || de.Code != CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != "to" {
				t.Errorf("%s: %v, want one error of the field to", tt.name, err)
				continue
			}
			got = de.Fields[0].Message
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if may := MayReceive(tt.p, tt.role, tt.to); may != (tt.want == "") {
			t.Errorf("%s: MayReceive %v", tt.name, may)
		}
	}
}

// TestDelegationRoleMessages: a role left empty "is required", as any
// missing field is (the console's select left at "Choose…" reads "choose
// one from the list"); a role that decides no stage is not an approver
// role.
func TestDelegationRoleMessages(t *testing.T) {
	now := decideNow
	gov2 := Principal{Subject: "gov2", Roles: []Role{RoleMinistry}}
	ops := &User{Username: "ops", Roles: []Role{RoleOperations}}
	for role, want := range map[Role]string{"": "is required", RoleLiaison: "must be an approver role"} {
		err := validateDelegation(gov2, DelegationInput{To: "ops", Role: role, Starts: now, Ends: now.Add(24 * time.Hour)}, ops, now)
		de, _ := err.(*Error)
		if de == nil || len(de.Fields) != 1 || de.Fields[0].Field != "role" || de.Fields[0].Message != want {
			t.Errorf("role %q: %v, want the role's %q", role, err, want)
		}
	}
}

// TestDelegatorHoldingAdmin: an account stored with admin beside an
// approver role may not delegate it (422 at role, DelegatorAdminMessage:
// its delegation would give nothing, delegatorInactive), has no role to
// delegate (DelegableRoles) and is offered no delegate (Delegates); the
// same account without admin may.
func TestDelegatorHoldingAdmin(t *testing.T) {
	now := decideNow
	ops := &User{Username: "ops", Roles: []Role{RoleOperations}}
	boss := Principal{Subject: "boss", Roles: []Role{RoleAdmin, RoleMinistry}}
	in := DelegationInput{To: "ops", Role: RoleMinistry, Starts: now, Ends: now.Add(24 * time.Hour)}
	err := validateDelegation(boss, in, ops, now)
	de, _ := err.(*Error)
	if de == nil || de.Code != CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != "role" || de.Fields[0].Message != DelegatorAdminMessage {
		t.Errorf("a delegation from an administrator: %v, want the role's %q", err, DelegatorAdminMessage)
	}
	if rs := DelegableRoles(boss); len(rs) != 0 {
		t.Errorf("an administrator may delegate %v", rs)
	}
	s := &ApprovalService{store: &usersStore{users: []User{*ops}}, now: func() time.Time { return now }}
	if ds, err := s.Delegates(context.Background(), boss); err != nil || len(ds) != 0 {
		t.Errorf("an administrator is offered delegates %v (%v)", ds, err)
	}

	gov := Principal{Subject: "boss", Roles: []Role{RoleMinistry}}
	if err := validateDelegation(gov, in, ops, now); err != nil {
		t.Errorf("a delegation from an approver: %v", err)
	}
	if rs := DelegableRoles(gov); len(rs) != 1 || rs[0] != RoleMinistry {
		t.Errorf("an approver may delegate %v", rs)
	}
	if ds, err := s.Delegates(context.Background(), gov); err != nil || len(ds) != 1 || ds[0].Username != "ops" {
		t.Errorf("an approver is offered delegates %v (%v)", ds, err)
	}
}

// usersStore lists users, those holding f.Role (Delegates' read).
type usersStore struct {
	Store
	users []User
}

func (s *usersStore) ListUsers(_ context.Context, f UserFilter) (UserPage, error) {
	var page UserPage
	for _, u := range s.users {
		if f.Role == "" || u.HasRole(f.Role) {
			page.Items = append(page.Items, u)
		}
	}
	return page, nil
}
