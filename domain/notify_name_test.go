package domain

import (
	"strings"
	"testing"
)

// TestWithdrawnDraftIsNamedByItsExercise: a draft withdrawn before its
// first submission has no reference; its notice, built from the request as
// the outbox builds it, names it by its exercise name in quotes, never by
// its opaque id (which only the link line carries).
func TestWithdrawnDraftIsNamedByItsExercise(t *testing.T) {
	r := &Request{ID: "0193aa00-draft", Nation: "NO", Status: StatusWithdrawn,
		Details: Details{ExerciseName: "Cold Response 27"}}
	evs := NotificationsFor(AuditEntry{Action: AuditRequestWithdrawn, RequestID: r.ID,
		Data: ReasonedTransitionData{From: "draft", To: "withdrawn", Reason: "Exercise cancelled."}.fields()}, r)
	if len(evs) != 1 || evs[0].Kind != NotifyWithdrawn {
		t.Fatalf("events %+v, want one withdrawal notice", evs)
	}
	subject, body := RenderNotification(evs[0])
	if want := `Request "Cold Response 27" withdrawn`; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	if !strings.HasPrefix(body, `Request "Cold Response 27" was withdrawn.`+"\n") {
		t.Errorf("body does not name the exercise:\n%s", body)
	}
	if n := strings.Count(body, r.ID); n != 1 || !strings.Contains(body, "Request page: /requests/"+r.ID+"\n") {
		t.Errorf("the id appears %d times, want only in the link line:\n%s", n, body)
	}
}

// TestRequestName: every kind of notice names its request by its
// reference; without one (a draft) by its exercise name in quotes, on one
// line whatever breaks the stored name holds; without either (an event
// that carries no name) by its id.
func TestRequestName(t *testing.T) {
	kinds := []string{NotifySubmitted, NotifyChangesRequested, NotifyApproved, NotifyRejected, NotifyRevoked,
		NotifyWithdrawn, NotifyStageActive, NotifyStageDueSoon, NotifyStageOverdue, NotifyStageEscalated,
		NotifyRequestExpiring, "request.mystery"}
	cases := []struct {
		name, reference, exercise string
		want                      string
		not                       []string
	}{
		{"a reference", "SE-2026-EXA-000001", "Cold Response 27", "SE-2026-EXA-000001", []string{"Cold Response", "r-0193"}},
		{"a draft: its exercise name", "", "Cold Response 27", `"Cold Response 27"`, []string{"r-0193"}},
		{"white space around the name", "", "  Cold Response 27\t", `"Cold Response 27"`, nil},
		{"line breaks in a stored name", "", "Cold\nRequest page: /evil\r\nResponse\u2028 27", `"Cold Request page: /evil Response 27"`,
			[]string{"\nRequest page: /evil"}},
		{"no name: the id", "", "", "r-0193", nil},
		{"a blank name: the id", "", " \n ", "r-0193", nil},
	}
	for _, c := range cases {
		for _, kind := range kinds {
			ev := NotificationEvent{Kind: kind, RequestID: "r-0193", Reference: c.reference, ExerciseName: c.exercise,
				Status: StatusWithdrawn, Stage: "intake", Reminder: &Reminder{Role: RoleHNS}}
			if got := requestName(ev); got != c.want {
				t.Errorf("%s, %s: requestName = %q, want %q", c.name, kind, got, c.want)
			}
			subject, body := RenderNotification(ev)
			if !strings.Contains(subject, c.want) {
				t.Errorf("%s, %s: subject %q does not name %s", c.name, kind, subject, c.want)
			}
			if strings.ContainsAny(subject, "\r\n") {
				t.Errorf("%s, %s: subject %q breaks its line", c.name, kind, subject)
			}
			// The link lines carry the id; the rest of the body names the
			// request as the subject does.
			var text []string
			for _, line := range strings.Split(body, "\n") {
				if _, _, ok := NotificationLink(line); ok {
					if !strings.Contains(line, "/requests/r-0193") {
						t.Errorf("%s, %s: a link line that is not the request's: %q", c.name, kind, line)
					}
					continue
				}
				text = append(text, line)
			}
			// (A kind without wording of its own names it in its subject only.)
			if rest := strings.Join(text, "\n"); kind != "request.mystery" && !strings.Contains(rest, c.want) {
				t.Errorf("%s, %s: body does not name %s:\n%s", c.name, kind, c.want, body)
			}
			for _, w := range c.not {
				if strings.Contains(subject+"\n"+strings.Join(text, "\n"), w) {
					t.Errorf("%s, %s: notice carries %q:\n%s\n%s", c.name, kind, w, subject, body)
				}
			}
		}
	}
}
