package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestSettingsPage: every signed-in user reaches the settings page from
// the header, saves the grid of channels, and adds a webhook whose secret
// is shown once; only the owner revokes it; forms need the session's token.
func TestSettingsPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		anon := e.client().get(pathSettings)
		if anon.Status != http.StatusSeeOther || !strings.HasPrefix(anon.Header.Get("Location"), "/sign-in") {
			t.Fatalf("anonymous: %d %s", anon.Status, anon.Header.Get("Location"))
		}
		for _, who := range []string{"auditor", "admin", "hns"} {
			c := e.client().signIn(who)
			if c.get("/").Doc.Find(`header a[href="/account/notifications"]`).Length() != 1 {
				t.Errorf("%s: no link to the settings in the header", who)
			}
			wantStatus(t, c.get(pathSettings), http.StatusOK)
		}

		c := e.client().signIn("lo-no")
		p := c.get(pathSettings)
		wantStatus(t, p, http.StatusOK)
		boxes := p.Doc.Find(`input[type="checkbox"][name="on"]`)
		if boxes.Length() != len(domain.NotificationKindsFor([]domain.Role{domain.RoleLiaison}))*len(domain.NotificationChannels) || p.Doc.Find(`input[name="on"]:checked`).Length() != boxes.Length() {
			t.Fatalf("%d boxes, %d ticked; want every kind that reaches a liaison officer × channel ticked", boxes.Length(), p.Doc.Find(`input[name="on"]:checked`).Length())
		}
		form := url.Values{}
		p.Doc.Find(`input[name="on"]`).Each(func(_ int, s *goquery.Selection) {
			if v := s.AttrOr("value", ""); v != domain.NotifySubmitted+"|"+domain.ChannelEmail {
				form.Add("on", v)
			}
		})
		if bad := c.post(pathSettings, withForm(form, "csrf", "forged")); bad.Status != http.StatusForbidden {
			t.Fatalf("a form without the session's token: %d", bad.Status)
		}
		saved := c.post(pathSettings, form)
		if saved.Status != http.StatusSeeOther || saved.Header.Get("Location") != pathSettings+"?saved=1" {
			t.Fatalf("save: %d %s", saved.Status, saved.Header.Get("Location"))
		}
		p = c.get(pathSettings + "?saved=1")
		if !strings.Contains(p.Doc.Find(".notice").Text(), "saved") || p.Doc.Find(`input[name="on"]:not(:checked)`).AttrOr("value", "") != domain.NotifySubmitted+"|"+domain.ChannelEmail ||
			p.Doc.Find(`input[name="on"]:not(:checked)`).Length() != 1 {
			t.Fatalf("after saving: %s", p.Doc.Find("main").Text())
		}
		lo, err := e.db.GetUserByUsername(context.Background(), "lo-no")
		if err != nil {
			t.Fatal(err)
		}
		if off, err := e.db.NotificationOptOuts(context.Background(), lo.ID); err != nil || len(off) != 1 || off[0].Kind != domain.NotifySubmitted {
			t.Fatalf("stored opt-outs %v, %v", off, err)
		}

		// A bad URL names the field; a good one shows the secret once.
		bad := c.post("/account/webhooks", url.Values{"url": {"ftp://hooks.example.org/x"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		if !strings.Contains(bad.Doc.Find(".field-error").Text(), "https") || bad.Doc.Find("#f-url").AttrOr("value", "") != "ftp://hooks.example.org/x" {
			t.Fatalf("bad URL: %s", bad.Doc.Find("main").Text())
		}
		// POST-redirect-GET: the post answers with a redirect, so that a
		// reload of the page that follows registers nothing; the secret
		// waits in the session (never in the URL) for that page, once.
		added := c.post("/account/webhooks", url.Values{"url": {"https://hooks.example.org/lo-no"}})
		if added.Status != http.StatusSeeOther || added.Header.Get("Location") != pathSettings+"?added=1" {
			t.Fatalf("add: %d %s", added.Status, added.Header.Get("Location"))
		}
		shown := c.get(added.Header.Get("Location"))
		wantStatus(t, shown, http.StatusOK)
		secret := shown.Doc.Find("#webhook-secret").Text()
		if !strings.HasPrefix(secret, "whsec_") || shown.Header.Get("Cache-Control") != "no-store" ||
			!strings.Contains(shown.Doc.Find(".notice").Text(), "added") {
			t.Fatalf("added: secret %q, Cache-Control %q", secret, shown.Header.Get("Cache-Control"))
		}
		again := c.get(added.Header.Get("Location")) // the browser's reload
		if strings.Contains(again.Doc.Text(), secret) || !strings.Contains(again.Doc.Find("#webhooks").Text(), "https://hooks.example.org/lo-no") {
			t.Fatalf("on reload: %s", again.Doc.Find("main").Text())
		}
		if hooks, err := e.db.ListWebhooks(context.Background(), domain.WebhookFilter{UserID: lo.ID}); err != nil || len(hooks.Items) != 1 {
			t.Fatalf("after the reload: %d webhooks (%v), want 1", len(hooks.Items), err)
		}
		revoke, ok := again.Doc.Find(`form[action^="/account/webhooks/"]`).Attr("action")
		if !ok {
			t.Fatal("no revoke form")
		}
		other := e.client().signIn("lo-de")
		wantStatus(t, other.post(revoke, url.Values{}), http.StatusNotFound)
		wantStatus(t, other.post(revoke, url.Values{"confirm": {confirmYes}}), http.StatusNotFound)
		// Revoking passes through the confirmation page, which names the
		// webhook; only its "Yes" revokes.
		ask := c.post(revoke, url.Values{})
		wantStatus(t, ask, http.StatusOK)
		if ask.Doc.Find("h1").Text() != "Revoke this webhook?" || !strings.Contains(ask.Doc.Find("main dl").Text(), "https://hooks.example.org/lo-no") ||
			ask.Doc.Find(`main form[action="`+revoke+`"] input[name="confirm"]`).AttrOr("value", "") != confirmYes ||
			ask.Doc.Find(`main a.button[href="`+pathSettings+`"]`).Length() != 1 {
			t.Fatalf("the confirmation page: %s", ask.Doc.Find("main").Text())
		}
		if hooks, err := e.db.ListWebhooks(context.Background(), domain.WebhookFilter{UserID: lo.ID}); err != nil || len(hooks.Items) != 1 || !hooks.Items[0].Active() {
			t.Fatalf("the first press revoked the webhook: %+v, %v", hooks, err)
		}
		done := c.post(revoke, url.Values{"confirm": {confirmYes}})
		if done.Status != http.StatusSeeOther || done.Header.Get("Location") != pathSettings+"?revoked=1" {
			t.Fatalf("revoke: %d %s", done.Status, done.Header.Get("Location"))
		}
		after := c.get(pathSettings + "?revoked=1")
		if !strings.Contains(after.Doc.Find("#webhooks").Text(), "Revoked") || after.Doc.Find(`form[action^="/account/webhooks/"]`).Length() != 0 {
			t.Fatalf("after revoking: %s", after.Doc.Find("main").Text())
		}
		// Revoking it again (from a page open before) is not confirmed:
		// the settings page says it was already revoked, as "Yes" would.
		for _, confirm := range []string{"", confirmYes} {
			again := c.post(revoke, url.Values{"confirm": {confirm}})
			wantStatus(t, again, http.StatusConflict)
			noConfirm(t, again, "revoking a revoked webhook")
			wantWarn(t, again, "The webhook was not revoked: the webhook was already revoked")
		}
	})
}

