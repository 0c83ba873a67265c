package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// texts are the whitespace-folded texts of the elements sel finds on p.
func texts(p page, sel string) []string {
	var out []string
	p.Doc.Find(sel).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

// closeDay closes area on day, as an administrator does.
func closeDay(t *testing.T, e *env, area, day string) {
	t.Helper()
	ctx, admin := context.Background(), domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	a, err := e.frameworks.TrainingArea(ctx, area)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := time.Parse(time.DateOnly, day)
	if _, err := e.frameworks.SaveTrainingArea(ctx, admin, area, a.Version,
		domain.AreaEdit{CapacityPersonnel: a.CapacityPersonnel, BlackoutDays: append(a.BlackoutDays, d)}); err != nil {
		t.Fatal(err)
	}
}

// TestDryRunGivesSubmitsAreaWarnings: "Check route and deadlines" warns of
// a training area over capacity and of its blackout days exactly as a
// submit of the same form then does, in the liaison officer's words (the
// days, never the capacity, the peak or the others' load), and stores
// nothing.
func TestDryRunGivesSubmitsAreaWarnings(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		requestID(t, e.client().signIn("lo-no").post("/requests/new", withValue(validForm(), "action", "submit"))) // 465 at Ravlunda
		closeDay(t, e, "ravlunda", "2027-03-07")
		de := e.client().signIn("lo-de")
		big := withValue(validForm(), "personnel.military", "800") // 815, and 465 booked: over 1200

		dry := de.post("/requests/new", withValue(big, "action", "dryrun"))
		wantStatus(t, dry, http.StatusOK)
		warned := texts(dry, ".dryrun-warnings li")
		for _, w := range []string{"Ravlunda skjutfält would be over capacity on 5–12 March 2027", "Ravlunda skjutfält is closed (blackout) on 7 March 2027"} {
			if !slices.Contains(warned, w) {
				t.Errorf("the dry run's warnings %q lack %q", warned, w)
			}
		}
		for _, w := range warned {
			if strings.Contains(w, "capacity of") || strings.Contains(w, "1200") || strings.Contains(w, "peak") {
				t.Errorf("the dry run tells a liaison officer the approvers' figures: %q", w)
			}
		}
		if n := de.get("/requests").Doc.Find("tbody tr").Length(); n != 0 {
			t.Fatalf("the dry run stored %d requests", n)
		}

		id := requestID(t, de.post("/requests/new", withValue(big, "action", "submit")))
		// The request page shows the blackout days in its "Closed days"
		// box (as the area is now), the rest under Warnings.
		page := de.get("/requests/" + id)
		submitted := append(texts(page, "main h2:contains('Warnings') + ul li"), texts(page, "#closed li")...)
		slices.Sort(warned)
		slices.Sort(submitted)
		if !slices.Equal(warned, submitted) {
			t.Errorf("the dry run warned %q, the submit %q", warned, submitted)
		}

		// 1,500 alone are over the capacity of 1,200, whatever else is booked.
		alone := de.post("/requests/new", withValue(withValue(validForm(), "personnel.military", "1500"), "action", "dryrun"))
		if got := texts(alone, ".dryrun-warnings li"); !slices.Contains(got, "Ravlunda skjutfält would be over capacity on 5–12 March 2027") {
			t.Errorf("1,500 at Ravlunda: warnings %q", got)
		}
	})
}

