package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/apptest"
	"exaccess/storage/storagetest"
)

// TestUsersAndQueueOfPolicyRole: under a policy whose customs stage is
// decided by customs_officer, a role no server has built in, the users
// pages offer the role (its name as the policy writes it: it has no other
// wording) and warn while nobody holds it; the administrator gives it to
// ops2, the warning goes, and the customs stage of a submitted request is
// in ops2's queue, whose role filter offers the role.
func TestUsersAndQueueOfPolicyRole(t *testing.T) {
	p := apptest.CustomsPolicy(t)
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			e := newEnvPolicy(t, c.DSN, false, nil, p)
			admin := e.client().signIn("admin")
			if got := unheldRoles(admin.get("/admin/users")); got != "customs_officer" {
				t.Errorf("nobody holds customs_officer, yet the list warns of %q", got)
			}
			form := admin.get("/admin/users/new")
			wantStatus(t, form, http.StatusOK)
			box := form.Doc.Find(`input[type=checkbox][name=roles][value=customs_officer]`)
			if box.Length() != 1 || strings.TrimSpace(form.Doc.Find(`label[for="`+box.AttrOr("id", "")+`"]`).Text()) != "customs_officer" {
				t.Fatalf("the new account's form offers no customs_officer checkbox")
			}
			if leftKey.MatchString(form.Doc.Find("main").Text()) {
				t.Errorf("a message key shows: %s", leftKey.FindString(form.Doc.Find("main").Text()))
			}

			opsPath := "/admin/users/" + e.userID("ops2")
			version := admin.get(opsPath).Doc.Find(`input[name=version]`).AttrOr("value", "")
			r := admin.post(opsPath, url.Values{"version": {version}, "roles": {"customs_officer"}, "reason": {"seconded from the Swedish Customs"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("give ops2 customs_officer: %d %s", r.Status, r.Doc.Find(".error-summary").Text())
			}
			if got := unheldRoles(admin.get("/admin/users")); got != "" {
				t.Errorf("ops2 holds customs_officer, yet the list warns of %q", got)
			}
			if list := admin.get("/admin/users?role=customs_officer"); !strings.Contains(list.Doc.Find("main table").Text(), "ops2") {
				t.Errorf("the list of customs officers lacks ops2")
			}

			ctx := context.Background()
			d, errs := parseForm(validForm()).details()
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			lo := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
			req, _, err := e.requests.CreateRequest(ctx, lo, d, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err = e.requests.Submit(ctx, lo, req.ID, req.Version); err != nil {
				t.Fatal(err)
			}
			e.decideAs("hns", domain.RoleHNS, req.ID, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})

			customs := e.client().signIn("ops2")
			if home := customs.get("/"); home.Doc.Find(`main a.button[href="/queue"]`).Length() != 1 ||
				home.Doc.Find(`nav a[href="/queue"]`).Length() != 1 {
				t.Errorf("the customs officer's home page and navigation do not link the queue")
			}
			for _, path := range []string{"/queue", "/queue?role=customs_officer"} {
				q := customs.get(path)
				wantStatus(t, q, http.StatusOK)
				if row := q.Doc.Find("main table tbody tr"); row.Length() != 1 || !strings.Contains(row.Text(), "Cold Response 27") ||
					!strings.Contains(row.Text(), "customs_officer") {
					t.Errorf("%s: rows %q", path, row.Text())
				}
				if q.Doc.Find(`#f-role option[value=customs_officer]`).Length() != 1 {
					t.Errorf("%s: the role filter does not offer customs_officer", path)
				}
			}
		})
	}
}
