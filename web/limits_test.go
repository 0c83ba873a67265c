package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"exaccess/api"
)

// frozenLimiter is the API's rate limiter with only the limits of l, on a
// clock that stands still: no bucket refills during a test, so every wait
// is exact.
func frozenLimiter(l api.RateLimits) *api.RateLimiter {
	l.MaxKeys = 1000
	return api.NewRateLimiter(l, func() time.Time { return testNow })
}

// apiCall sends a JSON body ("": none) to the API as username, signed in
// through POST /api/v1/auth/token, and returns the answer's status and
// Retry-After.
func (e *env) apiCall(username, method, path, body string) (int, string) {
	e.t.Helper()
	send := func(method, path, token, body string) *http.Response {
		var req *http.Request
		if body == "" {
			req, _ = http.NewRequest(method, e.srv.URL+path, nil)
		} else {
			req, _ = http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		return res
	}
	in, _ := json.Marshal(map[string]string{"username": username, "password": testPassword})
	res := send(http.MethodPost, "/api/v1/auth/token", "", string(in))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || err != nil || tok.AccessToken == "" {
		e.t.Fatalf("API sign-in as %s: %d %v", username, res.StatusCode, err)
	}
	res = send(method, path, tok.AccessToken, body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Retry-After")
}

// wantLimited checks a 429 page that says to try again in secs seconds,
// with Retry-After saying the same.
func wantLimited(t *testing.T, p page, secs string) {
	t.Helper()
	wantStatus(t, p, http.StatusTooManyRequests)
	if got := p.Header.Get("Retry-After"); got != secs {
		t.Errorf("Retry-After %q, want %q", got, secs)
	}
	if text := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " "); !strings.Contains(text, "Try again in "+secs+" seconds.") {
		t.Errorf("the page does not say when to try again (%s s): %s", secs, text)
	}
}

// versionOn is the version a form of the request page carries.
func versionOn(p page, action string) string {
	return p.Doc.Find(`form[action$="/`+action+`"] input[name="version"]`).AttrOr("value", "")
}

// TestConsoleCycleLimit: the console's create, "save and submit", submit
// and withdraw draw from the API's per-user create/submit/withdraw bucket,
// one token an action, all taken before anything is saved. Past it the
// officer gets a 429 page saying when to try again, with what they typed
// kept, and nothing is done; the API's bucket is the one drained, and
// another officer's is untouched. (A review found 45 console submits in a
// row all accepted, and the API's bucket untouched.)
func TestConsoleCycleLimit(t *testing.T) {
	// 4 tokens, one every 20 seconds.
	e := newEnvWith(t, storagetestSQLite(t), false, frozenLimiter(api.RateLimits{Cycles: api.Rate{Events: 3, Per: time.Minute, Burst: 4}}))
	lo := e.client().signIn("lo-no")
	draft := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))  // 1 token
	sent := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit"))) // 2 tokens: create, submit

	// One token left: "save and submit" needs two, takes none, saves nothing.
	typed := withValue(withValue(validForm(), "action", "submit"), "exercise_name", "Typed before the limit")
	p := lo.post("/requests/new", typed)
	wantLimited(t, p, "20")
	if got := p.Doc.Find(`input[name="exercise_name"]`).AttrOr("value", ""); got != "Typed before the limit" {
		t.Errorf("the refused form lost what was typed: exercise_name %q", got)
	}
	if !strings.Contains(p.Doc.Find(".error-summary").Text(), "Nothing was saved") {
		t.Errorf("the refused form does not say that nothing was saved: %q", p.Doc.Find(".error-summary").Text())
	}
	// Rows are no cycle; the dry run, which tells the areas' load as
	// submit does, is one (below, once the bucket is empty).
	wantStatus(t, lo.post("/requests/new", withValue(validForm(), "action", "add:vehicles")), http.StatusOK)

	// The token left withdraws; then the bucket is empty.
	page := lo.get("/requests/" + sent)
	requestID(t, lo.post("/requests/"+sent+"/withdraw", url.Values{"version": {versionOn(page, "withdraw")}, "reason": {"Cancelled"}, "confirm": {confirmYes}}))
	wantLimited(t, lo.post("/requests/new", withValue(validForm(), "action", "save")), "20")
	wantLimited(t, lo.post("/requests/new", typed), "40")
	wantLimited(t, lo.post("/requests/new", withValue(validForm(), "action", "dryrun")), "20")
	edit := withValue(withValue(validForm(), "action", "submit"), "version", "1")
	wantLimited(t, lo.post("/requests/"+draft+"/edit", edit), "20")
	if list := lo.get("/requests").Doc.Find("main").Text(); strings.Contains(list, "Typed before the limit") {
		t.Error("a refused form was saved")
	}
	// Amending a draft is no cycle (the API's PATCH takes no token either).
	requestID(t, lo.post("/requests/"+draft+"/edit", withValue(withValue(validForm(), "action", "save"), "version", "1")))

	page = lo.get("/requests/" + draft)
	if page.Doc.Find(".badge").First().Text() != "Draft" {
		t.Fatalf("the draft is %q", page.Doc.Find(".badge").First().Text())
	}
	p = lo.post("/requests/"+draft+"/submit", url.Values{"version": {versionOn(page, "submit")}})
	wantLimited(t, p, "20")
	if p.Doc.Find(".badge").First().Text() != "Draft" {
		t.Errorf("refused submit: the request is %q", p.Doc.Find(".badge").First().Text())
	}
	p = lo.post("/requests/"+draft+"/withdraw", url.Values{"version": {versionOn(page, "withdraw")}, "reason": {"Typed reason"}, "confirm": {confirmYes}})
	wantLimited(t, p, "20")
	if got := p.Doc.Find(`input[name="reason"]`).AttrOr("value", ""); got != "Typed reason" || p.Doc.Find(".badge").First().Text() != "Draft" {
		t.Errorf("refused withdrawal: reason %q, badge %q", got, p.Doc.Find(".badge").First().Text())
	}

	// The API's bucket is the one drained; another officer has their own.
	if st, retry := e.apiCall("lo-no", http.MethodPost, "/api/v1/requests", "{}"); st != http.StatusTooManyRequests || retry != "20" {
		t.Errorf("the API after the console's cycles: %d, Retry-After %q; want 429, 20", st, retry)
	}
	requestID(t, e.client().signIn("lo-de").post("/requests/new", withValue(validForm(), "action", "save")))
}

