package storage

import (
	"database/sql/driver"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/domain/domaintest"
)

// The Go work a create, submit or decide does on the SQLite group
// committer's thread besides SQLite itself: the audit entry (its data, its
// canonical bytes, its Merkle leaf hash), the request row and its
// statement's arguments, the outbox rows. docs/performance.md, "Go work on
// the committer's path", has the figures:
//
//	go test -run '^$' -bench 'AuditEntry|RequestRow|NotificationInsert' -benchmem -count 5 ./storage/

// BenchmarkAuditEntry is AppendAudit's Go work for one entry: the domain's
// typed data rendered as the entry's map (domain.AuditFields), its
// canonical bytes, and the leaf hash (encodeLeaf; before it,
// EncodeAuditEntry and tlog.RecordHash).
func BenchmarkAuditEntry(b *testing.B) {
	for _, c := range benchEntries() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e := c.entry
				e.Data = domain.AuditFields(c.entry.Action, c.data)
				if _, _, err := encodeLeaf(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeAuditEntry is the canonical encoding alone.
func BenchmarkEncodeAuditEntry(b *testing.B) {
	for _, c := range benchEntries() {
		e := c.entry
		e.Data = domain.AuditFields(c.entry.Action, c.data)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := EncodeAuditEntry(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRequestRow is UpdateRequest's Go work: the row with its JSON
// columns, the projections' rows, the compare-and-set's text and its
// arguments as database/sql converts them for the driver.
func BenchmarkRequestRow(b *testing.B) {
	draft, submitted := benchRequests()
	old, err := newRequestRow(draft)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		row, err := newRequestRow(submitted)
		if err != nil {
			b.Fatal(err)
		}
		storedOf(submitted, &row)
		_, args := updateRequestSQL(&old, &row, draft.Version)
		convertArgs(b, args)
	}
}

// BenchmarkNewRequestRow is the row alone (the JSON of its columns).
func BenchmarkNewRequestRow(b *testing.B) {
	_, submitted := benchRequests()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newRequestRow(submitted); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNotificationInsert is one event's outbox rows, for three
// approvers who each take the inbox and e-mail: the fan-out, the rows, the
// INSERT's text and its arguments as database/sql converts them.
func BenchmarkNotificationInsert(b *testing.B) {
	_, r := benchRequests()
	ev := domain.NotificationEvent{Kind: domain.NotifyStageActive, Audience: domain.Audience{Role: domain.RoleHNS},
		RequestID: r.ID, Reference: r.Reference, ExerciseName: r.ExerciseName, Status: r.Status, DueAt: r.DueAt}
	src := benchAudience{users: []userRow{{ID: "u-hns-1", Email: "hns1@example.se"}, {ID: "u-hns-2", Email: "hns2@example.se"},
		{ID: "u-hns-3", Email: "hns3@example.se"}}}
	at := r.UpdatedAt
	b.ReportAllocs()
	for b.Loop() {
		out, err := fanOut(src, ev, at, entryKeyBase(123456, 1))
		if err != nil {
			b.Fatal(err)
		}
		_, args := notificationInsert(notificationRows(ev, out, at))
		convertArgs(b, args)
	}
}

// convertArgs does to args what database/sql does before handing them to
// the SQLite driver, which has no converter of its own.
func convertArgs(b *testing.B, args []any) {
	for _, a := range args {
		if _, err := driver.DefaultParameterConverter.ConvertValue(a); err != nil {
			b.Fatal(err)
		}
	}
}

// benchAudience is an audience of accounts that take the inbox and e-mail.
type benchAudience struct{ users []userRow }

func (a benchAudience) audience(domain.Audience, time.Time) ([]userRow, error) { return a.users, nil }

func (a benchAudience) channelsFor([]userRow, string) (func(u userRow) []delivery, error) {
	return func(u userRow) []delivery {
		return []delivery{{Channel: domain.ChannelInbox}, {Channel: domain.ChannelEmail, Address: u.Email}}
	}, nil
}

func (a benchAudience) roleWebhooks(domain.Role) ([]webhookRow, error) { return nil, nil }

type benchEntry struct {
	name  string
	entry domain.AuditEntry
	data  any
}

// benchEntries are one request's entries of create, first submission (a
// route of four stages) and an approval with a comment and a condition.
func benchEntries() []benchEntry {
	draft, submitted := benchRequests()
	e := domain.AuditEntry{Index: 123456, At: submitted.UpdatedAt, Actor: "lo-no", RequestID: submitted.ID, RequestVersion: 2}
	created, decided := e, e
	created.Action, created.RequestVersion = domain.AuditRequestCreated, 1
	e.Action = domain.AuditRequestSubmitted
	decided.Action, decided.Actor, decided.RequestVersion = domain.AuditRequestDecided, "hns", 3
	return []benchEntry{
		{"created", created, domain.NewRequestCreatedData(draft.Details)},
		{"submitted", e, domain.RequestSubmittedData{From: "draft", To: "in_review", Route: domain.NewRouteData(submitted.Route),
			Reference: submitted.Reference}},
		{"decided", decided, domain.DecisionData{Stage: "hns_officer", Outcome: domain.OutcomeApprove,
			Comment: "Cleared for the northern range <after 06:00> & before dusk", Conditions: []string{"stay on roads"},
			DecisionID: "0193a5e4-7c1d-7b3e-9f00-1234567890ab", From: "in_review", To: "in_review"}},
	}
}

// benchRequests is a draft with every list of its details holding two
// elements, and the same request submitted: four stages, the first active,
// three warnings.
func benchRequests() (draft, submitted *domain.Request) {
	created := time.Date(2027, 1, 11, 9, 30, 0, 123456000, time.UTC)
	draft = &domain.Request{ID: "0193a5e4-7c1d-7b3e-9f00-0000000000aa", Status: domain.StatusDraft, Version: 1, Nation: "NO",
		CreatedBy: "lo-no", CreatedAt: created, UpdatedAt: created}
	domaintest.Fill(&draft.Details)
	s := *draft
	submitted = &s
	now := created.Add(time.Hour)
	due := now.AddDate(0, 0, 5)
	submitted.Status, submitted.Version, submitted.UpdatedAt, submitted.SubmittedAt, submitted.DueAt =
		domain.StatusInReview, 2, now, &now, &due
	submitted.Reference = "SE-2027-EXA-000123"
	route := &domain.Route{PolicyVersion: "2026-11", Reasons: []string{"live fire", "foreign aircraft"}}
	for i, role := range []domain.Role{domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry} {
		st := domain.Stage{ID: string(role), Role: role, Order: i + 1, Status: domain.StagePending, ApprovalsRequired: 1,
			SLAWorkingDays: 5, Reason: "policy rule " + string(role)}
		if i == 0 {
			st.Status, st.ActivatedAt, st.DueAt = domain.StageActive, &now, &due
			st.Escalation = &domain.Escalation{Role: domain.RoleOperations, AfterWorkingDays: 2}
		}
		route.Stages = append(route.Stages, st)
	}
	submitted.Route = route
	submitted.Warnings = []domain.Warning{{Code: "area_conflict", Message: "Kilen is booked 2027-03-02 to 2027-03-04"},
		{Code: "late", Message: "the decision may come after the start", Audience: "nation"},
		{Code: "framework", Message: "personnel above 80 % of the ceiling", Audience: "approvers"}}
	return draft, submitted
}
