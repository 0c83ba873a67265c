package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// agreements creates, as an administrator, the agreements of the tests
// below (today is 2026-11-23): Nordic (FW-1) of Norway, in force;
// Old (FW-0) of Norway, ended on 2026-06-30; Paused (FW-2) of Norway,
// suspended; Alpine (FW-DE) of Germany. It returns them by reference.
func agreements(t *testing.T, e *env) map[string]*domain.Framework {
	t.Helper()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	out := map[string]*domain.Framework{}
	for _, f := range []domain.FrameworkTerms{
		{Nation: "NO", Name: "Nordic", Reference: "FW-1", ValidFrom: day("2026-01-01"), ValidUntil: day("2027-12-31")},
		{Nation: "NO", Name: "Old", Reference: "FW-0", ValidFrom: day("2026-01-01"), ValidUntil: day("2026-06-30")},
		{Nation: "NO", Name: "Paused", Reference: "FW-2", ValidFrom: day("2026-01-01"), ValidUntil: day("2027-12-31"), Suspended: true},
		{Nation: "DE", Name: "Alpine", Reference: "FW-DE", ValidFrom: day("2026-01-01"), ValidUntil: day("2027-12-31")},
	} {
		f.TrainingAreas, f.EntryPoints, f.PersonnelCeiling = []string{"ravlunda"}, []string{"storlien"}, 1000
		created, err := e.frameworks.Create(context.Background(), admin, f)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Reference] = created
	}
	return out
}

// TestRequestFormMarksAgreements: the request form offers the officer's
// nation's agreements, each by name and reference, one suspended or ended
// marked so.
func TestRequestFormMarksAgreements(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	fws := agreements(t, e)
	p := e.client().signIn("lo-no").get("/requests/new")
	wantStatus(t, p, 200)
	got := map[string]string{}
	p.Doc.Find("#" + fieldID("framework_id") + " option").Each(func(_ int, o *goquery.Selection) {
		if v := o.AttrOr("value", ""); v != "" {
			got[v] = strings.TrimSpace(o.Text())
		}
	})
	want := map[string]string{fws["FW-1"].ID: "Nordic (FW-1)", fws["FW-0"].ID: "Old (FW-0) (ended)", fws["FW-2"].ID: "Paused (FW-2) (suspended)"}
	if len(got) != len(want) {
		t.Errorf("the form offers %v, want %v", got, want)
	}
	for id, label := range want {
		if got[id] != label {
			t.Errorf("option %s: %q, want %q", id, got[id], label)
		}
	}
}

// TestRequestPageNamesItsAgreement: a request's Details name the framework
// agreement it names, by name and reference, to its officer and to the
// approvers; once the agreement has moved to another nation the officer's
// page says only that it is no longer available, nothing of where it
// went, and the approvers' and the auditor's name it as it is now, with
// its new nation; a request that names none has no such row.
func TestRequestPageNamesItsAgreement(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	fws := agreements(t, e)
	lo, hns := e.client().signIn("lo-no"), e.client().signIn("hns")
	id := requestID(t, lo.post("/requests/new", withValue(withValue(validForm(), "framework_id", fws["FW-2"].ID), "action", "submit")))
	none := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
	row := func(c *client, id string) string {
		t.Helper()
		p := c.get("/requests/" + id)
		wantStatus(t, p, 200)
		out := "(no row)"
		p.Doc.Find("dl.facts dt").Each(func(_ int, dt *goquery.Selection) {
			if strings.TrimSpace(dt.Text()) == "Framework agreement" {
				out = strings.Join(strings.Fields(dt.Next().Text()), " ")
			}
		})
		return out
	}
	for who, c := range map[string]*client{"lo-no": lo, "hns": hns} {
		if got := row(c, id); got != "Paused (FW-2) (suspended)" {
			t.Errorf("%s sees the agreement as %q", who, got)
		}
	}
	if got := row(lo, none); got != "(no row)" {
		t.Errorf("a request naming no agreement: %q", got)
	}

	admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	moved := fws["FW-2"].FrameworkTerms
	moved.Nation = "DE"
	if _, err := e.frameworks.Update(context.Background(), admin, fws["FW-2"].ID, fws["FW-2"].Version, moved); err != nil {
		t.Fatal(err)
	}
	got := row(lo, id)
	if got != "No longer available" || strings.Contains(got, "Paused") || strings.Contains(got, "FW-2") ||
		strings.Contains(got, "DE") || strings.Contains(got, "Germany") {
		t.Errorf("lo-no sees the moved agreement as %q", got)
	}
	// An approver and the auditor may read every agreement: they see it
	// as it is now, and where it went.
	for who, c := range map[string]*client{"hns": hns, "auditor": e.client().signIn("auditor")} {
		if got := row(c, id); got != "Paused (FW-2) (suspended) (now an agreement of Germany)" {
			t.Errorf("%s sees the moved agreement as %q", who, got)
		}
	}
}
