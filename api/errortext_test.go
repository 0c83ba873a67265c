package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestTypeErrorsNamedAtOnce: every member of the wrong JSON type is named in
// one answer, as other validation errors are, nested and in arrays too;
// nothing is stored.
func TestTypeErrorsNamedAtOnce(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/types.db")
	body := with(with(with(with(draft(),
		"personnel", map[string]any{"military": "many", "civilian": 1.5, "contractors": 5}),
		"weapons", map[string]any{"live_fire": "yes", "systems": []any{"CV90", 7}}),
		"vehicles", []any{map[string]any{"category": "combat", "kind": "tracked", "count": "twelve"}}),
		"exercise_name", 27)
	r := e.do("lo-no", http.MethodPost, "/api/v1/requests", body)
	fields := []string{"exercise_name", "personnel.military", "personnel.civilian", "vehicles[0].count", "weapons.live_fire", "weapons.systems[1]"}
	wantProblem(t, r, 422, "invalid", fields...)
	if n := len(r.JSON(t)["errors"].([]any)); n != len(fields) {
		t.Errorf("%d fields named, want %d: %s", n, len(fields), r.Body)
	}
	// The whole body of the wrong type, and a patch of the wrong type.
	wantProblem(t, e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": 7, "role": true}), 422, "invalid", "to", "role")
	id, tag := e.create("lo-no", draft())
	wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"unit": map[string]any{"designation": 1}, "purpose": []any{}},
		"If-Match", tag), 422, "invalid", "unit.designation", "purpose")
}

// TestProblemTextIsNotHTMLEscaped: "<" and ">" in a problem's detail reach
// the reader as written, not as \u003c…\u003e.
func TestProblemTextIsNotHTMLEscaped(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/escape.db")
	r := e.send(call{method: http.MethodGet, path: "/api/v1/me"})
	wantProblem(t, r, 401, "unauthorized")
	if !strings.Contains(string(r.Body), "Bearer <token>") || strings.Contains(string(r.Body), `\u003c`) {
		t.Errorf("detail escaped for HTML: %s", r.Body)
	}
}

// TestUnknownCodesSayWhereTheValidOnesAre: refusing an unknown entry point or
// training area tells the caller which route lists the valid codes.
func TestUnknownCodesSayWhereTheValidOnesAre(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/codes.db")
	body := with(with(draft(), "training_areas", []any{map[string]any{"area": "mordor", "from": "2027-03-05", "to": "2027-03-06"}}),
		"movements", []any{map[string]any{"direction": "entry", "entry_point": "narnia", "at": "2027-03-02T08:00:00Z", "mode": "road"}})
	r := e.do("lo-no", http.MethodPost, "/api/v1/requests", body)
	wantProblem(t, r, 422, "invalid", "training_areas[0].area", "movements[0].entry_point")
	msgs := map[string]string{}
	for _, f := range r.JSON(t)["errors"].([]any) {
		m := f.(map[string]any)
		msgs[m["field"].(string)] = m["message"].(string)
	}
	for field, route := range map[string]string{"training_areas[0].area": "/api/v1/training-areas", "movements[0].entry_point": "/api/v1/entry-points"} {
		if !strings.Contains(msgs[field], route) {
			t.Errorf("%s: %q does not name %s", field, msgs[field], route)
		}
	}
}

// TestMalformedBodiesSayWhatIsWrong: a body that is not one well-formed JSON
// value is refused with 400 and a detail that names the actual fault: a
// second value after the first, nesting past the decoder's depth, or a
// syntax error at a byte.
func TestMalformedBodiesSayWhatIsWrong(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/malformed.db")
	valid := string(mustJSON(t, draft()))
	id, tag := e.create("lo-no", draft())
	post := func(as, path string) func(body string) resp {
		return func(body string) resp { return e.do(as, http.MethodPost, path, body) }
	}
	patch := func(body string) resp {
		return e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, body, "If-Match", tag)
	}
	create := post("lo-no", "/api/v1/requests")
	const twoValues = "the body holds more than one JSON value"
	const tooDeep = "the body nests JSON objects and arrays more than 10000 levels deep"
	cases := []struct {
		name   string
		send   func(string) resp
		body   string
		detail string
	}{
		{"a second value", create, valid + " {}", twoValues},
		{"a second value on a patch", patch, `{"purpose":"x"}` + "\n" + `{"purpose":"y"}`, twoValues},
		{"a second value elsewhere", post("ops", "/api/v1/delegations"), `{} []`, twoValues},
		{"garbage after the value", create, `{} x`, "the body is not valid JSON (at byte 4)"},
		{"an unfinished second value", create, `{} {`, "the body is not valid JSON (at byte 4)"},
		{"a syntax error", create, `{"a" 1}`, "the body is not valid JSON (at byte 6)"},
		{"arrays 100,000 deep", create, strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), tooDeep},
		{"objects 50,000 deep in a patch", patch, strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000), tooDeep},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send(tc.body)
			wantProblem(t, r, 400, "bad_request")
			if got := r.JSON(t)["detail"]; got != tc.detail {
				t.Errorf("detail %q, want %q", got, tc.detail)
			}
		})
	}
}
