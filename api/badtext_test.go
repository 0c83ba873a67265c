package api

import (
	"regexp"
	"testing"
)

// TestNoAddressTextTheDatabaseRefuses: a path or query value holding a NUL
// byte or bytes that are not UTF-8 never reaches a database. PostgreSQL
// refuses such text outright ("invalid byte sequence"), which answered 500
// where SQLite answered 404. Every route, with each of its path parameters
// and each of its declared query parameters set to such a value, answers
// 404 (a path parameter so spelt names nothing) or 422 naming the query
// parameter, before any lookup, whoever asks.
func TestNoAddressTextTheDatabaseRefuses(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		params, err := queryParams(e.srv.OpenAPI)
		if err != nil {
			t.Fatal(err)
		}
		param := regexp.MustCompile(`:[^/]+`)
		callers := []string{"lo-no", "hns", "auditor", "admin"}
		checked := 0
		for _, rt := range e.srv.routes() {
			for _, bad := range []string{"a%00b", "a%FFb"} {
				path := param.ReplaceAllString(rt.path, bad)
				if path != rt.path {
					for _, as := range callers {
						checked++
						wantProblem(t, e.do(as, rt.method, path, nil), 404, "not_found")
					}
				}
				for _, q := range params[routeKey(rt.method, rt.path)] {
					p := param.ReplaceAllString(rt.path, "x") + "?" + q + "=" + bad
					for _, as := range callers {
						checked++
						wantProblem(t, e.do(as, rt.method, p, nil), 422, "invalid", q)
					}
				}
			}
		}
		if checked < 100 {
			t.Fatalf("only %d calls made: the route table was not walked", checked)
		}
	})
}
