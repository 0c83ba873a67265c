package api

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// OWASP API3:2023 Broken Object Property Level Authorization. A body may not
// set what the server owns — in any letter case, escaped, or folded — on
// create and on patch; each attempt is refused whole (422 naming the field)
// and changes nothing. Responses expose no property the caller should not see.
func TestAPI3ServerOwnedFieldsRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", draft())
		attempts := []struct {
			name, raw, field string // raw is spliced into a valid body as its first member
		}{
			{"status", `"status":"approved"`, "status"},
			{"Status", `"Status":"approved"`, "Status"},
			{"STATUS", `"STATUS":"approved"`, "STATUS"},
			{"status escaped", `"st\u0061tus":"approved"`, "status"},
			{"status with long s (folds to s)", `"ſtatus":"approved"`, "ſtatus"},
			{"nation", `"nation":"SE"`, "nation"},
			{"NaTiOn", `"NaTiOn":"DE"`, "NaTiOn"},
			{"version", `"version":99`, "version"},
			{"VERSION", `"VERSION":99`, "VERSION"},
			{"id", `"id":"00000000-0000-7000-8000-000000000001"`, "id"},
			{"ID", `"ID":"x"`, "ID"},
			{"route", `"route":{"stages":[]}`, "route"},
			{"Route", `"Route":null`, "Route"},
			{"reference", `"reference":"SE-2026-EXA-000001"`, "reference"},
			{"created_by", `"created_by":"gov"`, "created_by"},
			{"movement_authorized", `"movement_authorized":true`, "movement_authorized"},
			{"conditions", `"conditions":[]`, "conditions"},
			{"decided_at", `"Decided_At":"2026-01-01T00:00:00Z"`, "Decided_At"},
			{"nested unknown", `"unit":{"designation":"x","nation":"SE"}`, "unit.nation"},
		}
		for _, a := range attempts {
			t.Run(a.name, func(t *testing.T) {
				create := "{" + a.raw + "," + strings.TrimPrefix(string(mustJSON(t, without(draft(), "unit"))), "{")
				wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", create), 422, "invalid", a.field)
				wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, "{"+a.raw+"}", "If-Match", tag), 422, "invalid", a.field)
			})
		}
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)
		if got["status"] != "draft" || got["version"].(float64) != 1 || got["nation"] != "NO" || got["route"] != nil {
			t.Fatalf("a refused body changed the request: %v", got)
		}
		if n := len(e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any)); n != 1 {
			t.Fatalf("refused creates stored %d requests", n-1)
		}
	})
}

// TestAPI3NoExcessiveExposure: what the API answers about people is their
// username, roles and nation; never a password hash, key or internal id.
func TestAPI3NoExcessiveExposure(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/exposure.db")
	me := e.do("lo-no", http.MethodGet, "/api/v1/me", nil).JSON(t)
	keys := make([]string, 0, len(me))
	for k := range me {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "must_change_password,nation,roles,username" {
		t.Errorf("/me exposes %v", keys)
	}
	id, _ := e.create("lo-no", draft())
	for _, path := range []string{"/api/v1/requests/" + id, "/api/v1/requests", "/.well-known/jwks.json", "/api/v1/requests/" + id + "/history"} {
		body := strings.ToLower(string(e.do("lo-no", http.MethodGet, path, nil).Body))
		for _, secret := range []string{"argon2", "password", `"d":`, "seed", "private"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s mentions %q", path, secret)
			}
		}
	}
}

func without(m map[string]any, key string) map[string]any { return with(m, key, nil) }
