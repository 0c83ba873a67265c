package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFormOverTheCap: a form body over the console's 1 MiB is answered
// 413 "too large", not "expired": whatever its token (the right one, none,
// or a wrong one), before anything is done, and nothing is saved. A form
// just under the cap is read as usual.
func TestFormOverTheCap(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	big := strings.Repeat("x", maxForm)
	for name, token := range map[string]string{"the session's token": lo.csrf, "no token": "", "a wrong token": "forged"} {
		form := withValue(withValue(validForm(), "action", "save"), "purpose", big)
		form.Set("csrf", token)
		p := lo.post("/requests/new", form)
		text := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " ")
		if p.Status != http.StatusRequestEntityTooLarge || !strings.Contains(text, "The form is too large (at most 1 MiB); nothing was saved") {
			t.Errorf("%s: %d %q, want 413 saying the form is too large", name, p.Status, text)
		}
	}
	// A multipart form is refused unread: the console never sends one.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", lo.csrf)
	_ = mw.WriteField("action", "save")
	_ = mw.WriteField("purpose", big)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/requests/new", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if p := lo.do(req); p.Status != http.StatusUnsupportedMediaType {
		t.Errorf("a multipart form over the cap: %d, want 415", p.Status)
	}
	// Signed out, too: nothing is done, and it is no lost session.
	if p := e.client().post("/requests/new", url.Values{"purpose": {big}}); p.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("signed out: %d, want 413", p.Status)
	}
	if n := countRequests(t, e, "lo-no", "NO"); n != 0 {
		t.Fatalf("%d requests saved from forms over the cap", n)
	}
	// The cap is the whole body's: a form just under it is read.
	form := withValue(validForm(), "action", "save")
	form.Set("csrf", lo.csrf)
	pad := maxForm - len(form.Encode()) - len("&notes=") - 1
	form.Set("notes", strings.Repeat("y", pad))
	requestID(t, lo.post("/requests/new", form))
}
