package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/api/auth"
	"exaccess/docs"
	"exaccess/domain"
	"exaccess/notify"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The OpenAPI document (docs/openapi.yaml) is the API's published contract
// (docs/product.md, "Limits"). These tests keep it true: every route of the route table
// is in it and nothing else is, each with the right security, and
// checkResponse validates any recorded response against it.

// spec is docs.OpenAPI, parsed and validated once per test binary.
var spec struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

// loadSpec returns the parsed OpenAPI document. The document is shared and
// must be treated as read-only.
func loadSpec(t testing.TB) *openapi3.T {
	t.Helper()
	spec.once.Do(func() { spec.doc, spec.err = parseSpec(docs.OpenAPI) })
	if spec.err != nil {
		t.Fatalf("docs/openapi.yaml: %v", spec.err)
	}
	return spec.doc
}

func parseSpec(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return doc, nil
}

// specRouters caches one router per parsed document: building one validates
// the whole document again, and checkResponse runs after every HTTP call of
// the scenario tests.
var specRouters sync.Map // *openapi3.T → routerEntry

type routerEntry struct {
	router routers.Router
	err    error
}

func specRouter(doc *openapi3.T) (routers.Router, error) {
	if e, ok := specRouters.Load(doc); ok {
		return e.(routerEntry).router, e.(routerEntry).err
	}
	r, err := legacy.NewRouter(doc)
	e, _ := specRouters.LoadOrStore(doc, routerEntry{r, err})
	return e.(routerEntry).router, e.(routerEntry).err
}

// responseOptions: validate every response, and refuse a status the
// operation does not declare. Authentication is the server's business. Errors
// name the path and the reason without dumping the schema, and all of them
// are reported at once.
var responseOptions = &openapi3filter.Options{
	IncludeResponseStatus:   true,
	MultiError:              true,
	AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
}

// checkResponse reports (with t.Errorf) a response that the OpenAPI document
// does not allow: a status the operation does not declare, a missing or
// malformed declared header, a body of another content type or shape, or a
// problem document whose status or type disagrees with the response. Only the
// response is checked; req is used for its method and URL (its body may have
// been consumed). A request to a path or method the document does not know
// may only have been answered with a 404 or 405 problem.
func checkResponse(t testing.TB, spec *openapi3.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	router, err := specRouter(spec)
	if err != nil {
		t.Errorf("OpenAPI router: %v", err)
		return
	}
	where := fmt.Sprintf("%s %s → %d", req.Method, req.URL.Path, status)
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			t.Errorf("%s: the OpenAPI document has no such operation (%v); only a 404 or 405 problem may answer it", where, err)
			return
		}
		checkProblemBody(t, spec, where, status, header, body)
		return
	}
	if route.Operation.Responses.Status(status) == nil {
		t.Errorf("%s: status %d is not declared for operation %s; body: %s", where, status, route.Operation.OperationID, clip(body))
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: pathParams, Route: route, Options: responseOptions,
		},
		Status:  status,
		Header:  header,
		Options: responseOptions,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s: response does not match the OpenAPI document: %v\nbody: %s", where, err, clip(body))
		return
	}
	if status >= 400 {
		checkProblemConsistent(t, where, status, body)
	}
}

// checkProblemBody validates an error answered outside any operation of the
// document (unknown path or method) against the Problem schema.
func checkProblemBody(t testing.TB, spec *openapi3.T, where string, status int, header http.Header, body []byte) {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", where, header.Get("Content-Type"))
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: body is not JSON: %v\nbody: %s", where, err, clip(body))
		return
	}
	schema := spec.Components.Schemas["Problem"].Value
	if err := schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.DisableSchemaErrorDetails()); err != nil {
		t.Errorf("%s: body is not a Problem: %v\nbody: %s", where, err, clip(body))
		return
	}
	checkProblemConsistent(t, where, status, body)
}

