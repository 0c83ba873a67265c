package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestSettingsShowOnlyKindsThatReachTheUser: the settings grid offers each
// user the kinds of event that can reach their roles (a liaison officer
// no stage or delegation notices, an approver no request outcomes, an
// auditor none, and then no grid but a sentence saying so), and saving it
// leaves what is stored for the other kinds as it was: an opt-out of a
// kind the page does not show stays, and no such kind is turned off.
func TestSettingsShowOnlyKindsThatReachTheUser(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			user  string
			roles []domain.Role
		}{
			{"lo-no", []domain.Role{domain.RoleLiaison}},
			{"hns", []domain.Role{domain.RoleHNS}},
			{"auditor", []domain.Role{domain.RoleAuditor}},
		} {
			p := e.client().signIn(c.user).get(pathSettings)
			wantStatus(t, p, http.StatusOK)
			var kinds []string
			p.Doc.Find(`input[name="on"]`).Each(func(_ int, s *goquery.Selection) {
				if k, ch, _ := strings.Cut(s.AttrOr("value", ""), "|"); ch == domain.ChannelEmail {
					kinds = append(kinds, k)
				}
			})
			if want := domain.NotificationKindsFor(c.roles); !slices.Equal(kinds, want) {
				t.Errorf("%s is offered %v, want %v", c.user, kinds, want)
			}
			if len(kinds) == 0 && (p.Doc.Find("table.settings-grid").Length() != 0 ||
				!strings.Contains(p.Doc.Find("main p").Text(), msg("set.nokinds"))) {
				t.Errorf("%s: no kinds, but the page does not say so", c.user)
			}
		}
		if got := domain.NotificationKindsFor([]domain.Role{domain.RoleLiaison}); slices.Contains(got, domain.NotifyStageActive) ||
			slices.Contains(got, domain.NotifyDelegationStarted) {
			t.Fatalf("a liaison officer is offered %v", got)
		}

		// lo-no turned off a stage notice (under roles held before, say);
		// the page does not show it, and saving the page keeps it off and
		// turns no other hidden kind off.
		ctx := context.Background()
		lo := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
		if _, err := e.notifications.SetSettings(ctx, lo, []domain.ChannelSetting{
			{Kind: domain.NotifyStageActive, Channel: domain.ChannelEmail, Enabled: false}}); err != nil {
			t.Fatal(err)
		}
		c := e.client().signIn("lo-no")
		form := url.Values{}
		c.get(pathSettings).Doc.Find(`input[name="on"]`).Each(func(_ int, s *goquery.Selection) {
			if v := s.AttrOr("value", ""); v != domain.NotifySubmitted+"|"+domain.ChannelEmail {
				form.Add("on", v)
			}
		})
		if saved := c.post(pathSettings, form); saved.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", saved.Status)
		}
		u, err := e.db.GetUserByUsername(ctx, "lo-no")
		if err != nil {
			t.Fatal(err)
		}
		off, err := e.db.NotificationOptOuts(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range off {
			got = append(got, o.Kind+"|"+o.Channel)
		}
		slices.Sort(got)
		want := []string{domain.NotifySubmitted + "|" + domain.ChannelEmail, domain.NotifyStageActive + "|" + domain.ChannelEmail}
		if !slices.Equal(got, want) {
			t.Errorf("stored opt-outs after saving the page: %v, want %v", got, want)
		}
	})
}
