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
