package domain

import (
	"strings"
	"testing"
)

// TestFrameworkNamedSinceLost: an edit or a submission of a request whose
// framework agreement was deleted or moved to another nation since it was
// chosen. A request returned for changes keeps it (and is resubmitted
// without it, warned); a draft naming it is refused, the field error naming
// the agreement and saying that it is no longer available to the nation,
// the same whether deleted or moved; naming an agreement the request does
// not name is refused as unknown, as ever. An agreement of the nation, and
// none, are no refusal.
func TestFrameworkNamedSinceLost(t *testing.T) {
	agreements := map[string]*Framework{
		"fw-no":    {ID: "fw-no", FrameworkTerms: FrameworkTerms{Nation: "NO", Reference: "FA-NO-1"}},
		"fw-moved": {ID: "fw-moved", FrameworkTerms: FrameworkTerms{Nation: "DE", Reference: "FA-DE-SECRET"}},
		"fw-de":    {ID: "fw-de", FrameworkTerms: FrameworkTerms{Nation: "DE", Reference: "FA-DE-2"}},
	}
	get := func(id string) (*Framework, error) {
		if f, ok := agreements[id]; ok {
			return f, nil
		}
		return nil, ErrNotFound("framework agreement")
	}
	const lost, unknown, none = "is no longer available to your nation; choose another agreement or none", "unknown framework agreement", ""
	tests := []struct {
		name   string
		status Status
		stored string // the agreement the request names
		edit   string // the agreement the edit names
		want   string // the field error of the edit, none for none
		submit string // the field error of submitting the request as stored
	}{
		{"draft keeps its moved agreement", StatusDraft, "fw-moved", "fw-moved", lost, lost},
		{"draft keeps its deleted agreement", StatusDraft, "fw-gone", "fw-gone", lost, lost},
		{"draft drops its moved agreement", StatusDraft, "fw-moved", "", none, lost},
		{"draft swaps its moved agreement for one of its nation", StatusDraft, "fw-moved", "fw-no", none, lost},
		{"draft names another nation's", StatusDraft, "fw-no", "fw-de", unknown, none},
		{"draft names one deleted", StatusDraft, "", "fw-gone", unknown, none},
		{"draft keeps its nation's", StatusDraft, "fw-no", "fw-no", none, none},
		{"returned keeps its moved agreement", StatusChangesRequested, "fw-moved", "fw-moved", none, none},
		{"returned keeps its deleted agreement", StatusChangesRequested, "fw-gone", "fw-gone", none, none},
		{"returned names another nation's", StatusChangesRequested, "fw-moved", "fw-de", unknown, none},
		{"returned names one deleted", StatusChangesRequested, "fw-no", "fw-gone", unknown, none},
	}
	fieldError := func(err error) string {
		t.Helper()
		if err == nil {
			return ""
		}
		e, ok := err.(*Error)
		if !ok || e.Code != CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "framework_id" {
			t.Fatalf("not a field error of framework_id: %#v", err)
		}
		return e.Fields[0].Message
	}
	check := func(what, name, got, want, id string) {
		t.Helper()
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s: %s refused with %q, want %q", name, what, got, want)
		}
		if want == lost && !strings.Contains(got, quote(id)) {
			t.Errorf("%s: %s refused with %q, not naming agreement %s", name, what, got, id)
		}
		for _, secret := range []string{"FA-DE", "DE", "another nation"} {
			if strings.Contains(got, secret) {
				t.Errorf("%s: %s refused with %q, telling %q", name, what, got, secret)
			}
		}
	}
	for _, tc := range tests {
		r := &Request{Nation: "NO", Status: tc.status, Details: Details{FrameworkID: tc.stored}}
		_, fwErr := framework(get, "NO", Details{FrameworkID: tc.edit})
		check("the edit", tc.name, fieldError(editFramework(r, tc.edit, fwErr)), tc.want, tc.edit)

		_, warnings, err := submitFramework(get, r)
		check("the submission", tc.name, fieldError(err), tc.submit, tc.stored)
		if kept := tc.status == StatusChangesRequested && (tc.stored == "fw-moved" || tc.stored == "fw-gone"); kept != (len(warnings) == 1) {
			t.Errorf("%s: the submission warns %v", tc.name, warnings)
		}
	}
}