// checkProblemConsistent checks what a schema cannot: that a problem's status
// is the response's and that its type names its code.
func checkProblemConsistent(t testing.TB, where string, status int, body []byte) {
	t.Helper()
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return // not a problem document; the schema check has spoken
	}
	if p.Status != status {
		t.Errorf("%s: problem status %d differs from the response status; body: %s", where, p.Status, clip(body))
	}
	if p.Type != "urn:exaccess:problem:"+p.Code {
		t.Errorf("%s: problem type %q does not name its code %q", where, p.Type, p.Code)
	}
}

func clip(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// openAPIPath turns an Echo path (/requests/:id) into an OpenAPI one (/requests/{id}).
func openAPIPath(echoPath string) string {
	parts := strings.Split(echoPath, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	if _, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok {
		t.Error("no bearerAuth security scheme")
	}
	if _, ok := doc.Components.Schemas["Problem"]; !ok {
		t.Error("no Problem schema")
	}
	// Every error response is a problem document.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, ref := range op.Responses.Map() {
				if code >= "400" && ref.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s: response %s is not application/problem+json", method, path, code)
				}
			}
			if op.OperationID == "" {
				t.Errorf("%s %s: no operationId", method, path)
			}
		}
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := loadSpec(t)
	table := (&Server{}).routes()

	inTable := map[string]bool{}
	for _, r := range table {
		path := openAPIPath(r.path)
		key := r.method + " " + path
		if inTable[key] {
			t.Errorf("route %s is in the route table twice", key)
		}
		inTable[key] = true

		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("route %s: path %s is not in docs/openapi.yaml", key, path)
			continue
		}
		op := item.GetOperation(r.method)
		if op == nil {
			t.Errorf("route %s: method %s of %s is not in docs/openapi.yaml", key, r.method, path)
			continue
		}
		checkAccessDescribed(t, doc, key, r.access, op)
	}

	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if key := method + " " + path; !inTable[key] {
				t.Errorf("docs/openapi.yaml describes %s, which the route table does not have", key)
			}
		}
	}
}

// TestOpenAPIEveryOperationDeclares422: every operation answers 422 to a
// query parameter it does not declare (queryparams.go), so every operation
// of the document declares 422, the UnprocessableEntity answer; a new one
// that forgets it fails here (TestUnknownQueryParametersRefused sends the
// parameter to every route and validates the answer against the document).
func TestOpenAPIEveryOperationDeclares422(t *testing.T) {
	doc := loadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			r := op.Responses.Status(http.StatusUnprocessableEntity)
			switch {
			case r == nil:
				t.Errorf("%s %s (%s) does not declare 422, which an unknown query parameter answers", method, path, op.OperationID)
			case r.Ref != "#/components/responses/UnprocessableEntity":
				t.Errorf("%s %s (%s): 422 is %q, want the UnprocessableEntity answer", method, path, op.OperationID, r.Ref)
			}
		}
	}
}

// checkAccessDescribed checks that an operation's security, declared
// responses and description agree with the route's access declaration.
func checkAccessDescribed(t *testing.T, doc *openapi3.T, key string, a access, op *openapi3.Operation) {
	t.Helper()
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	switch {
	case a.public && len(security) != 0:
		t.Errorf("route %s is public but its operation requires %v", key, security)
	case !a.public && len(security) == 0:
		t.Errorf("route %s needs a token but its operation declares no security", key)
	case !a.public && !slices.ContainsFunc(security, func(r openapi3.SecurityRequirement) bool { _, ok := r["bearerAuth"]; return ok }):
		t.Errorf("route %s needs a token but its operation does not name bearerAuth", key)
	}
	declared := func(status int) bool { return op.Responses.Status(status) != nil }
	if !a.public && !declared(http.StatusUnauthorized) {
		t.Errorf("route %s needs a token but its operation does not declare 401", key)
	}
	if len(a.roles) > 0 && !declared(http.StatusForbidden) {
		t.Errorf("route %s is for some roles only but its operation does not declare 403", key)
	}
	desc := op.Description
	if !strings.Contains(desc, "**Who may call it:**") {
		t.Errorf("route %s: the description does not say who may call it", key)
	}
	switch {
	case a.public:
		if !strings.Contains(desc, "anyone, without a token") {
			t.Errorf("route %s is public but its description does not say so", key)
		}
	case a.signed:
		if !strings.Contains(desc, "any signed-in user") {
			t.Errorf("route %s is for any signed-in user but its description does not say so", key)
		}
	}
	for _, role := range a.roles {
		if !strings.Contains(desc, "`"+string(role)+"`") {
			t.Errorf("route %s: the description does not name the role %s that may call it", key, role)
		}
	}
}

