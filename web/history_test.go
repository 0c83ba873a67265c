package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/historycursor"
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
		wantSealedBefore(t, older)
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

// wantSealedBefore checks that the before= of a history link is sealed:
// no index, readable or not, shows through it.
func wantSealedBefore(t *testing.T, link string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	before := u.Query().Get("before")
	if _, err := strconv.ParseInt(before, 10, 64); err == nil {
		t.Fatalf("the older entries' link carries the bare index %s: %s", before, link)
	}
	raw, err := base64.RawURLEncoding.DecodeString(before)
	if err != nil {
		t.Fatalf("before=%q is not base64url: %v", before, err)
	}
	if strings.Contains(string(raw), historycursor.NewestPrefix) || strings.Contains(string(raw), historycursor.OldestPrefix) {
		t.Fatalf("before=%q reads as %q: the index shows through", before, raw)
	}
}

// TestHistoryBeforeIsSealed: the position in a request page's "older
// entries" link is an entry's index in the whole audit log, which a
// liaison officer must not learn — probing before= with numbers on their
// own request would give each entry's index, and the gaps count every
// other nation's entries. So before= takes only a position the console
// sealed: a bare index, a sealed one altered, or one of the other walk
// (oldest first) is the 400 page naming before, for the sending nation
// and an approver alike; the console's own position, and the API's
// newest-first cursor (the same key), page as ever.
func TestHistoryBeforeIsSealed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
		de := e.client().signIn("lo-de") // another nation's entries after it
		requestID(t, de.post("/requests/new", withValue(validForm(), "action", "save")))
		aud := e.client().signIn("auditor") // reads the draft, as an approver reads a submitted request
		sealed := e.cursors.Seal(id, historycursor.Cursor{Index: 1 << 40, Newest: true})
		altered := []byte(sealed)
		altered[len(altered)/2] ^= 1
		for _, c := range []*client{lo, aud} {
			for _, bad := range []string{"1000000", "0", "1", url.QueryEscape(string(altered)), "-1",
				url.QueryEscape(e.cursors.Seal(id, historycursor.Cursor{Index: 1 << 40})),
				url.QueryEscape(base64.RawURLEncoding.EncodeToString([]byte(historycursor.NewestPrefix + "1000000")))} {
				p := c.get("/requests/" + id + "?before=" + bad)
				wantStatus(t, p, http.StatusBadRequest)
				if msg := p.Doc.Find("main").Text(); !strings.Contains(msg, `"before"`) {
					t.Errorf("before=%s: the page does not name before: %s", bad, strings.Join(strings.Fields(msg), " "))
				}
			}
			p := c.get("/requests/" + id + "?before=" + url.QueryEscape(sealed))
			wantStatus(t, p, http.StatusOK)
			if rows := p.Doc.Find("table.history tbody tr"); rows.Length() != 1 || !strings.Contains(rows.Text(), "Created") {
				t.Errorf("a sealed position past the end: %d rows: %s", rows.Length(), rows.Text())
			}
		}
	})
}

// TestHistoryBeforeBoundToItsRequest: a position is of its own request's
// history only. The "older entries" link of one request, its before= put
// on another request's page, is the 400 page naming before — not that
// page's entries from a place in the other history (none, or some
// skipped); on its own request it pages as ever.
func TestHistoryBeforeBoundToItsRequest(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		a := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
		b := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
		refusals := domain.NewRefusalLog(e.db, e.clock, nil)
		de := domain.Principal{Subject: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"}
		for i := range historyShown + 5 { // each history longer than a page, interleaved
			for _, id := range []string{a, b} {
				if err := refusals.Record(context.Background(), de, id, fmt.Sprint("probe ", i), domain.ErrNotFound("request")); err != nil {
					t.Fatal(err)
				}
			}
		}
		aud := e.client().signIn("auditor")
		for _, pair := range [][2]string{{b, a}, {a, b}} {
			from, to := pair[0], pair[1]
			older, ok := aud.get("/requests/" + from).Doc.Find(".history-pages a").Attr("href")
			if !ok {
				t.Fatalf("%s: no link to the older entries", from)
			}
			u, err := url.Parse(older)
			if err != nil {
				t.Fatal(err)
			}
			before := u.Query().Get("before")
			p := aud.get("/requests/" + to + "?before=" + url.QueryEscape(before))
			wantStatus(t, p, http.StatusBadRequest)
			if msg := p.Doc.Find("main").Text(); !strings.Contains(msg, `"before"`) {
				t.Errorf("another request's before: the page does not name before: %s", strings.Join(strings.Fields(msg), " "))
			}
			// A position sealed by hand for the other request is refused too.
			p = aud.get("/requests/" + to + "?before=" + url.QueryEscape(e.cursors.Seal(from, historycursor.Cursor{Index: 1 << 40, Newest: true})))
			wantStatus(t, p, http.StatusBadRequest)
			// On its own request the link pages on: its creation and the
			// five refusals before the newest 50.
			p = aud.get(older)
			wantStatus(t, p, http.StatusOK)
			if rows := p.Doc.Find("table.history tbody tr"); rows.Length() != 6 || !strings.Contains(rows.First().Text(), "Created") {
				t.Errorf("%s's older entries: %d rows, first %q", from, rows.Length(), rows.First().Text())
			}
		}
	})
}
