package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
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
		{`{` + members(MaxBodyValues) + `}`, "body"},
		// A member name given twice in one object, however it is
		// written: encoding/json would keep the last, or merge objects.
		{`{"exercise_name":"A","exercise_name":"B"}`, "exercise_name"},
		{`{"personnel":{"military":450},"personnel":{"civilian":3}}`, "personnel"},
		{`{"a":1,"\u0061":2}`, "a"},
		{`{"unit":{"name":"x","rank":1,"name":null}}`, "unit.name"},
		{`{"vehicles":[{},{"count":1,"kind":"x","count":2}]}`, "vehicles[1].count"},
		{`[{"a":[{"b":1,"b":2}]}]`, "[0].a[0].b"},
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
		`{` + members(MaxBodyValues-1) + `}`,
		`{"a":{},"b":[],"c":[[],{}],"d":{"e":{"f":[null]}}}`,
		// The same name in different objects, and names that differ in
		// letter case only (which decodeTyped refuses as unknown).
		`{"a":1,"b":{"a":2,"c":{"a":3}},"c":[{"a":1},{"a":1}]}`,
		`{"a":1,"A":2,"\u00e5":3,"\u00c5":4}`,
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
	// Not JSON: the decoder explains it, repeated names or not.
	if err := checkBodyShape([]byte(`{"a":1,"a":2`)); err != nil {
		t.Errorf("a body that is not JSON: %v", err)
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

// members is n members "k0":"v","k1":"v",… of an object, without braces.
func members(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":"v"`, i)
	}
	return b.String()
}

// FuzzCheckBodyShape: the byte-by-byte walk answers what a walk through
// encoding/json's tokens answers (shapeByTokens), and never panics: it
// refuses nothing that is not valid JSON, and of valid JSON exactly the
// bodies with an array longer than domain.MaxListItems, more than
// MaxBodyValues values, or a member name given twice in one object (as
// encoding/json reads names: "\u0061" is "a"), naming the first offence
// the walk meets.
func FuzzCheckBodyShape(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `null`, `"a"`, `1e5`, ` {"a" : [ 1 , "x\"]" , {"b":[]} ] } `, `{"a":[1,2`, `{} {}`,
		`{"\u0022":[` + strings.Repeat(`[],`, domain.MaxListItems) + `[]]}`,
		`{"a":[{"b":` + strings.Repeat(`"x",`, 2) + `}]}`,
		`{"a":[0,[` + strings.Repeat(`true,`, domain.MaxListItems) + `false]]}`,
		`{"a":1,"b":{"a":[{"c":1,"\u0063":2}]},"a":3}`, `{"\u00e9":1,"é":2,"\u00c9":3}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, want := checkBodyShape(body), shapeByTokens(body)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Fatalf("%q: %v, want %v", body, got, want)
		}
		if got != nil {
			g, w := got.(*domain.Error), want.(*domain.Error)
			if g.Fields[0] != w.Fields[0] {
				t.Fatalf("%q: %v, want %v", body, g.Fields, w.Fields)
			}
		}
	})
}

// shapeByTokens is checkBodyShape written with json.Decoder.Token: simpler,
// and allocating for every token.
func shapeByTokens(body []byte) error {
	if !json.Valid(body) {
		return nil
	}
	type level struct {
		array   bool
		key     string
		items   int
		wantKey bool
		names   map[string]bool
	}
	path := func(levels []level) string {
		path := ""
		for _, l := range levels {
			switch {
			case l.array:
				path += "[" + strconv.Itoa(l.items-1) + "]"
			case path == "":
				path = l.key
			default:
				path += "." + l.key
			}
		}
		return path
	}
	var stack []level
	values := 0
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		n := len(stack)
		if n > 0 && stack[n-1].wantKey {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
			} else {
				top := &stack[n-1]
				top.key, top.wantKey = tok.(string), false
				if top.names[top.key] {
					return &domain.Error{Code: domain.CodeInvalid, Message: "the body gives a member twice in one object",
						Fields: []domain.FieldError{{Field: path(stack), Message: "is given more than once in one object: give each member once"}}}
				}
				top.names[top.key] = true
			}
			continue
		}
		if tok == json.Delim(']') || tok == json.Delim('}') {
			stack = stack[:n-1]
			continue
		}
		if values++; values > MaxBodyValues {
			return &domain.Error{Code: domain.CodeInvalid, Message: "the body holds too many JSON values",
				Fields: []domain.FieldError{{Field: "body", Message: fmt.Sprintf(
					"must hold at most %d JSON values (each object, array, string, number, true, false and null counts one)", MaxBodyValues)}}}
		}
		if n > 0 && stack[n-1].array {
			if stack[n-1].items++; stack[n-1].items > domain.MaxListItems {
				path := path(stack[:n-1])
				if path == "" {
					path = "body"
				}
				return &domain.Error{Code: domain.CodeInvalid, Message: "a list in the body is too long",
					Fields: []domain.FieldError{{Field: path, Message: fmt.Sprintf("must have at most %d items", domain.MaxListItems)}}}
			}
		} else if n > 0 {
			stack[n-1].wantKey = true
		}
		if tok == json.Delim('{') || tok == json.Delim('[') {
			stack = append(stack, level{array: tok == json.Delim('['), wantKey: tok == json.Delim('{'), names: map[string]bool{}})
		}
	}
}
