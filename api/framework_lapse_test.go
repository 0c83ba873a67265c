package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestFastTrackFrameworkLapse: a request in review on the fast track of an
// agreement that is then suspended, ended before the request's period,
// moved to another nation or narrowed to leave out an area it books is
// not approved on intake alone (the area named as the submission's
// warning names it, not by its code). The PATCH
// names it, its approvers read why before deciding, and the final
// approval is refused (409 framework_not_applicable) with nothing stored;
// a request for changes still goes through, and the resubmission of one
// whose agreement went to another nation takes the normal route. An
// agreement that still covers the request changes nothing.
func TestFastTrackFrameworkLapse(t *testing.T) {
	cases := []struct {
		name   string
		patch  map[string]any
		reason string // "" for a change that keeps the request covered
	}{
		{"suspended", map[string]any{"suspended": true}, "the framework agreement is suspended"},
		{"ended before the period", map[string]any{"valid_until": "2027-02-28"}, "is not inside the framework's validity"},
		{"moved to another nation", map[string]any{"nation": "DE"}, "the framework agreement is of another nation"},
		// An area removed is named as the submission's warning names it.
		{"area removed", map[string]any{"training_areas": []any{"arvidsjaur"}}, "training area Kilens övningsfält not covered"},
		{"still covers", map[string]any{"name": "Norwegian units, renamed"}, ""},
	}
	forEachDB(t, func(t *testing.T, e *env) {
		for i, tc := range cases {
			fw := e.createFramework(with(norwayFramework(), "reference", fmt.Sprintf("FA-NO-2026-%02d", i+1)))
			id, tag := e.submitted(inFramework(fw))
			ref := e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)["reference"].(string)
			draftID, draftTag := e.create("lo-no", inFramework(fw)) // never submitted

			p := e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, tc.patch, "If-Match", `"1"`)
			want(t, p, 200)
			named := fmt.Sprint(p.JSON(t)["no_longer_covered"])
			if covered := tc.reason == ""; covered == strings.Contains(named, ref) || covered != (named == "[]") {
				t.Fatalf("%s: the PATCH names %s (request %s)", tc.name, named, ref)
			}

			got := e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil)
			want(t, got, 200)
			if tc.reason == "" {
				if hasWarning(got.JSON(t), "framework_not_applicable", "") {
					t.Fatalf("%s: warnings %v", tc.name, got.JSON(t)["warnings"])
				}
				r := e.decide("hns", id, tag, "intake", "approve", "inside the agreement")
				want(t, r, 200)
				if r.JSON(t)["status"] != "approved" {
					t.Fatalf("%s: after intake %s", tc.name, r.Body)
				}
				continue
			}
			if !hasWarning(got.JSON(t), "framework_not_applicable", tc.reason) ||
				!hasWarning(got.JSON(t), "framework_not_applicable", "final approval will be refused until changes are requested") {
				t.Fatalf("%s: approver's warnings %v", tc.name, got.JSON(t)["warnings"])
			}
			// Made when read, so a cached copy is not answered 304.
			want(t, e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil, "If-None-Match", tag), 200)
			// The liaison officer is not told the approvers' advice.
			if lo := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t); hasWarning(lo, "framework_not_applicable", "") {
				t.Fatalf("%s: lo-no's warnings %v", tc.name, lo["warnings"])
			}

			before, err := e.db.ListAudit(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			r := e.decide("hns", id, tag, "intake", "approve", "inside the agreement")
			wantProblem(t, r, 409, "framework_not_applicable")
			if d := r.JSON(t)["detail"].(string); !strings.Contains(d, tc.reason) || !strings.Contains(d, "request changes") {
				t.Errorf("%s: detail %q", tc.name, d)
			}
			after := e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil)
			if after.JSON(t)["status"] != "in_review" || after.Header.Get("ETag") != tag {
				t.Fatalf("%s: after the refusal %s (ETag %s, was %s)", tc.name, after.JSON(t)["status"], after.Header.Get("ETag"), tag)
			}
			entries, err := e.db.ListAudit(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range entries[len(before):] {
				if en.Action == domain.AuditRequestDecided {
					t.Fatalf("%s: a refused approval is audited as a decision: %v", tc.name, en)
				}
			}
			// Requesting changes is what the refusal asks for.
			c := e.decide("hns", id, tag, "intake", "request_changes", "the agreement no longer covers the request")
			want(t, c, 200)
			if c.JSON(t)["status"] != "changes_requested" {
				t.Fatalf("%s: after request_changes %s", tc.name, c.Body)
			}
			if tc.patch["nation"] == nil {
				continue
			}
			// Another nation's now: a first submission naming it is
			// refused as an unknown agreement, as before ...
			wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+draftID+"/submit", nil, "If-Match", draftTag),
				422, "invalid", "framework_id")
			// ... but the request returned for changes, still naming it,
			// is edited and resubmitted as the refusal said: the normal
			// route, told that the agreement is no longer available and
			// nothing of where it went.
			// Only the agreement it already names: another of another
			// nation is refused on the edit, as ever.
			de := e.createFramework(with(with(norwayFramework(), "nation", "DE"), "reference", "FA-DE-2026-99"))
			wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"framework_id": de},
				"If-Match", c.Header.Get("ETag"), "Content-Type", "application/merge-patch+json"), 422, "invalid", "framework_id")
			ed := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"exercise_name": "Renamed"},
				"If-Match", c.Header.Get("ETag"), "Content-Type", "application/merge-patch+json")
			want(t, ed, 200)
			rs := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", ed.Header.Get("ETag"))
			want(t, rs, 200)
			for _, as := range []string{"lo-no", "hns"} {
				got := e.do(as, http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)
				route := got["route"].(map[string]any)
				if got["status"] != "in_review" || route["fast_track"] != false || len(route["stages"].([]any)) < 2 ||
					!hasWarning(got, "framework_not_applicable", "is no longer available, so the request takes the normal route") ||
					strings.Contains(fmt.Sprint(got["warnings"]), "another nation") {
					t.Fatalf("%s: %s reads the resubmission as %v, route %v, warnings %v", tc.name, as, got["status"], route, got["warnings"])
				}
			}
		}
	})
}