// TestConsoleCycleLimitAfterTheAPI: what the API's routes took from an
// officer's create/submit/withdraw bucket, the console cannot take again.
func TestConsoleCycleLimitAfterTheAPI(t *testing.T) {
	e := newEnvWith(t, storagetestSQLite(t), false, frozenLimiter(api.RateLimits{Cycles: api.Rate{Events: 3, Per: time.Minute, Burst: 2}}))
	for range 2 { // the route takes its token before it reads the body
		if st, _ := e.apiCall("lo-no", http.MethodPost, "/api/v1/requests", "{}"); st == http.StatusTooManyRequests {
			t.Fatalf("API create within the burst: %d", st)
		}
	}
	lo := e.client().signIn("lo-no")
	wantLimited(t, lo.post("/requests/new", withValue(validForm(), "action", "save")), "20")
}

// TestConsoleFormsDrawThePerUserLimit: the API limits every request of a
// signed-in user (--rate-user); each form the console's user sends draws
// from the same bucket, so neither side opens a second one. Reading pages
// does not (the address limit covers them), nor does signing in.
func TestConsoleFormsDrawThePerUserLimit(t *testing.T) {
	e := newEnvWith(t, storagetestSQLite(t), false, frozenLimiter(api.RateLimits{PerUser: api.Rate{Events: 1, Per: time.Second, Burst: 3}}))
	lo := e.client().signIn("lo-no")
	for range 3 {
		wantStatus(t, lo.post("/inbox/read-all", url.Values{}), http.StatusSeeOther)
	}
	p := lo.post("/inbox/read-all", url.Values{})
	wantStatus(t, p, http.StatusTooManyRequests)
	if p.Header.Get("Retry-After") != "1" || !strings.Contains(p.Doc.Find("main").Text(), "Try again in 1 second.") {
		t.Errorf("per-user limit page: Retry-After %q: %s", p.Header.Get("Retry-After"), p.Doc.Find("main").Text())
	}
	wantStatus(t, lo.get("/inbox"), http.StatusOK)
	if st, retry := e.apiCall("lo-no", http.MethodGet, "/api/v1/me", ""); st != http.StatusTooManyRequests || retry != "1" {
		t.Errorf("the API after the console's forms: %d, Retry-After %q; want 429, 1", st, retry)
	}
	wantStatus(t, e.client().signIn("lo-de").post("/inbox/read-all", url.Values{}), http.StatusSeeOther)
}

// TestDryRunOverTheLimitKeepsTheForm: "Check route and deadlines" over the
// create/submit/withdraw limit comes back as the form (new or amend) with
// everything typed, saying the route was not checked and when to try
// again, in words about checking the route, not about creating or
// submitting.
func TestDryRunOverTheLimitKeepsTheForm(t *testing.T) {
	e := newEnvWith(t, storagetestSQLite(t), false, frozenLimiter(api.RateLimits{Cycles: api.Rate{Events: 3, Per: time.Minute, Burst: 1}}))
	lo := e.client().signIn("lo-no")
	draft := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save"))) // the one token

	check := func(path string, form url.Values) {
		t.Helper()
		p := lo.post(path, withValue(withValue(form, "action", "dryrun"), "purpose", "Typed before the check"))
		wantLimited(t, p, "20")
		if got := p.Doc.Find(`textarea[name="purpose"]`).Text(); got != "Typed before the check" {
			t.Errorf("%s: the form lost what was typed: purpose %q", path, got)
		}
		summary := strings.Join(strings.Fields(p.Doc.Find(".error-summary").Text()), " ")
		if !strings.Contains(summary, "The route was not checked") || !strings.Contains(summary, "checked routes") {
			t.Errorf("%s: the summary does not speak of the route check: %q", path, summary)
		}
		if p.Doc.Find(`form input[name="action"], form button[name="action"]`).Length() == 0 {
			t.Errorf("%s: no form", path)
		}
	}
	check("/requests/new", validForm())
	check("/requests/"+draft+"/edit", withValue(validForm(), "version", "1"))
}
