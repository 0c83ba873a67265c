package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/internal/historycursor"
)

// TestHistoryHidesAuditIndexFromTheNation: a liaison officer's history has
// no entry's place in the whole audit log (the gaps between a request's
// indexes would count every other nation's entries), and its cursors do
// not carry one readably; approvers and auditors still see the index. A
// cursor is sealed: a changed or made-up one is refused naming cursor, and
// the server's own cursor walks on.
func TestHistoryHidesAuditIndexFromTheNation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", draft())
		// Other nations' activity between the request's entries.
		for range 3 {
			e.create("lo-de", draft())
		}
		patched := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"purpose": "Winter training, amended"}, "If-Match", tag)
		want(t, patched, 200)
		// Submitted, so that the approver may read it (a draft is not theirs to see).
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", patched.Header.Get("ETag")), 200)
		base := "/api/v1/requests/" + id + "/history"

		for _, who := range []string{"lo-no", "hns", "auditor"} {
			r := e.do(who, http.MethodGet, base+"?limit=1", nil)
			want(t, r, http.StatusOK)
			body := r.JSON(t)
			items := body["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("%s: %d items", who, len(items))
			}
			_, hasIndex := items[0].(map[string]any)["index"]
			if hasIndex != (who != "lo-no") {
				t.Errorf("%s: index shown %v, want %v", who, hasIndex, who != "lo-no")
			}
			next, _ := body["next_cursor"].(string)
			if next == "" {
				t.Fatalf("%s: no next_cursor", who)
			}
			raw, err := base64.RawURLEncoding.DecodeString(next)
			if err != nil {
				t.Fatalf("%s: cursor %q is not base64url: %v", who, next, err)
			}
			if strings.Contains(string(raw), historycursor.OldestPrefix) || strings.Contains(string(raw), historycursor.NewestPrefix) {
				t.Errorf("%s: cursor %q reads as %q: the index shows through", who, next, raw)
			}
			// The server's own cursor walks on; one byte changed does not.
			want(t, e.do(who, http.MethodGet, base+"?limit=1&cursor="+url.QueryEscape(next), nil), http.StatusOK)
			raw[len(raw)-1] ^= 1
			wantProblem(t, e.do(who, http.MethodGet, base+"?limit=1&cursor="+base64.RawURLEncoding.EncodeToString(raw), nil), 422, "invalid", "cursor")
		}
		// Two cursors of the same place differ (a fresh nonce each), so
		// comparing them tells nothing either.
		a := e.do("lo-no", http.MethodGet, base+"?limit=1", nil).JSON(t)["next_cursor"]
		b := e.do("lo-no", http.MethodGet, base+"?limit=1", nil).JSON(t)["next_cursor"]
		if a == b {
			t.Errorf("two cursors of one place are equal: %v", a)
		}
		// An over-long cursor is refused before any work.
		wantProblem(t, e.do("hns", http.MethodGet, base+"?cursor="+strings.Repeat("A", historycursor.MaxSealed+1), nil), 422, "invalid", "cursor")
	})
}
