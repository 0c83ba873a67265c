package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestAuditExportScopeAndReferences: an auditor who searched the log for a
// reference sees, at the export form, which of the search's filters the
// export applies (its dates, filled in from the search) and which it does
// not (actor, action, reference: an export is an unbroken stretch of the
// log, the only kind that can be verified). The table names each
// request by its reference where it has one (a draft has none: its id),
// and the export stays audited.
func TestAuditExportScopeAndReferences(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		d, errs := parseForm(validForm()).details()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		lo := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
		sent, _, err := e.requests.CreateRequest(ctx, lo, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sent, err = e.requests.Submit(ctx, lo, sent.ID, sent.Version); err != nil {
			t.Fatal(err)
		}
		draft, _, err := e.requests.CreateRequest(ctx, lo, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sent.Reference == "" {
			t.Fatal("the submitted request has no reference")
		}
		a := e.client().signIn("auditor")

		byRef := a.get("/audit?" + url.Values{"request": {sent.Reference}, "from": {"2026-11-01"}}.Encode())
		wantStatus(t, byRef, http.StatusOK)
		cells := byRef.Doc.Find("main table tbody tr td:nth-child(5) a")
		if cells.Length() < 2 {
			t.Fatalf("the search for %s lists %d entries with a request", sent.Reference, cells.Length())
		}
		for i := range cells.Length() {
			c := cells.Eq(i)
			if c.Text() != sent.Reference || c.AttrOr("href", "") != "/requests/"+sent.ID {
				t.Errorf("a row names its request %q (%s), want the reference %s", c.Text(), c.AttrOr("href", ""), sent.Reference)
			}
		}
		if got := byRef.Doc.Find("#x-from").AttrOr("value", ""); got != "2026-11-01" {
			t.Errorf("the export's From is %q, want the search's", got)
		}
		scope := byRef.Doc.Find("#export-scope").Text()
		if !strings.Contains(scope, "dates only") || !strings.Contains(scope, "Not applied to the export from this search: “Request reference or id”.") {
			t.Errorf("the export does not say what it applies: %q", scope)
		}

		byActor := a.get("/audit?actor=lo-no")
		wantStatus(t, byActor, http.StatusOK)
		if got := byActor.Doc.Find("main table tbody a[href='/requests/" + draft.ID + "']").First().Text(); got != draft.ID {
			t.Errorf("the draft's entry names it %q, want its id (it has no reference)", got)
		}
		if scope := byActor.Doc.Find("#export-scope").Text(); !strings.Contains(scope, "“Actor (username)”") || strings.Contains(scope, "Request reference") {
			t.Errorf("the export's scope for an actor's search: %q", scope)
		}
		if scope := a.get("/audit").Doc.Find("#export-scope").Text(); strings.Contains(scope, "Not applied") {
			t.Errorf("a search with no filters lists some as not applied: %q", scope)
		}

		x := a.post("/audit/export", url.Values{"format": {"csv"}, "from": {"2026-11-01"}})
		if x.Status != http.StatusOK {
			t.Fatalf("export: %d", x.Status)
		}
		if got := a.get("/audit?action=" + domain.AuditExported).Doc.Find("main table tbody tr").Length(); got != 1 {
			t.Errorf("%d audit.exported entries, want 1", got)
		}
	})
}
