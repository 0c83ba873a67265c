package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// Each audit action's data is one of the types below, registered in
// AuditDataTypes: an action without a registered type cannot be appended
// through AuditFields, and docs/audit.md's table of keys is generated from
// these types. The json tags are the format of entries already in the log:
// a key that is omitted when empty is tagged omitempty, one that is always
// present is not. Changing a tag changes what new entries look like, never
// the bytes of old ones.

// TransitionData is a status change: request.expired.
type TransitionData struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// ReasonedTransitionData is a status change with the actor's reason (present
// even when empty): request.withdrawn, request.revoked.
type ReasonedTransitionData struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// RequestCreatedData is request.created: every top-level field of the
// details, lists present even when empty.
type RequestCreatedData struct {
	DetailsDoc
}

// ChangedData is request.updated: the top-level detail fields that changed,
// with their new values.
type ChangedData struct {
	Changed map[string]any `json:"changed"`
}

// RequestSubmittedData is request.submitted: the route computed by the
// policy, and the reference given at the first submission.
type RequestSubmittedData struct {
	From      string     `json:"from"`
	To        string     `json:"to"`
	Route     *RouteData `json:"route"`
	Reference string     `json:"reference,omitempty"`
}

// RouteData is a route in an audit entry: its policy version and stages.
type RouteData struct {
	PolicyVersion string      `json:"policy_version"`
	FastTrack     bool        `json:"fast_track"`
	Reasons       []string    `json:"reasons"`
	Stages        []StageData `json:"stages"`
}

// StageData is one stage of a route; due_at is "" when it has none.
type StageData struct {
	ID                string `json:"id"`
	Role              string `json:"role"`
	Order             int    `json:"order"`
	Status            string `json:"status"`
	ApprovalsRequired int    `json:"approvals_required"`
	DueAt             string `json:"due_at"`
}

// DecisionData is request.decided. The conflict keys are present only when
// a final approval overrode area conflicts; area_conflicts_nation is the
// sending nation's view of them (days alone).
type DecisionData struct {
	Stage               string   `json:"stage"`
	Outcome             string   `json:"outcome"`
	Comment             string   `json:"comment"`
	Conditions          []string `json:"conditions"`
	DecisionID          string   `json:"decision_id"`
	From                string   `json:"from"`
	To                  string   `json:"to"`
	OverrideReason      string   `json:"override_reason,omitempty"`
	AreaConflicts       []string `json:"area_conflicts,omitempty"`
	AreaConflictsNation []string `json:"area_conflicts_nation,omitempty"`
}

// RefusalData is request.refused: what was tried and why it was refused;
// unknown_request_id is the id tried when it names no request.
type RefusalData struct {
	Attempted        string `json:"attempted"`
	Code             string `json:"code"`
	Reason           string `json:"reason"`
	UnknownRequestID string `json:"unknown_request_id,omitempty"`
}

// DelegationData is delegation.created and delegation.revoked.
type DelegationData struct {
	DelegationID string `json:"delegation_id"`
	From         string `json:"from"`
	To           string `json:"to"`
	Role         string `json:"role"`
	Starts       string `json:"starts"`
	Ends         string `json:"ends"`
}

// WebhookData is webhook.created and webhook.revoked: the webhook, its
// owner's username or its role, and in url the URL's origin and the SHA-256
// fingerprint of the whole URL ("https://hooks.example.org sha256:<hex>",
// WebhookURLForAudit): never its path or query, which may hold the
// receiver's credentials, and never the secret.
type WebhookData struct {
	WebhookID string `json:"webhook_id"`
	Owner     string `json:"owner,omitempty"`
	Role      string `json:"role,omitempty"`
	URL       string `json:"url"`
}

// NotificationSettingsData is notification_settings.updated: whose settings
// (the account's id; the actor is its username), every kind and channel
// off after the change (all others are on), and which of them the change
// turned off and on. Settings hold no secret; webhooks are entries of their
// own.
type NotificationSettingsData struct {
	UserID    string        `json:"user_id"`
	Off       []ChannelData `json:"off"`
	TurnedOff []ChannelData `json:"turned_off"`
	TurnedOn  []ChannelData `json:"turned_on"`
}