// TestFastTrackLapseNotCached: an approver's copy of a fast-track request
// carries the lapse warning or not by the agreement as it was when read,
// and the request's version does not move when the agreement does: a read
// naming that version is sent whole, so that an agreement suspended and
// restored leaves no stale warning behind. A liaison officer, whose copy
// never carries it, still gets 304.
func TestFastTrackLapseNotCached(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		fw := e.createFramework(norwayFramework())
		id, tag := e.submitted(inFramework(fw))
		want(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, map[string]any{"suspended": true}, "If-Match", `"1"`), 200)
		got := e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil)
		want(t, got, 200)
		if got.Header.Get("ETag") != tag || !hasWarning(got.JSON(t), "framework_not_applicable", "suspended") {
			t.Fatalf("suspended: ETag %s (was %s), warnings %v", got.Header.Get("ETag"), tag, got.JSON(t)["warnings"])
		}
		want(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, map[string]any{"suspended": false}, "If-Match", `"2"`), 200)
		again := e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil, "If-None-Match", tag)
		want(t, again, 200)
		if hasWarning(again.JSON(t), "framework_not_applicable", "") {
			t.Fatalf("restored: warnings %v", again.JSON(t)["warnings"])
		}
		want(t, e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil, "If-None-Match", tag), http.StatusNotModified)
	})
}

