package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"exaccess/domain"
)

// TestJourney is the foundation's promise: a liaison officer signs in,
// drafts a request with live fire at Ravlunda, submits it, and sees a route
// with intake, range safety and operations stages, each with a due date in
// Swedish working days.
func TestJourney(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// Sign in with a password, as a person would.
		tok := e.do("", http.MethodPost, "/api/v1/auth/token", map[string]any{"username": "lo-no", "password": "correct horse battery"})
		want(t, tok, http.StatusOK)
		if tok.JSON(t)["token_type"] != "Bearer" || tok.JSON(t)["expires_in"].(float64) != 3600 {
			t.Fatalf("token response %s", tok.Body)
		}
		e.tokens["lo-no-signed-in"] = tok.JSON(t)["access_token"].(string)
		me := e.do("lo-no-signed-in", http.MethodGet, "/api/v1/me", nil)
		want(t, me, http.StatusOK)
		if me.JSON(t)["username"] != "lo-no" || me.JSON(t)["nation"] != "NO" {
			t.Fatalf("me = %s", me.Body)
		}

		created := e.do("lo-no-signed-in", http.MethodPost, "/api/v1/requests", draft())
		want(t, created, http.StatusCreated)
		c := created.JSON(t)
		id := c["id"].(string)
		if c["status"] != "draft" || c["version"].(float64) != 1 || c["nation"] != "NO" || c["reference"] != nil ||
			created.Header.Get("ETag") != `"1"` || created.Header.Get("Location") != "/api/v1/requests/"+id {
			t.Fatalf("created = %s (ETag %s)", created.Body, created.Header.Get("ETag"))
		}
		if c["movement_authorized"] != false {
			t.Fatal("a draft must not authorize movement")
		}

		sub := e.do("lo-no-signed-in", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", `"1"`)
		want(t, sub, http.StatusOK)
		s := sub.JSON(t)
		if s["status"] != "in_review" || s["version"].(float64) != 2 || sub.Header.Get("ETag") != `"2"` {
			t.Fatalf("submitted = %s", sub.Body)
		}
		if s["reference"] != "SE-2026-EXA-000001" {
			t.Errorf("reference = %v, want SE-2026-EXA-000001", s["reference"])
		}
		route := s["route"].(map[string]any)
		if route["policy_version"] == "" {
			t.Error("route has no policy version")
		}
		wantStages := []struct{ id, role, status, due string }{
			{"intake", "hns_officer", "active", "2026-11-25"},
			{"range_safety", "range_officer", "pending", "2026-11-30"},
			{"operations", "operations_approver", "pending", "2026-11-30"},
		}
		stages := route["stages"].([]any)
		if len(stages) != len(wantStages) {
			t.Fatalf("route stages = %v", stages)
		}
		for i, w := range wantStages {
			st := stages[i].(map[string]any)
			due, _ := time.Parse(time.RFC3339, st["due_at"].(string))
			if st["id"] != w.id || st["role"] != w.role || st["status"] != w.status || domain.StockholmDate(due).Format(time.DateOnly) != w.due {
				t.Errorf("stage %d = %v %v %v due %v; want %+v", i, st["id"], st["role"], st["status"], st["due_at"], w)
			}
		}
		if len(route["reasons"].([]any)) == 0 {
			t.Error("the route gives no reasons")
		}
		if s["due_at"] == nil {
			t.Error("no overall due_at")
		}

		// What the liaison officer reads back is what was stored.
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)
		want(t, got, http.StatusOK)
		if got.Header.Get("ETag") != `"2"` || got.JSON(t)["status"] != "in_review" {
			t.Fatalf("read back %s", got.Body)
		}
		// Approvers and auditors see it too.
		for _, who := range []string{"hns", "range", "ops", "gov", "auditor"} {
			want(t, e.do(who, http.MethodGet, "/api/v1/requests/"+id, nil), http.StatusOK)
		}

		entries, err := e.db.ListAudit(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != domain.AuditRequestCreated || entries[1].Action != domain.AuditRequestSubmitted ||
			entries[1].Actor != "lo-no" || entries[1].RequestVersion != 2 {
			t.Fatalf("audit entries = %+v", entries)
		}
	})
}

func TestSignIn(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"wrong password", map[string]any{"username": "lo-no", "password": "nope"}, 401, "unauthorized"},
			{"unknown user", map[string]any{"username": "nobody", "password": "nope"}, 401, "unauthorized"},
			{"missing fields", map[string]any{}, 422, "invalid"},
			{"unknown field", map[string]any{"username": "x", "password": "y", "role": "admin"}, 422, "invalid"},
			{"not JSON", "{username", 400, "bad_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, e.do("", http.MethodPost, "/api/v1/auth/token", tc.body), tc.status, tc.code)
			})
		}
		r := e.do("", http.MethodPost, "/api/v1/auth/token", map[string]any{"username": "lo-no", "password": "nope"})
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})
}

// TestSignInTrimsTheUsername: the token endpoint reads the username as the
// console's sign-in and the sign-in rate limit do (auth.SignInName): white
// space around it is not part of it. " lo-no " signs in as lo-no, a name of
// spaces only is missing, and wrong passwords under a spaced name count
// towards that account's lock (they went to the unknown names' buckets, so
// a guesser could go on past the lock by adding a space). Letter case is
// not folded, as the console does not: usernames are lower case.
func TestSignInTrimsTheUsername(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		signIn := func(username, password string) resp {
			return e.do("", http.MethodPost, "/api/v1/auth/token", map[string]any{"username": username, "password": password})
		}
		for _, name := range []string{" lo-no", "lo-no ", "\tlo-no\n", "\u00a0lo-no"} {
			r := signIn(name, "correct horse battery")
			want(t, r, http.StatusOK)
			e.tokens["signed-in"] = r.JSON(t)["access_token"].(string)
			if me := e.do("signed-in", http.MethodGet, "/api/v1/me", nil).JSON(t); me["username"] != "lo-no" {
				t.Errorf("%q signed in as %v, want lo-no", name, me["username"])
			}
		}
		wantProblem(t, signIn("  ", "correct horse battery"), 422, "invalid", "username")
		wantProblem(t, signIn("LO-NO", "correct horse battery"), 401, "unauthorized")

		for range domain.MaxFailedSignIns {
			wantProblem(t, signIn(" hns ", "guess"), 401, "unauthorized")
		}
		wantProblem(t, signIn("hns", "correct horse battery"), 401, "unauthorized") // locked
	})
}
