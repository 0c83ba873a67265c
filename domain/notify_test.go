package domain

import (
	"strings"
	"testing"
	"time"
)

func TestNotificationsFor(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	due := t0.Add(72 * time.Hour)
	route := func(activated time.Time, decisions ...Decision) *Route {
		return &Route{Stages: []Stage{
			{ID: "hns", Role: RoleHNS, Order: 1, Status: StageApproved, Decisions: decisions},
			{ID: "ops", Role: RoleOperations, Order: 2, Status: StageActive, ActivatedAt: &activated, DueAt: &due},
		}}
	}
	req := func(st Status, rt *Route) *Request {
		return &Request{ID: "r1", Reference: "SE-2026-EXA-000001", Nation: "NO", Status: st, Route: rt,
			Conditions: []string{"no live fire"}}
	}
	cases := []struct {
		name   string
		action string
		r      *Request
		want   []string // kind:audience
	}{
		{"submit activates the first stage", AuditRequestSubmitted, req(StatusInReview, route(t1)),
			[]string{"request.submitted:NO", "stage.active:operations_approver"}},
		{"a decision that activates the next stage", AuditRequestDecided, req(StatusInReview, route(t1)),
			[]string{"stage.active:operations_approver"}},
		{"a decision that leaves an earlier stage active", AuditRequestDecided, req(StatusInReview, route(t0)), nil},
		{"changes requested", AuditRequestDecided, req(StatusChangesRequested, route(t0)),
			[]string{"request.changes_requested:NO"}},
		{"approved", AuditRequestDecided, req(StatusApproved, route(t0)), []string{"request.approved:NO"}},
		{"rejected", AuditRequestDecided, req(StatusRejected, route(t0)), []string{"request.rejected:NO"}},
		{"revoked", AuditRequestRevoked, req(StatusRevoked, route(t0)), []string{"request.revoked:NO"}},
		{"withdrawn", AuditRequestWithdrawn, req(StatusWithdrawn, nil), []string{"request.withdrawn:NO"}},
		{"an edit notifies nobody", AuditRequestUpdated, req(StatusDraft, nil), nil},
		{"expiry is not yet notified", AuditRequestExpired, req(StatusExpired, route(t0)), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, ev := range NotificationsFor(AuditEntry{Action: c.action, At: t1}, c.r) {
				got = append(got, ev.Kind+":"+ev.Audience.Nation+string(ev.Audience.Role))
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestNotificationCarriesTheDecision(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	r := &Request{ID: "r1", Reference: "SE-2026-EXA-000007", Nation: "DE", Status: StatusApproved,
		Conditions: []string{"escort on E4"},
		Route: &Route{Stages: []Stage{{ID: "hns", Role: RoleHNS, Status: StageApproved, Decisions: []Decision{
			{Comment: "older", At: t0}, {Comment: "fine with escort", At: t0.Add(time.Minute)}}}}}}
	evs := NotificationsFor(AuditEntry{Action: AuditRequestDecided, At: t0.Add(time.Minute)}, r)
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	subject, body := RenderNotification(evs[0])
	for _, want := range []string{"SE-2026-EXA-000007", "fine with escort", "escort on E4", "Permit page: /requests/r1/permit"} {
		if !strings.Contains(subject+body, want) {
			t.Errorf("mail lacks %q:\n%s\n%s", want, subject, body)
		}
	}
	if strings.Contains(body, "older") {
		t.Errorf("mail carries an earlier decision's comment:\n%s", body)
	}
}

func TestRetryDelay(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {40, 6 * time.Hour}} {
		if got := RetryDelay(c.n); got != c.want {
			t.Errorf("RetryDelay(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// TestRenderUnknownKind: a kind without wording of its own still names the
// request, its status and its page.
func TestRenderUnknownKind(t *testing.T) {
	subject, body := RenderNotification(NotificationEvent{Kind: "request.mystery", RequestID: "r9", Reference: "SE-2026-EXA-000009",
		Status: StatusInReview, Comment: "not shown"})
	if subject != "Request SE-2026-EXA-000009" || !strings.Contains(body, "Status: in_review") ||
		!strings.Contains(body, "Request page: /requests/r9") || strings.Contains(body, "not shown") {
		t.Fatalf("subject %q, body:\n%s", subject, body)
	}
}