// TestFastTrackLapseNotice: a PATCH that makes an agreement stop covering a
// request in review on its fast track notifies the request's liaison
// officers and the approvers of its active stage, with the reasons, and
// nobody else (not another nation's officers, not an approver of no
// active stage); a PATCH that leaves it covered notifies nobody, and one
// that leaves it still uncovered does not notify it again, though the
// answer still lists it.
func TestFastTrackLapseNotice(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		fw := e.createFramework(norwayFramework())
		id, _ := e.submitted(inFramework(fw))
		ref := e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)["reference"].(string)
		lapsed := func(as string) []map[string]any {
			items, _ := e.inbox(as, "")
			var out []map[string]any
			for _, it := range items {
				if it["kind"] == domain.NotifyFrameworkLapsed {
					out = append(out, it)
				}
			}
			return out
		}
		patch := func(body map[string]any, version string) string {
			p := e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, body, "If-Match", version)
			want(t, p, 200)
			return fmt.Sprint(p.JSON(t)["no_longer_covered"])
		}
		if named := patch(map[string]any{"name": "Renamed"}, `"1"`); named != "[]" {
			t.Fatalf("a change that covers the request names %s", named)
		}
		for _, who := range []string{"lo-no", "hns"} {
			if got := lapsed(who); len(got) != 0 {
				t.Fatalf("%s is told of a change that covers the request: %v", who, got)
			}
		}
		if named := patch(map[string]any{"training_areas": []any{"arvidsjaur"}}, `"2"`); !strings.Contains(named, ref) {
			t.Fatalf("the PATCH names %s", named)
		}
		no := lapsed("lo-no")
		if len(no) != 1 || no[0]["request_id"] != id || !strings.Contains(no[0]["body"].(string), "training area Kilens övningsfält not covered") ||
			!strings.Contains(no[0]["subject"].(string), ref) {
			t.Fatalf("lo-no's notices: %v", no)
		}
		if hns := lapsed("hns"); len(hns) != 1 || !strings.Contains(hns[0]["body"].(string), "waiting for your role's decision") {
			t.Fatalf("the intake approver's notices: %v", hns)
		}
		for _, who := range []string{"lo-de", "ops", "gov"} {
			if got := lapsed(who); len(got) != 0 {
				t.Errorf("%s is told: %v", who, got)
			}
		}
		// Suspended as well: still listed, not told again.
		if named := patch(map[string]any{"suspended": true}, `"3"`); !strings.Contains(named, ref) {
			t.Fatalf("the second PATCH names %s", named)
		}
		if n, m := len(lapsed("lo-no")), len(lapsed("hns")); n != 1 || m != 1 {
			t.Errorf("after a second change that leaves the request uncovered: lo-no has %d notices, hns %d; want 1 each", n, m)
		}

		// Moved to another nation, with new terms: the officers of the
		// request's nation, who can no longer read the agreement, are told
		// it by the reference they knew and that it is no longer available
		// to their nation, in every copy, and nothing of the agreement as
		// it is now; the approvers are told why in full.
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/lo-no"}), http.StatusCreated)
		moved := e.createFramework(with(norwayFramework(), "reference", "FA-NO-2026-MOVED"))
		mid, _ := e.submitted(inFramework(moved))
		p := e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+moved, map[string]any{"nation": "DE", "reference": "FA-DE-CONFIDENTIAL-7",
			"valid_from": "2026-01-01", "valid_until": "2026-03-31", "personnel_ceiling": 3}, "If-Match", `"1"`)
		want(t, p, 200)
		want(t, e.do("lo-no", http.MethodGet, "/api/v1/frameworks/"+moved, nil), 404)
		secret := []string{"FA-DE", "another nation", "2026-03-31", "ceiling"}
		var copies []string
		for _, it := range lapsed("lo-no") {
			if it["request_id"] == mid {
				copies = append(copies, it["subject"].(string)+"\n"+it["body"].(string))
			}
		}
		if len(copies) != 1 {
			t.Fatalf("lo-no's notices of the moved agreement: %v", copies)
		}
		for _, n := range e.outboxOf(mid, "lo-no", domain.ChannelEmail, domain.ChannelWebhook) {
			if n.Kind == domain.NotifyFrameworkLapsed {
				copies = append(copies, n.Channel+": "+n.Subject+"\n"+n.Body)
			}
		}
		if len(copies) != 3 {
			t.Fatalf("lo-no's copies (inbox, e-mail, webhook) of the moved agreement: %q", copies)
		}
		for _, c := range copies {
			if !strings.Contains(c, "FA-NO-2026-MOVED") || !strings.Contains(c, "no longer available to your nation") {
				t.Errorf("lo-no's copy does not name the agreement as known or why: %s", c)
			}
			for _, s := range secret {
				if strings.Contains(c, s) {
					t.Errorf("lo-no's copy tells %q of the agreement as it is now: %s", s, c)
				}
			}
		}
		var told bool
		for _, it := range lapsed("hns") {
			b, _ := it["body"].(string)
			told = told || it["request_id"] == mid && strings.Contains(b, "FA-DE-CONFIDENTIAL-7") && strings.Contains(b, "another nation")
		}
		if !told {
			t.Errorf("the intake approver is not told the agreement's new reference and why: %v", lapsed("hns"))
		}
	})
}
