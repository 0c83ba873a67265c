package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// doLines is e.do with a body sent as it is and headers added line by line
// (name, value pairs), so that one header may be sent twice.
func (e *env) doLines(as, method, path, body string, lines ...string) resp {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[as])
	for i := 0; i+1 < len(lines); i += 2 {
		req.Header.Add(lines[i], lines[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	r := resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkResponse(e.t, e.spec, req, r.Status, r.Header, r.Body)
	return r
}

// unchanged fails the test unless the resource at path still has the ETag
// tag: a refused change changed nothing.
func (e *env) unchanged(as, path, tag string) {
	e.t.Helper()
	r := e.do(as, http.MethodGet, path, nil)
	want(e.t, r, http.StatusOK)
	if got := r.Header.Get("ETag"); got != tag {
		e.t.Errorf("%s changed: ETag %s, was %s; %s", path, got, tag, r.Body)
	}
}

// TestPatchRefusesUnknownNullAndCase: a merge patch naming a member its
// resource does not have is refused naming it, on every PATCH route, when
// its value is null (which the merge removes before the merged document is
// decoded: it was 200 with nothing changed) and when the name differs from
// a field's in letter case only (it was dropped by the merge, 200 with
// nothing changed, and read as the field on a create). Nothing changes.
func TestPatchRefusesUnknownNullAndCase(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/patch.db")
	id, tag := e.create("lo-no", draft())
	fw := e.createFramework(norwayFramework())
	fwTag := e.do("admin", http.MethodGet, "/api/v1/frameworks/"+fw, nil).Header.Get("ETag")
	areaTag := e.do("admin", http.MethodGet, "/api/v1/training-areas/ravlunda", nil).Header.Get("ETag")
	user, userTag := e.userID("hns")
	cases := []struct {
		name, as, path, tag, body, field string
	}{
		{"request, misspelt null", "lo-no", "/api/v1/requests/" + id, tag, `{"framwork_id":null}`, "framwork_id"},
		{"request, nested null", "lo-no", "/api/v1/requests/" + id, tag, `{"unit":{"foo":null}}`, "unit.foo"},
		{"request, nested in a list", "lo-no", "/api/v1/requests/" + id, tag, `{"vehicles":[{"category":"combat","kind":"tracked","count":1,"colour":null}]}`, "vehicles[0].colour"},
		{"request, capitals", "lo-no", "/api/v1/requests/" + id, tag, `{"EXERCISE_NAME":"Patched"}`, "EXERCISE_NAME"},
		{"request, nested capitals", "lo-no", "/api/v1/requests/" + id, tag, `{"unit":{"Designation":"Patched"}}`, "unit.Designation"},
		{"framework, capitals", "admin", "/api/v1/frameworks/" + fw, fwTag, `{"Suspended":true}`, "Suspended"},
		{"framework, misspelt null", "admin", "/api/v1/frameworks/" + fw, fwTag, `{"note":null}`, "note"},
		{"training area, misspelt null", "admin", "/api/v1/training-areas/ravlunda", areaTag, `{"capacty_personnel":null}`, "capacty_personnel"},
		{"training area, capitals", "admin", "/api/v1/training-areas/ravlunda", areaTag, `{"Capacity_Personnel":1}`, "Capacity_Personnel"},
		{"user, misspelt null", "admin", "/api/v1/users/" + user, userTag, `{"nattion":null,"reason":"x"}`, "nattion"},
		{"user, capitals", "admin", "/api/v1/users/" + user, userTag, `{"Email":"x@example.org","reason":"x"}`, "Email"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.as, http.MethodPatch, tc.path, tc.body, "If-Match", tc.tag)
			wantProblem(t, r, 422, "invalid", tc.field)
			if !strings.Contains(string(r.Body), "is not a field of this resource") {
				t.Errorf("not named as an unknown field: %s", r.Body)
			}
			e.unchanged(tc.as, tc.path, tc.tag)
		})
	}
	// The framework is not suspended, and the fields' own names still
	// patch: null removes an optional member, as a merge patch does.
	if e.do("admin", http.MethodGet, "/api/v1/frameworks/"+fw, nil).JSON(t)["suspended"] != false {
		t.Error("the framework was suspended")
	}
	want(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"framework_id":null,"contact":{"phone":null},"exercise_name":"Patched"}`, "If-Match", tag), http.StatusOK)
	want(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, `{"suspended":true}`, "If-Match", fwTag), http.StatusOK)

	// A create reads names exactly too: EXERCISE_NAME is not exercise_name.
	body := with(draft(), "EXERCISE_NAME", "Shouted")
	wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", body), 422, "invalid", "EXERCISE_NAME")
	delete(body, "exercise_name")
	wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", body), 422, "invalid", "EXERCISE_NAME")
	// A server-owned field is still refused in any letter case, as such.
	r := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"STATUS":null}`, "If-Match", `"2"`)
	wantProblem(t, r, 422, "invalid", "STATUS")
	if !strings.Contains(string(r.Body), "is set by the server") {
		t.Errorf("STATUS not named as server-owned: %s", r.Body)
	}
}

