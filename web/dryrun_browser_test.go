package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/chromedp/chromedp"
)

// TestBrowserDryRunWarnings: the dry run shows the warnings submit would
// give, in the words of the request page — a decision that may come after
// the period starts, and a framework agreement the request does not fit.
func TestBrowserDryRunWarnings(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	if _, err := e.frameworks.Create(context.Background(), admin, domain.FrameworkTerms{Nation: "NO", Name: "Winter drills",
		Reference: "FA-NO-7", ValidFrom: day("2026-01-01"), ValidUntil: day("2028-12-31"), TrainingAreas: []string{"ravlunda"},
		EntryPoints: []string{"storlien"}, PersonnelCeiling: 1000}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.signIn("lo-no")
	// fill types a form for a period from start to end, with one entry
	// on its first day and a training area.
	fill := func(start, end string) {
		b.open("/requests/new", "")
		b.click(`button[value="add:training_areas"]`, "")
		b.typeIn("#f-exercise-name", "Cold Response 27", "#f-purpose", "Winter training",
			"#f-unit-designation", "Telemark Battalion", "#f-period-start", start, "#f-period-end", end,
			"#f-personnel-military", "450", "#f-movements-0-at", start+" 09:00",
			"#f-training-areas-0-from", start, "#f-training-areas-0-to", end,
			"#f-contact-name", "Maj Berg", "#f-contact-email", "berg@mil.no")
		b.choose("#f-movements-0-direction", "entry", "#f-movements-0-entry-point", "storlien",
			"#f-movements-0-mode", "road", "#f-training-areas-0-area", "ravlunda")
	}

	// Monday 23 November: a period from Friday clears the 72 hours' notice,
	// but the reviews after intake are due the week after.
	fill("2026-11-27", "2026-12-04")
	b.click(`.actions button[value="dryrun"]`, "")
	if got := b.text(".dryrun-warnings"); !strings.Contains(got, "The decision may come after the period starts on 2026-11-27") {
		t.Fatalf("dry run within the deadlines: warnings %q in %s", got, b.text("main"))
	}

	fill("2027-03-02", "2027-03-20")
	b.do(chromedp.Click(chromedp.CSS("#f-weapons-live-fire")))
	b.choose("#f-framework-id", frameworkOption(t, e))
	b.click(`.actions button[value="dryrun"]`, "")
	got := b.text(".dryrun-warnings")
	if !strings.Contains(got, "does not fit framework agreement FA-NO-7") || !strings.Contains(got, "live fire not covered") {
		t.Fatalf("dry run with live fire under an agreement without it: warnings %q in %s", got, b.text("main"))
	}
	if strings.Contains(got, "after the period starts") {
		t.Errorf("a period months away warns of a late decision: %q", got)
	}
}

// frameworkOption is the id of the one framework agreement of Norway.
func frameworkOption(t *testing.T, e *env) string {
	t.Helper()
	fws, err := e.frameworks.List(context.Background(), domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}, "NO")
	if err != nil || len(fws) != 1 {
		t.Fatalf("Norway's agreements: %v %v", fws, err)
	}
	return fws[0].ID
}
