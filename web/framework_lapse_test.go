package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"exaccess/domain"
)

// TestFastTrackLapseOnTheConsole: an administrator suspends the agreement
// a request in review took the fast track on. The save notice names the
// request; its liaison officers and its active stage's approvers find a
// notice in their inbox; the approver's decision area says the agreement no longer
// covers it and that the final approval will be refused until changes
// are requested; the approval is refused on the form, with nothing
// stored.
func TestFastTrackLapseOnTheConsole(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		admin := e.client().signIn("admin")
		fw := frameworkID(t, e, admin) // FW-1: ravlunda, storlien, up to 500, no live fire
		f := withValue(validForm(), "framework_id", fw)
		f.Del("weapons.live_fire")
		f.Set("weapons.systems", "")
		id := requestID(t, e.client().signIn("lo-no").post("/requests/new", withValue(f, "action", "submit")))
		hnsP := domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}
		r, err := e.requests.GetRequest(context.Background(), hnsP, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Route == nil || !r.Route.FastTrack {
			t.Fatalf("the request did not take the fast track: %+v", r.Route)
		}

		form := formValues(admin.get("/admin/frameworks/"+fw), "main form")
		form.Set("suspended", "on")
		saved := admin.post("/admin/frameworks/"+fw, form)
		if saved.Status != http.StatusSeeOther {
			t.Fatalf("suspend: %d %s", saved.Status, saved.Doc.Find(".error-summary").Text())
		}
		if got := strings.Join(strings.Fields(admin.follow(saved).Doc.Find("#uncovered").Text()), " "); !strings.Contains(got, r.Reference) {
			t.Fatalf("the save notice names %q, not %s", got, r.Reference)
		}

		// Told in the console inbox: the officers of the request's nation and
		// the active stage's approvers, with the reasons; another nation's
		// officers and an approver of no active stage, nothing. The kind is
		// in the settings of both.
		item := func(who string) string {
			var out string
			e.client().signIn(who).get("/inbox").Doc.Find("ul.inbox li").Each(func(_ int, s *goquery.Selection) {
				if txt := strings.Join(strings.Fields(s.Text()), " "); strings.Contains(txt, "Fast track no longer covered") {
					out = txt
				}
			})
			return out
		}
		if got := item("lo-no"); !strings.Contains(got, "on which your request "+r.Reference+" took the fast track, no longer covers it") ||
			!strings.Contains(got, "the framework agreement is suspended") || !strings.Contains(got, "withdraw") {
			t.Errorf("lo-no's inbox: %q", got)
		}
		if got := item("hns"); !strings.Contains(got, "waiting for your role's decision") || !strings.Contains(got, "request changes") {
			t.Errorf("the intake approver's inbox: %q", got)
		}
		for _, who := range []string{"lo-de", "ops"} {
			if got := item(who); got != "" {
				t.Errorf("%s is told: %q", who, got)
			}
		}
		for _, who := range []string{"lo-no", "hns"} {
			p := e.client().signIn(who).get(pathSettings)
			if p.Doc.Find(`input[name="on"][value="framework.no_longer_covered|inbox"]`).Length() != 1 ||
				!strings.Contains(p.Doc.Find("main").Text(), "A framework agreement no longer covers a request on its fast track") {
				t.Errorf("%s's settings lack the framework.no_longer_covered kind", who)
			}
		}

		hns := e.client().signIn("hns")
		lapse := strings.Join(strings.Fields(hns.get("/requests/"+id).Doc.Find("#lapse").Text()), " ")
		for _, want := range []string{"FW-1", "no longer covers it", "suspended", "final approval will be refused until changes are requested"} {
			if !strings.Contains(lapse, want) {
				t.Fatalf("the decision area's warning %q lacks %q", lapse, want)
			}
		}
		if lo := e.client().signIn("lo-no").get("/requests/" + id); lo.Doc.Find("#lapse").Length() != 0 {
			t.Errorf("the liaison officer's page shows the approvers' warning")
		}
		sent := hns.post("/requests/"+id+"/decide", url.Values{"version": {strconv.Itoa(r.Version)}, "stage": {"intake"}, "outcome": {"approve"}})
		if sent.Status != http.StatusConflict || !strings.Contains(sent.Doc.Find(".field-error").Text(), "request changes") {
			t.Fatalf("approving: %d %s", sent.Status, strings.Join(strings.Fields(sent.Doc.Find("main").Text()), " "))
		}
		if after, _ := e.requests.GetRequest(context.Background(), hnsP, id); after.Version != r.Version || after.Status != domain.StatusInReview {
			t.Fatalf("the request changed: %s version %d, was %d", after.Status, after.Version, r.Version)
		}
	})
}
