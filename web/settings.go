package web

import (
	"errors"
	"net/http"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// The notification settings page: every signed-in user chooses, per kind
// of event, the channels that reach them, and manages their own webhooks
// (the secret of a new one is shown once). The same rules as
// /api/v1/me/notification-settings and /api/v1/me/webhooks.

const pathSettings = "/account/notifications"

// settingsWords are the page's wording, merged into english at start.
var settingsWords = map[string]string{
	"nav.notifications":                      "Notification settings",
	"set.title":                              "Notification settings",
	"set.intro":                              "Choose how you hear of each kind of event that can reach your roles. Every box is ticked until you clear it.",
	"set.nokinds":                            "No kind of event is sent to your roles, so there is nothing to choose here.",
	"set.kind":                               "Event",
	"set.save":                               "Save settings",
	"set.saved":                              "Your notification settings are saved.",
	"set.channels":                           "Channels per event",
	"set.hooks":                              "Your webhooks",
	"set.hooksintro":                         "Notifications you keep on the Webhook channel are sent to each of your active webhooks, signed as Standard Webhooks.",
	"set.nohooks":                            "You have no webhooks.",
	"set.morerevoked":                        "Older revoked webhooks are not listed here; GET /api/v1/me/webhooks lists every one.",
	"set.url":                                "Webhook URL",
	"set.urlhint":                            "An https address of yours, for example https://hooks.example.org/exaccess.",
	"set.add":                                "Add webhook",
	"set.revoke":                             "Revoke",
	"set.revoked":                            "The webhook is revoked; nothing more is sent to it.",
	"set.active":                             "Active",
	"set.inactive":                           "Revoked",
	"set.state":                              "State",
	"set.created":                            "Added",
	"set.actions":                            "Actions",
	"set.secret":                             "The webhook's signing secret",
	"set.secrethelp":                         "Copy it now into your receiver: it is shown only this once. Verify each delivery's webhook-signature with it.",
	"set.added":                              "The webhook is added.",
	"set.revokelabel":                        "Revoke the webhook",
	"set.nohooksfor":                         "No kind of event is sent to your roles, so a webhook of yours would receive nothing and none can be added; any you have can still be revoked.",
	"set.nohook":                             "The webhook was not added",
	"channel." + domain.ChannelEmail:         "E-mail",
	"channel." + domain.ChannelWebhook:       "Webhook",
	"channel." + domain.ChannelInbox:         "Console inbox",
	"kind." + domain.NotifySubmitted:         "A request was submitted",
	"kind." + domain.NotifyChangesRequested:  "Changes were requested",
	"kind." + domain.NotifyApproved:          "A request was approved",
	"kind." + domain.NotifyRejected:          "A request was rejected",
	"kind." + domain.NotifyRevoked:           "A permit was revoked",
	"kind." + domain.NotifyWithdrawn:         "A request was withdrawn",
	"kind." + domain.NotifyStageActive:       "A stage awaits your role's decision",
	"kind." + domain.NotifyRequestExpiring:   "A permit expires within 7 days",
	"kind." + domain.NotifyAreaClosed:        "Days were closed on a training area a request books",
	"kind." + domain.NotifyFrameworkLapsed:   "A framework agreement no longer covers a request on its fast track",
	"kind." + domain.NotifyStageDueSoon:      "A stage is due within a working day",
	"kind." + domain.NotifyStageOverdue:      "A stage is overdue",
	"kind." + domain.NotifyStageEscalated:    "An overdue stage was escalated to your role",
	"kind." + domain.NotifyDelegationStarted: "A delegation to you started",
	"kind." + domain.NotifyDelegationEnding:  "A delegation to you ends within a day",
}

func init() {
	for k, v := range settingsWords {
		english[k] = v
	}
}

// settingsView is the data of the settings page.
type settingsView struct {
	Kinds    []string
	Channels []string
	On       map[string]bool // kind + "|" + channel
	Hooks    []domain.Webhook
	// MoreRevoked: older revoked webhooks than those listed exist.
	MoreRevoked bool
	URL         string // the webhook form's value after an error
	Secret      string // a new webhook's secret, shown once
	Notice      string
	// Warn is a refusal of the page's forms in the domain's words.
	Warn   string
	Errors []fieldErr
	// MayAddHook: some kind of notification reaches the user's roles
	// (domain.PersonalWebhookRefusal), so a webhook of theirs would be
	// sent something: only then is the form to add one offered.
	MayAddHook bool
}

// Cell is the form value of one checkbox.
func (settingsView) Cell(kind, channel string) string { return kind + "|" + channel }

// BoxID is the id of one checkbox (no dots: they would read as classes in
// a CSS selector).
func (settingsView) BoxID(kind, channel string) string {
	return "c-" + strings.ReplaceAll(kind, ".", "-") + "-" + channel
}

// Checked reports whether a box is ticked.
func (v settingsView) Checked(kind, channel string) bool { return v.On[kind+"|"+channel] }

// E is the error of one field.
func (v settingsView) E(field string) string {
	for _, e := range v.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// revokedHooksShown is how many revoked webhooks the settings page lists,
// newest first, below the active ones.
const revokedHooksShown = 20

func (c *Console) settingsView(ec echo.Context) (settingsView, error) {
	ctx, p := ec.Request().Context(), principalOf(ec)
	// Only the kinds that can reach the user's roles: a liaison officer
	// is never told that a stage awaits their role.
	v := settingsView{Kinds: domain.NotificationKindsFor(p.Roles), Channels: domain.NotificationChannels, On: map[string]bool{},
		MayAddHook: domain.PersonalWebhookRefusal(p.Roles) == nil}
	cells, err := c.Notifications.Settings(ctx, p)
	if err != nil {
		return v, err
	}
	for _, s := range cells {
		v.On[s.Kind+"|"+s.Channel] = s.Enabled
	}
	// Every active webhook (at most domain.MaxWebhooksPerID), then the
	// newest revoked ones: the older are in the API's list.
	active, err := c.Notifications.WebhookPage(ctx, p, domain.WebhookFilter{Active: true, Limit: domain.MaxWebhooksPerID})
	if err != nil {
		return v, err
	}
	revoked, err := c.Notifications.WebhookPage(ctx, p, domain.WebhookFilter{Revoked: true, Limit: revokedHooksShown})
	if err != nil {
		return v, err
	}
	v.Hooks = append(active.Items, revoked.Items...)
	v.MoreRevoked = revoked.NextAfter != ""
	return v, nil
}

func (c *Console) handleSettingsPage(ec echo.Context) error {
	v, err := c.settingsView(ec)
	if err != nil {
		return err
	}
	switch {
	case ec.QueryParam("saved") == "1":
		v.Notice = msg("set.saved")
	case ec.QueryParam("revoked") == "1":
		v.Notice = msg("set.revoked")
	case ec.QueryParam("added") == "1":
		v.Notice = msg("set.added")
	}
	// A webhook just added: its secret, once (see handleWebhookAdd). Only
	// the page it sends to takes it, and only a secret (takeFlash).
	if ec.QueryParam("added") == "1" {
		if v.Secret, err = c.takeFlash(ec, webhookSecretFlash); err != nil {
			return err
		}
		if v.Secret != "" {
			ec.Response().Header().Set("Cache-Control", "no-store")
		}
	}
	return c.render(ec, http.StatusOK, "settings", msg("set.title"), v)
}

// handleSettingsSave stores the grid: a ticked box is on, every other box
// of the grid off. The kinds the page does not show (none can reach the
// user's roles) keep what is stored for them: an opt-out made under roles
// the user held before is not lost by saving this page (the rule of the
// API's PUT too: domain SetReachableSettings, in one transaction).
func (c *Console) handleSettingsSave(ec echo.Context) error {
	ctx, p := ec.Request().Context(), principalOf(ec)
	on := map[string]bool{}
	for _, cell := range formList(ec, "on") {
		on[cell] = true
	}
	var cells []domain.ChannelSetting
	for _, k := range domain.NotificationKindsFor(p.Roles) {
		for _, ch := range domain.NotificationChannels {
			cells = append(cells, domain.ChannelSetting{Kind: k, Channel: ch, Enabled: on[k+"|"+ch]})
		}
	}
	if _, err := c.Notifications.SetReachableSettings(ctx, p, cells); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, pathSettings+"?saved=1")
}

// webhookSecretFlash prefixes a new webhook's secret in the session's flash.
const webhookSecretFlash = "webhook-secret:"

// handleWebhookAdd registers a webhook and redirects to the settings page
// (POST-redirect-GET: a reload there registers nothing), which shows the
// secret once: it waits in the session's server-side flash, never in the
// URL, and the page takes it and is not cached.
func (c *Console) handleWebhookAdd(ec echo.Context) error {
	url := strings.TrimSpace(ec.FormValue("url"))
	ctx := ec.Request().Context()
	w, err := c.Notifications.CreateWebhook(ctx, principalOf(ec), domain.WebhookInput{URL: url})
	if err != nil {
		v, verr := c.settingsView(ec)
		if verr != nil {
			return verr
		}
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeForbidden && !v.MayAddHook { // no kind reaches the user's roles
			v.Warn = msg("set.nohook") + ": " + de.Message
			return c.render(ec, http.StatusForbidden, "settings", msg("set.title"), v)
		}
		if v.Errors = formErrs(err, "url", settingsLabels); v.Errors == nil {
			return err
		}
		v.URL = url
		return c.render(ec, http.StatusUnprocessableEntity, "settings", msg("set.title"), v)
	}
	if err := c.Sessions.SetSessionFlash(ctx, currentOf(ec).Session.ID, webhookSecretFlash+w.Secret); err != nil {
		return err
	}
	return ec.Redirect(http.StatusSeeOther, pathSettings+"?added=1")
}

// handleWebhookRevoke revokes one of the caller's webhooks, after its
// confirmation page (confirmWebhookRevoke), as the other irreversible
// buttons.
func (c *Console) handleWebhookRevoke(ec echo.Context) error {
	if !confirmed(ec) {
		return c.confirmWebhookRevoke(ec, ec.Param("id"))
	}
	if _, err := c.Notifications.RevokeWebhook(ec.Request().Context(), principalOf(ec), ec.Param("id"), false); err != nil {
		return c.webhookRevokeRefused(ec, err)
	}
	return ec.Redirect(http.StatusSeeOther, pathSettings+"?revoked=1")
}

// webhookRevokeRefused answers a revocation the domain refuses because the
// webhook was already revoked (conflict): back on the settings page, with
// the domain's words. Any other error (not found) is the error page's.
func (c *Console) webhookRevokeRefused(ec echo.Context, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeConflict {
		return err
	}
	v, verr := c.settingsView(ec)
	if verr != nil {
		return verr
	}
	v.Warn = msg("confirm.hooknot") + ": " + de.Message
	return c.render(ec, http.StatusConflict, "settings", msg("set.title"), v)
}
