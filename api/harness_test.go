package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"exaccess/docs"
	"exaccess/domain"
	"exaccess/internal/apptest"
	"exaccess/storage"
	"exaccess/storage/storagetest"

	"github.com/getkin/kin-openapi/openapi3"
)

// testNow is the fixed clock of every scenario: Monday 23 November 2026, 09:00 UTC.
var testNow = apptest.Now

// testUsers are signed in by issuing tokens directly; the sign-in endpoint
// has its own test.
var testUsers = apptest.Users

// env is one real server on one real database.
type env struct {
	t      testing.TB
	db     *storage.DB
	srv    *Server
	spec   *openapi3.T
	tokens map[string]string
	// clock is the server's clock; a test may move it (not concurrently).
	clock     func() time.Time
	approvals *domain.ApprovalService
	// notifications: settings and webhooks; http:// URLs allowed for tests.
	notifications *domain.NotificationService
}

// forEachDB runs fn as a subtest on SQLite and, when configured, PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) { fn(t, newEnv(t, c.DSN)) })
	}
}

func newEnv(t testing.TB, dsn string) *env {
	t.Helper()
	return newEnvWith(t, dsn, apptest.Options{})
}

// newEnvWith is newEnv with other users or another policy.
func newEnvWith(t testing.TB, dsn string, opts apptest.Options) *env {
	t.Helper()
	a := apptest.New(t, dsn, opts)
	e := &env{t: t, db: a.DB, spec: loadSpec(t), tokens: map[string]string{}, clock: a.Clock,
		approvals: a.Approvals, notifications: a.Notifications}
	a.Clock = func() time.Time { return e.clock() } // the services follow e.clock; tokens stay on testNow
	for name, u := range a.Created {
		tok, err := a.Tokens.Issue(u)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = tok
	}
	db := a.DB
	e.srv = New(Deps{Tokens: a.Tokens, Requests: a.Requests, Approvals: a.Approvals, Frameworks: a.Frameworks,
		Metrics: NewMetrics(db), Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return err
			}
			return db.CheckSchema(ctx)
		},
		Refusals: a.Refusals, Users: db, Reference: a.Reference, OpenAPI: docs.OpenAPI, Log: testLogger(),
		Accounts: a.Accounts, Principals: a.Principals, Inbox: a.Inbox, Notifications: a.Notifications,
		Audit: a.Audit})
	e.srv.Metrics.WatchRefusals(a.Refusals.Suppressed)
	return e
}

// testLogger discards the server's log unless EXACCESS_TEST_LOG is set.
var testLogger = apptest.Logger

// resp is a recorded response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// do sends one request as the named user ("" for none) through the real
// handler, checks the response against the OpenAPI document, and returns it.
// body may be nil, a string (sent as is) or anything else (sent as JSON).
// headers are name, value pairs.
func (e *env) do(as, method, path string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		tok, ok := e.tokens[as]
		if !ok {
			e.t.Fatalf("no test user %q", as)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	r := resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkResponse(e.t, e.spec, req, r.Status, r.Header, r.Body)
	return r
}

// want fails the test unless r has the given status, showing the body.
func want(t testing.TB, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
}

// wantProblem checks a problem+json error with its code and named fields.
func wantProblem(t testing.TB, r resp, status int, code string, fields ...string) {
	t.Helper()
	want(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	p := r.JSON(t)
	if p["code"] != code {
		t.Fatalf("code %v, want %s; body %s", p["code"], code, r.Body)
	}
	named := map[string]bool{}
	if errs, ok := p["errors"].([]any); ok {
		for _, e := range errs {
			named[e.(map[string]any)["field"].(string)] = true
		}
	}
	for _, f := range fields {
		if !named[f] {
			t.Errorf("field %q not named in %s", f, r.Body)
		}
	}
}

// draft is a valid request body: Norway's battalion with live fire at Ravlunda.
func draft() map[string]any {
	return map[string]any{
		"exercise_name": "Cold Response 27",
		"purpose":       "Winter live-fire training with Swedish units",
		"unit":          map[string]any{"designation": "Telemark Battalion", "parent_formation": "Brigade North", "commander": "Lt Col Hansen"},
		"period":        map[string]any{"start": "2027-03-02", "end": "2027-03-20"},
		"personnel":     map[string]any{"military": 450, "civilian": 10, "contractors": 5},
		"vehicles":      []any{map[string]any{"category": "combat", "kind": "tracked", "count": 12}},
		"weapons":       map[string]any{"live_fire": true, "systems": []any{"CV90", "M72"}},
		"movements": []any{
			map[string]any{"direction": "entry", "entry_point": "storlien", "at": "2027-03-02T08:00:00Z", "mode": "road"},
			map[string]any{"direction": "exit", "entry_point": "storlien", "at": "2027-03-20T16:00:00Z", "mode": "road"},
		},
		"training_areas": []any{map[string]any{"area": "ravlunda", "from": "2027-03-05", "to": "2027-03-12"}},
		"contact":        map[string]any{"name": "Maj Berg", "email": "berg@mil.no", "phone": "+47 000 00 000"},
	}
}

// create stores a draft as the user and returns its id and ETag.
func (e *env) create(as string, body map[string]any) (string, string) {
	e.t.Helper()
	r := e.do(as, http.MethodPost, "/api/v1/requests", body)
	want(e.t, r, http.StatusCreated)
	return r.JSON(e.t)["id"].(string), r.Header.Get("ETag")
}

// refusals returns the actors of the refusal entries of a request, in order.
func (e *env) refusals(id string) []string {
	e.t.Helper()
	entries, err := e.db.ListAudit(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	var who []string
	for _, en := range entries {
		if en.Action == domain.AuditRequestRefused {
			who = append(who, en.Actor)
		}
	}
	return who
}

// auditCount is the number of audit entries recorded for a request.
func (e *env) auditCount(id string) int {
	e.t.Helper()
	entries, err := e.db.ListAudit(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(entries)
}
