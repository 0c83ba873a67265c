package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"exaccess/domain"
)

func with(base map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range base {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

// TestCreateRefusesBadInput: every bad body is refused with every offending
// field named, and nothing is stored.
func TestCreateRefusesBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name   string
			body   any
			status int
			code   string
			fields []string
		}{
			{"empty object", map[string]any{}, 422, "invalid", []string{"exercise_name", "purpose", "unit.designation", "period.start", "personnel", "movements", "contact.name", "contact.email"}},
			{"not JSON", "{", 400, "bad_request", nil},
			{"array", "[]", 400, "bad_request", nil},
			{"two values", `{} {}`, 400, "bad_request", nil},
			{"status set", with(draft(), "status", "approved"), 422, "invalid", []string{"status"}},
			{"nation set", with(draft(), "nation", "SE"), 422, "invalid", []string{"nation"}},
			{"NATION set in capitals", with(draft(), "NATION", "SE"), 422, "invalid", []string{"NATION"}},
			{"version set", with(draft(), "Version", 7), 422, "invalid", []string{"Version"}},
			{"route set", with(draft(), "route", map[string]any{}), 422, "invalid", []string{"route"}},
			{"id set", with(draft(), "id", "x"), 422, "invalid", []string{"id"}},
			{"unknown field", with(draft(), "colour", "green"), 422, "invalid", []string{"colour"}},
			{"wrong type", with(draft(), "personnel", map[string]any{"military": "many"}), 422, "invalid", []string{"personnel.military"}},
			{"bad dates", with(draft(), "period", map[string]any{"start": "2 March", "end": "2027-13-01"}), 422, "invalid", []string{"period.start", "period.end"}},
			{"bad movement time", with(draft(), "movements", []any{map[string]any{"direction": "entry", "entry_point": "storlien", "at": "tomorrow", "mode": "road"}}), 422, "invalid", []string{"movements[0].at"}},
			{"unknown area and point", with(with(draft(), "training_areas", []any{map[string]any{"area": "mordor", "from": "2027-03-05", "to": "2027-03-06"}}),
				"movements", []any{map[string]any{"direction": "entry", "entry_point": "narnia", "at": "2027-03-02T08:00:00Z", "mode": "road"}}),
				422, "invalid", []string{"training_areas[0].area", "movements[0].entry_point"}},
			{"period already over", with(with(with(draft(), "period", map[string]any{"start": "2026-01-01", "end": "2026-01-10"}), "training_areas", nil),
				"movements", []any{map[string]any{"direction": "entry", "entry_point": "storlien", "at": "2026-01-02T08:00:00Z", "mode": "road"}}),
				422, "invalid", []string{"period.end"}},
			{"right-to-left override", with(draft(), "exercise_name", "Cold \u202eesnopseR"), 422, "invalid", []string{"exercise_name"}},
			{"zero-width space", with(draft(), "purpose", "Winter\u200btraining"), 422, "invalid", []string{"purpose"}},
			{"UN number", with(draft(), "dangerous_goods", []any{map[string]any{"un_number": "12345", "class": "1.1D"}}), 422, "invalid", []string{"dangerous_goods[0].un_number"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", tc.body), tc.status, tc.code, tc.fields...)
			})
		}
		list := e.do("lo-no", http.MethodGet, "/api/v1/requests", nil)
		want(t, list, 200)
		if n := len(list.JSON(t)["items"].([]any)); n != 0 {
			t.Fatalf("%d requests stored from bad input", n)
		}
	})
}

