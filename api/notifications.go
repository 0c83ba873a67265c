package api

import (
	"fmt"
	"net/http"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// A user's notification settings and webhooks, and administrators' role
// webhooks.

type channelSettingJSON struct {
	Kind    string `json:"kind"`
	Channel string `json:"channel"`
	Enabled *bool  `json:"enabled"`
}

type settingsJSON struct {
	Settings []channelSettingJSON `json:"settings"`
}

func toSettingsJSON(in []domain.ChannelSetting) settingsJSON {
	out := settingsJSON{Settings: make([]channelSettingJSON, len(in))}
	for i, s := range in {
		on := s.Enabled
		out.Settings[i] = channelSettingJSON{Kind: s.Kind, Channel: s.Channel, Enabled: &on}
	}
	return out
}

// handleMySettingsGet lists the caller's settings of the kinds that can
// reach their roles, as the console's settings page offers them.
func (s *Server) handleMySettingsGet(c echo.Context) error {
	got, err := s.Notifications.ReachableSettings(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSettingsJSON(got))
}

// handleMySettingsPut replaces the caller's settings of the kinds that can
// reach their roles: the cells listed take their value, the others are
// on. The other kinds keep what is stored; listing one of them is refused
// unless with the value it has (domain SetReachableSettings).
func (s *Server) handleMySettingsPut(c echo.Context) error {
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	var in settingsJSON
	if err := decodeStrict(body, &in, nil); err != nil {
		return err
	}
	if in.Settings == nil {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the notification settings have invalid entries",
			Fields: []domain.FieldError{{Field: "settings", Message: "required: a list of {kind, channel, enabled}"}}}
	}
	// One entry per cell of the grid at most: more can only repeat a cell.
	if maxCells := len(domain.NotificationKinds) * len(domain.NotificationChannels); len(in.Settings) > maxCells {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the notification settings have invalid entries",
			Fields: []domain.FieldError{{Field: "settings", Message: fmt.Sprintf("at most %d entries, one per kind and channel", maxCells)}}}
	}
	cells := make([]domain.ChannelSetting, len(in.Settings))
	var fe []domain.FieldError
	for i, e := range in.Settings {
		cells[i] = domain.ChannelSetting{Kind: e.Kind, Channel: e.Channel}
		if e.Enabled == nil {
			fe = append(fe, domain.FieldError{Field: fmt.Sprintf("settings[%d].enabled", i), Message: "required: true or false"})
			continue
		}
		cells[i].Enabled = *e.Enabled
	}
	if err := domain.ValidateSettings(cells); err != nil {
		fe = append(fe, err.(*domain.Error).Fields...)
	}
	if len(fe) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the notification settings have invalid entries", Fields: fe}
	}
	got, err := s.Notifications.SetReachableSettings(c.Request().Context(), principal(c), cells)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSettingsJSON(got))
}

type webhookInput struct {
	URL  string `json:"url"`
	Role string `json:"role"`
}

// webhookJSON is a webhook as the API shows it. Secret is present only in
// the answer to its creation: it is never shown again.
type webhookJSON struct {
	ID        string     `json:"id"`
	URL       string     `json:"url"`
	Role      *string    `json:"role"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Active    bool       `json:"active"`
	Secret    string     `json:"secret,omitempty"`
}

func toWebhookJSON(w domain.Webhook, withSecret bool) webhookJSON {
	out := webhookJSON{ID: w.ID, URL: w.URL, CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt, RevokedAt: w.RevokedAt, Active: w.Active()}
	if w.Role != "" {
		r := string(w.Role)
		out.Role = &r
	}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

var webhookReadOnly = []string{"id", "secret", "created_by", "created_at", "revoked_at", "active"}

// createWebhook registers a webhook: the caller's own, or with roleHook a
// role's. The answer carries the secret, once; it is not stored for replay,
// so that it lives nowhere but the webhooks table: an Idempotency-Key is
// refused (refuseIdempotencyKey), not ignored.
func (s *Server) createWebhook(c echo.Context, roleHook bool) error {
	noKey := noKeyForMyWebhooks
	if roleHook {
		noKey = noKeyForRoleWebhooks
	}
	if err := refuseIdempotencyKey(c, noKey); err != nil {
		return err
	}
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	var in webhookInput
	readOnly := webhookReadOnly
	if !roleHook {
		readOnly = append(readOnly, "role")
	}
	if err := decodeStrict(body, &in, readOnly); err != nil {
		return err
	}
	want := domain.WebhookInput{URL: in.URL}
	location := "/api/v1/me/webhooks/"
	if roleHook {
		want.Role, location = domain.Role(in.Role), "/api/v1/webhooks/"
		if in.Role == "" {
			return &domain.Error{Code: domain.CodeInvalid, Message: "the webhook has invalid fields",
				Fields: []domain.FieldError{{Field: "role", Message: "required: an approver role"}}}
		}
	}
	w, err := s.Notifications.CreateWebhook(c.Request().Context(), principal(c), want)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", location+w.ID)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, toWebhookJSON(*w, true))
}

// listWebhooks answers one page of the caller's webhooks (roleHooks: the
// roles'), newest first, with the cursor of the next (null on the last).
func (s *Server) listWebhooks(c echo.Context, roleHooks bool) error {
	q := newQuery(c)
	f := domain.WebhookFilter{Roles: roleHooks, Limit: q.limit()}
	f.After, _ = cursor(q, decodeCursor)
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.Notifications.WebhookPage(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	out := listResponse[webhookJSON]{Items: []webhookJSON{}}
	for _, w := range page.Items {
		out.Items = append(out.Items, toWebhookJSON(w, false))
	}
	if page.NextAfter != "" {
		next := encodeCursor(page.NextAfter)
		out.NextCursor = &next
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) revokeWebhook(c echo.Context, roleHook bool) error {
	w, err := s.Notifications.RevokeWebhook(c.Request().Context(), principal(c), c.Param("id"), roleHook)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebhookJSON(*w, false))
}

func (s *Server) handleMyWebhookCreate(c echo.Context) error   { return s.createWebhook(c, false) }
func (s *Server) handleMyWebhookList(c echo.Context) error     { return s.listWebhooks(c, false) }
func (s *Server) handleMyWebhookRevoke(c echo.Context) error   { return s.revokeWebhook(c, false) }
func (s *Server) handleRoleWebhookCreate(c echo.Context) error { return s.createWebhook(c, true) }
func (s *Server) handleRoleWebhookList(c echo.Context) error   { return s.listWebhooks(c, true) }
func (s *Server) handleRoleWebhookRevoke(c echo.Context) error { return s.revokeWebhook(c, true) }
