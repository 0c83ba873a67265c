package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"exaccess/domain/domaintest"
)

// The legacy* functions are how audit data was built before it was typed:
// one map per call site. They stay here, frozen, so that the typed data is
// shown to give the bytes the log already holds for the same content — the
// log is append-only and verified byte for byte.

func legacyStrings(xs []string) []any {
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		out = append(out, x)
	}
	return out
}

func legacyDetails(d Details) map[string]any {
	v := reflect.ValueOf(NewDetailsDoc(d))
	out := make(map[string]any, v.NumField())
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		out[name] = emptyLists(v.Field(i)).Interface()
	}
	return out
}

func legacyRoute(r *Route) map[string]any {
	if r == nil {
		return nil
	}
	stages := []any{}
	for _, s := range r.Stages {
		stages = append(stages, map[string]any{"id": s.ID, "role": string(s.Role), "order": s.Order, "status": string(s.Status),
			"approvals_required": s.ApprovalsRequired, "due_at": timeString(s.DueAt)})
	}
	return map[string]any{"policy_version": r.PolicyVersion, "fast_track": r.FastTrack,
		"reasons": legacyStrings(r.Reasons), "stages": stages}
}

func legacyUser(u *User, reason string) map[string]any {
	roles := make([]any, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	d := map[string]any{"user_id": u.ID, "username": u.Username, "roles": roles, "nation": u.Nation,
		"disabled": u.Disabled(), "generation": u.Generation}
	if reason != "" {
		d["reason"] = reason
	}
	if u.External {
		d["external"] = true
	}
	return d
}

// withKey is d with one more key, as a call site that added it would build.
func withKey(d map[string]any, key string, v any) map[string]any {
	d[key] = v
	return d
}

func legacyFramework(t FrameworkTerms) map[string]any {
	return map[string]any{"nation": t.Nation, "name": t.Name, "reference": t.Reference,
		"valid_from": DateString(t.ValidFrom), "valid_until": DateString(t.ValidUntil),
		"training_areas": legacyStrings(t.TrainingAreas), "entry_points": legacyStrings(t.EntryPoints),
		"personnel_ceiling": t.PersonnelCeiling, "live_fire": t.LiveFire, "dangerous_goods": t.DangerousGoods,
		"notes": t.Notes, "suspended": t.Suspended}
}

func legacyDecision(c Decision, from, to Status, override string, msgs, nation []string) map[string]any {
	d := map[string]any{"stage": c.Stage, "outcome": c.Outcome, "comment": c.Comment,
		"conditions": legacyStrings(c.Conditions), "decision_id": c.ID, "from": string(from), "to": string(to)}
	if override != "" {
		d["override_reason"], d["area_conflicts"], d[nationConflictsKey] = override, legacyStrings(msgs), legacyStrings(nation)
	}
	return d
}

// canonical is v encoded, decoded and encoded again, as storage's
// CanonicalJSON does: keys sorted at every level, numbers kept verbatim.
func canonical(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(generic)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTypedAuditDataKeepsLegacyBytes: for representative entries of every
// action — lists nil, empty and full, optional keys absent and present —
// the typed data encodes exactly as the map each call site used to build.
func TestTypedAuditDataKeepsLegacyBytes(t *testing.T) {
	var full Details
	domaintest.Fill(&full)
	due := time.Date(2027, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	route := &Route{PolicyVersion: "v7", FastTrack: true, Reasons: []string{"live fire <500m>"},
		Stages: []Stage{{ID: "s1", Role: RoleHNS, Order: 1, Status: StageActive, ApprovalsRequired: 2, DueAt: &due}, {ID: "s2", Order: 2}}}
	decision := Decision{ID: "d1", Stage: "s1", Outcome: "approve", Comment: "ok & fine", Conditions: []string{"escort"}}
	user := &User{ID: "u1", Username: "ops", Roles: []Role{RoleOperations, RoleAuditor}, Nation: "SE", Generation: 1 << 40}
	external := &User{ID: "u2", Username: "idp", External: true, DisabledAt: &due}
	otpExpires := time.Date(2026, 11, 26, 10, 0, 0, 0, time.FixedZone("CET", 3600)) // written in UTC
	otpUser := &User{ID: "u3", Username: "new", Roles: []Role{RoleAuditor}, Generation: 2, MustChangePassword: true, OneTimePasswordExpiresAt: &otpExpires}
	terms := FrameworkTerms{Nation: "NO", Name: "n", ValidFrom: due, TrainingAreas: []string{"A1"}, PersonnelCeiling: 12345678901234}
	delegation := &Delegation{ID: "g1", From: "a", To: "b", Role: RoleMinistry, Starts: due, Ends: due.AddDate(0, 1, 0)}
	until := due.Add(15 * time.Minute).Format(time.RFC3339)
	locked := legacyUser(user, "")
	locked["failed_sign_ins"], locked["locked_until"] = MaxFailedSignIns, until

	cases := []struct {
		name, action string
		typed        any
		legacy       map[string]any
	}{
		{"created, empty", AuditRequestCreated, NewRequestCreatedData(Details{}), legacyDetails(Details{})},
		{"created, full", AuditRequestCreated, NewRequestCreatedData(full), legacyDetails(full)},
		{"updated", AuditRequestUpdated, ChangedData{ChangedDetails(Details{}, full)},
			map[string]any{"changed": changedData(legacyDetails(Details{}), legacyDetails(full))}},
		{"updated, nothing", AuditRequestUpdated, ChangedData{ChangedDetails(full, full)}, map[string]any{"changed": map[string]any{}}},
		{"submitted first", AuditRequestSubmitted, RequestSubmittedData{From: "draft", To: "in_review", Route: NewRouteData(route), Reference: "SE-2027-X-1"},
			map[string]any{"from": "draft", "to": "in_review", "route": legacyRoute(route), "reference": "SE-2027-X-1"}},
		{"resubmitted, empty route", AuditRequestSubmitted, RequestSubmittedData{From: "changes_requested", To: "in_review", Route: NewRouteData(&Route{})},
			map[string]any{"from": "changes_requested", "to": "in_review", "route": legacyRoute(&Route{})}},
		{"submitted, no route", AuditRequestSubmitted, RequestSubmittedData{From: "a", To: "b", Route: NewRouteData(nil)},
			map[string]any{"from": "a", "to": "b", "route": legacyRoute(nil)}},
		{"withdrawn, no reason", AuditRequestWithdrawn, ReasonedTransitionData{From: "draft", To: "withdrawn"},
			map[string]any{"from": "draft", "to": "withdrawn", "reason": ""}},
		{"revoked", AuditRequestRevoked, ReasonedTransitionData{From: "approved", To: "revoked", Reason: "r"},
			map[string]any{"from": "approved", "to": "revoked", "reason": "r"}},
		{"expired", AuditRequestExpired, TransitionData{From: "approved", To: "expired"}, map[string]any{"from": "approved", "to": "expired"}},
		{"decided, no conditions", AuditRequestDecided, DecisionData{Stage: "s1", Outcome: "reject", DecisionID: "d2", From: "in_review", To: "rejected", Conditions: list(nil)},
			legacyDecision(Decision{ID: "d2", Stage: "s1", Outcome: "reject"}, "in_review", "rejected", "", nil, nil)},
		{"decided, override", AuditRequestDecided, DecisionData{Stage: "s1", Outcome: "approve", Comment: "ok & fine", Conditions: list(decision.Conditions),
			DecisionID: "d1", From: "in_review", To: "approved", OverrideReason: "needed", AreaConflicts: []string{"A1 over"}, AreaConflictsNation: []string{"A1 day"}},
			legacyDecision(decision, "in_review", "approved", "needed", []string{"A1 over"}, []string{"A1 day"})},
		{"refused", AuditRequestRefused, RefusalData{Attempted: "decide", Code: "forbidden", Reason: "no"},
			map[string]any{"attempted": "decide", "code": "forbidden", "reason": "no"}},
		{"refused, unknown id", AuditRequestRefused, RefusalData{Attempted: "read", Code: "not_found", Reason: "no", UnknownRequestID: "x"},
			map[string]any{"attempted": "read", "code": "not_found", "reason": "no", "unknown_request_id": "x"}},
		{"delegation", AuditDelegationCreated, delegationData(delegation), map[string]any{"delegation_id": "g1", "from": "a", "to": "b",
			"role": string(RoleMinistry), "starts": due.Format(time.RFC3339), "ends": due.AddDate(0, 1, 0).Format(time.RFC3339)}},
		{"webhook of a user", AuditWebhookCreated, webhookData(&Webhook{ID: "w1", Username: "lo", URL: "https://h.example/x?token=t", Secret: "whsec_never"}),
			map[string]any{"webhook_id": "w1", "owner": "lo", "url": "https://h.example sha256:" + sha256Hex("https://h.example/x?token=t")}},
		{"webhook of a role", AuditWebhookRevoked, webhookData(&Webhook{ID: "w2", Role: RoleHNS, URL: "https://h.example/y"}),
			map[string]any{"webhook_id": "w2", "role": string(RoleHNS), "url": "https://h.example sha256:" + sha256Hex("https://h.example/y")}},
		{"settings, nothing off", AuditNotificationSettingsUpdated,
			settingsChange("u1", []ChannelSetting{{Kind: NotifyStageActive, Channel: ChannelEmail}}, nil),
			map[string]any{"user_id": "u1", "off": []any{}, "turned_off": []any{},
				"turned_on": []any{map[string]any{"kind": NotifyStageActive, "channel": ChannelEmail}}}},
		{"settings, turned off", AuditNotificationSettingsUpdated,
			settingsChange("u1", []ChannelSetting{{Kind: NotifyApproved, Channel: ChannelInbox}},
				[]ChannelSetting{{Kind: NotifyStageOverdue, Channel: ChannelWebhook}, {Kind: NotifyApproved, Channel: ChannelInbox}, {Kind: NotifyStageActive, Channel: ChannelEmail}}),
			map[string]any{"user_id": "u1",
				"off": []any{map[string]any{"kind": NotifyApproved, "channel": ChannelInbox}, map[string]any{"kind": NotifyStageActive, "channel": ChannelEmail},
					map[string]any{"kind": NotifyStageOverdue, "channel": ChannelWebhook}},
				"turned_off": []any{map[string]any{"kind": NotifyStageActive, "channel": ChannelEmail}, map[string]any{"kind": NotifyStageOverdue, "channel": ChannelWebhook}},
				"turned_on":  []any{}}},
		{"framework created", AuditFrameworkCreated, FrameworkCreatedData{FrameworkID: "f1", Terms: FrameworkData(terms)},
			map[string]any{"framework_id": "f1", "terms": legacyFramework(terms)}},
		{"framework updated", AuditFrameworkUpdated, FrameworkUpdatedData{FrameworkID: "f1", Version: 2,
			Changed: changedData(jsonFields(FrameworkData(FrameworkTerms{})), jsonFields(FrameworkData(terms)))},
			map[string]any{"framework_id": "f1", "version": 2, "changed": changedData(legacyFramework(FrameworkTerms{}), legacyFramework(terms))}},
		{"area updated", AuditTrainingAreaUpdated, AreaUpdatedData{Area: "A1", Version: 3, Changed: map[string]any{"blackout_days": []any{"2027-01-01"}}},
			map[string]any{"area": "A1", "version": 3, "changed": map[string]any{"blackout_days": []any{"2027-01-01"}}}},
		{"user created", AuditUserCreated, passwordSetData(user, ""), legacyUser(user, "")},
		{"user created, one-time password", AuditUserCreated, passwordSetData(otpUser, ""), withKey(legacyUser(otpUser, ""), "one_time_password_expires_at", "2026-11-26T09:00:00Z")},
		{"password reset", AuditUserPasswordReset, passwordSetData(otpUser, "forgot"), withKey(legacyUser(otpUser, "forgot"), "one_time_password_expires_at", "2026-11-26T09:00:00Z")},
		{"user, external, no roles", AuditUserDisabled, userData(external, "left"), legacyUser(external, "left")},
		{"user locked", AuditUserLocked, UserLockedData{UserData: userData(user, ""), FailedSignIns: MaxFailedSignIns, LockedUntil: until}, locked},
		{"exported", AuditExported, AuditExportedData{Format: "csv", First: 0, Count: 5, TreeSize: 9},
			map[string]any{"format": "csv", "first": int64(0), "count": int64(5), "tree_size": int64(9)}},
		{"exported, range", AuditExported, AuditExportedData{Format: "ndjson", First: 2, Count: 1, TreeSize: 9, From: "a", To: "b"},
			map[string]any{"format": "ndjson", "first": int64(2), "count": int64(1), "tree_size": int64(9), "from": "a", "to": "b"}},
		{"key rotated", AuditKeyRotated, KeyRotatedData{VerifierKey: "k2", PreviousVerifierKey: "k1"},
			map[string]any{"verifier_key": "k2", "previous_verifier_key": "k1"}},
		{"key moved out", AuditKeyRotated, KeyRotatedData{VerifierKey: "k2", PreviousVerifierKey: "k1", Reason: "moved_out_of_database"},
			map[string]any{"verifier_key": "k2", "previous_verifier_key": "k1", "reason": "moved_out_of_database"}},
		{"key rotated, bound", AuditKeyRotated, KeyRotatedData{VerifierKey: "k2", PreviousVerifierKey: "k1", RetiredKeyBound: ptr(int64(42))},
			map[string]any{"verifier_key": "k2", "previous_verifier_key": "k1", "retired_key_bound": int64(42)}},
		{"key rotated, bound 0", AuditKeyRotated, KeyRotatedData{VerifierKey: "k2", PreviousVerifierKey: "k1", RetiredKeyBound: ptr(int64(0))},
			map[string]any{"verifier_key": "k2", "previous_verifier_key": "k1", "retired_key_bound": int64(0)}},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.action] = true
		got, want := canonical(t, AuditFields(c.action, c.typed)), canonical(t, c.legacy)
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%s):\n typed %s\nlegacy %s", c.name, c.action, got, want)
		}
	}
	for action := range AuditDataTypes {
		if !covered[action] && AuditDataTypes[action] != reflect.TypeFor[UserData]() && AuditDataTypes[action] != reflect.TypeFor[DelegationData]() &&
			AuditDataTypes[action] != reflect.TypeFor[ReasonedTransitionData]() {
			t.Errorf("%s has no case here", action)
		}
	}
}