func TestBodyLimitsAndMediaType(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		big := `{"exercise_name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", big), 413, "too_large")
		r := e.do("lo-no", http.MethodPost, "/api/v1/requests", "exercise_name=x", "Content-Type", "application/x-www-form-urlencoded")
		wantProblem(t, r, 415, "unsupported_media_type")
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", nil), 400, "bad_request")
	})
}

// TestNationIsolation: a liaison officer never learns that another nation's
// request exists — 404 everywhere, and lists are filtered.
func TestNationIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", draft())
		base := "/api/v1/requests/" + id
		for _, tc := range []struct{ method, path string }{
			{http.MethodGet, base}, {http.MethodPatch, base}, {http.MethodPost, base + "/submit"}, {http.MethodPost, base + "/withdraw"},
		} {
			var body any
			if tc.method == http.MethodPatch {
				body = map[string]any{"purpose": "x"}
			}
			r := e.do("lo-de", tc.method, tc.path, body, "If-Match", tag)
			wantProblem(t, r, 404, "not_found")
			missing := e.do("lo-de", tc.method, "/api/v1/requests/00000000-0000-7000-8000-000000000000"+strings.TrimPrefix(tc.path, base), body, "If-Match", tag)
			if string(missing.Body[strings.Index(string(missing.Body), `"detail"`):]) != string(r.Body[strings.Index(string(r.Body), `"detail"`):]) {
				t.Errorf("another nation's request and a missing one answer differently:\n%s\n%s", r.Body, missing.Body)
			}
		}
		for _, q := range []string{"", "?nation=NO", "?nation=no", "?status=draft", "?area=ravlunda"} {
			list := e.do("lo-de", http.MethodGet, "/api/v1/requests"+q, nil)
			want(t, list, 200)
			if n := len(list.JSON(t)["items"].([]any)); n != 0 {
				t.Errorf("lo-de lists %d of Norway's requests with %q", n, q)
			}
		}
		// A colleague of the same nation sees and may edit it.
		want(t, e.do("lo-no2", http.MethodGet, base, nil), 200)
		// Each refused attempt on the existing request is audited (who tried
		// what); so are the attempts on a missing one, with the id tried: the
		// same work on both paths, so that timing does not tell them apart.
		if who := e.refusals(id); strings.Join(who, ",") != "lo-de,lo-de,lo-de,lo-de" || e.auditCount(id) != 5 {
			t.Errorf("refusals by %v, %d entries; want four by lo-de", who, e.auditCount(id))
		}
		var tried []string
		entries, err := e.db.ListAudit(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			if en.Action == domain.AuditRequestRefused && en.Actor == "lo-de" && en.Data["code"] == "not_found" {
				tried = append(tried, fmt.Sprint(en.Data["unknown_request_id"]))
			}
		}
		if strings.Join(tried, ",") != strings.Repeat("00000000-0000-7000-8000-000000000000,", 3)+"00000000-0000-7000-8000-000000000000" {
			t.Errorf("refusals on the missing id: %v", tried)
		}
		if got := e.do("lo-no", http.MethodGet, base, nil).JSON(t); got["version"].(float64) != 1 || got["status"] != "draft" {
			t.Errorf("refused attempts changed the request: %v", got)
		}
	})
}

// TestRefusedIDKeepsNoControls: a refused read of a missing id typed with
// a right-to-left override and a line break is recorded with each as
// U+FFFD, so that the entry cannot reverse or split the audit page's text.
func TestRefusedIDKeepsNoControls(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/SE-2026-EXA-000001%E2%80%AE%0Aexport%20by%20admin", nil), 404, "not_found")
		entries, err := e.db.ListAudit(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		var tried []string
		for _, en := range entries {
			if en.Action == domain.AuditRequestRefused && en.Actor == "lo-de" {
				tried = append(tried, fmt.Sprint(en.Data["unknown_request_id"]))
			}
		}
		if want := []string{"SE-2026-EXA-000001\uFFFD\uFFFDexport by admin"}; !slices.Equal(tried, want) {
			t.Errorf("refusals on the missing id: %q, want %q", tried, want)
		}
	})
}

func TestPreconditionsAndTransitions(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, _ := e.create("lo-no", draft())
		path := "/api/v1/requests/" + id
		patch := map[string]any{"purpose": "Amended purpose", "unit": map[string]any{"commander": "Lt Col Olsen"}}

		r := e.do("lo-no", http.MethodPatch, path, patch)
		wantProblem(t, r, 428, "precondition_required")
		if d := r.JSON(t)["detail"].(string); !strings.HasPrefix(d, "send If-Match with") {
			t.Errorf("missing If-Match: detail %q", d)
		}
		// "*" is an If-Match that was sent: the answer says it is not accepted and what is.
		r = e.do("lo-no", http.MethodPatch, path, patch, "If-Match", "*")
		wantProblem(t, r, 428, "precondition_required")
		if d := r.JSON(t)["detail"].(string); !strings.Contains(d, "If-Match: * is not accepted") || !strings.Contains(d, `If-Match: "3"`) {
			t.Errorf("If-Match: * detail %q, want it to say * is not accepted and to show a version", d)
		}
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, patch, "If-Match", `"2"`), 412, "precondition_failed")
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, patch, "If-Match", "yesterday"), 400, "bad_request")
		// Only the ETag exactly as sent matches; near misses are refused, never read leniently.
		for _, near := range []string{`1`, `"01"`, `"+1"`, `" 1"`, `W/"1"`, `"1", "2"`, `"1`, `1"`, `""`} {
			wantProblem(t, e.do("lo-no", http.MethodPatch, path, patch, "If-Match", near), 400, "bad_request")
		}
		wantProblem(t, e.do("lo-no", http.MethodPost, path+"/submit", nil), 428, "precondition_required")

		p := e.do("lo-no", http.MethodPatch, path, patch, "If-Match", `"1"`)
		want(t, p, 200)
		body := p.JSON(t)
		unit := body["unit"].(map[string]any)
		if body["purpose"] != "Amended purpose" || unit["commander"] != "Lt Col Olsen" || unit["designation"] != "Telemark Battalion" || body["version"].(float64) != 2 {
			t.Fatalf("merge patch result %s", p.Body)
		}
		// The old ETag is now stale.
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, patch, "If-Match", `"1"`), 412, "precondition_failed")
		// A patch that breaks a rule is refused whole.
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, map[string]any{"purpose": "", "personnel": map[string]any{"military": -1}}, "If-Match", `"2"`),
			422, "invalid", "purpose", "personnel.military")
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, map[string]any{"status": "approved"}, "If-Match", `"2"`), 422, "invalid", "status")
		if got := e.do("lo-no", http.MethodGet, path, nil).JSON(t); got["purpose"] != "Amended purpose" || got["version"].(float64) != 2 {
			t.Fatalf("a refused patch changed the request: %v", got)
		}

		want(t, e.do("lo-no", http.MethodPost, path+"/submit", nil, "If-Match", `"2"`), 200)
		wantProblem(t, e.do("lo-no", http.MethodPost, path+"/submit", nil, "If-Match", `"3"`), 409, "invalid_transition")
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, patch, "If-Match", `"3"`), 409, "invalid_transition")

		wantProblem(t, e.do("lo-no", http.MethodPost, path+"/withdraw", map[string]any{"reason": "bell\u0007"}, "If-Match", `"3"`), 422, "invalid", "reason")
		w := e.do("lo-no", http.MethodPost, path+"/withdraw", map[string]any{"reason": "exercise cancelled"}, "If-Match", `"3"`)
		want(t, w, 200)
		wb := w.JSON(t)
		if wb["status"] != "withdrawn" {
			t.Fatalf("withdrawn = %s", w.Body)
		}
		for _, st := range wb["route"].(map[string]any)["stages"].([]any) {
			if s := st.(map[string]any)["status"]; s != "cancelled" {
				t.Errorf("a stage of a withdrawn request is %v", s)
			}
		}
		wantProblem(t, e.do("lo-no", http.MethodPost, path+"/withdraw", nil, "If-Match", `"4"`), 409, "invalid_transition")
		if n := e.auditCount(id); n != 4 {
			t.Errorf("%d audit entries, want 4 (create, update, submit, withdraw)", n)
		}
		// Unknown ids are 404 with problem+json.
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests/nope", nil), 404, "not_found")
	})
}

func TestSubmitRefusesIneligible(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// The period starts two working days after the fixed clock's Monday: too short.
		soon := with(with(draft(), "period", map[string]any{"start": "2026-11-26", "end": "2026-11-30"}), "training_areas", nil)
		soon["movements"] = []any{map[string]any{"direction": "entry", "entry_point": "storlien", "at": "2026-11-26T08:00:00Z", "mode": "road"}}
		id, tag := e.create("lo-no", soon)
		r := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag)
		wantProblem(t, r, 422, "not_eligible")
		if reasons, _ := r.JSON(t)["reasons"].([]any); len(reasons) == 0 {
			t.Fatalf("no reasons given: %s", r.Body)
		}
		if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t); got["status"] != "draft" || got["version"].(float64) != 1 {
			t.Fatalf("a refused submit changed the request: %v", got)
		}
	})
}

func TestIdempotentCreate(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first := e.do("lo-no", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k-1")
		want(t, first, 201)
		again := e.do("lo-no", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k-1")
		want(t, again, 201)
		if string(first.Body) != string(again.Body) && first.JSON(t)["id"] != again.JSON(t)["id"] {
			t.Fatalf("a retry got a different response:\n%s\n%s", first.Body, again.Body)
		}
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("replay not marked")
		}
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", with(draft(), "purpose", "other"), "Idempotency-Key", "k-1"), 422, "invalid", "Idempotency-Key")
		// Keys are per user: a colleague's same key is a new request.
		want(t, e.do("lo-no2", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k-1"), 201)
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "bad key"), 422, "invalid", "Idempotency-Key")

		// Concurrent retries with one key create one request.
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do("lo-no", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k-race").Status
			}()
		}
		wg.Wait()
		for _, s := range statuses {
			if s != 201 && s != 409 {
				t.Errorf("concurrent duplicate got %d", s)
			}
		}
		list := e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any)
		if len(list) != 3 {
			t.Fatalf("%d requests stored, want 3 (k-1 once, lo-no2's, k-race once)", len(list))
		}
	})
}

func TestListPagination(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ids := map[string]bool{}
		for i := range 7 {
			id, _ := e.create("lo-no", with(draft(), "exercise_name", fmt.Sprintf("Exercise %d", i)))
			ids[id] = true
		}
		e.create("lo-de", draft())
		seen, cursor, pages := map[string]bool{}, "", 0
		prev := "~"
		for {
			path := "/api/v1/requests?limit=3"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			page := e.do("lo-no", http.MethodGet, path, nil).JSON(t)
			pages++
			for _, it := range page["items"].([]any) {
				id := it.(map[string]any)["id"].(string)
				if seen[id] || !ids[id] || id >= prev {
					t.Fatalf("page %d: item %s duplicated, foreign or out of order", pages, id)
				}
				seen[id], prev = true, id
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 7 || pages != 3 {
			t.Fatalf("saw %d requests in %d pages, want 7 in 3", len(seen), pages)
		}
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests?cursor=tampered!", nil), 422, "invalid", "cursor")
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests?limit=0&status=lost&area=mordor", nil), 422, "invalid", "limit", "status", "area")
		big := e.do("auditor", http.MethodGet, "/api/v1/requests?limit=100000", nil)
		want(t, big, 200)
		if n := len(big.JSON(t)["items"].([]any)); n != 8 {
			t.Fatalf("auditor sees %d, want all 8", n)
		}
		de := e.do("auditor", http.MethodGet, "/api/v1/requests?nation=DE", nil).JSON(t)["items"].([]any)
		if len(de) != 1 {
			t.Fatalf("nation filter gives %d", len(de))
		}
	})
}

func TestPolicyEvaluate(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		r := e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", draft())
		want(t, r, 200)
		ev := r.JSON(t)
		if ev["eligible"] != true || ev["nation"] != "NO" || ev["route"] == nil {
			t.Fatalf("evaluate = %s", r.Body)
		}
		if n := len(ev["route"].(map[string]any)["stages"].([]any)); n != 3 {
			t.Errorf("dry run route has %d stages, want 3", n)
		}
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", with(draft(), "nation", "DE")), 422, "invalid", "nation")
		wantProblem(t, e.do("ops", http.MethodPost, "/api/v1/policy/evaluate", draft()), 422, "invalid", "nation")
		warship := with(draft(), "vessels", []any{map[string]any{"name": "KNM Thor Heyerdahl", "kind": "warship", "crew": 120}})
		as := e.do("ops", http.MethodPost, "/api/v1/policy/evaluate", with(warship, "nation", "el"))
		want(t, as, 200)
		stages := as.JSON(t)["route"].(map[string]any)["stages"].([]any)
		last := stages[len(stages)-1].(map[string]any)
		if as.JSON(t)["nation"] != "GR" || last["id"] != "ministry" || last["approvals_required"].(float64) != 2 {
			t.Fatalf("warship route %s", as.Body)
		}
		if n := len(e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any)); n != 0 {
			t.Fatalf("the dry run stored %d requests", n)
		}
	})
}

// TestPatchIsMergePatch: objects merge, arrays are replaced whole, null clears.
func TestPatchIsMergePatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, _ := e.create("lo-no", draft())
		r := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{
			"vehicles": []any{map[string]any{"category": "non_combat", "kind": "wheeled", "count": 3}},
			"unit":     map[string]any{"commander": nil},
			"weapons":  map[string]any{"systems": []any{"M72"}},
		}, "If-Match", `"1"`)
		want(t, r, 200)
		got := r.JSON(t)
		vehicles := got["vehicles"].([]any)
		v := vehicles[0].(map[string]any)
		if len(vehicles) != 1 || v["category"] != "non_combat" || v["kind"] != "wheeled" || v["count"].(float64) != 3 {
			t.Errorf("vehicles = %v, want exactly the patched list", vehicles)
		}
		unit := got["unit"].(map[string]any)
		if unit["commander"] != "" || unit["designation"] != "Telemark Battalion" {
			t.Errorf("unit = %v", unit)
		}
		w := got["weapons"].(map[string]any)
		if w["live_fire"] != true || len(w["systems"].([]any)) != 1 {
			t.Errorf("weapons = %v", w)
		}
		// Clearing a required field through null is refused like any bad value.
		wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"contact": nil}, "If-Match", `"2"`),
			422, "invalid", "contact.name", "contact.email")
		wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"unit": map[string]any{"rank": "x"}}, "If-Match", `"2"`),
			422, "invalid", "unit.rank")
	})
}

// TestPatchChangingNothing: a patch that changes nothing ({}, or a field
// set to the value it has) answers the request as it was: the version and
// ETag stay, so other clients' If-Match stays good, and the history gains
// no entry. A real change afterwards is version 2 as usual.
func TestPatchChangingNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", draft())
		path := "/api/v1/requests/" + id
		for _, patch := range []map[string]any{{}, {"unit": map[string]any{"designation": "Telemark Battalion"}}} {
			r := e.do("lo-no", http.MethodPatch, path, patch, "If-Match", tag)
			want(t, r, 200)
			if r.Header.Get("ETag") != tag || r.JSON(t)["version"].(float64) != 1 {
				t.Errorf("patch %v: ETag %s, version %v; want %s, 1", patch, r.Header.Get("ETag"), r.JSON(t)["version"], tag)
			}
		}
		hist := e.do("lo-no", http.MethodGet, path+"/history", nil).JSON(t)["items"].([]any)
		if len(hist) != 1 {
			t.Errorf("history has %d entries after patches that changed nothing; want the creation only: %v", len(hist), hist)
		}
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, map[string]any{}, "If-Match", `"2"`), 412, "precondition_failed")
		r := e.do("lo-no", http.MethodPatch, path, map[string]any{"unit": map[string]any{"commander": "Maj Dahl"}}, "If-Match", tag)
		want(t, r, 200)
		if r.JSON(t)["version"].(float64) != 2 {
			t.Errorf("a real change is version %v, want 2", r.JSON(t)["version"])
		}
	})
}

// TestEveryBadFieldNamedWithABadDate: a timestamp that does not parse does
// not hide the other bad fields of the same body.
func TestEveryBadFieldNamedWithABadDate(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/dates.db")
	body := map[string]any{"exercise_name": "x",
		"period":    map[string]any{"start": "2027-03-05", "end": "2027-03-01"},
		"personnel": map[string]any{"military": -3},
		"movements": []any{map[string]any{"direction": "sideways", "entry_point": "x", "at": "now", "mode": "boat"}}}
	fields := []string{"movements[0].at", "period.end", "personnel.military", "movements[0].direction",
		"movements[0].entry_point", "movements[0].mode", "purpose", "contact.email"}
	wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", body), 422, "invalid", fields...)
	wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", body), 422, "invalid", fields...)
	id, _ := e.create("lo-no", draft())
	wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id,
		map[string]any{"period": map[string]any{"start": "soon"}, "purpose": ""}, "If-Match", `"1"`), 422, "invalid", "period.start", "purpose")
}

// TestReversedPeriodNamesOnlyThePeriod: a period that ends before it
// starts is one error, the period's; the booking inside the days as
// typed is not also called outside the period, on create, on the dry
// run and on a patch.
func TestReversedPeriodNamesOnlyThePeriod(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/reversed.db")
	reversed := map[string]any{"start": "2027-03-20", "end": "2027-03-02"}
	wantErrs := func(r resp) {
		t.Helper()
		wantProblem(t, r, 422, "invalid", "period.end")
		var got []string
		for _, f := range r.JSON(t)["errors"].([]any) {
			m := f.(map[string]any)
			got = append(got, m["field"].(string)+": "+m["message"].(string))
		}
		if want := "period.end: must not be before period.start"; len(got) != 1 || got[0] != want {
			t.Errorf("errors %q, want only %q", got, want)
		}
	}
	body := with(draft(), "period", reversed)
	wantErrs(e.do("lo-no", http.MethodPost, "/api/v1/requests", body))
	wantErrs(e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", body))
	id, tag := e.create("lo-no", draft())
	wantErrs(e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"period": reversed}, "If-Match", tag))
}

// TestPolicyEvaluateAreaWarnings: the dry run gives the training-area
// warnings a submit of the same request then gives (Deconflict's, as
// ConflictWarnings words them), each caller those of their audience: a
// liaison officer the days over capacity, an approver the capacity and
// peak. It stores nothing.
func TestPolicyEvaluateAreaWarnings(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.submitted(draft()) // 465 at Ravlunda, 5–12 March
		big := with(draft(), "personnel", map[string]any{"military": 800, "civilian": 10, "contractors": 5})
		areaWarnings := func(r resp) []string {
			t.Helper()
			want(t, r, http.StatusOK)
			var out []string
			for _, w := range r.JSON(t)["warnings"].([]any) {
				if m := w.(map[string]any); strings.HasPrefix(m["code"].(string), "area_") {
					out = append(out, m["message"].(string))
				}
			}
			return out
		}
		dry := areaWarnings(e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", big))
		if !slices.Equal(dry, []string{"Ravlunda skjutfält would be over capacity on 5–12 March 2027"}) {
			t.Errorf("the liaison officer's dry run warns %q", dry)
		}
		approver := areaWarnings(e.do("ops", http.MethodPost, "/api/v1/policy/evaluate", with(big, "nation", "NO")))
		if len(approver) != 1 || !strings.Contains(approver[0], "capacity of 1200 personnel (peak 1280)") {
			t.Errorf("the approver's dry run warns %q", approver)
		}
		if n := len(e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any)); n != 1 {
			t.Fatalf("the dry runs stored %d requests, want the one submitted", n)
		}
		id, tag := e.create("lo-no", big)
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag), http.StatusOK)
		if got := areaWarnings(e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)); !slices.Equal(got, dry) {
			t.Errorf("submitted, the request warns %q; the dry run warned %q", got, dry)
		}
	})
}

// TestConditionalGetIfNoneMatch: If-None-Match on GET of a request follows
// RFC 9110 §13.1.2: weak comparison (W/"1" matches "1"), a list of tags on
// one or more header lines, and "*"; each answers 304 with the ETag while
// the request is unchanged. Another tag, or a malformed value, gets the
// request (200), and nobody learns by "*" of a request they may not see.
func TestConditionalGetIfNoneMatch(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/inm.db")
	id, tag := e.create("lo-no", draft())
	if tag != `"1"` {
		t.Fatalf("ETag %s, want \"1\"", tag)
	}
	path := "/api/v1/requests/" + id
	for _, h := range []string{`"1"`, `W/"1"`, `*`, `"0", "1"`, `W/"0",W/"1"`, ` "1" `, `"a,b", "1"`} {
		r := e.do("lo-no", http.MethodGet, path, nil, "If-None-Match", h)
		if r.Status != http.StatusNotModified || r.Header.Get("ETag") != tag || len(r.Body) != 0 {
			t.Errorf("If-None-Match %s: %d %v %s, want 304 with ETag %s", h, r.Status, r.Header, r.Body, tag)
		}
	}
	for _, h := range []string{`"2"`, `W/"2"`, `"11"`, `1`, `"1`, `"0" "1"`, `"0", 1, "1"`, `w/"1"`} {
		if r := e.do("lo-no", http.MethodGet, path, nil, "If-None-Match", h); r.Status != http.StatusOK {
			t.Errorf("If-None-Match %s: %d, want 200", h, r.Status)
		}
	}
	wantProblem(t, e.do("lo-de", http.MethodGet, path, nil, "If-None-Match", "*"), 404, "not_found")

	// A list may come on several header lines.
	for _, lines := range [][]string{{`"0"`, `"1"`}, {`"0"`, `W/"1"`}, {`"0"`, `*`}} {
		if !noneMatchFails(lines, tag) {
			t.Errorf("If-None-Match lines %q do not match %s", lines, tag)
		}
	}
	if noneMatchFails([]string{`"0"`, `"2"`}, tag) || noneMatchFails(nil, tag) {
		t.Error("tags that are not the current one matched")
	}
}