// ChannelData is one cell of the notification settings: a kind of
// notification on a channel.
type ChannelData struct {
	Kind    string `json:"kind"`
	Channel string `json:"channel"`
}

// FrameworkCreatedData is framework.created.
type FrameworkCreatedData struct {
	FrameworkID string             `json:"framework_id"`
	Terms       FrameworkTermsData `json:"terms"`
}

// FrameworkTermsData is the terms of a framework agreement.
type FrameworkTermsData struct {
	Nation           string   `json:"nation"`
	Name             string   `json:"name"`
	Reference        string   `json:"reference"`
	ValidFrom        string   `json:"valid_from"`
	ValidUntil       string   `json:"valid_until"`
	TrainingAreas    []string `json:"training_areas"`
	EntryPoints      []string `json:"entry_points"`
	PersonnelCeiling int      `json:"personnel_ceiling"`
	LiveFire         bool     `json:"live_fire"`
	DangerousGoods   bool     `json:"dangerous_goods"`
	Notes            string   `json:"notes"`
	Suspended        bool     `json:"suspended"`
}

// FrameworkUpdatedData is framework.updated: the terms that changed.
type FrameworkUpdatedData struct {
	FrameworkID string         `json:"framework_id"`
	Version     int            `json:"version"`
	Changed     map[string]any `json:"changed"`
}

// AreaUpdatedData is training_area.updated: the settings that changed.
type AreaUpdatedData struct {
	Area    string         `json:"area"`
	Version int            `json:"version"`
	Changed map[string]any `json:"changed"`
}

// UserData is an account (never its password or hash): every user.* action
// but user.locked, user.created and user.password_reset, which add to it.
type UserData struct {
	UserID     string   `json:"user_id"`
	Username   string   `json:"username"`
	Roles      []string `json:"roles"`
	Nation     string   `json:"nation"`
	Disabled   bool     `json:"disabled"`
	Generation int64    `json:"generation"`
	Reason     string   `json:"reason,omitempty"`
	External   bool     `json:"external,omitempty"`
	Email      string   `json:"email,omitempty"`
}

// UserPasswordSetData is user.created and user.password_reset: the account,
// and when the one-time password they set expires (RFC 3339; absent when
// none was set, as for an identity provider's subject, and in entries
// recorded before one-time passwords expired). Never the password.
type UserPasswordSetData struct {
	UserData
	OneTimePasswordExpiresAt string `json:"one_time_password_expires_at,omitempty"`
}

// UserLockedData is user.locked: the account and how long it is locked.
type UserLockedData struct {
	UserData
	FailedSignIns int    `json:"failed_sign_ins"`
	LockedUntil   string `json:"locked_until"`
}

