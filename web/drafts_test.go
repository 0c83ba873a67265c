package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDraftsHiddenFromApprovers: an approver's console holds no request
// never submitted — not in the list, whatever the filter, and its page is
// the page of a request that does not exist — until its nation submits
// it. Its liaison officers and auditors see the draft.
func TestDraftsHiddenFromApprovers(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no := e.client().signIn("lo-no")
		id := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "save")))
		hns := e.client().signIn("hns")
		listed := func(c *client, query string) bool {
			t.Helper()
			p := c.get("/requests" + query)
			wantStatus(t, p, http.StatusOK)
			return p.Doc.Find(`a[href="/requests/`+id+`"]`).Length() > 0 || strings.Contains(p.Doc.Find("main").Text(), "Cold Response")
		}
		for _, q := range []string{"", "?status=draft", "?area=ravlunda"} {
			if listed(hns, q) {
				t.Errorf("hns's list %q shows Norway's draft", q)
			}
		}
		if hns.get("/requests").Doc.Find(`#f-status option[value="draft"]`).Length() != 0 {
			t.Error("hns's list offers a filter for drafts")
		}
		for _, path := range []string{"/requests/" + id, "/requests/" + id + "/permit"} {
			p, ghost := hns.get(path), hns.get(strings.Replace(path, id, "01900000-0000-7000-8000-000000000000", 1))
			wantStatus(t, p, http.StatusNotFound)
			if p.Doc.Find("main").Text() != ghost.Doc.Find("main").Text() || strings.Contains(p.Doc.Text(), "Cold Response") {
				t.Errorf("%s: hns's page of Norway's draft differs from a missing request's: %q", path, p.Doc.Find("main").Text())
			}
		}
		auditor := e.client().signIn("auditor")
		if !listed(auditor, "") || !listed(no, "") {
			t.Error("Norway's draft is missing from its liaison officer's or the auditor's list")
		}
		wantStatus(t, auditor.get("/requests/"+id), http.StatusOK)

		page := no.get("/requests/" + id)
		requestID(t, no.post("/requests/"+id+"/submit", url.Values{"version": {formVersion(page, "submit")}}))
		if !listed(hns, "") {
			t.Error("hns's list lacks Norway's submitted request")
		}
		wantStatus(t, hns.get("/requests/"+id), http.StatusOK)
	})
}
