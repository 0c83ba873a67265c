package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestPatchLeavesTheAgreementAlone: a merge patch without framework_id
// leaves the agreement a request names as it is, whatever became of the
// agreement since it was chosen. Suspended or ended, it is kept, in a
// draft and in a request returned for changes; moved to another nation, a
// request returned for changes keeps it, and a draft's patch is refused
// (422, field framework_id) naming the agreement and saying it is no
// longer available to the nation, nothing of where it went, and nothing
// of the draft changes. framework_id null is the officer's own choice to
// name none, and is saved.
func TestPatchLeavesTheAgreementAlone(t *testing.T) {
	cases := []struct {
		name    string
		change  map[string]any
		refused bool // a draft's patch is refused
	}{
		{"suspended", map[string]any{"suspended": true}, false},
		{"ended", map[string]any{"valid_until": "2026-06-30"}, false},
		{"moved to another nation", map[string]any{"nation": "DE", "reference": "FA-DE-SECRET"}, true},
	}
	forEachDB(t, func(t *testing.T, e *env) {
		patch := func(id, tag string, body map[string]any) resp {
			t.Helper()
			return e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, body, "If-Match", tag,
				"Content-Type", "application/merge-patch+json")
		}
		for i, tc := range cases {
			fw := e.createFramework(with(norwayFramework(), "reference", fmt.Sprintf("FA-NO-2026-%02d", i+1)))
			draftID, draftTag := e.create("lo-no", inFramework(fw))
			returned, tag := e.submitted(inFramework(fw))
			c := e.decide("hns", returned, tag, "intake", "request_changes", "give the commander's name in full")
			want(t, c, 200)
			want(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, tc.change, "If-Match", `"1"`), 200)

			r := patch(returned, c.Header.Get("ETag"), map[string]any{"purpose": "Amended: winter training"})
			want(t, r, 200)
			if got := r.JSON(t); got["framework_id"] != fw || got["purpose"] != "Amended: winter training" {
				t.Errorf("%s: the request returned for changes, patched: framework_id %v, purpose %v", tc.name, got["framework_id"], got["purpose"])
			}

			r = patch(draftID, draftTag, map[string]any{"purpose": "Amended: winter training"})
			if !tc.refused {
				want(t, r, 200)
				if got := r.JSON(t)["framework_id"]; got != fw {
					t.Errorf("%s: the draft, patched: framework_id %v, want %s", tc.name, got, fw)
				}
				continue
			}
			wantProblem(t, r, 422, "invalid", "framework_id")
			if body := string(r.Body); !strings.Contains(body, fw) || !strings.Contains(body, "no longer available to your nation") ||
				strings.Contains(body, "FA-DE-SECRET") || strings.Contains(body, "DE") {
				t.Errorf("%s: the draft's refusal: %s", tc.name, body)
			}
			got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+draftID, nil)
			if got.Header.Get("ETag") != draftTag || got.JSON(t)["framework_id"] != fw || got.JSON(t)["purpose"] == "Amended: winter training" {
				t.Errorf("%s: after the refusal the draft is %s", tc.name, got.Body)
			}
			// Naming none is the officer's choice, and is saved.
			r = patch(draftID, draftTag, map[string]any{"purpose": "Amended: winter training", "framework_id": nil})
			want(t, r, 200)
			if named := r.JSON(t)["framework_id"]; named != nil && named != "" {
				t.Errorf("%s: framework_id null, the draft still names %v", tc.name, r.JSON(t)["framework_id"])
			}
		}
	})
}
