package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/auditlog"
	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestPermitPageClosedDays: days an administrator closes on an approved
// request's area show on its permit page — the page that is printed and
// carried — under "Closed days", with the sentences of the request's page,
// to the liaison officer and an approver alike; the banner still says MAY
// MOVE (the permit is not revoked), and the signed permit file is the same
// signed statement, without them. A permit whose areas are open has no
// such box.
func TestPermitPageClosedDays(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no := e.client().signIn("lo-no")
		id := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.approveAll(id)
		if n := no.get("/requests/" + id + "/permit").Doc.Find("#closed").Length(); n != 0 {
			t.Fatal("a permit whose areas are open shows closed days")
		}

		a := e.client().signIn("admin")
		if saved := a.post("/admin/areas/ravlunda", url.Values{"version": {"1"}, "capacity_personnel": {"1200"},
			"blackout_days": {"2027-03-10\n2027-03-11"}}); saved.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", saved.Status)
		}
		for _, who := range []string{"lo-no", "ops", "auditor"} {
			p := e.client().signIn(who).get("/requests/" + id + "/permit")
			wantStatus(t, p, http.StatusOK)
			if banner := p.Doc.Find(".banner"); !banner.HasClass("may") {
				t.Errorf("%s: the banner is no longer MAY MOVE: %q", who, banner.Text())
			}
			got := strings.Join(strings.Fields(p.Doc.Find("#closed").Text()), " ")
			for _, want := range []string{"Closed days", "Ravlunda skjutfält is closed (blackout) on 10–11 March 2027",
				"which this permit, signed at approval, still lists: do not use the area on those days"} {
				if !strings.Contains(got, want) {
					t.Errorf("%s reads on the permit page %q, want %q", who, got, want)
				}
			}
			if p.Doc.Find("#closed").ParentsFiltered(".no-print").Length() != 0 || p.Doc.Find("#closed.no-print").Length() != 0 {
				t.Errorf("%s: the closed days are left out of the print", who)
			}
		}
		res, err := no.http.Get(e.srv.URL + "/requests/" + id + "/permit.txt")
		if err != nil {
			t.Fatal(err)
		}
		file, _ := io.ReadAll(res.Body)
		res.Body.Close()
		st, err := auditlog.OpenPermit(file, e.signer.VerifierKey())
		if err != nil || st.Status != string(domain.StatusApproved) {
			t.Fatalf("the signed permit does not verify after the closure: %v %+v", err, st)
		}
		if strings.Contains(string(file), "2027-03-10") || strings.Contains(string(file), "blackout") {
			t.Errorf("the signed permit states the closed days: %s", file)
		}
	})
}

// TestAreaClosedInInboxAndSettings: days an administrator closes on an
// approved request's area reach its liaison officer's inbox (and those of
// the approvers of a request in review's active stage), saying that the
// permit still lists them; the kind is in both their notification
// settings.
func TestAreaClosedInInboxAndSettings(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, de := e.client().signIn("lo-no"), e.client().signIn("lo-de")
		id := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.approveAll(id)
		requestID(t, de.post("/requests/new", withValue(validForm(), "action", "submit"))) // in review, at intake
		a := e.client().signIn("admin")
		if saved := a.post("/admin/areas/ravlunda", url.Values{"version": {"1"}, "capacity_personnel": {"1200"},
			"blackout_days": {"2027-03-10\n2027-03-11"}}); saved.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", saved.Status)
		}
		item := func(c *client) string {
			var out string
			c.get("/inbox").Doc.Find("ul.inbox li").Each(func(_ int, s *goquery.Selection) {
				if txt := strings.Join(strings.Fields(s.Text()), " "); strings.Contains(txt, "Days closed on Ravlunda skjutfält") {
					out = txt
				}
			})
			return out
		}
		if got := item(no); !strings.Contains(got, "Ravlunda skjutfält is now closed (blackout) on 10–11 March 2027") ||
			!strings.Contains(got, "Its permit, signed at approval, still lists these days") {
			t.Errorf("lo-no's inbox: %q", got)
		}
		if got := item(de); !strings.Contains(got, "on 10–11 March 2027, days that your request") || strings.Contains(got, "permit") {
			t.Errorf("lo-de's inbox: %q", got)
		}
		if got := item(e.client().signIn("hns")); !strings.Contains(got, "waiting for your role's decision") {
			t.Errorf("the intake approver's inbox: %q", got)
		}
		if got := item(e.client().signIn("ops")); got != "" {
			t.Errorf("an approver of no active stage is told: %q", got)
		}
		for _, who := range []string{"lo-no", "hns"} {
			p := e.client().signIn(who).get(pathSettings)
			if p.Doc.Find(`input[name="on"][value="area.closed|inbox"]`).Length() != 1 ||
				!strings.Contains(p.Doc.Find("main").Text(), "Days were closed on a training area a request books") {
				t.Errorf("%s's settings lack the area.closed kind", who)
			}
		}
	})
}