// TestAuditFieldsRefusesAnUnregisteredShape: data of another type than the
// action's, or of an action with no type, is a programming error.
func TestAuditFieldsRefusesAnUnregisteredShape(t *testing.T) {
	for _, c := range []struct {
		action string
		data   any
	}{
		{AuditRequestExpired, map[string]any{"from": "a"}},
		{AuditRequestExpired, &TransitionData{}},
		{AuditUserLocked, UserData{}},
		{"request.teleported", TransitionData{}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AuditFields(%q, %T) did not panic", c.action, c.data)
				}
			}()
			AuditFields(c.action, c.data)
		}()
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func ptr[T any](v T) *T { return &v }

// TestKeyRotatedDataDecodesOldEntries: an audit.key_rotated entry recorded
// before retired_key_bound existed decodes with no bound, one recorded
// after with its bound, 0 included.
func TestKeyRotatedDataDecodesOldEntries(t *testing.T) {
	for _, c := range []struct {
		data string
		want *int64
	}{
		{`{"previous_verifier_key":"k1","reason":"moved_out_of_database","verifier_key":"k2"}`, nil},
		{`{"previous_verifier_key":"k1","retired_key_bound":42,"verifier_key":"k2"}`, ptr(int64(42))},
		{`{"previous_verifier_key":"k1","retired_key_bound":0,"verifier_key":"k2"}`, ptr(int64(0))},
	} {
		var d KeyRotatedData
		if err := json.Unmarshal([]byte(c.data), &d); err != nil || d.PreviousVerifierKey != "k1" || d.VerifierKey != "k2" ||
			(d.RetiredKeyBound == nil) != (c.want == nil) || c.want != nil && *d.RetiredKeyBound != *c.want {
			t.Errorf("%s: %+v, %v", c.data, d, err)
		}
	}
}
