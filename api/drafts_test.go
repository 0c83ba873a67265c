package api

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestDraftsHiddenFromApprovers: a request never submitted — a draft, or a
// draft withdrawn — is its nation's working copy. To an approver it does
// not exist: every read and action on it answers exactly as on an id that
// names nothing (status, bytes of the problem, no ETag), and no list
// carries it, whatever the filter. Submitted, it is theirs to see. Its
// nation's liaison officers and auditors see it throughout.
func TestDraftsHiddenFromApprovers(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		norway, norwayTag := e.create("lo-no", draft())
		german, _ := e.create("lo-de", with(draft(), "exercise_name", "Griffin Lightning"))
		gone, goneTag := e.create("lo-no", with(draft(), "exercise_name", "Never Sent"))
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+gone+"/withdraw", map[string]any{"reason": "plans changed"},
			"If-Match", goneTag), 200)
		sent, _ := e.submitted(with(draft(), "exercise_name", "Sent And Withdrawn"))
		sentTag := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+sent, nil).Header.Get("ETag")
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+sent+"/withdraw", nil, "If-Match", sentTag), 200)
		missing := "01900000-0000-7000-8000-000000000000"
		hidden := map[string]string{"Norway's draft": norway, "Germany's draft": german, "a withdrawn draft": gone}

		probes := []struct{ name, method, path string }{
			{"read", http.MethodGet, "/api/v1/requests/{id}"},
			{"history", http.MethodGet, "/api/v1/requests/{id}/history"},
			{"permit", http.MethodGet, "/api/v1/requests/{id}/permit"},
			{"decide", http.MethodPost, "/api/v1/requests/{id}/decisions"},
			{"revoke", http.MethodPost, "/api/v1/requests/{id}/revoke"},
		}
		bodies := map[string]any{
			"decide": map[string]any{"stage": "intake", "outcome": "approve", "comment": "checked"},
			"revoke": map[string]any{"reason": "no longer needed"},
		}
		for _, who := range []string{"hns", "range", "ops", "gov"} {
			for what, id := range hidden {
				for _, p := range probes {
					call := func(id string) resp {
						var body any
						if b, ok := bodies[p.name]; ok {
							body = b
						}
						return e.do(who, p.method, strings.ReplaceAll(p.path, "{id}", id), body,
							"If-Match", norwayTag, "If-None-Match", norwayTag)
					}
					got, ghost := call(id), call(missing)
					if got.Status != ghost.Status || !bytes.Equal(got.Body, ghost.Body) || got.Header.Get("ETag") != "" ||
						got.Header.Get("Content-Type") != ghost.Header.Get("Content-Type") {
						t.Errorf("%s, %s of %s: differs from a missing request:\n%d %s\n%d %s", who, p.name, what,
							got.Status, got.Body, ghost.Status, ghost.Body)
					}
					if got.Status != 404 && got.Status != 403 {
						t.Errorf("%s, %s of %s: status %d, want 404 (or 403 before any lookup)", who, p.name, what, got.Status)
					}
				}
			}
		}
		if got := e.do("hns", http.MethodGet, "/api/v1/requests/"+norway, nil); got.Status != 404 {
			t.Fatalf("hns reads Norway's draft: %d %s", got.Status, got.Body)
		}

		// Lists: never a request never submitted, for every filter.
		listed := func(who, query string) []string {
			t.Helper()
			r := e.do(who, http.MethodGet, "/api/v1/requests"+query, nil)
			want(t, r, 200)
			var ids []string
			for _, it := range r.JSON(t)["items"].([]any) {
				ids = append(ids, it.(map[string]any)["id"].(string))
			}
			return ids
		}
		for _, q := range []string{"", "?status=draft", "?status=withdrawn", "?nation=NO", "?nation=DE", "?nation=NO&status=draft",
			"?area=ravlunda", "?limit=200", "?cursor=" + encodeCursor("ffffffff-ffff-7fff-bfff-ffffffffffff")} {
			ids := listed("hns", q)
			for what, id := range hidden {
				if slices.Contains(ids, id) {
					t.Errorf("hns lists %s with %q", what, q)
				}
			}
		}
		if ids := listed("hns", "?status=draft"); len(ids) != 0 {
			t.Errorf("hns's list of drafts: %v, want an empty page", ids)
		}
		if ids := listed("hns", "?status=withdrawn"); !slices.Equal(ids, []string{sent}) {
			t.Errorf("hns's list of withdrawn requests: %v, want only the one withdrawn after submission %s", ids, sent)
		}
		if ids := listed("hns", ""); !slices.Equal(ids, []string{sent}) {
			t.Errorf("hns's list: %v, want only %s", ids, sent)
		}

		// Its nation's liaison officers and auditors see the drafts.
		for _, id := range []string{norway, gone} {
			want(t, e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil), 200)
		}
		if ids := listed("lo-no", ""); !slices.Contains(ids, norway) || !slices.Contains(ids, gone) {
			t.Errorf("lo-no's list %v lacks Norway's drafts", ids)
		}
		for what, id := range hidden {
			want(t, e.do("auditor", http.MethodGet, "/api/v1/requests/"+id, nil), 200)
			want(t, e.do("auditor", http.MethodGet, "/api/v1/requests/"+id+"/history", nil), 200)
			if !slices.Contains(listed("auditor", ""), id) {
				t.Errorf("the auditor's list lacks %s", what)
			}
		}
		if ids := listed("auditor", "?status=draft"); !slices.Contains(ids, norway) || !slices.Contains(ids, german) {
			t.Errorf("the auditor's list of drafts: %v", ids)
		}

		// Submitted, Norway's request is the approvers' to see.
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+norway+"/submit", nil, "If-Match", norwayTag), 200)
		for _, who := range []string{"hns", "range", "ops", "gov"} {
			want(t, e.do(who, http.MethodGet, "/api/v1/requests/"+norway, nil), 200)
			want(t, e.do(who, http.MethodGet, "/api/v1/requests/"+norway+"/history", nil), 200)
			if !slices.Contains(listed(who, ""), norway) || !slices.Contains(listed(who, "?status=in_review"), norway) {
				t.Errorf("%s does not list Norway's submitted request", who)
			}
		}
	})
}
