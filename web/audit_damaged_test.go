package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/api"
	"exaccess/docs"
	"exaccess/domain"
	"exaccess/internal/apptest"
	"exaccess/internal/testlog"
	"exaccess/storage/storagetest"
)

// TestAuditDamagedPage: rows of the audit log go missing (deleted at a SQL
// prompt, past the append-only triggers): the last entry's hashes, a leaf
// hash in the middle of the tree, an entry in the middle of the log. The
// auditor's export in the console then answers 500, in either format,
// with a page that says the audit log is damaged and what an operator must
// run, with the request id to quote: not the generic "something went
// wrong", and not a 200 with an empty or cut download.
func TestAuditDamagedPage(t *testing.T) {
	for _, damage := range []struct {
		name string
		sql  func(size int64) string
	}{
		{"the last entry's hashes", func(size int64) string {
			return "DELETE FROM audit_hashes WHERE id >= " + strconv.FormatInt(tlog.StoredHashIndex(0, size-1), 10)
		}},
		{"a leaf hash in the middle", func(size int64) string {
			return "DELETE FROM audit_hashes WHERE id = " + strconv.FormatInt(tlog.StoredHashIndex(0, size/2), 10)
		}},
		{"an entry in the middle", func(size int64) string {
			return "DELETE FROM audit_log WHERE idx = " + strconv.FormatInt(size/2, 10)
		}},
	} {
		for _, c := range storagetest.Databases(t) { // fresh databases for each damage
			t.Run(damage.name+"/"+c.Name, func(t *testing.T) {
				e := newEnv(t, c.DSN, false)
				lo := e.client().signIn("lo-no")
				for range 3 {
					requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
				}
				size, err := e.db.AuditTreeSize(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				storagetest.TamperAudit(t, c, damage.sql(size))

				a := e.client().signIn("auditor")
				for _, format := range []string{"ndjson", "csv"} {
					p := a.post("/audit/export", url.Values{"format": {format}})
					wantStatus(t, p, http.StatusInternalServerError)
					text := p.Doc.Find("main").Text()
					if !strings.Contains(text, "stored entries or hashes are damaged") ||
						!strings.Contains(text, "exaccess audit verify --db PATH --key VERIFIER_KEY_FILE") {
						t.Fatalf("%s: the page does not say the audit log is damaged:\n%s", format, text)
					}
					if id := p.Header.Get("X-Request-Id"); id == "" || !strings.Contains(text, id) {
						t.Fatalf("%s: the page does not quote the request id %q:\n%s", format, id, text)
					}
				}
			})
		}
	}
}

// TestAuditExportCutShortIsLogged: an export that fails after its status
// line (the client has its 200) cannot show a page; the console logs the
// error at error level with the request id, as the API does, instead of
// dropping it.
func TestAuditExportCutShortIsLogged(t *testing.T) {
	c := storagetest.Databases(t)[0]
	var logs testlog.Buffer
	e := newEnvLogged(t, c.DSN, slog.New(slog.NewTextHandler(&logs, nil)), func(a domain.AuditLog) domain.AuditLog {
		return failingExports{a}
	})
	a := e.client().signIn("auditor")
	p := a.post("/audit/export", url.Values{"format": {"ndjson"}})
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	id := p.Header.Get("X-Request-Id")
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "audit export cut short") ||
		!strings.Contains(l, "the database went away") || id == "" || !strings.Contains(l, id) {
		t.Errorf("log of request %s:\n%s", id, l)
	}
}

// failingExports is an audit log whose exports fail half-way.
type failingExports struct{ domain.AuditLog }

func (f failingExports) StartExport(ctx context.Context, p domain.Principal, req domain.AuditExportRequest) (domain.AuditExport, error) {
	x, err := f.AuditLog.StartExport(ctx, p, req)
	return failingExport{x}, err
}

type failingExport struct{ domain.AuditExport }

func (failingExport) Write(_ context.Context, w io.Writer) error {
	_, _ = w.Write([]byte("{}\n"))
	return errors.New("the database went away")
}

// newEnvLogged is newEnv with the server's log going to log and its audit
// log wrapped by wrap.
func newEnvLogged(t testing.TB, dsn string, log *slog.Logger, wrap func(domain.AuditLog) domain.AuditLog) *env {
	t.Helper()
	a := apptest.New(t, dsn, apptest.Options{Users: testUsers})
	e := &env{t: t, db: a.DB, accounts: a.Accounts, signer: a.Signer, cache: a.Principals,
		requests: a.Requests, approvals: a.Approvals, notifications: a.Notifications, clock: a.Clock, ref: a.Reference}
	audit := wrap(a.Audit)
	console, err := New(Deps{Requests: a.Requests, Approvals: a.Approvals, Frameworks: a.Frameworks, Users: a.DB,
		Accounts: a.Accounts, Principals: a.Principals, Notifications: a.Notifications, Sessions: a.DB, Reference: a.Reference,
		Audit: audit, Permits: a.Permits, Refusals: a.Refusals, Log: log, Now: a.Now, Inbox: a.Inbox})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Deps{Tokens: a.Tokens, Requests: a.Requests, Approvals: a.Approvals, Frameworks: a.Frameworks,
		Refusals: a.Refusals, Users: a.DB, Reference: a.Reference, OpenAPI: docs.OpenAPI, Log: log,
		Audit: audit, Console: console, Accounts: a.Accounts, Principals: a.Principals, Permits: a.Permits})
	e.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(e.srv.Close)
	return e
}
