package domain

import (
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
