package web

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.11.0, vendored (testdata/axe/README.md).
//
//go:embed testdata/axe/axe.min.js
var axeSource string

const axeSHA256 = "e9e5863c33a874f09bc01acd9234b7e3c871479f5eef8802fa582544465e6d01"

// chromium finds the browser. Without one the browser tests skip with the
// reason, except in CI (CI non-empty), where they fail: CI must run them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found but CI is set: the browser tests must run in CI (apt-get install -y chromium)")
	}
	t.Skip("browser tests skipped: no Chromium found (install it with: apt-get update && apt-get install -y chromium)")
	return ""
}

// browser is one headless Chromium with a fresh profile, on one server.
type browser struct {
	t   *testing.T
	e   *env
	ctx context.Context
	// shots is where screenshots go (EXACCESS_SCREENSHOTS), "" for none.
	shots string
	// pages counts the pages checked with axe-core; checked holds their keys.
	pages   int
	checked map[string]bool
}

// newBrowser starts the browser; extra are further command-line options.
func newBrowser(t *testing.T, e *env, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	sum := sha256.Sum256([]byte(axeSource))
	if hex.EncodeToString(sum[:]) != axeSHA256 {
		t.Fatal("testdata/axe/axe.min.js is not the pinned axe-core 4.11.0")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900)}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, e: e, ctx: ctx, shots: os.Getenv("EXACCESS_SCREENSHOTS"), checked: map[string]bool{}}
	// The first call starts the browser and must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

// do runs actions, failing the test with where the browser was.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("browser: %v\nat %s\n%s", err, loc, b.text("main"))
	}
}

// open navigates to a path and checks the page.
func (b *browser) open(path, shot string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.e.srv.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
	b.check(shot)
}

// click clicks sel, waits for the page it leads to, and checks that page.
func (b *browser) click(sel, shot string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		b.t.Fatalf("click %s: %v\n%s", sel, err, b.text("main"))
	}
	b.do(chromedp.WaitReady(chromedp.CSS("main")))
	b.check(shot)
}

type violation struct {
	ID    string   `json:"id"`
	Help  string   `json:"help"`
	Nodes []string `json:"nodes"`
}

// check runs axe-core on the page (zero wcag2a/wcag2aa violations) and
// takes a screenshot named shot when screenshots are asked for.
func (b *browser) check(shot string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	key, err := chromedp.Run(ctx, chromedp.Evaluate[string](pageKey))
	if err != nil {
		b.t.Fatalf("page key: %v", err)
	}
	if b.checked[key] {
		b.screenshot(ctx, shot)
		return
	}
	b.checked[key] = true
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource, chromedp.EvalIgnoreExceptions)); err != nil {
		b.t.Fatalf("inject axe-core: %v", err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}}).then(r =>
		r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe-core: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	for _, v := range vs {
		b.t.Errorf("axe on %s: %s (%s) at %v", loc, v.ID, v.Help, v.Nodes)
	}
	b.pages++
	b.screenshot(ctx, shot)
}

// pageKey names a page's kind and state: its path with ids left out, and
// which messages it shows. axe-core runs once per kind and state (it takes
// seconds a page on a busy machine); a page never seen before always runs.
const pageKey = `document.title + "|" + location.pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ":id") + "|" +
	["error-summary", "warn", "notice", "banner may", "banner not", "callout", "otp", "qr"].filter(c => document.getElementsByClassName(c).length > 0).join(",") +
	"|" + document.querySelector("header").innerText.includes("Sign out")`

// screenshot saves the page as shot.png when screenshots are asked for.
func (b *browser) screenshot(ctx context.Context, shot string) {
	b.t.Helper()
	if b.shots != "" && shot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b.shots, shot+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

func (b *browser) signIn(user string) {
	b.t.Helper()
	b.open("/sign-in", "")
	b.typeIn("#f-username", user, "#f-password", testPassword)
	b.click(`main form button[type="submit"]`, "")
	if !strings.Contains(b.text("header"), user) {
		b.t.Fatalf("not signed in as %s: %s", user, b.text("main"))
	}
}

func (b *browser) signOut() {
	b.t.Helper()
	b.click(".signout button", "")
}

// text returns the text of sel on the current page, "" if there is none.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsString(sel)+`) || {innerText: ""}).innerText`))
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(s), " ")
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// typeIn types into text fields, as a person would.
func (b *browser) typeIn(pairs ...string) {
	b.t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		b.do(chromedp.SendKeys(chromedp.CSS(pairs[i]), pairs[i+1]))
	}
}

// choose picks options of selects (typing into a select depends on the platform).
func (b *browser) choose(pairs ...string) {
	b.t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		b.do(chromedp.SetValue(chromedp.CSS(pairs[i]), pairs[i+1]))
	}
}

// location is the current path and query.
func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.e.srv.URL)
}
