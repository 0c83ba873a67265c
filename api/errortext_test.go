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

// TestTypeErrorsNamedWithTheRest: a member of the wrong JSON type does not
// hide the body's other bad fields: one 422 names it with the domain's
// errors for the rest, on create, on a patch and on the dry run. The field
// of the wrong type gets no second error for the empty value it stood for
// ("is required", "must be at least 1"), and neither do the wholes it is
// part of (the personnel's total). Malformed JSON and unknown fields are
// still refused alone.
func TestTypeErrorsNamedWithTheRest(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/typesrest.db")
	const whole = "must be a whole number in range"
	errs := func(t *testing.T, r resp, want map[string]string) {
		t.Helper()
		wantProblem(t, r, 422, "invalid")
		list := r.JSON(t)["errors"].([]any)
		got := map[string]string{}
		for _, f := range list {
			m := f.(map[string]any)
			got[m["field"].(string)] = m["message"].(string)
		}
		if len(list) != len(want) {
			t.Errorf("errors %v, want one for each field of %q", list, want)
		}
		for field, msg := range want {
			if m, ok := got[field]; !ok || (msg != "" && m != msg) {
				t.Errorf("%s: %q, want %q; all: %q", field, m, msg, got)
			}
		}
	}
	post := func(as, path string, body any) resp { return e.do(as, http.MethodPost, path, body) }

	// A type error and a missing required field: both named.
	bad := map[string]any{"personnel": map[string]any{"military": "abc"}, "exercise_name": ""}
	both := map[string]string{"personnel.military": whole, "exercise_name": "is required"}
	body := with(with(draft(), "personnel", map[string]any{"military": "abc", "civilian": 10, "contractors": 5}), "exercise_name", "")
	errs(t, post("lo-no", "/api/v1/requests", body), both)
	errs(t, post("lo-no", "/api/v1/policy/evaluate", body), both)
	errs(t, post("ops", "/api/v1/policy/evaluate", body), map[string]string{
		"personnel.military": whole, "exercise_name": "is required", "nation": "is required"})
	id, tag := e.create("lo-no", draft())
	errs(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, bad, "If-Match", tag), both)

	// A type error alone: only it, though the zero it decoded to breaks
	// rules of its own field and of the personnel's total.
	alone := with(draft(), "personnel", map[string]any{"military": "abc"})
	errs(t, post("lo-no", "/api/v1/requests", alone), map[string]string{"personnel.military": whole})
	errs(t, post("lo-no", "/api/v1/policy/evaluate", alone), map[string]string{"personnel.military": whole})
	errs(t, post("lo-no", "/api/v1/requests", with(draft(), "exercise_name", 27)), map[string]string{"exercise_name": "must be a string"})

	// An array element of the wrong type, with a bad sibling in the same
	// element and another bad field.
	arr := with(with(draft(), "vehicles", []any{map[string]any{"category": "combat", "kind": "hover", "count": "x"}}), "purpose", "")
	want3 := map[string]string{"vehicles[0].count": whole, "vehicles[0].kind": "", "purpose": "is required"}
	errs(t, post("lo-no", "/api/v1/requests", arr), want3)
	errs(t, post("lo-no", "/api/v1/policy/evaluate", arr), want3)
	errs(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id,
		map[string]any{"vehicles": arr["vehicles"], "purpose": ""}, "If-Match", tag), want3)

	// Unknown fields and malformed JSON are refused as before, alone.
	errs(t, post("lo-no", "/api/v1/requests", with(with(body, "colour", "green"), "exercise_name", 27)),
		map[string]string{"colour": "is not a field of this resource"})
	wantProblem(t, post("lo-no", "/api/v1/requests", `{"personnel":{"military":"abc"},"exercise_name":""`), 400, "bad_request")

	if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil); got.Header.Get("ETag") != tag {
		t.Errorf("a refused patch changed the request: ETag %s, want %s", got.Header.Get("ETag"), tag)
	}
	list := e.do("lo-no", http.MethodGet, "/api/v1/requests", nil)
	want(t, list, 200)
	if n := len(list.JSON(t)["items"].([]any)); n != 1 {
		t.Errorf("%d requests stored, want only the one created", n)
	}
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
