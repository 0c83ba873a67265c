package domain

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestDecidableStages: a page offers the stages Decide would accept from
// the caller, by role (held or delegated) and separation of duties; a
// stage whose role they hold but which separation of duties refuses comes
// with the refusal, so that the page can say why instead of offering it.
func TestDecidableStages(t *testing.T) {
	now := decideNow
	afterIntake := func(by, actingFor string) func(*Request) {
		return func(r *Request) {
			d := decision("intake", by, OutcomeApprove)
			d.ActingFor = actingFor
			if _, err := ApplyDecision(r, d, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	fromRange := Delegation{ID: "d1", From: "range", To: "x1", Role: RoleRange, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	ended := Delegation{ID: "d2", From: "range", To: "x1", Role: RoleRange, Starts: now.Add(-2 * time.Hour), Ends: now.Add(-time.Hour)}
	for _, c := range []struct {
		name    string
		p       Principal
		prepare func(*Request)
		ds      []Delegation
		want    []string // stage, "+actingFor" when delegated, "!" when refused
	}{
		{"intake officer on a new request", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, nil, nil, []string{"intake"}},
		{"range officer before intake", Principal{Subject: "range", Roles: []Role{RoleRange}}, nil, nil, nil},
		{"range officer after intake", Principal{Subject: "range", Roles: []Role{RoleRange}}, afterIntake("hns", ""), nil, []string{"range_safety"}},
		{"two roles, intake decided by them", Principal{Subject: "hr", Roles: []Role{RoleHNS, RoleRange}}, afterIntake("hr", ""),
			nil, []string{"range_safety!"}},
		{"delegate for range", Principal{Subject: "x1", Roles: []Role{RoleOperations}}, afterIntake("hns", ""),
			[]Delegation{fromRange}, []string{"range_safety+range", "operations"}},
		{"delegate for the intake decider", Principal{Subject: "x1", Roles: []Role{RoleOperations}}, afterIntake("range", ""),
			[]Delegation{fromRange}, []string{"range_safety+range!", "operations"}},
		{"ended delegation", Principal{Subject: "x1", Roles: []Role{RoleOperations}}, afterIntake("hns", ""),
			[]Delegation{ended}, []string{"operations"}},
		{"delegation to a liaison officer", Principal{Subject: "x1", Roles: []Role{RoleLiaison}, Nation: "NO"}, afterIntake("hns", ""),
			[]Delegation{fromRange}, nil},
		{"the creator", Principal{Subject: "lo-no", Roles: []Role{RoleHNS}}, nil, nil, []string{"intake!"}},
		{"not in review", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, func(r *Request) { r.Status = StatusApproved }, nil, nil},
	} {
		r := reviewed()
		if c.prepare != nil {
			c.prepare(r)
		}
		s := &ApprovalService{store: &delegationsStore{to: map[string][]Delegation{"x1": c.ds}}, now: func() time.Time { return now }}
		got, err := s.DecidableStages(context.Background(), c.p, r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var names []string
		for _, sc := range got {
			n := sc.Stage.ID
			if sc.ActingFor != "" {
				n += "+" + sc.ActingFor
			}
			if sc.Refused != nil {
				if ErrorCode(sc.Refused) != CodeSeparationOfDuties {
					t.Errorf("%s: refusal %v is not separation of duties", c.name, sc.Refused)
				}
				n += "!"
			}
			names = append(names, n)
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("%s: stages %q, want %q", c.name, names, c.want)
		}
	}
}