// TestDuplicateMemberNamesRefused: a body that gives one member twice in
// one object is refused naming it (encoding/json kept the last, or merged
// two objects), on a create, a merge patch and the sign-in; nothing is
// stored.
func TestDuplicateMemberNamesRefused(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/dup.db")
	id, tag := e.create("lo-no", draft())
	var create strings.Builder
	create.WriteString(`{"exercise_name":"A","exercise_name":"B"`)
	for k, v := range draft() {
		if k != "exercise_name" {
			create.WriteString(`,"` + k + `":` + string(mustJSON(t, v)))
		}
	}
	create.WriteString("}")
	wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", create.String()), 422, "invalid", "exercise_name")
	wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"personnel":{"military":450},"personnel":{"civilian":3}}`, "If-Match", tag),
		422, "invalid", "personnel")
	wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"vehicles":[{"category":"combat","count":1,"kind":"tracked","count":2}]}`, "If-Match", tag),
		422, "invalid", "vehicles[0].count")
	wantProblem(t, e.do("", http.MethodPost, "/api/v1/auth/token", `{"username":"lo-no","password":"x","password":"demo"}`), 422, "invalid", "password")
	e.unchanged("lo-no", "/api/v1/requests/"+id, tag)
	if n := len(e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any)); n != 1 {
		t.Errorf("%d requests, want the one draft", n)
	}
}

// TestBodyMustBeUTF8: a body declared in a charset other than UTF-8 is 415
// naming it, and one holding bytes that are not UTF-8 is 400: both were
// decoded with U+FFFD in place of the letters. A charset of utf-8, utf8 or
// us-ascii, in any letter case, is accepted (RFC 8259 §11: JSON has no
// charset parameter; one naming UTF-8 changes nothing).
func TestBodyMustBeUTF8(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/utf8.db")
	latin1 := strings.Replace(string(mustJSON(t, draft())), "Cold Response 27", "K\xe4lte 27", 1)
	r := e.do("lo-no", http.MethodPost, "/api/v1/requests", latin1, "Content-Type", "application/json; charset=iso-8859-1")
	wantProblem(t, r, 415, "unsupported_media_type")
	if !strings.Contains(string(r.Body), "iso-8859-1") {
		t.Errorf("the charset is not named: %s", r.Body)
	}
	r = e.do("lo-no", http.MethodPost, "/api/v1/requests", latin1)
	wantProblem(t, r, 400, "bad_request")
	if !strings.Contains(string(r.Body), "UTF-8") {
		t.Errorf("the problem is not said: %s", r.Body)
	}
	id, tag := e.create("lo-no", draft())
	wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"purpose":"K`+"\xe4"+`lte"}`, "If-Match", tag), 400, "bad_request")
	wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"purpose":"Kälte"}`, "If-Match", tag,
		"Content-Type", "application/json; charset=latin1"), 415, "unsupported_media_type")
	e.unchanged("lo-no", "/api/v1/requests/"+id, tag)
	// A charset that would have the body read otherwise is refused, by
	// name, even for a body that is valid UTF-8.
	for _, cs := range []string{"utf-16", "UTF-16LE", "windows-1252", "iso-8859-1"} {
		r := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"purpose":"Kälte"}`, "If-Match", tag,
			"Content-Type", "application/json; charset="+cs)
		wantProblem(t, r, 415, "unsupported_media_type")
		if !strings.Contains(string(r.Body), cs) {
			t.Errorf("charset %s is not named: %s", cs, r.Body)
		}
	}
	e.unchanged("lo-no", "/api/v1/requests/"+id, tag)
	// JSON has no charset parameter (RFC 8259 §11): one naming UTF-8, or
	// US-ASCII (a subset of it), changes nothing, in any letter case; the
	// body must still be UTF-8.
	for _, cs := range []string{"UTF-8", "utf8", "UTF8", "us-ascii", "US-ASCII", `"utf-8"`} {
		wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"purpose":"K`+"\xe4"+`lte"}`, "If-Match", tag,
			"Content-Type", "application/json; charset="+cs), 400, "bad_request")
		purpose := "Kälte " + cs
		r := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"purpose": purpose}, "If-Match", tag,
			"Content-Type", "application/merge-patch+json; charset="+cs)
		want(t, r, http.StatusOK)
		if r.JSON(t)["purpose"] != purpose {
			t.Errorf("charset %s: purpose %v, want %s", cs, r.JSON(t)["purpose"], purpose)
		}
		tag = r.Header.Get("ETag")
	}
}

// TestTwoIfMatchLinesRefused: two If-Match lines are a list of tags, 400
// as a list on one line is; the first was read and the second ignored.
func TestTwoIfMatchLinesRefused(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/ifmatch.db")
	id, tag := e.create("lo-no", draft())
	for _, lines := range [][]string{{"If-Match", tag, "If-Match", `"7"`}, {"If-Match", tag, "If-Match", tag}} {
		r := e.doLines("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"purpose":"x"}`, lines...)
		wantProblem(t, r, 400, "bad_request")
		r = e.doLines("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", ``, lines...)
		wantProblem(t, r, 400, "bad_request")
	}
	e.unchanged("lo-no", "/api/v1/requests/"+id, tag)
	want(t, e.doLines("lo-no", http.MethodPatch, "/api/v1/requests/"+id, `{"purpose":"x"}`, "If-Match", tag), http.StatusOK)
}

// TestRepeatedQueryParametersRefused: a query parameter given twice is 422
// naming it (no parameter takes a list); the first was read and the second
// ignored.
func TestRepeatedQueryParametersRefused(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/query.db")
	e.create("lo-no", draft())
	for _, q := range []struct{ query, field string }{
		{"status=draft&status=bogus", "status"},
		{"limit=1&limit=0", "limit"},
		{"status=draft&status=draft", "status"},
		{"limit=1&stauts=x&limit=2", "limit"},
	} {
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests?"+q.query, nil), 422, "invalid", q.field)
	}
	wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests?limit=1&stauts=x&limit=2", nil), 422, "invalid", "stauts")
	want(t, e.do("lo-no", http.MethodGet, "/api/v1/requests?status=draft&limit=1", nil), http.StatusOK)
}
