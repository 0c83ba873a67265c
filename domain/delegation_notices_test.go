package domain

import (
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
	} {
		if got := receivesRole(c.u, c.ds, RoleHNS, now); got != c.want {
			t.Errorf("%s: receivesRole = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestLapses: an account change ends a delegation of the account's when the
// delegation ran and counted before and does not count after: the account
// was disabled, or lost the delegated role.
func TestLapses(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	hns := &User{Username: "hns", Roles: []Role{RoleHNS, RoleMinistry}}
	disabled := *hns
	disabled.DisabledAt = &now
	ministry := &User{Username: "hns", Roles: []Role{RoleMinistry}}
	hnsOnly := &User{Username: "hns", Roles: []Role{RoleHNS}}
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
	} {
		if got := lapses(&c.d, c.before, c.after, now); got != c.want {
			t.Errorf("%s: lapses = %v, want %v", c.name, got, c.want)
		}
	}
}
