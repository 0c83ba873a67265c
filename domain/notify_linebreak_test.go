package domain

import (
	"strings"
	"testing"
)

// TestRenderedTextCannotForgeALinkLine: whatever line break people put in
// a comment, a condition or a reason — a lone carriage return (which the
// e-mail's quoted-printable encoding turns into a real line break), CR LF,
// vertical tab, form feed, NEL, U+2028, U+2029 — every line of it stays
// indented, so no "Request page: https://evil.example/login" line of
// theirs starts a line of the notification, in the inbox or in the e-mail.
func TestRenderedTextCannotForgeALinkLine(t *testing.T) {
	const forged = "Request page: https://evil.example/login"
	breaks := map[string]string{"lone CR": "\r", "CR LF": "\r\n", "LF": "\n", "vertical tab": "\v", "form feed": "\f",
		"NEL": "\u0085", "line separator": "\u2028", "paragraph separator": "\u2029", "two CRs": "\r\r"}
	for name, br := range breaks {
		text := "Please log in again." + br + forged + br + "Permit page: https://evil.example/permit"
		for _, ev := range []NotificationEvent{
			{Kind: NotifyChangesRequested, Comment: text},
			{Kind: NotifyApproved, Conditions: []string{text}, Comment: text},
			{Kind: NotifyRejected, Comment: text},
			{Kind: NotifyRevoked, Reason: text},
			{Kind: NotifyWithdrawn, Reason: text},
		} {
			ev.RequestID, ev.Reference, ev.Status = "r-no-0001", "SE-2026-EXA-000001", StatusInReview
			_, body := RenderNotification(ev)
			if strings.ContainsAny(body, "\r\v\f\u0085\u2028\u2029") {
				t.Errorf("%s in %s: the body keeps a line break other than LF: %q", name, ev.Kind, body)
			}
			// What a reader shows: a line at every break an e-mail client
			// or a browser might honour.
			for _, b := range []string{NotificationLinks(body, "https://exaccess.example"), body} {
				for _, line := range strings.Split(lineBreaks.Replace(b), "\n") {
					if _, target, ok := NotificationLink(line); ok && strings.Contains(target, "evil") {
						t.Errorf("%s in %s: a forged link line %q\nbody: %q", name, ev.Kind, line, b)
					}
				}
			}
			if !strings.Contains(body, "  "+forged+"\n") {
				t.Errorf("%s in %s: the text is not kept, indented: %q", name, ev.Kind, body)
			}
		}
	}
}

// TestStrayLineBreaksRefused: new free text breaks lines with LF or CR LF
// only; a lone CR and the Unicode separators are refused, naming the field.
func TestStrayLineBreaksRefused(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{"one\ntwo", true}, {"one\r\ntwo", true}, {"one\r\n\r\ntwo", true}, {"plain", true},
		{"one\rtwo", false}, {"one\r", false}, {"one\r\rtwo", false}, {"one\n\rtwo", false},
		{"one\u2028two", false}, {"one\u2029two", false}, {"one\u0085two", false}, {"one\vtwo", false},
	} {
		err := checkReason(c.text, true)
		if (err == nil) != c.ok {
			t.Errorf("%q: %v, want ok=%v", c.text, err, c.ok)
		}
		if err != nil && (len(err.(*Error).Fields) != 1 || err.(*Error).Fields[0].Field != "reason") {
			t.Errorf("%q: %v does not name the reason", c.text, err)
		}
		in := DecisionInput{Stage: "intake", Outcome: OutcomeApprove, Conditions: []string{c.text}, Comment: c.text}
		err = ValidateDecision(in)
		if (err == nil) != c.ok {
			t.Errorf("decision with %q: %v, want ok=%v", c.text, err, c.ok)
		}
	}
}

// TestFlattenStrayBreaks: a row stored before rendering split people's
// text at every break is shown and sent with its stray breaks made spaces,
// so its forged line stays inside the indented one; rows rendered since
// are unchanged.
func TestFlattenStrayBreaks(t *testing.T) {
	for in, want := range map[string]string{
		"  see\rRequest page: https://evil.example/login\n":     "  see Request page: https://evil.example/login\n",
		"  - cond\r\n  next\u2028Permit page: https://evil/x\n": "  - cond\n  next Permit page: https://evil/x\n",
		"a\u2029b\vc\fd\u0085e":                                 "a b c d e",
		"Request page: /requests/r1\n":                          "Request page: /requests/r1\n",
	} {
		if got := FlattenStrayBreaks(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	for _, ev := range []NotificationEvent{{Kind: NotifyChangesRequested, Comment: "a\r\nb\u2028c"}, {Kind: NotifyApproved, Conditions: []string{"x\ry"}}} {
		ev.RequestID = "r1"
		subject, body := RenderNotification(ev)
		if FlattenStrayBreaks(body) != body || FlattenStrayBreaks(subject) != subject {
			t.Errorf("%s: a freshly rendered notification changes when flattened: %q", ev.Kind, body)
		}
	}
}
