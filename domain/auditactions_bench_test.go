package domain

import (
	"testing"
	"time"

	"exaccess/domain/domaintest"
)

// The audit data of the three changes the group committer runs most
// (create, submit, decide), as their domain functions build it on the
// committer's thread. docs/performance.md, "Go work on the committer's
// path", has the figures:
//
//	go test -run '^$' -bench AuditFields -benchmem -count 5 ./domain/
func BenchmarkAuditFields(b *testing.B) {
	for _, c := range benchAuditData() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				AuditFields(c.action, c.data)
			}
		})
	}
}

type benchAuditCase struct {
	name, action string
	data         any
}

// benchAuditData is one request's data of create (every list of the
// details with two elements), first submission (four stages) and an
// approval with a comment and a condition.
func benchAuditData() []benchAuditCase {
	var details Details
	domaintest.Fill(&details)
	due := time.Date(2027, 3, 4, 15, 0, 0, 0, time.UTC)
	route := &Route{PolicyVersion: "2026-11", Reasons: []string{"live fire", "foreign aircraft"}}
	for i, role := range []Role{RoleHNS, RoleRange, RoleOperations, RoleMinistry} {
		st := Stage{ID: string(role), Role: role, Order: i + 1, Status: StagePending, ApprovalsRequired: 1}
		if i == 0 {
			st.Status, st.DueAt = StageActive, &due
		}
		route.Stages = append(route.Stages, st)
	}
	return []benchAuditCase{
		{"created", AuditRequestCreated, NewRequestCreatedData(details)},
		{"submitted", AuditRequestSubmitted, RequestSubmittedData{From: "draft", To: "in_review", Route: NewRouteData(route),
			Reference: "SE-2027-EXA-000123"}},
		{"decided", AuditRequestDecided, DecisionData{Stage: "hns_officer", Outcome: OutcomeApprove,
			Comment: "Cleared for the northern range <after 06:00> & before dusk", Conditions: []string{"stay on roads"},
			DecisionID: "0193a5e4-7c1d-7b3e-9f00-1234567890ab", From: "in_review", To: "in_review"}},
	}
}
