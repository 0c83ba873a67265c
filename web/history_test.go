package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestRequestPageShowsTheNewestHistory: a request page shows the newest
// 50 entries of its history and links to the older ones, which link back;
// the sending nation's page has none of the refusals, and no link for them.
func TestRequestPageShowsTheNewestHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
		refusals := domain.NewRefusalLog(e.db, e.clock, nil) // every refusal written
		de := domain.Principal{Subject: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"}
		for i := range 60 {
			if err := refusals.Record(context.Background(), de, id, fmt.Sprint("probe ", i), domain.ErrNotFound("request")); err != nil {
				t.Fatal(err)
			}
		}
		// The auditor, who sees the refusals as approvers do: a draft is
		// not an approver's to see.
		aud := e.client().signIn("auditor")
		p := aud.get("/requests/" + id)
		rows := p.Doc.Find("table.history tbody tr")
		if rows.Length() != historyShown || strings.Contains(rows.Text(), "Created") {
			t.Fatalf("the auditor's page shows %d rows (want the newest %d, all refusals): %s", rows.Length(), historyShown, rows.Text())
		}
		older, ok := p.Doc.Find(".history-pages a").Attr("href")
		if !ok || !strings.HasPrefix(older, "/requests/"+id+"?before=") || p.Doc.Find(".history-pages a").Text() != "Older entries" {
			t.Fatalf("no link to the older entries: %q", p.Doc.Find(".history-pages").Text())
		}
		p = aud.get(older)
		rows = p.Doc.Find("table.history tbody tr")
		if rows.Length() != 61-historyShown || !strings.Contains(rows.First().Text(), "Created") {
			t.Errorf("the older entries: %d rows, first %q", rows.Length(), rows.First().Text())
		}
		if got := p.Doc.Find(".history-pages").Text(); got != "Newest entries" {
			t.Errorf("the last page's links: %q", got)
		}
		rows = lo.get("/requests/" + id).Doc.Find("table.history tbody tr")
		if rows.Length() != 1 || !strings.Contains(rows.Text(), "Created") {
			t.Errorf("the sending nation's history: %d rows: %s", rows.Length(), rows.Text())
		}
		wantStatus(t, aud.get("/requests/"+id+"?before=x"), http.StatusBadRequest)
	})
}
