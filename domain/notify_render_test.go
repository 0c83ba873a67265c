package domain

import (
	"strings"
	"testing"
	"time"
)

// TestRenderNotification renders the liaison officer's mail of every kind
// from a request and the audit entry of its change, as the outbox does, and
// checks what each must say, and that nothing of the other request (another
// nation's, stored beside it) appears.
func TestRenderNotification(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	hnsDue, opsDue, reqDue := t0.Add(48*time.Hour), t0.Add(72*time.Hour), t0.Add(240*time.Hour)
	request := func(id, ref, nation string, st Status, comment string) *Request {
		return &Request{ID: id, Reference: ref, Nation: nation, Status: st, DueAt: &reqDue,
			Conditions: []string{"escort on " + nation + " convoy"},
			Route: &Route{Stages: []Stage{
				{ID: "hns", Role: RoleHNS, Order: 1, Status: StageActive, ActivatedAt: &t0, DueAt: &hnsDue,
					Decisions: []Decision{{Comment: comment, At: t0}}},
				{ID: "range", Role: RoleRange, Order: 1, Status: StageActive, ActivatedAt: &t0, DueAt: &opsDue},
				{ID: "ops", Role: RoleOperations, Order: 2, Status: StagePending, DueAt: &reqDue},
			}}}
	}
	// The other request, which no mail of the first may mention.
	other := request("r-de-0002", "SE-2026-EXA-000002", "DE", StatusApproved, "secret German comment")
	otherWords := []string{other.ID, other.Reference, "DE", "German"}
	cases := []struct {
		name    string
		action  string
		status  Status
		comment string
		data    map[string]any
		subject string
		want    []string
		not     []string
	}{
		{"submitted: a receipt with the reference and the active stages' deadlines", AuditRequestSubmitted,
			StatusInReview, "", nil, "Request SE-2026-EXA-000001 received",
			[]string{"Receipt", "SE-2026-EXA-000001", "Deadlines:",
				"  - stage \"hns\" by the Swedish Armed Forces' host-nation support desk: decision due 2026-03-04 10:00 CET (Stockholm)\n",
				"  - stage \"range\" by the Swedish Armed Forces' range and training-area officer: decision due 2026-03-05 10:00 CET (Stockholm)\n", "  - the whole review: expected by 2026-03-12 10:00 CET (Stockholm) (an estimate: each later stage's deadline is counted from when it starts)\n",
				"Status: in_review", "Request page: /requests/r-no-0001\n"},
			[]string{"ops", "_officer", "Permit page", "the whole review: due"}},
		{"changes requested: the approver's comment", AuditRequestDecided, StatusChangesRequested,
			"Add the convoy route via E14.", nil, "Changes requested on SE-2026-EXA-000001",
			// In the console's words: its button "Amend request", its form's "Save and resubmit".
			[]string{"An approver returned request SE-2026-EXA-000001 for changes. Amend the request and choose “Save and resubmit”.\n",
				"Requested changes:\n  Add the convoy route via E14.\n", "Request page: /requests/r-no-0001"},
			[]string{"Deadlines", "Permit page", "Edit it"}},
		{"approved: the conditions and the permit's page", AuditRequestDecided, StatusApproved, "fine", nil,
			"Request SE-2026-EXA-000001 approved",
			[]string{"is approved", "Conditions:\n  - escort on NO convoy\n", "Comment:\n  fine\n",
				"Permit page: /requests/r-no-0001/permit\n", "Request page: /requests/r-no-0001\n"},
			[]string{"Deadlines", "Due:"}},
		{"rejected: the reason", AuditRequestDecided, StatusRejected, "The area is closed that week.", nil,
			"Request SE-2026-EXA-000001 rejected",
			[]string{"was rejected", "Reason:\n  The area is closed that week.\n", "Status: rejected"},
			[]string{"Permit page", "escort"}},
		{"revoked: the revocation's reason", AuditRequestRevoked, StatusRevoked, "fine",
			ReasonedTransitionData{From: "approved", To: "revoked", Reason: "Range closed by fire risk."}.fields(),
			"Permit SE-2026-EXA-000001 revoked",
			[]string{"was revoked", "no longer valid", "Reason:\n  Range closed by fire risk.\n", "Status: revoked"},
			[]string{"Permit page", "fine"}},
		{"withdrawn: the reason", AuditRequestWithdrawn, StatusWithdrawn, "",
			ReasonedTransitionData{From: "in_review", To: "withdrawn", Reason: "Exercise cancelled."}.fields(),
			"Request SE-2026-EXA-000001 withdrawn",
			[]string{"was withdrawn", "Reason:\n  Exercise cancelled.\n"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := request("r-no-0001", "SE-2026-EXA-000001", "NO", c.status, c.comment)
			evs := NotificationsFor(AuditEntry{Action: c.action, At: t0, RequestID: r.ID, Data: c.data}, r)
			var mail *NotificationEvent
			for i := range evs {
				if evs[i].Audience.Nation == "NO" {
					mail = &evs[i]
				}
			}
			if mail == nil {
				t.Fatalf("no mail to the liaison officers of NO in %+v", evs)
			}
			subject, body := RenderNotification(*mail)
			if subject != c.subject {
				t.Errorf("subject %q, want %q", subject, c.subject)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, w := range append(c.not, otherWords...) {
				if strings.Contains(subject+body, w) {
					t.Errorf("mail carries %q:\n%s\n%s", w, subject, body)
				}
			}
		})
	}
}

func (d ReasonedTransitionData) fields() map[string]any {
	return AuditFields(AuditRequestRevoked, d)
}

// TestNotificationLinks: with a public URL the link lines become absolute
// URLs; without one they stay console paths; a line of a comment that looks
// like a link line is indented and never made a link.
func TestNotificationLinks(t *testing.T) {
	ev := NotificationEvent{Kind: NotifyApproved, RequestID: "r1", Reference: "SE-2026-EXA-000009", Status: StatusApproved,
		Comment: "see\nPermit page: https://evil.example/phish"}
	_, body := RenderNotification(ev)
	for _, c := range []struct{ base, want string }{
		{"", "Permit page: /requests/r1/permit\n"},
		{"https://access.example.se", "Permit page: https://access.example.se/requests/r1/permit\n"},
		{"https://example.se/exaccess/", "Request page: https://example.se/exaccess/requests/r1\n"},
	} {
		got := NotificationLinks(body, c.base)
		if !strings.Contains(got, c.want) {
			t.Errorf("base %q: body lacks %q:\n%s", c.base, c.want, got)
		}
		var links []string
		for _, line := range strings.Split(got, "\n") {
			if _, target, ok := NotificationLink(line); ok {
				links = append(links, target)
			}
		}
		if len(links) != 2 || strings.Contains(strings.Join(links, " "), "evil") {
			t.Errorf("base %q: links %v, want the permit's and the request's only", c.base, links)
		}
	}
}

// TestReceiptWholeReviewDue: a receipt calls the whole review's date an
// estimate ("expected by") while a later stage has not started, since the
// request's due date follows the route as its stages are approved; when
// every stage is active from submission, it is binding ("due").
func TestReceiptWholeReviewDue(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	due := t0.Add(48 * time.Hour)
	r := &Request{ID: "r1", Reference: "SE-2026-EXA-000001", Nation: "NO", Status: StatusInReview, DueAt: &due,
		Route: &Route{Stages: []Stage{{ID: "hns", Role: RoleHNS, Order: 1, Status: StageActive, ActivatedAt: &t0, DueAt: &due}}}}
	evs := NotificationsFor(AuditEntry{Action: AuditRequestSubmitted, At: t0, RequestID: r.ID}, r)
	if len(evs) == 0 || evs[0].Kind != NotifySubmitted {
		t.Fatalf("no receipt: %+v", evs)
	}
	_, body := RenderNotification(evs[0])
	if !strings.Contains(body, "  - the whole review: due 2026-03-04 10:00 CET (Stockholm)\n") || strings.Contains(body, "expected") {
		t.Errorf("a route of one step:\n%s", body)
	}
}