// TestRefusedSubmitSaysItSavedADraft: "Save and submit" of a request the
// policy refuses saves it as a draft, and the page says so and why, at
// the draft's own address: reloading it creates no second draft.
func TestRefusedSubmitSaysItSavedADraft(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		f := validForm() // Monday 23 November: a period from tomorrow is short of the notice
		for k, v := range map[string]string{"period.start": "2026-11-24", "period.end": "2026-11-30",
			"movements[0].at": "2026-11-24 09:00", "movements[1].at": "2026-11-30 17:00",
			"training_areas[0].from": "2026-11-25", "training_areas[0].to": "2026-11-28", "action": "submit"} {
			f.Set(k, v)
		}
		p := lo.post("/requests/new", f)
		loc := p.Header.Get("Location")
		id, ok := strings.CutSuffix(requestID(t, p), "/edit")
		if !ok || loc != "/requests/"+id+"/edit?done=notsubmitted" {
			t.Fatalf("a refused submit goes to %q", loc)
		}
		for range 2 { // and a reload
			page := lo.get(loc)
			wantStatus(t, page, http.StatusOK)
			if got := strings.Join(strings.Fields(page.Doc.Find("#not-submitted").Text()), " "); !strings.Contains(got, "Saved as a draft, not submitted") ||
				!strings.Contains(got, "was not submitted for review, for the reasons below") {
				t.Errorf("the draft's page says %q", got)
			}
			if got := page.Doc.Find(".error-summary h2").Text(); !strings.Contains(got, "Not eligible") {
				t.Errorf("the draft's page does not say why: %q", got)
			}
			if got := page.Doc.Find(`form[method="post"]`).Last().AttrOr("action", ""); got != "/requests/"+id+"/edit" {
				t.Errorf("the form posts to %q", got)
			}
			if v := page.Doc.Find("#f-period-start").AttrOr("value", ""); v != "2026-11-24" {
				t.Errorf("the form shows the period from %q", v)
			}
		}
		if n := lo.get("/requests").Doc.Find("tbody tr").Length(); n != 1 {
			t.Fatalf("%d requests, want the one draft", n)
		}
		r, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}, id)
		if err != nil || r.Status != domain.StatusDraft {
			t.Fatalf("the request: %v %+v", err, r)
		}

		// The draft submitted again from its page, still refused: the same.
		f.Set("version", lo.get(loc).Doc.Find(`input[name="version"]`).AttrOr("value", ""))
		if p := lo.post("/requests/"+id+"/edit", f); p.Header.Get("Location") != loc {
			t.Errorf("a refused submit of the draft: %d %q", p.Status, p.Header.Get("Location"))
		}
		// The draft's page without ?done says nothing of it.
		if lo.get("/requests/"+id+"/edit").Doc.Find("#not-submitted").Length() != 0 {
			t.Error("the amend form says it was not submitted unasked")
		}
	})
}

// TestDryRunShowsStagesTogether: the dry run shows the route's order in
// words, stages that run at the same time together: intake first, then
// range safety and operations at once.
func TestDryRunShowsStagesTogether(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	p := e.client().signIn("lo-no").post("/requests/new", withValue(validForm(), "action", "dryrun"))
	wantStatus(t, p, http.StatusOK)
	steps := p.Doc.Find(".route-steps > li")
	if steps.Length() != 2 {
		t.Fatalf("%d steps, want 2: %q", steps.Length(), texts(p, ".route-steps > li"))
	}
	first := strings.Join(strings.Fields(steps.Eq(0).Text()), " ")
	if !strings.HasPrefix(first, "First: Host nation support (intake) — Due") {
		t.Errorf("first step %q", first)
	}
	then := steps.Eq(1)
	if !strings.HasPrefix(strings.TrimSpace(then.Text()), "Then, at the same time:") {
		t.Errorf("second step %q", then.Text())
	}
	together := texts(p, ".route-steps > li:nth-child(2) li")
	if len(together) != 2 || !strings.HasPrefix(together[0], "Range safety") || !strings.HasPrefix(together[1], "Operations") {
		t.Errorf("the stages run together: %q", together)
	}
}

// TestEntryPointsByName: the crossings' choices are in the order of their
// names, as the nations' are, not of their codes.
func TestEntryPointsByName(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	p := e.client().signIn("lo-no").get("/requests/new")
	var labels []string
	p.Doc.Find("#f-movements-0-entry-point option").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("value", "") != "" {
			labels = append(labels, strings.ToLower(s.Text()))
		}
	})
	if len(labels) != len(e.ref.EntryPoints) || !slices.IsSorted(labels) {
		t.Errorf("entry points: %q", labels)
	}
	if !slices.Contains(labels, "riksgränsen (e10 and ofoten railway) (rail)") {
		t.Errorf("Riksgränsen with its mode: %q", labels)
	}
}

// TestErrorsNameTheirField: the summary names the point of contact's
// fields as the point of contact's, and a username left empty "is
// required" while one typed wrong breaks the rule it is told.
func TestErrorsNameTheirField(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	f := validForm()
	f.Del("contact.name")
	f.Del("contact.email")
	p := e.client().signIn("lo-no").post("/requests/new", withValue(f, "action", "dryrun"))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := summary(p); !slices.Equal(got, []string{"Point of contact – Name: is required", "Point of contact – E-mail: is required"}) {
		t.Errorf("summary %q", got)
	}
	admin := e.client().signIn("admin")
	empty := admin.post("/admin/users/new", url.Values{"username": {" "}, "roles": {"auditor"}})
	wantStatus(t, empty, http.StatusUnprocessableEntity)
	if got := summary(empty); !slices.Equal(got, []string{"Username: is required"}) {
		t.Errorf("empty username: %q", got)
	}
	bad := admin.post("/admin/users/new", url.Values{"username": {"No Good"}, "roles": {"auditor"}})
	if got := summary(bad); len(got) != 1 || !strings.HasPrefix(got[0], "Username: must be 1-64 characters") {
		t.Errorf("bad username: %q", got)
	}
}
