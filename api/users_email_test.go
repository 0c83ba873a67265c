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
