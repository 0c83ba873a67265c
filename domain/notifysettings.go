package domain

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Audit actions of webhooks and of a user's notification settings.
const (
	AuditWebhookCreated = "webhook.created"
	AuditWebhookRevoked = "webhook.revoked"
	// AuditNotificationSettingsUpdated is a user's change of which kinds of
	// notification reach them on which channel: an approver who stops being
	// told of the stages awaiting them has changed something that matters.
	AuditNotificationSettingsUpdated = "notification_settings.updated"
)

// NotificationKinds are every kind of notification, in the order a
// settings page lists them.
var NotificationKinds = []string{NotifySubmitted, NotifyChangesRequested, NotifyApproved, NotifyRejected,
	NotifyRevoked, NotifyWithdrawn, NotifyRequestExpiring, NotifyAreaClosed, NotifyFrameworkLapsed, NotifyStageActive, NotifyStageDueSoon, NotifyStageOverdue,
	NotifyStageEscalated, NotifyDelegationStarted, NotifyDelegationEnding}

// NotificationChannels are the channels a user may turn on or off per kind.
var NotificationChannels = []string{ChannelEmail, ChannelWebhook, ChannelInbox}

// ChannelSetting is one cell of a user's notification settings: whether
// events of Kind reach the user on Channel. Every cell is on until the user
// turns it off.
type ChannelSetting struct {
	Kind    string
	Channel string
	Enabled bool
}

// WebhookFilter selects webhooks: one account's (UserID) or every role's
// (Roles).
type WebhookFilter struct {
	UserID string
	Roles  bool
	ID     string // only this webhook (the console's confirmation of one)
	// Active or Revoked: only the webhooks in that state (the console's
	// settings page lists the active ones whole, the revoked a page).
	Active, Revoked bool
	After           string // keyset cursor: the id of the last webhook of the previous page
	Limit           int    // the list default when 0, at most the lists' maximum (docs/product.md, "Limits")
}

// WebhookPage is one page of webhooks; NextAfter is "" on the last page.
type WebhookPage struct {
	Items     []Webhook
	NextAfter string
}

// NotificationStore is the persistence port of the notification settings:
// the Store, and the reads of webhooks and channel opt-outs.
type NotificationStore interface {
	Store
	// ListWebhooks returns one page of the webhooks f selects, newest
	// first, without their secrets.
	ListWebhooks(ctx context.Context, f WebhookFilter) (WebhookPage, error)
	// NotificationOptOuts are the (kind, channel) pairs the account turned off.
	NotificationOptOuts(ctx context.Context, userID string) ([]ChannelSetting, error)
}

// NotificationTx is the part of Tx that writes webhooks and opt-outs, and
// the notices a change causes that no request's audit entry derives.
type NotificationTx interface {
	// Notify writes the outbox rows of ev, as a request's audit entry's
	// are written (one per account of its audience and channel it takes),
	// at at; keyBase makes their idempotency keys, so a notice written
	// twice is stored once.
	Notify(ev NotificationEvent, at time.Time, keyBase string) error
	CreateWebhook(w *Webhook) error
	// GetWebhook reads one webhook without its secret.
	GetWebhook(id string) (*Webhook, error)
	// RevokeWebhook sets revoked_at on a webhook not yet revoked.
	RevokeWebhook(id string, at time.Time) error
	// CountActiveWebhooks counts the active webhooks of an account (userID)
	// or of a role.
	CountActiveWebhooks(userID string, role Role) (int, error)
	// NotificationOptOuts are the (kind, channel) pairs the account turned
	// off, as the transaction sees them.
	NotificationOptOuts(userID string) ([]ChannelSetting, error)
	// SetNotificationOptOuts replaces the account's opt-outs with off.
	SetNotificationOptOuts(userID string, off []ChannelSetting) error
}

// WebhookDirectory is how the delivery worker finds a webhook's address and
// secret at the moment it sends, so that a revoked webhook gets nothing.
type WebhookDirectory interface {
	// DeliveryWebhook reads a webhook with its secret (revoked ones too).
	DeliveryWebhook(ctx context.Context, id string) (*Webhook, error)
}

