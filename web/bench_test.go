package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/api"
	"exaccess/api/auth"
	"exaccess/auditlog"
	"exaccess/docs"
	"exaccess/domain"
	"exaccess/policies"
	"exaccess/storage"

	"github.com/google/uuid"
)

// benchDB opens the database of 1,000,000 requests that the storage
// benchmarks seed (EXACCESS_BENCH_ROWS=1000000 go test -run '^$' -bench
// QueuePage -benchtime 1x ./storage/), with the console's sign-in users
// added. The rows count is EXACCESS_BENCH_ROWS, default 1,000,000.
func benchDB(b *testing.B) (*storage.DB, string) {
	b.Helper()
	rows := os.Getenv("EXACCESS_BENCH_ROWS")
	if rows == "" {
		rows = "1000000"
	}
	path := filepath.Join(os.TempDir(), "exaccess-bench-"+rows+".db")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("no seeded database at %s: seed it with EXACCESS_BENCH_ROWS=%s go test -run '^$' -bench QueuePage -benchtime 1x ./storage/", path, rows)
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db, rows
}

// benchHandler is the real server on the seeded database, with a signed-in
// session cookie for each of the given users.
func benchHandler(b *testing.B, db *storage.DB, users ...domain.User) (http.Handler, map[string]*http.Cookie) {
	b.Helper()
	ctx := context.Background()
	ref, err := db.Reference(ctx)
	if err != nil {
		b.Fatal(err)
	}
	policy, err := policies.Default()
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC) }
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		b.Fatal(err)
	}
	us := domain.NewUserService(db, ref, now, newID)
	for _, u := range users {
		if _, err := db.GetUserByUsername(ctx, u.Username); domain.ErrorCode(err) == domain.CodeNotFound {
			if _, err := us.CreateUser(ctx, "bench", u, hash); err != nil {
				b.Fatal(err)
			}
		}
	}
	skey, err := db.GetOrCreateKey(ctx, auditlog.SignerKeyName, auditlog.GenerateSignerKey)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	requests, approvals := domain.NewRequestService(db, policy, ref, now, newID), domain.NewApprovalService(db, ref, now, newID)
	frameworks, audit := domain.NewFrameworkService(db, ref, now, newID), auditlog.NewService(db, signer, now)
	console, err := New(Deps{Requests: requests, Approvals: approvals, Frameworks: frameworks, Users: db, Sessions: db,
		Accounts: us, Principals: domain.NewAccountCache(db), Reference: ref, Audit: audit, Now: now,
		Inbox: domain.NewInboxService(db, now), Notifications: domain.NewNotificationService(db, now, newID)})
	if err != nil {
		b.Fatal(err)
	}
	h := api.New(api.Deps{Requests: requests, Approvals: approvals, Frameworks: frameworks, Users: db, Reference: ref,
		OpenAPI: docs.OpenAPI, Log: testLogger(), Audit: audit, Console: console}).Handler()
	cookies := map[string]*http.Cookie{}
	for _, u := range users {
		form := url.Values{"username": {u.Username}, "password": {testPassword}}
		req := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
			b.Fatalf("sign-in as %s: %d", u.Username, res.StatusCode)
		}
		cookies[u.Username] = res.Cookies()[len(res.Cookies())-1]
	}
	return h, cookies
}

// benchPages GETs path(i) b.N times through the handler, as the session's
// user, and reports the server-side latency percentiles.
func benchPages(b *testing.B, h http.Handler, ck *http.Cookie, path func(i int) string) {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodGet, path(i), nil)
		req.AddCookie(ck)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path(i), rec.Code)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkConsoleQueuePage renders the intake queue (50 rows, oldest
// deadline first), half of the pages from a cursor deep in the queue.
//
//	go test -run '^$' -bench Console -benchtime 2000x ./web/
func BenchmarkConsoleQueuePage(b *testing.B) {
	db, rows := benchDB(b)
	n := mustAtoi(b, rows)
	h, cks := benchHandler(b, db, domain.User{Username: "bench-hns", Roles: []domain.Role{domain.RoleHNS}})
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	benchPages(b, h, cks["bench-hns"], func(i int) string {
		if i%2 == 0 {
			return "/queue"
		}
		k := (i * 7919) % n
		q := url.Values{"after_due": {base.Add(time.Duration(k)*time.Second + 48*time.Hour).Format(time.RFC3339Nano)},
			"after_req": {fmt.Sprintf("0190%012x-7000-8000-000000000000", k)}, "after_stage": {"intake"}}
		return "/queue?" + q.Encode()
	})
}

// BenchmarkConsoleMyRequestsPage renders a Norwegian liaison officer's
// requests in review (50 rows), half of the pages from deep in the list.
func BenchmarkConsoleMyRequestsPage(b *testing.B) {
	db, rows := benchDB(b)
	n := mustAtoi(b, rows)
	h, cks := benchHandler(b, db, domain.User{Username: "bench-lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"})
	benchPages(b, h, cks["bench-lo-no"], func(i int) string {
		if i%2 == 0 {
			return "/requests?status=in_review"
		}
		return fmt.Sprintf("/requests?status=in_review&after=0190%012x-7000-8000-000000000000", (i*7919)%n)
	})
}