func withForm(v url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out.Set(key, value)
	return out
}

// TestWebhookFormOnlyWhereAKindReaches: the form to add a webhook is
// offered only to a user whom some kind of notification reaches (a
// liaison officer, an approver); an auditor or an administrator alone is
// offered none, and adding one anyway is refused with the reason, on the
// settings page as through the API; nothing is stored. A webhook such a
// user already has (from a role held before) is still listed and revoked.
func TestWebhookFormOnlyWhereAKindReaches(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, who := range []string{"lo-no", "hns", "gov"} {
			if e.client().signIn(who).get(pathSettings).Doc.Find(`form[action="/account/webhooks"]`).Length() != 1 {
				t.Errorf("%s is offered no webhook form", who)
			}
		}
		admin, err := e.db.GetUserByUsername(ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		err = e.db.InTx(ctx, func(tx domain.Tx) error { // one added while admin held an approver role
			return tx.CreateWebhook(&domain.Webhook{ID: "hook-admin", UserID: admin.ID, URL: "https://hooks.example.org/old",
				Secret: "whsec_old", CreatedBy: "admin", CreatedAt: e.clock()})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"auditor", "admin"} {
			c := e.client().signIn(who)
			p := c.get(pathSettings)
			wantStatus(t, p, http.StatusOK)
			if p.Doc.Find(`form[action="/account/webhooks"]`).Length() != 0 {
				t.Errorf("%s is offered a webhook form", who)
			}
			if !strings.Contains(p.Doc.Find("main").Text(), "none can be added") {
				t.Errorf("%s: the page does not say why no webhook can be added: %s", who, p.Doc.Find("main").Text())
			}
			refused := c.post("/account/webhooks", url.Values{"url": {"https://hooks.example.org/" + who}})
			wantStatus(t, refused, http.StatusForbidden)
			wantWarn(t, refused, "The webhook was not added: no kind of notification reaches your roles, so a webhook of yours would never be sent anything")
			if refused.Doc.Find("#webhook-secret").Length() != 0 {
				t.Errorf("%s: a secret was shown", who)
			}
			if status, _ := e.apiCall(who, http.MethodPost, "/api/v1/me/webhooks", `{"url":"https://hooks.example.org/`+who+`"}`); status != http.StatusForbidden {
				t.Errorf("%s through the API: %d, want 403", who, status)
			}
		}
		hooks, err := e.db.ListWebhooks(ctx, domain.WebhookFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hooks.Items {
			if h.ID != "hook-admin" {
				t.Errorf("a webhook was stored: %+v", h)
			}
		}
		c := e.client().signIn("admin")
		p := c.get(pathSettings)
		revoke, ok := p.Doc.Find(`#webhooks form[action="/account/webhooks/hook-admin/revoke"]`).Attr("action")
		if !ok || !strings.Contains(p.Doc.Find("#webhooks").Text(), "https://hooks.example.org/old") {
			t.Fatalf("the administrator's webhook is not listed to revoke: %s", p.Doc.Find("main").Text())
		}
		wantStatus(t, c.post(revoke, url.Values{}), http.StatusOK)
		if done := c.post(revoke, url.Values{"confirm": {confirmYes}}); done.Header.Get("Location") != pathSettings+"?revoked=1" {
			t.Fatalf("revoke: %d %q", done.Status, done.Header.Get("Location"))
		}
	})
}