// errorRecorder is a testing.TB whose Errorf records instead of failing, so
// that a test can check that checkResponse reports a mismatch.
type errorRecorder struct {
	testing.TB
	errs []string
}

func (r *errorRecorder) Helper() {}

func (r *errorRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func jsonHeader(kv ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func problemHeader() http.Header {
	return http.Header{"Content-Type": {"application/problem+json"}, "Www-Authenticate": {`Bearer realm="exaccess"`}}
}

// sampleRequest is a submitted request with a route, decisions of both kinds
// and every list filled, so that its rendering exercises every schema.
func sampleRequest(status domain.Status) *domain.Request {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	due := at.Add(72 * time.Hour)
	r := &domain.Request{ID: "0193a1b2-0000-7000-8000-000000000001", Reference: "SE-2026-EXA-000123",
		Status: status, Version: 4, Nation: "NO", CreatedBy: "lo-no", CreatedAt: at, UpdatedAt: at,
		Details: domain.Details{ExerciseName: "Cold Response 27", Purpose: "Winter training",
			Unit:      domain.Unit{Designation: "Telemark Battalion"},
			Period:    domain.Period{Start: day("2027-03-02"), End: day("2027-03-20")},
			Personnel: domain.Personnel{Military: 450},
			Vehicles:  []domain.Vehicle{{Category: "combat", Kind: "tracked", Count: 12}},
			Aircraft:  []domain.Aircraft{{Type: "NH90", Count: 2, Cameras: true}},
			Vessels:   []domain.Vessel{{Name: "KNM Maud", Kind: "auxiliary", Crew: 200}},
			Weapons:   domain.Weapons{LiveFire: true, Systems: []string{"CV90"}},
			DangerousGoods: []domain.DangerousGood{{UNNumber: "0012", Class: "1.4S", NetExplosiveKg: 12.5,
				Description: "small-arms ammunition"}},
			Movements:     []domain.Movement{{Direction: "entry", EntryPoint: "storlien", At: at.Add(24 * time.Hour), Mode: "road"}},
			TrainingAreas: []domain.AreaBooking{{Area: "ravlunda", From: day("2027-03-05"), To: day("2027-03-12")}},
			Contact:       domain.Contact{Name: "Maj Berg", Email: "berg@mil.no"}},
		Route: &domain.Route{PolicyVersion: "2026.1", Reasons: []string{"intake always"}, Stages: []domain.Stage{
			{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageApproved, ApprovalsRequired: 1,
				SLAWorkingDays: 2, Reason: "intake always", ActivatedAt: &at, DueAt: &due,
				Decisions: []domain.Decision{{ID: "d1", Stage: "intake", By: "hns", Outcome: "approve", At: at}}},
			{ID: "operations", Role: domain.RoleOperations, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1,
				SLAWorkingDays: 5, Reason: "operations always", DueAt: &due,
				Decisions: []domain.Decision{{ID: "d2", Stage: "operations", By: "ops2", ActingFor: "ops",
					Outcome: "request_changes", Comment: "name the commander", Conditions: []string{"escort"}, At: at}}},
		}},
		SubmittedAt: &at, DueAt: &due, Conditions: []string{"escort on E14"},
		Warnings: []domain.Warning{{Code: "short_lead_time", Message: "short"}},
	}
	if status == domain.StatusApproved {
		r.DecidedAt = &at
	}
	return r
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCheckResponseFlagsMismatches shows that checkResponse accepts what the
// document allows and reports what it does not.
func TestCheckResponseFlagsMismatches(t *testing.T) {
	doc := loadSpec(t)
	draft := sampleRequest(domain.StatusDraft)
	draft.Reference, draft.Route, draft.SubmittedAt, draft.DueAt, draft.Warnings = "", nil, nil, nil, nil
	evaluation := toEvaluateResponse("NO", domain.Evaluation{Result: domain.RoutingResult{PolicyVersion: "2026.1",
		Eligibility: []domain.RuleResult{{Rule: "member", Passed: false, Reason: "not a member"}}}})

	cases := []struct {
		name   string
		method string
		path   string
		status int
		header http.Header
		body   []byte
		wantOK bool
	}{
		{"me", "GET", "/api/v1/me", 200, jsonHeader(),
			[]byte(`{"username":"lo-no","roles":["liaison_officer"],"nation":"NO","must_change_password":false}`), true},
		{"me with a null nation", "GET", "/api/v1/me", 200, jsonHeader(),
			[]byte(`{"username":"ops","roles":["operations_approver"],"nation":null,"must_change_password":true}`), true},
		{"me with roles of the wrong type", "GET", "/api/v1/me", 200, jsonHeader(),
			[]byte(`{"username":"lo-no","roles":"liaison_officer","nation":"NO"}`), false},
		{"me without a field", "GET", "/api/v1/me", 200, jsonHeader(),
			[]byte(`{"username":"lo-no","roles":[]}`), false},
		{"me with an extra field", "GET", "/api/v1/me", 200, jsonHeader(),
			[]byte(`{"username":"lo-no","roles":[],"nation":null,"admin":true}`), false},
		{"me with an undeclared status", "GET", "/api/v1/me", http.StatusTeapot, jsonHeader(), []byte(`{}`), false},
		{"me as text", "GET", "/api/v1/me", 200, http.Header{"Content-Type": {"text/plain"}}, []byte(`hello`), false},
		{"a problem", "GET", "/api/v1/me", 401, problemHeader(),
			[]byte(`{"type":"urn:exaccess:problem:unauthorized","title":"Unauthorized","status":401,"detail":"sign in","code":"unauthorized"}`), true},
		{"a problem with another status", "GET", "/api/v1/me", 401, problemHeader(),
			[]byte(`{"type":"urn:exaccess:problem:forbidden","title":"Forbidden","status":403,"detail":"no","code":"forbidden"}`), false},
		{"a problem whose type is not its code", "GET", "/api/v1/me", 401, problemHeader(),
			[]byte(`{"type":"urn:exaccess:problem:forbidden","title":"Unauthorized","status":401,"detail":"no","code":"unauthorized"}`), false},
		{"a 401 without WWW-Authenticate", "GET", "/api/v1/me", 401, http.Header{"Content-Type": {"application/problem+json"}},
			[]byte(`{"type":"urn:exaccess:problem:unauthorized","title":"Unauthorized","status":401,"detail":"sign in","code":"unauthorized"}`), false},
		{"a draft", "POST", "/api/v1/requests", 201,
			jsonHeader("ETag", `"4"`, "Location", "/api/v1/requests/"+draft.ID), mustJSON(t, toRequestResponse(draft)), true},
		{"a draft without Location", "POST", "/api/v1/requests", 201,
			jsonHeader("ETag", `"4"`), mustJSON(t, toRequestResponse(draft)), false},
		{"a request in review", "GET", "/api/v1/requests/x", 200,
			jsonHeader("ETag", `"4"`), mustJSON(t, toRequestResponse(sampleRequest(domain.StatusInReview))), true},
		{"an approved request", "POST", "/api/v1/requests/x/submit", 200,
			jsonHeader("ETag", `"4"`), mustJSON(t, toRequestResponse(sampleRequest(domain.StatusApproved))), true},
		{"a request without ETag", "GET", "/api/v1/requests/x", 200,
			jsonHeader(), mustJSON(t, toRequestResponse(sampleRequest(domain.StatusInReview))), false},
		{"a request with a weak ETag", "GET", "/api/v1/requests/x", 200,
			jsonHeader("ETag", `W/"4"`), mustJSON(t, toRequestResponse(sampleRequest(domain.StatusInReview))), false},
		{"a list", "GET", "/api/v1/requests", 200, jsonHeader(), mustJSON(t, listResponse[requestSummary]{
			Items: []requestSummary{toRequestSummary(draft), toRequestSummary(sampleRequest(domain.StatusApproved))}}), true},
		{"a list item with a bad status", "GET", "/api/v1/requests", 200, jsonHeader(), bytes.Replace(
			mustJSON(t, listResponse[requestSummary]{Items: []requestSummary{toRequestSummary(draft)}}),
			[]byte(`"draft"`), []byte(`"drafted"`), 1), false},
		{"an evaluation", "POST", "/api/v1/policy/evaluate", 200, jsonHeader(), mustJSON(t, evaluation), true},
		{"an unknown path answered 404", "GET", "/api/v1/nowhere", 404, problemHeader(),
			[]byte(`{"type":"urn:exaccess:problem:not_found","title":"Not Found","status":404,"detail":"Not Found","code":"not_found"}`), true},
		{"an unknown path answered 200", "GET", "/api/v1/nowhere", 200, jsonHeader(), []byte(`{}`), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &errorRecorder{TB: t}
			req := httptest.NewRequest(c.method, c.path, nil)
			checkResponse(rec, doc, req, c.status, c.header, c.body)
			switch {
			case c.wantOK && len(rec.errs) > 0:
				t.Errorf("checkResponse reported a valid response:\n%s", strings.Join(rec.errs, "\n"))
			case !c.wantOK && len(rec.errs) == 0:
				t.Errorf("checkResponse did not report the mismatch")
			}
		})
	}
}

// TestOpenAPIStatelessResponses sends the requests that need no database
// through a real server and checks each answer against the document. The
// scenario tests cover the rest.
func TestOpenAPIStatelessResponses(t *testing.T) {
	doc := loadSpec(t)
	now := func() time.Time { return time.Now() }
	seed, err := auth.NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens(seed, "exaccess", "exaccess-api", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	eu := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)
	ref := domain.NewReferenceData(
		[]domain.Nation{{Code: "AT", Alpha3: "AUT", Name: "Austria", EUFrom: &eu, Notes: "EU only"}, {Code: "NO", Alpha3: "NOR", Name: "Norway", NATOFrom: &eu}},
		[]domain.TrainingArea{{Code: "ravlunda", Name: "Ravlunda skjutfält", Near: "Kivik", County: "Skåne", Lat: 55.7, Lon: 14.2, ResponsibleUnit: "P 7", CapacityPersonnel: 1200}},
		[]domain.EntryPoint{{Code: "storlien", Name: "Storlien (E14)", Mode: "road", Identifier: "E14", Neighbour: "NO"}})
	srv := New(Deps{Tokens: tokens, Reference: ref, OpenAPI: docs.OpenAPI, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	token := func(u domain.User) string {
		u.Generation = 1
		tok, err := tokens.Issue(u)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	liaison := token(domain.User{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"})
	admin := token(domain.User{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}})
	auditor := token(domain.User{Username: "auditor", Roles: []domain.Role{domain.RoleAuditor}})

	cases := []struct {
		method, path, token, contentType string
		body                             string
		headers                          []string
		want                             int
	}{
		{"GET", "/api/v1/openapi.yaml", "", "", "", nil, 200},
		{"GET", "/.well-known/jwks.json", "", "", "", nil, 200},
		{"GET", "/api/v1/me", "", "", "", nil, 401},
		{"GET", "/api/v1/me", "not-a-token", "", "", nil, 401},
		{"GET", "/api/v1/me", liaison, "", "", nil, 200},
		{"GET", "/api/v1/me", admin, "", "", nil, 200},
		{"GET", "/api/v1/nations", auditor, "", "", nil, 200},
		{"GET", "/api/v1/entry-points", liaison, "", "", nil, 200},
		{"GET", "/api/v1/requests", admin, "", "", nil, 403},
		{"GET", "/api/v1/requests?limit=0&cursor=x", auditor, "", "", nil, 422},
		{"GET", "/api/v1/requests/some-id", admin, "", "", nil, 403},
		{"POST", "/api/v1/requests", auditor, "application/json", "{}", nil, 403},
		{"POST", "/api/v1/requests", liaison, "text/plain", "hello", nil, 415},
		{"POST", "/api/v1/requests", liaison, "application/json", "{", nil, 400},
		{"POST", "/api/v1/requests", liaison, "application/json", "", nil, 400},
		{"POST", "/api/v1/requests", liaison, "application/json", `{"status":"approved","color":1}`, nil, 422},
		{"POST", "/api/v1/requests", liaison, "application/json", `{"exercise_name":""}`, []string{"Idempotency-Key", "bad key"}, 422},
		{"POST", "/api/v1/requests", liaison, "application/json", `"` + strings.Repeat("x", MaxBodyBytes) + `"`, nil, 413},
		{"PATCH", "/api/v1/requests/some-id", liaison, "application/merge-patch+json", "{}", nil, 428},
		{"PATCH", "/api/v1/requests/some-id", liaison, "application/merge-patch+json", "{}", []string{"If-Match", "W/\"1\""}, 400},
		{"PATCH", "/api/v1/requests/some-id", auditor, "application/merge-patch+json", "{}", []string{"If-Match", `"1"`}, 403},
		{"POST", "/api/v1/requests/some-id/submit", liaison, "", "", nil, 428},
		{"POST", "/api/v1/requests/some-id/withdraw", liaison, "", "", []string{"If-Match", "*"}, 428},
		{"POST", "/api/v1/policy/evaluate", admin, "application/json", "{}", nil, 403},
		{"POST", "/api/v1/policy/evaluate", auditor, "application/json", `{"exercise_name": 5}`, nil, 422},
		{"POST", "/api/v1/auth/token", "", "application/json", "[1]", nil, 400},
		{"POST", "/api/v1/auth/token", "", "application/json", `{"username":""}`, nil, 422},
		{"POST", "/api/v1/auth/token", "", "application/x-www-form-urlencoded", "username=a", nil, 415},
		{"GET", "/api/v1/nowhere", liaison, "", "", nil, 404},
		{"DELETE", "/api/v1/me", liaison, "", "", nil, 405},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		for i := 0; i+1 < len(c.headers); i += 2 {
			req.Header.Set(c.headers[i], c.headers[i+1])
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s %s: status %d, want %d; body: %s", c.method, c.path, rec.Code, c.want, clip(rec.Body.Bytes()))
		}
		checkResponse(t, doc, req, rec.Code, rec.Header(), rec.Body.Bytes())
		if c.path == "/api/v1/openapi.yaml" && !bytes.Equal(rec.Body.Bytes(), docs.OpenAPI) {
			t.Errorf("GET /api/v1/openapi.yaml does not serve docs/openapi.yaml")
		}
	}
}

// TestOpenAPIWebhookDeliveryIsThePayload: the schema WebhookDelivery, which
// describes what a webhook receives, is the body notify sends: the same
// members, all of them (its objects refuse others and require each).
func TestOpenAPIWebhookDeliveryIsThePayload(t *testing.T) {
	ref := loadSpec(t).Components.Schemas["WebhookDelivery"]
	if ref == nil {
		t.Fatal("docs/openapi.yaml has no WebhookDelivery schema")
	}
	for _, p := range []notify.WebhookPayload{
		{Type: domain.NotifyApproved, Timestamp: "2026-05-04T09:30:00Z",
			Data: notify.WebhookData{RequestID: "0196a0c4-7f3e-7c1a-9a55-3b1f1d2e4c5a", Subject: "Request approved", Body: "text"}},
		{Type: domain.NotifyDelegationStarted, Timestamp: "2026-05-04T09:30:00Z", Data: notify.WebhookData{Subject: "s", Body: "b"}},
	} {
		var v any
		if err := json.Unmarshal(mustJSON(t, p), &v); err != nil {
			t.Fatal(err)
		}
		if err := ref.Value.VisitJSON(v); err != nil {
			t.Errorf("the payload %s does not match WebhookDelivery: %v", mustJSON(t, p), err)
		}
	}
}