// NotificationService holds the use cases of a user's notification
// settings and of webhooks.
type NotificationService struct {
	store NotificationStore
	now   func() time.Time
	newID func() string
	// AllowHTTP admits http:// webhook URLs and AllowPrivate hosts that
	// are IP literals of loopback, private or other non-public addresses
	// (tests and local setups: --webhook-allow-http, --webhook-allow-private);
	// otherwise only https to public hosts.
	AllowHTTP, AllowPrivate bool
	// WebhookASCIIHost converts a webhook host not in ASCII to the form
	// deliveries connect to (WebhookURLPolicy.ASCIIHost); nil refuses such
	// hosts.
	WebhookASCIIHost func(host string) (string, error)
}

// NewNotificationService wires the service to its ports.
func NewNotificationService(store NotificationStore, now func() time.Time, newID func() string) *NotificationService {
	return &NotificationService{store: store, now: now, newID: newID}
}

func (s *NotificationService) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// account is the caller's account row.
func (s *NotificationService) account(ctx context.Context, p Principal) (*User, error) {
	u, err := s.store.GetUserByUsername(ctx, p.Subject)
	if ErrorCode(err) == CodeNotFound {
		return nil, Errorf(CodeUnauthorized, "your account is not known here")
	}
	return u, err
}

// Settings returns every kind × channel cell of the caller's settings.
func (s *NotificationService) Settings(ctx context.Context, p Principal) ([]ChannelSetting, error) {
	u, err := s.account(ctx, p)
	if err != nil {
		return nil, err
	}
	off, err := s.store.NotificationOptOuts(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return settingsGrid(off), nil
}

// settingsGrid is every cell, on unless off lists it.
func settingsGrid(off []ChannelSetting) []ChannelSetting {
	out := make([]ChannelSetting, 0, len(NotificationKinds)*len(NotificationChannels))
	for _, k := range NotificationKinds {
		for _, ch := range NotificationChannels {
			on := !slices.ContainsFunc(off, func(o ChannelSetting) bool { return o.Kind == k && o.Channel == ch })
			out = append(out, ChannelSetting{Kind: k, Channel: ch, Enabled: on})
		}
	}
	return out
}

// notOneOf says what is wrong with value, which is not in valid: missing,
// or unknown.
func notOneOf(what, value string, valid []string) string {
	if value == "" {
		return fmt.Sprintf("required: one of %v", valid)
	}
	return fmt.Sprintf("unknown %s %q; one of %v", what, value, valid)
}

// ValidateSettings checks a settings change: known kinds and channels, each
// cell at most once. The errors name the offending entry.
func ValidateSettings(in []ChannelSetting) error {
	var fe []FieldError
	seen := map[[2]string]bool{}
	for i, c := range in {
		field := fmt.Sprintf("settings[%d]", i)
		if !slices.Contains(NotificationKinds, c.Kind) {
			fe = append(fe, FieldError{Field: field + ".kind", Message: notOneOf("kind", c.Kind, NotificationKinds)})
		}
		if !slices.Contains(NotificationChannels, c.Channel) {
			fe = append(fe, FieldError{Field: field + ".channel", Message: notOneOf("channel", c.Channel, NotificationChannels)})
		}
		key := [2]string{c.Kind, c.Channel}
		if seen[key] {
			fe = append(fe, FieldError{Field: field, Message: "this kind and channel are listed twice"})
		}
		seen[key] = true
	}
	if len(fe) > 0 {
		return &Error{Code: CodeInvalid, Message: "the notification settings have invalid entries", Fields: fe}
	}
	return nil
}

// SetSettings replaces the caller's settings: the cells given take their
// value, every cell not given is on (the default). It returns the whole grid.
// A change is an audit entry in its transaction
// (notification_settings.updated: what is off now, what the change turned
// off and on); saving the settings as they are changes and records nothing.
func (s *NotificationService) SetSettings(ctx context.Context, p Principal, in []ChannelSetting) ([]ChannelSetting, error) {
	if err := ValidateSettings(in); err != nil {
		return nil, err
	}
	off, err := s.replaceOptOuts(ctx, p, func([]ChannelSetting) ([]ChannelSetting, error) { return offOf(in), nil })
	if err != nil {
		return nil, err
	}
	return settingsGrid(off), nil
}

// ReachableSettings returns the caller's settings of the kinds that can
// reach their roles (NotificationKindsFor), every channel of each: what a
// settings page offers. A stored opt-out of another kind (made under roles
// the caller held before) is kept but not shown.
func (s *NotificationService) ReachableSettings(ctx context.Context, p Principal) ([]ChannelSetting, error) {
	grid, err := s.Settings(ctx, p)
	if err != nil {
		return nil, err
	}
	return reachableCells(grid, p.Roles), nil
}

// SetReachableSettings replaces the caller's settings of the kinds that can
// reach their roles: the cells given take their value, every other cell of
// those kinds is on. The kinds that cannot reach them keep what is stored,
// as the console's settings page keeps them. A cell of such a kind may be
// given only with the value it has (a client that sends back the whole
// grid it once read changes nothing there); one that would change it is
// refused, naming the entry's kind, and nothing is stored. It returns the
// cells of the kinds that can reach the caller, as ReachableSettings.
func (s *NotificationService) SetReachableSettings(ctx context.Context, p Principal, in []ChannelSetting) ([]ChannelSetting, error) {
	if err := ValidateSettings(in); err != nil {
		return nil, err
	}
	reach := NotificationKindsFor(p.Roles)
	off, err := s.replaceOptOuts(ctx, p, func(before []ChannelSetting) ([]ChannelSetting, error) {
		wasOff := offCells(before)
		var fe []FieldError
		for i, c := range in {
			if !slices.Contains(reach, c.Kind) && c.Enabled == wasOff[[2]string{c.Kind, c.Channel}] {
				fe = append(fe, FieldError{Field: fmt.Sprintf("settings[%d].kind", i), Message: fmt.Sprintf(
					"%q cannot reach your roles, so its %s setting cannot be changed: list only the kinds GET /api/v1/me/notification-settings returns",
					c.Kind, c.Channel)})
			}
		}
		if len(fe) > 0 {
			return nil, &Error{Code: CodeInvalid, Message: "the notification settings have invalid entries", Fields: fe}
		}
		var off []ChannelSetting
		for _, c := range offOf(in) {
			if slices.Contains(reach, c.Kind) {
				off = append(off, c)
			}
		}
		for _, b := range before {
			if !slices.Contains(reach, b.Kind) {
				off = append(off, ChannelSetting{Kind: b.Kind, Channel: b.Channel})
			}
		}
		return off, nil
	})
	if err != nil {
		return nil, err
	}
	return reachableCells(settingsGrid(off), p.Roles), nil
}

// reachableCells are the cells of grid whose kinds can reach an account
// holding roles.
func reachableCells(grid []ChannelSetting, roles []Role) []ChannelSetting {
	reach := NotificationKindsFor(roles)
	out := make([]ChannelSetting, 0, len(reach)*len(NotificationChannels))
	for _, c := range grid {
		if slices.Contains(reach, c.Kind) {
			out = append(out, c)
		}
	}
	return out
}

// offOf are the (kind, channel) pairs that in turns off.
func offOf(in []ChannelSetting) []ChannelSetting {
	var off []ChannelSetting
	for _, c := range in {
		if !c.Enabled {
			off = append(off, ChannelSetting{Kind: c.Kind, Channel: c.Channel})
		}
	}
	return off
}

// replaceOptOuts replaces the caller's opt-outs with what next makes of
// those stored, in one transaction with its audit entry; an error of next
// stores nothing. It returns the opt-outs now stored.
func (s *NotificationService) replaceOptOuts(ctx context.Context, p Principal, next func(before []ChannelSetting) ([]ChannelSetting, error)) ([]ChannelSetting, error) {
	var off []ChannelSetting
	err := s.store.InTx(ctx, func(tx Tx) error {
		// The row lock (PostgreSQL) orders two changes of one account, so
		// that each entry's "turned off" and "turned on" are against the
		// settings it replaced.
		u, err := tx.GetUserByUsername(p.Subject, true)
		if err != nil {
			return err
		}
		before, err := tx.NotificationOptOuts(u.ID)
		if err != nil {
			return err
		}
		if off, err = next(before); err != nil {
			return err
		}
		data := settingsChange(u.ID, before, off)
		if len(data.TurnedOff) == 0 && len(data.TurnedOn) == 0 {
			return nil
		}
		if err := tx.SetNotificationOptOuts(u.ID, off); err != nil {
			return err
		}
		return tx.AppendAudit(auditEntry(AuditEntry{At: s.clock(), Actor: p.Subject}, AuditNotificationSettingsUpdated, data))
	})
	if err != nil {
		return nil, err
	}
	return off, nil
}

// settingsChange is the audit data of a change of userID's opt-outs from
// before to after: each list in the settings grid's order, empty and not
// absent when it has nothing.
func settingsChange(userID string, before, after []ChannelSetting) NotificationSettingsData {
	d := NotificationSettingsData{UserID: userID, Off: []ChannelData{}, TurnedOff: []ChannelData{}, TurnedOn: []ChannelData{}}
	wasOff, isOff := offCells(before), offCells(after)
	for _, c := range settingsGrid(nil) {
		cell := ChannelData{Kind: c.Kind, Channel: c.Channel}
		key := [2]string{c.Kind, c.Channel}
		switch {
		case isOff[key] && wasOff[key]:
			d.Off = append(d.Off, cell)
		case isOff[key]:
			d.Off, d.TurnedOff = append(d.Off, cell), append(d.TurnedOff, cell)
		case wasOff[key]:
			d.TurnedOn = append(d.TurnedOn, cell)
		}
	}
	return d
}

// offCells are the (kind, channel) pairs of off.
func offCells(off []ChannelSetting) map[[2]string]bool {
	out := make(map[[2]string]bool, len(off))
	for _, o := range off {
		out[[2]string{o.Kind, o.Channel}] = true
	}
	return out
}

// WebhookInput is a new webhook: its URL, and for a role webhook the role.
type WebhookInput struct {
	URL  string
	Role Role // "" for the caller's own webhook
}

// PersonalWebhookRefusal is CreateWebhook's refusal of a personal webhook
// for an account holding roles (forbidden): no kind of notification reaches
// them (NotificationKindsFor), so nothing would ever be sent to it. A
// settings page offers the form only when it is nil.
func PersonalWebhookRefusal(roles []Role) error {
	if len(NotificationKindsFor(roles)) == 0 {
		return Errorf(CodeForbidden, "no kind of notification reaches your roles, so a webhook of yours would never be sent anything")
	}
	return nil
}

// WebhookRevokeRefusal is RevokeWebhook's refusal of w, one the caller
// may revoke (conflict): it was already revoked; nil when it is active.
func WebhookRevokeRefusal(w Webhook) error {
	if w.RevokedAt != nil {
		return Errorf(CodeConflict, "the webhook was already revoked")
	}
	return nil
}

// CreateWebhook registers a webhook with a fresh secret, which the
// returned value carries: the only time anyone sees it. A personal webhook
// (no role) is the caller's; a role webhook is for administrators and an
// approver role.
func (s *NotificationService) CreateWebhook(ctx context.Context, p Principal, in WebhookInput) (*Webhook, error) {
	if in.Role == "" {
		if err := PersonalWebhookRefusal(p.Roles); err != nil {
			return nil, err
		}
	}
	err := ValidateWebhookURL(in.URL, WebhookURLPolicy{AllowHTTP: s.AllowHTTP, AllowPrivate: s.AllowPrivate,
		ASCIIHost: s.WebhookASCIIHost})
	if in.Role != "" {
		if !p.HasRole(RoleAdmin) {
			return nil, Errorf(CodeForbidden, "only an administrator registers a role's webhook")
		}
		if rerr := ValidateWebhookRole(in.Role); rerr != nil {
			if err == nil {
				return nil, rerr
			}
			err.(*Error).Fields = append(err.(*Error).Fields, rerr.(*Error).Fields...)
		}
	}
	if err != nil {
		return nil, err
	}
	secret, err := NewWebhookSecret()
	if err != nil {
		return nil, err
	}
	now := s.clock()
	w := &Webhook{ID: s.newID(), Role: in.Role, URL: in.URL, Secret: secret, CreatedBy: p.Subject, CreatedAt: now}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if in.Role == "" {
			u, err := tx.GetUserByUsername(p.Subject, true)
			if err != nil {
				return err
			}
			w.UserID, w.Username = u.ID, u.Username
		}
		n, err := tx.CountActiveWebhooks(w.UserID, w.Role)
		if err != nil {
			return err
		}
		if n >= MaxWebhooksPerID {
			return Errorf(CodeConflict, "at most %d active webhooks each; revoke one first", MaxWebhooksPerID)
		}
		if err := tx.CreateWebhook(w); err != nil {
			return err
		}
		return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: p.Subject}, AuditWebhookCreated, webhookData(w)))
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// OwnWebhook returns the caller's own webhook id, without its secret, or
// not found when it is not theirs.
func (s *NotificationService) OwnWebhook(ctx context.Context, p Principal, id string) (*Webhook, error) {
	page, err := s.WebhookPage(ctx, p, WebhookFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, ErrNotFound("webhook")
	}
	return &page.Items[0], nil
}

