package api

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	"exaccess/domain"
)

// emptyObjects is `prefix` followed by n empty objects in an array and
// `suffix`: the body of a review that grew 1 MiB of JSON into 34 to 160 MB
// of Go values before the 500-item limit was checked.
func emptyObjects(prefix string, n int, suffix string) []byte {
	return []byte(prefix + "[" + strings.Repeat("{},", n-1) + "{}]" + suffix)
}

// nearMiB is how many "{}," fit in a body just under MaxBodyBytes.
const nearMiB = (MaxBodyBytes - 100) / 3

// TestLongListsRefusedBeforeDecoding: a body just under 1 MiB with 350,000
// empty objects in one array is refused, naming the array, on the create,
// the PATCH of an own draft, the token route (anonymous), and an action
// that takes no body; and refusing it allocates a few megabytes, not the
// 34 to 160 MB that decoding it into a tree of Go values took.
func TestLongListsRefusedBeforeDecoding(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/shape.db")
	id, tag := e.create("lo-no", draft())
	cases := []struct {
		name, as, method, path, field string
		body                          []byte
		headers                       []string
	}{
		{"create", "lo-no", http.MethodPost, "/api/v1/requests", "vehicles",
			emptyObjects(`{"vehicles":`, nearMiB, `}`), nil},
		{"patch of an own draft", "lo-no", http.MethodPatch, "/api/v1/requests/" + id, "vehicles",
			emptyObjects(`{"vehicles":`, nearMiB, `}`), []string{"If-Match", tag}},
		{"token, anonymous", "", http.MethodPost, "/api/v1/auth/token", "x",
			emptyObjects(`{"username":"u","password":"p","x":`, nearMiB, `}`), nil},
		{"submit, which takes no body", "lo-no", http.MethodPost, "/api/v1/requests/" + id + "/submit", "x",
			emptyObjects(`{"x":`, nearMiB, `}`), []string{"If-Match", tag}},
		{"nested list", "lo-no", http.MethodPost, "/api/v1/requests", "movements[1].systems",
			[]byte(`{"movements":[{},{"systems":[` + strings.Repeat(`"a",`, domain.MaxListItems) + `"a"]}]}`), nil},
		{"too many values, no list too long", "lo-no", http.MethodPost, "/api/v1/requests", "body",
			[]byte(`{"x":[` + strings.Repeat(`[`+strings.Repeat(`0,`, 499)+`0],`, 120) + `[]]}`), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.body) > MaxBodyBytes {
				t.Fatalf("the body is %d bytes, over the limit", len(tc.body))
			}
			wantProblem(t, e.do(tc.as, tc.method, tc.path, tc.body, tc.headers...), 422, "invalid", tc.field)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			e.do(tc.as, tc.method, tc.path, tc.body, tc.headers...)
			runtime.ReadMemStats(&after)
			// The request itself copies the body a few times (the test's
			// request, the server's read of it): some 2 MiB. Decoding it
			// whole took 45 MB and more (420 MB on the create).
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d KiB allocated", alloc>>10)
			if alloc > 6<<20 {
				t.Errorf("%d MB allocated for one refusal, want under 6 MiB", alloc>>20)
			}
		})
	}
	// Nothing was changed: the draft is as it was, still a draft.
	r := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)
	want(t, r, 200)
	if r.Header.Get("ETag") != tag || r.JSON(t)["status"] != "draft" {
		t.Errorf("the draft changed: ETag %s, %s", r.Header.Get("ETag"), r.Body)
	}
}

// TestCheckBodyShape: the paths named, the limits exactly, and bodies the
// check leaves to the decoder.
func TestCheckBodyShape(t *testing.T) {
	items := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	refused := []struct{ body, field string }{
		{`{"vehicles":` + items(domain.MaxListItems+1, `{}`) + `}`, "vehicles"},
		{`{"a":{"b":[1,{"c":` + items(domain.MaxListItems+1, `null`) + `}]}}`, "a.b[1].c"},
		{items(domain.MaxListItems+1, `1`), "body"},
		{`{"q\"":` + items(domain.MaxListItems+1, `"a\\\"]}[{"`) + `}`, `q"`},
		{`{"a":` + items(domain.MaxListItems, items(100, `true`)) + `}`, "body"},
		{`{` + strings.TrimSuffix(strings.Repeat(`"k":"v",`, MaxBodyValues), ",") + `}`, "body"},
	}
	for _, tc := range refused {
		err := checkBodyShape([]byte(tc.body))
		de, ok := err.(*domain.Error)
		if !ok || de.Code != domain.CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != tc.field {
			t.Errorf("%.60s…: %v, want 422 naming %s", tc.body, err, tc.field)
		}
	}
	accepted := []string{
		`{"vehicles":` + items(domain.MaxListItems, `{"a":[1,2,3]}`) + `}`,
		`{` + strings.TrimSuffix(strings.Repeat(`"k":"v",`, MaxBodyValues-1), ",") + `}`,
		`{"a":{},"b":[],"c":[[],{}],"d":{"e":{"f":[null]}}}`,
		// Not JSON, or more than one value: the decoder explains these.
		`{"vehicles":` + items(domain.MaxListItems+1, `{}`),
		`{} {}`,
		``,
	}
	for _, body := range accepted {
		if err := checkBodyShape([]byte(body)); err != nil {
			t.Errorf("%.60s…: %v", body, err)
		}
	}
	// The refusal of a body just under 1 MiB allocates next to nothing:
	// decodeStrict, as the token route calls it, built 45 MB of Go values
	// of it before.
	body := emptyObjects(`{"username":"u","password":"p","x":`, nearMiB, `}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := decodeStrict(body, &tokenRequest{}, nil)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; err == nil || alloc > 64<<10 {
		t.Errorf("decodeStrict: %v, %d KiB allocated; want a refusal in under 64 KiB", err, alloc>>10)
	}
}
