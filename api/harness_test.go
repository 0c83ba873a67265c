package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth"
	"exaccess/docs"
	"exaccess/domain"
	"exaccess/policies"
	"exaccess/storage"
	"exaccess/storage/storagetest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
)

// testNow is the fixed clock of every scenario: Monday 23 November 2026, 09:00 UTC.
var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// testUsers are signed in by issuing tokens directly; the sign-in endpoint
// has its own test.
var testUsers = []domain.User{
	{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
	{Username: "lo-no2", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
	{Username: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"},
	{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
	{Username: "range", Roles: []domain.Role{domain.RoleRange}},
	{Username: "ops", Roles: []domain.Role{domain.RoleOperations}},
	{Username: "ops2", Roles: []domain.Role{domain.RoleOperations}},
	{Username: "gov", Roles: []domain.Role{domain.RoleMinistry}},
	{Username: "gov2", Roles: []domain.Role{domain.RoleMinistry}},
	{Username: "auditor", Roles: []domain.Role{domain.RoleAuditor}},
	{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}},
}

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
	ctx := context.Background()
	db := storagetest.Open(t, dsn)
	ref, err := db.Reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return testNow }
	seed, err := db.GetOrCreateKey(ctx, "token-signing", auth.NewSeed)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens(seed, "exaccess", "exaccess-api", time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	users := domain.NewUserService(db, ref, clock, newID)
	e := &env{t: t, db: db, spec: loadSpec(t), tokens: map[string]string{}}
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		u.Roles = append([]domain.Role(nil), u.Roles...)
		created, err := users.CreateUser(ctx, "system", u, hash)
		if err != nil {
			t.Fatal(err)
		}
		if e.tokens[u.Username], err = tokens.Issue(*created); err != nil {
			t.Fatal(err)
		}
	}
	e.clock = clock
	e.approvals = domain.NewApprovalService(db, func() time.Time { return e.clock() }, newID)
	e.notifications = domain.NewNotificationService(db, func() time.Time { return e.clock() }, newID)
	e.notifications.AllowHTTP = true // the receivers of the tests are httptest servers
	e.notifications.AllowPrivate = true
	e.srv = New(Deps{Tokens: tokens, Requests: domain.NewRequestService(db, policy, ref, func() time.Time { return e.clock() }, newID),
		Approvals: e.approvals, Frameworks: domain.NewFrameworkService(db, ref, func() time.Time { return e.clock() }, newID),
		Metrics: NewMetrics(db), Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return err
			}
			return db.CheckSchema(ctx)
		},
		Refusals: domain.NewRefusalLog(db, func() time.Time { return e.clock() }),
		Users:    db, Reference: ref, OpenAPI: docs.OpenAPI, Log: testLogger(),
		Accounts: domain.NewUserService(db, ref, func() time.Time { return e.clock() }, newID), Principals: domain.NewAccountCache(db),
		Inbox: domain.NewInboxService(db, func() time.Time { return e.clock() }), Notifications: e.notifications})
	return withAuditLog(t, e)
}

// testLogger discards the server's log unless EXACCESS_TEST_LOG is set,
// which is how to see an internal error's cause while debugging a test.
func testLogger() *slog.Logger {
	if os.Getenv("EXACCESS_TEST_LOG") != "" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}

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
			map[string]any{"direction": "entry", "entry_point": "storlien", "at": "2027-03-01T08:00:00Z", "mode": "road"},
			map[string]any{"direction": "exit", "entry_point": "storlien", "at": "2027-03-21T16:00:00Z", "mode": "road"},
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
