package web

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/api"
	"exaccess/auditlog"
	"exaccess/docs"
	"exaccess/domain"
	"exaccess/internal/apptest"
	"exaccess/internal/historycursor"
	"exaccess/policies"
	"exaccess/storage"
	"exaccess/storage/storagetest"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// testNow is the fixed clock of the console tests: Monday 23 November 2026, 09:00 UTC.
var testNow = apptest.Now

const testPassword = apptest.Password

// testUsers are apptest's users but its second Norwegian liaison officer:
// the console's tests count the accounts without it.
var testUsers = slices.DeleteFunc(slices.Clone(apptest.Users), func(u domain.User) bool { return u.Username == "lo-no2" })

// env is the real server (API and console) on a real database, listening
// on a real port.
type env struct {
	t        testing.TB
	db       *storage.DB
	accounts *domain.UserService
	signer   *auditlog.Signer
	cache    *domain.AccountCache
	// audit and permits are the server's, for a test that adds a check.
	audit   *auditlog.Service
	permits *auditlog.PermitService
	srv     *httptest.Server
	// handler is srv's handler, for a test that must see what it reads.
	handler   http.Handler
	requests  *domain.RequestService
	approvals *domain.ApprovalService
	// frameworks: the framework agreements an administrator keeps.
	frameworks *domain.FrameworkService
	// notifications: settings and webhooks; http:// URLs allowed.
	notifications *domain.NotificationService
	// clock is the server's clock; a test may move it (not concurrently).
	clock func() time.Time
	// ref is the reference data the services check against.
	ref *domain.ReferenceData
	// cursors seals the history's positions, with the API's key (as
	// cmd/exaccess wires it).
	cursors *historycursor.Sealer
}

func forEachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) { fn(t, newEnv(t, c.DSN, false)) })
	}
}

func newEnv(t testing.TB, dsn string, tls bool) *env {
	t.Helper()
	return newEnvWith(t, dsn, tls, nil)
}

// newEnvWith is newEnv with the API's rate limiter in front of everything.
func newEnvWith(t testing.TB, dsn string, tls bool, limiter *api.RateLimiter) *env {
	t.Helper()
	return newEnvPolicy(t, dsn, tls, limiter, nil)
}

// newEnvPolicy is newEnvWith under another routing policy (nil: the default).
func newEnvPolicy(t testing.TB, dsn string, tls bool, limiter *api.RateLimiter, policy *policies.Policy) *env {
	t.Helper()
	return newEnvSessions(t, dsn, tls, limiter, policy, nil)
}

// newEnvSessions is newEnvPolicy with the console's session store wrapped
// (nil: the database itself), for a test that acts between its steps.
func newEnvSessions(t testing.TB, dsn string, tls bool, limiter *api.RateLimiter, policy *policies.Policy,
	wrap func(SessionStore) SessionStore) *env {
	t.Helper()
	a := apptest.New(t, dsn, apptest.Options{Users: testUsers, Policy: policy})
	e := &env{t: t, db: a.DB, accounts: a.Accounts, signer: a.Signer, cache: a.Principals, audit: a.Audit, permits: a.Permits,
		requests: a.Requests, approvals: a.Approvals, frameworks: a.Frameworks, notifications: a.Notifications, clock: a.Clock, ref: a.Reference,
		cursors: historycursor.ForTokens(a.Tokens)}
	a.Clock = func() time.Time { return e.clock() } // the services follow e.clock; tokens stay on testNow
	log := testLogger()
	var sessions SessionStore = a.DB
	if wrap != nil {
		sessions = wrap(sessions)
	}
	console, err := New(Deps{Requests: a.Requests, Approvals: a.Approvals, Frameworks: a.Frameworks, Users: a.DB,
		Accounts: a.Accounts, Principals: a.Principals, Notifications: a.Notifications, Sessions: sessions, Reference: a.Reference,
		Audit: a.Audit, Permits: a.Permits, Refusals: a.Refusals, Log: log, Now: a.Now, Inbox: a.Inbox, Limits: limiter,
		HistoryCursors: e.cursors})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Deps{Tokens: a.Tokens, Requests: a.Requests, Approvals: a.Approvals, Frameworks: a.Frameworks,
		Refusals: a.Refusals, Users: a.DB, Reference: a.Reference, OpenAPI: docs.OpenAPI, Log: log,
		Audit: a.Audit, Console: console, Limiter: limiter, Accounts: a.Accounts, Principals: a.Principals, Permits: a.Permits})
	e.handler = srv.Handler()
	if tls {
		e.srv = httptest.NewTLSServer(srv.Handler())
	} else {
		e.srv = httptest.NewServer(srv.Handler())
	}
	t.Cleanup(e.srv.Close)
	return e
}

// testLogger discards the server's log unless EXACCESS_TEST_LOG is set.
var testLogger = apptest.Logger

// leftKey matches a key of messages.go shown as is: a key without wording.
var leftKey = regexp.MustCompile(`\b(app|nav|signin|signout|home|error|status|stage|role|list|form|dryrun|req|hist|decide|revoke|queue|permit|deleg|audit|admin|fw|f|mode|pw|users|inbox|set|kind|channel|confirm)\.[a-z][a-z_.]*[a-z]\b`)

