package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestAuditNewestFirstPagesBothWays: the audit page opens on the newest
// entries, 50 a page; "Older entries" and "Newer entries" page through the
// whole log and back, each entry once, the filters kept; going back to the
// start shows the full first page. "Oldest first" lists the log the other
// way with the same links.
func TestAuditNewestFirstPagesBothWays(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ctx := context.Background()
	d, errs := parseForm(validForm()).details()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	lo := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
	for range 120 {
		if _, _, err := e.requests.CreateRequest(ctx, lo, d, nil); err != nil {
			t.Fatal(err)
		}
	}
	a := e.client().signIn("auditor")
	size, err := e.db.AuditTreeSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// What the search for lo-no's entries should list, oldest first.
	var mine []int64
	for i := int64(0); i < size; i++ {
		mine = append(mine, i)
	}
	mine = slices.DeleteFunc(mine, func(i int64) bool { return !strings.Contains(auditActor(t, e, i), "lo-no") })
	if len(mine) != 120 {
		t.Fatalf("%d entries of lo-no, want 120", len(mine))
	}
	newestFirst := slices.Clone(mine)
	slices.Reverse(newestFirst)

	first := a.get("/audit?actor=lo-no")
	wantStatus(t, first, http.StatusOK)
	if got := auditIndexes(first); !slices.Equal(got, newestFirst[:50]) {
		t.Fatalf("the first page lists %v, want the newest 50: %v", got, newestFirst[:50])
	}
	if first.Doc.Find("#f-order option[selected]").AttrOr("value", "") != "newest" {
		t.Error("the order select does not show newest first")
	}
	if pagerLink(first, "Newer entries") != "" {
		t.Error("the first page links newer entries")
	}

	// Older, to the end: each entry once, newest first.
	var seen []int64
	p := first
	for range 10 {
		seen = append(seen, auditIndexes(p)...)
		next := pagerLink(p, "Older entries")
		if next == "" {
			break
		}
		if q := mustQuery(t, next); q.Get("actor") != "lo-no" || q.Get("order") != "newest" {
			t.Fatalf("the link to older entries lost the search: %s", next)
		}
		p = a.get(next)
		wantStatus(t, p, http.StatusOK)
		if pagerLink(p, "Newer entries") == "" {
			t.Fatalf("a page of older entries has no link to newer ones: %v", auditIndexes(p))
		}
	}
	if !slices.Equal(seen, newestFirst) {
		t.Fatalf("paging to the oldest listed %v, want %v", seen, newestFirst)
	}
	// Back from the last page (20 entries): the 50 just newer than them.
	back := a.get(pagerLink(p, "Newer entries"))
	if got := auditIndexes(back); !slices.Equal(got, newestFirst[50:100]) || pagerLink(back, "Older entries") == "" {
		t.Fatalf("newer than the last page: %v, want %v with a link to older", got, newestFirst[50:100])
	}
	// And back again to the start: the full first page, nothing newer.
	start := a.get(pagerLink(back, "Newer entries"))
	if got := auditIndexes(start); !slices.Equal(got, newestFirst[:50]) || pagerLink(start, "Newer entries") != "" {
		t.Fatalf("back at the start: %v (newer link %q), want %v", got, pagerLink(start, "Newer entries"), newestFirst[:50])
	}
	// A page back that reaches the start short of a page is the first page.
	short := a.get("/audit?actor=lo-no&order=newest&after=" + strconv.FormatInt(newestFirst[10], 10))
	if got := auditIndexes(short); !slices.Equal(got, newestFirst[:50]) || pagerLink(short, "Newer entries") != "" {
		t.Fatalf("back to ten entries from the start: %v, want the first page", got)
	}

	// Oldest first: the same links, the other way round.
	old := a.get("/audit?actor=lo-no&order=oldest")
	if got := auditIndexes(old); !slices.Equal(got, mine[:50]) || pagerLink(old, "Older entries") != "" {
		t.Fatalf("oldest first: %v, want %v and no older link", got, mine[:50])
	}
	later := a.get(pagerLink(old, "Newer entries"))
	if got := auditIndexes(later); !slices.Equal(got, mine[50:100]) {
		t.Fatalf("oldest first, page 2: %v, want %v", got, mine[50:100])
	}
	if got := auditIndexes(a.get(pagerLink(later, "Older entries"))); !slices.Equal(got, mine[:50]) {
		t.Fatalf("oldest first, back to page 1: %v, want %v", got, mine[:50])
	}

	// Unfiltered, the newest entry of the whole log comes first.
	if got := auditIndexes(a.get("/audit")); len(got) != 50 || got[0] != size-1 {
		t.Fatalf("the unfiltered page starts at %v, want the newest entry %d", got[:1], size-1)
	}
}

// TestAuditDatesOutOfOrder: a "From" at or after the "To" (which is
// exclusive) would find nothing; the search and the export say so at the
// "To" field instead of showing an empty table, and an unknown order is
// refused at the order select.
func TestAuditDatesOutOfOrder(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("auditor")
	for _, q := range []string{"from=2026-12-02&to=2026-12-01", "from=2026-12-01&to=2026-12-01"} {
		p := a.get("/audit?" + q)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantTiedError(t, p, "#f-to", "must be after “From”")
		if got := strings.Join(strings.Fields(p.Doc.Find(".error-summary li").Text()), " "); got != "To, exclusive: must be after “From”" {
			t.Errorf("%s: the summary says %q", q, got)
		}
		if p.Doc.Find("main table").Length() != 0 || strings.Contains(p.Doc.Find("main").Text(), "No entries match") {
			t.Errorf("%s: a search ran", q)
		}
	}
	wantStatus(t, a.get("/audit?from=2026-11-30&to=2026-12-01"), http.StatusOK)

	export := a.post("/audit/export", url.Values{"format": {"csv"}, "from": {"2026-12-02"}, "to": {"2026-12-01"}})
	wantStatus(t, export, http.StatusUnprocessableEntity)
	wantTiedError(t, export, "#x-to", "must be after “From”")
	if export.Doc.Find("#f-to[aria-invalid]").Length() != 0 {
		t.Error("the export's error is on the search's field")
	}

	bad := a.get("/audit?order=sideways")
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantTiedError(t, bad, "#f-order", "must be newest or oldest first")
	if p := a.get("/audit?before=x"); p.Status != http.StatusBadRequest || !strings.Contains(p.Doc.Find("main").Text(), `"before"`) {
		t.Errorf("a made-up before: %d", p.Status)
	}
}

// auditIndexes are the indexes of the audit page's rows, in order.
func auditIndexes(p page) []int64 {
	var out []int64
	p.Doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		n, _ := strconv.ParseInt(strings.TrimSpace(tr.Find("td").First().Text()), 10, 64)
		out = append(out, n)
	})
	return out
}

// pagerLink is the address of the audit page's paging link named text, ""
// if there is none.
func pagerLink(p page, text string) string {
	var href string
	p.Doc.Find(`nav[aria-label="Pages of the audit log"] a`).Each(func(_ int, a *goquery.Selection) {
		if strings.TrimSpace(a.Text()) == text {
			href = a.AttrOr("href", "")
		}
	})
	return href
}

func mustQuery(t *testing.T, href string) url.Values {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// auditActor is the actor of entry i of the log.
func auditActor(t *testing.T, e *env, i int64) string {
	t.Helper()
	page, err := e.db.AuditEvents(context.Background(), domain.AuditFilter{After: ptr(i - 1), Limit: 1})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("entry %d: %v", i, err)
	}
	return auditRowOf(page.Items[0]).Actor
}

func ptr[T any](v T) *T { return &v }