// WebhookPage returns one page of the caller's own webhooks, or with
// f.Roles every role's (administrators), newest first, after the webhook
// f.After. f.UserID is set here.
func (s *NotificationService) WebhookPage(ctx context.Context, p Principal, f WebhookFilter) (WebhookPage, error) {
	if f.Roles {
		if !p.HasRole(RoleAdmin) {
			return WebhookPage{}, Errorf(CodeForbidden, "only an administrator sees the roles' webhooks")
		}
		f.UserID = ""
		return s.store.ListWebhooks(ctx, f)
	}
	u, err := s.account(ctx, p)
	if err != nil {
		return WebhookPage{}, err
	}
	f.UserID = u.ID
	return s.store.ListWebhooks(ctx, f)
}

// RevokeWebhook ends a webhook: its queued deliveries become undeliverable
// in the same transaction (storage marks them). With role, it is a role webhook revoked by
// an administrator; without, one of the caller's own. Anything else does
// not exist for the caller.
func (s *NotificationService) RevokeWebhook(ctx context.Context, p Principal, id string, role bool) (*Webhook, error) {
	var out *Webhook
	err := s.store.InTx(ctx, func(tx Tx) error {
		w, err := tx.GetWebhook(id)
		if err != nil {
			return err
		}
		if role {
			if w.Role == "" || !p.HasRole(RoleAdmin) {
				return ErrNotFound("webhook")
			}
		} else {
			u, err := tx.GetUserByUsername(p.Subject, false)
			if err != nil {
				return err
			}
			if w.UserID != u.ID {
				return ErrNotFound("webhook")
			}
			w.Username = u.Username
		}
		if err := WebhookRevokeRefusal(*w); err != nil {
			return err
		}
		now := s.clock()
		if err := tx.RevokeWebhook(id, now); err != nil {
			return err
		}
		w.RevokedAt, out = &now, w
		return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: p.Subject}, AuditWebhookRevoked, webhookData(w)))
	})
	return out, err
}

// webhookData is a webhook in the audit log: never its secret, and its URL
// without the query.
func webhookData(w *Webhook) WebhookData {
	return WebhookData{WebhookID: w.ID, Owner: w.Username, Role: string(w.Role), URL: WebhookURLForAudit(w.URL)}
}