// spacedText is the text of sel with a space between its text nodes, so
// that a key rendered right after other text ("inboxkind.x") still starts
// at a word boundary. Text in <code> is data shown as such (an audit
// action like audit.exported), not wording, and is left out; so are an
// <option> showing its own value (the audit search's actions) and an
// audit entry's data as the audit page shows it (td.data: a notification
// settings entry names kinds such as stage.active).
func spacedText(sel *goquery.Selection) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "code" || n.Data == "option" && optionShowsValue(n) || isAuditData(n)) {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range sel.Nodes {
		walk(n)
	}
	return b.String()
}

// optionShowsValue reports whether an <option>'s text is its value.
// isAuditData reports whether n is the data cell of an audit entry.
func isAuditData(n *html.Node) bool {
	if n.Data != "td" {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == "class" && slices.Contains(strings.Fields(a.Val), "data") {
			return true
		}
	}
	return false
}

func optionShowsValue(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "value" {
			return n.FirstChild != nil && n.FirstChild == n.LastChild && n.FirstChild.Data == a.Val
		}
	}
	return false
}

// client is one browser-like HTTP client with its own cookie jar; it does
// not follow redirects, so tests see them.
type client struct {
	t    testing.TB
	e    *env
	http *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	hc := *e.srv.Client() // a copy: the server's client is shared
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: e.t, e: e, http: &hc}
}

// page is one response, its body parsed as HTML.
type page struct {
	Status int
	Header http.Header
	Doc    *goquery.Document
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if key := leftKey.FindString(spacedText(doc.Find("body"))); key != "" {
		c.t.Errorf("%s %s shows the message key %q instead of its wording", req.Method, req.URL.Path, key)
	}
	if tok, ok := doc.Find(`input[name="csrf"]`).First().Attr("value"); ok {
		c.csrf = tok
	}
	return page{Status: res.StatusCode, Header: res.Header, Doc: doc}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form with the session's CSRF token unless the form has one;
// headers are name, value pairs.
func (c *client) post(path string, form url.Values, headers ...string) page {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// follow is the page a redirect p leads to (a GET of its Location), or p
// when it is none.
func (c *client) follow(p page) page {
	c.t.Helper()
	if p.Status != http.StatusSeeOther {
		return p
	}
	return c.get(p.Header.Get("Location"))
}

// signIn signs the client in as user and loads the start page for a token.
func (c *client) signIn(user string) *client {
	c.t.Helper()
	return c.signInWith(user, testPassword)
}

// signInWith signs the client in as user with password.
func (c *client) signInWith(user, password string) *client {
	c.t.Helper()
	p := c.post("/sign-in", url.Values{"username": {user}, "password": {password}, "next": {"/"}})
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("sign-in as %s: status %d", user, p.Status)
	}
	if home := c.get("/"); home.Status != http.StatusOK || c.csrf == "" {
		c.t.Fatalf("start page after sign-in: %d, csrf %q", home.Status, c.csrf)
	}
	return c
}

func wantStatus(t testing.TB, p page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; page: %s", p.Status, status, strings.Join(strings.Fields(p.Doc.Find("main").Text()), " "))
	}
}

// validForm is a complete, valid request form.
func validForm() url.Values {
	return url.Values{
		"exercise_name": {"Cold Response 27"}, "purpose": {"Winter training with Swedish units"},
		"unit.designation": {"Telemark Battalion"}, "unit.parent_formation": {"Brigade North"}, "unit.commander": {"Lt Col Hansen"},
		"period.start": {"2027-03-02"}, "period.end": {"2027-03-20"},
		"personnel.military": {"450"}, "personnel.civilian": {"10"}, "personnel.contractors": {"5"},
		"vehicles[0].category": {"combat"}, "vehicles[0].kind": {"tracked"}, "vehicles[0].count": {"12"},
		"weapons.live_fire": {"on"}, "weapons.systems": {"CV90\nM72"},
		"movements[0].direction": {"entry"}, "movements[0].entry_point": {"storlien"}, "movements[0].at": {"2027-03-02 09:00"}, "movements[0].mode": {"road"},
		"movements[1].direction": {"exit"}, "movements[1].entry_point": {"storlien"}, "movements[1].at": {"2027-03-20 17:00"}, "movements[1].mode": {"road"},
		"training_areas[0].area": {"ravlunda"}, "training_areas[0].from": {"2027-03-05"}, "training_areas[0].to": {"2027-03-12"},
		"contact.name": {"Maj Berg"}, "contact.email": {"berg@mil.no"}, "contact.phone": {"+47 000 00 000"},
	}
}

// requestID is the id in a redirect to /requests/<id>?….
func requestID(t testing.TB, p page) string {
	t.Helper()
	loc := p.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/requests/")
	if p.Status != http.StatusSeeOther || !ok {
		t.Fatalf("want a redirect to a request, got %d %q: %s", p.Status, loc, strings.Join(strings.Fields(p.Doc.Find("main").Text()), " "))
	}
	id, _, _ = strings.Cut(id, "?")
	return id
}

// disable disables username as the administrator does, through the
// accounts service, and drops it from this process's account copy as the
// admin page does.
func (e *env) disable(username, reason string) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.db.GetUserByUsername(ctx, username)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.accounts.SetDisabled(ctx, "admin", u.ID, true, reason); err != nil {
		e.t.Fatal(err)
	}
	e.cache.Forget(username)
}

// userID is the id of the account named username.
func (e *env) userID(username string) string {
	e.t.Helper()
	u, err := e.db.GetUserByUsername(context.Background(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}