// AuditExportedData is audit.exported: the export's range; from and to are
// present when the export asked for them.
type AuditExportedData struct {
	Format   string `json:"format"`
	First    int64  `json:"first"`
	Count    int64  `json:"count"`
	TreeSize int64  `json:"tree_size"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
}

// KeyRotatedData is audit.key_rotated; reason is moved_out_of_database when
// the previous key had been kept in the database. RetiredKeyBound is the
// size of the last checkpoint the previous key signed (the latest kept
// checkpoint, when that key signed it): the N an auditor gives to
// `audit verify --key FILE@N`, read from the signed log itself. It is
// absent when no kept checkpoint of that key was found, and in entries
// recorded before it existed; a pointer, so that a bound of 0 is written.
type KeyRotatedData struct {
	VerifierKey         string `json:"verifier_key"`
	PreviousVerifierKey string `json:"previous_verifier_key"`
	Reason              string `json:"reason,omitempty"`
	RetiredKeyBound     *int64 `json:"retired_key_bound,omitempty"`
}

// UnknownAuditAction reports whether a filter names an action no entry can
// have: the actions are a closed set, so such a filter is a mistake to
// name, not one that happens to match nothing. An empty one is no filter.
func UnknownAuditAction(action string) bool {
	_, known := AuditDataTypes[action]
	return action != "" && !known
}

// AuditDataTypes maps each audit action to the type of its data. The table
// of keys in docs/audit.md is generated from it:
//
//go:generate go test . -run TestAuditDataTable -update
var AuditDataTypes = map[string]reflect.Type{
	AuditRequestCreated:      reflect.TypeFor[RequestCreatedData](),
	AuditRequestUpdated:      reflect.TypeFor[ChangedData](),
	AuditRequestSubmitted:    reflect.TypeFor[RequestSubmittedData](),
	AuditRequestWithdrawn:    reflect.TypeFor[ReasonedTransitionData](),
	AuditRequestDecided:      reflect.TypeFor[DecisionData](),
	AuditRequestRevoked:      reflect.TypeFor[ReasonedTransitionData](),
	AuditRequestExpired:      reflect.TypeFor[TransitionData](),
	AuditRequestRefused:      reflect.TypeFor[RefusalData](),
	AuditDelegationCreated:   reflect.TypeFor[DelegationData](),
	AuditDelegationRevoked:   reflect.TypeFor[DelegationData](),
	AuditWebhookCreated:      reflect.TypeFor[WebhookData](),
	AuditWebhookRevoked:      reflect.TypeFor[WebhookData](),
	AuditFrameworkCreated:    reflect.TypeFor[FrameworkCreatedData](),
	AuditFrameworkUpdated:    reflect.TypeFor[FrameworkUpdatedData](),
	AuditTrainingAreaUpdated: reflect.TypeFor[AreaUpdatedData](),
	AuditUserCreated:         reflect.TypeFor[UserPasswordSetData](),
	AuditUserUpdated:         reflect.TypeFor[UserData](),
	AuditUserDisabled:        reflect.TypeFor[UserData](),
	AuditUserEnabled:         reflect.TypeFor[UserData](),
	AuditUserPasswordReset:   reflect.TypeFor[UserPasswordSetData](),
	AuditUserPasswordChanged: reflect.TypeFor[UserData](),
	AuditUserLocked:          reflect.TypeFor[UserLockedData](),
	AuditExported:            reflect.TypeFor[AuditExportedData](),
	AuditKeyRotated:          reflect.TypeFor[KeyRotatedData](),

	// A user's own notification settings (notifysettings.go).
	AuditNotificationSettingsUpdated: reflect.TypeFor[NotificationSettingsData](),
}

// AuditFields renders data, which must be of the type registered for action
// (a value, not a pointer), as the generic map an AuditEntry carries.
// Anything else is a programming error, and it panics: a test renders every
// action, so no unregistered shape reaches the log.
func AuditFields(action string, data any) map[string]any {
	want, ok := AuditDataTypes[action]
	if !ok || reflect.TypeOf(data) != want {
		panic(fmt.Sprintf("domain: audit action %q with data %T: register its type in AuditDataTypes", action, data))
	}
	return jsonFields(data)
}

// jsonFields is v encoded as JSON and decoded as a generic map, numbers as
// json.Number: the map encodes to the same bytes as v. It is built
// directly (genericOf) when it can be: every change renders its audit data
// on the one writer, and the JSON text in between cost most of the time.
func jsonFields(v any) map[string]any {
	if g, ok := genericOf(reflect.ValueOf(v)); ok {
		if m, ok := g.(map[string]any); ok {
			return m
		}
	}
	return jsonFieldsRoundTrip(v)
}

// jsonFieldsRoundTrip is jsonFields by its definition: encode, decode.
func jsonFieldsRoundTrip(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil { // the audit types hold only strings, integers, booleans, lists and maps of them
		panic(fmt.Sprintf("domain: audit data %T: %v", v, err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		panic(fmt.Sprintf("domain: audit data %T: %v", v, err))
	}
	return out
}

// auditEntry is an entry of action with its typed data.
func auditEntry(e AuditEntry, action string, data any) *AuditEntry {
	e.Action, e.Data = action, AuditFields(action, data)
	return &e
}
