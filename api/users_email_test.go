package api

import (
	"net/http"
	"testing"
)

// TestUserEmail: an administrator sets an account's e-mail address at
// creation and by PATCH ("" removes it); a malformed one is refused naming
// the field; changing only the address leaves the account's tokens valid.
func TestUserEmail(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/email.db")
	wantProblem(t, e.do("admin", http.MethodPost, "/api/v1/users",
		map[string]any{"username": "x", "roles": []string{"hns_officer"}, "email": "not-an-address"}), 422, "invalid", "email")
	r := e.do("admin", http.MethodPost, "/api/v1/users",
		map[string]any{"username": "hns-new", "roles": []string{"hns_officer"}, "email": "berg@fm.example.se"})
	want(t, r, 201)
	if got := r.JSON(t)["user"].(map[string]any)["email"]; got != "berg@fm.example.se" {
		t.Fatalf("created email = %v", got)
	}
	id, tag := e.userID("hns")
	patch := func(body map[string]any, tag string) resp {
		return e.do("admin", http.MethodPatch, "/api/v1/users/"+id, body, "If-Match", tag)
	}
	wantProblem(t, patch(map[string]any{"email": "a@b@c"}, tag), 422, "invalid", "email")
	r = patch(map[string]any{"email": "hns@fm.example.se"}, tag)
	want(t, r, 200)
	if got := r.JSON(t)["email"]; got != "hns@fm.example.se" {
		t.Fatalf("patched email = %v", got)
	}
	want(t, e.do("hns", http.MethodGet, "/api/v1/queue", nil), 200) // the token survives an address change
	r = patch(map[string]any{"email": ""}, r.Header.Get("ETag"))
	want(t, r, 200)
	if got := r.JSON(t)["email"]; got != nil {
		t.Fatalf("email after removal = %v, want null", got)
	}
}

// TestPasswordNotTheEmail: a new password may not contain the account's
// e-mail address: its local part, a part of that, or the first label of
// its domain, each refused with that reason on new_password; the address
// checked is the account's current one.
func TestPasswordNotTheEmail(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		r := e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": "hns-new",
			"roles": []string{"hns_officer"}, "email": "anna.berg@forsvarsmakten.se"})
		want(t, r, 201)
		otp := r.JSON(t)["one_time_password"].(string)
		want(t, e.signIn("otp", "hns-new", otp), 200)
		change := func(nw string) resp {
			return e.do("otp", http.MethodPost, "/api/v1/me/password", map[string]any{"old_password": otp, "new_password": nw})
		}
		refused := func(pw string) {
			t.Helper()
			r := change(pw)
			wantProblem(t, r, 422, "invalid", "new_password")
			if got := fieldMessage(t, r, "new_password"); got != "must not contain the e-mail address or a part of it" {
				t.Errorf("%q refused with %q", pw, got)
			}
		}
		for _, pw := range []string{"anna.berg spring 2027", "AnnaBerg lantern 27", "granite berg harbour", "Forsvarsmakten rocks 27"} {
			refused(pw)
		}
		id, tag := e.userID("hns-new")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"email": "kari.nordmann@mil.no"},
			"If-Match", tag), 200)
		refused("Nordmann lantern 27")
		want(t, change("Forsvarsmakten rocks 27"), 200) // the old address no longer counts
	})
}
