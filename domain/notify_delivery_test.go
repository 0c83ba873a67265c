package domain

import (
	"context"
	"errors"
	"testing"
	"time"
)

// addressees is a fake Addressees: accounts by id, and the delegations
// ActiveDelegations returns for each delegate (whatever their times, so
// that the rule's own check of them is tested).
type addressees struct {
	users map[string]*User
	to    map[string][]Delegation
	reads int // ActiveDelegations calls
	fail  error
}

func (a *addressees) GetUser(_ context.Context, id string) (*User, error) {
	if a.fail != nil {
		return nil, a.fail
	}
	if u := a.users[id]; u != nil {
		return u, nil
	}
	return nil, ErrNotFound("user")
}

func (a *addressees) ActiveDelegations(_ context.Context, user string, _ time.Time) ([]Delegation, error) {
	a.reads++
	return a.to[user], nil
}

// TestStillAddressed: a queued e-mail or webhook row addressed to a role
// goes out only while its recipient is enabled and holds the role,
// directly or by a delegation running at delivery; one about a delegation
// only while that delegation runs and counts; rows addressed otherwise
// are not checked.
func TestStillAddressed(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	running := Delegation{ID: "d1", From: "hns", To: "deputy", Role: RoleHNS, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	ended := running
	ended.Ends = now
	revoked := running
	revoked.RevokedAt = &now
	other := running
	other.Role = RoleOperations
	src := func() *addressees {
		return &addressees{users: map[string]*User{
			"u-hns":      {ID: "u-hns", Username: "hns", Roles: []Role{RoleHNS}},
			"u-deputy":   {ID: "u-deputy", Username: "deputy", Roles: []Role{RoleRange}},
			"u-disabled": {ID: "u-disabled", Username: "gone", Roles: []Role{RoleHNS}, DisabledAt: &now},
			"u-lo":       {ID: "u-lo", Username: "lo", Roles: []Role{RoleLiaison}, Nation: "NO"},
			// x1 was a range officer given hns_officer by delegation, and
			// is a liaison officer of Austria now; gone was disabled.
			"u-x1":         {ID: "u-x1", Username: "x1", Roles: []Role{RoleLiaison}, Nation: "AT"},
			"u-gone-range": {ID: "u-gone-range", Username: "gone-range", Roles: []Role{RoleRange}, DisabledAt: &now},
		}}
	}
	mail := func(recipient string, role Role) Notification {
		return Notification{Recipient: recipient, Channel: ChannelEmail, AudienceRole: role}
	}
	// about is a row of a notice about delegation d1, keyed as the sweep
	// keys it.
	about := func(kind, recipient, channel string) Notification {
		key := kind + ":d1:"
		if kind == NotifyDelegationEnding {
			key += "1772528400000000:" // the end
		}
		return Notification{Kind: kind, Key: key + recipient + ":" + channel, Recipient: recipient, Channel: channel}
	}
	another := running
	another.ID = "d2"
	for _, c := range []struct {
		name      string
		n         Notification
		to        []Delegation
		want      bool
		delegRead bool
	}{
		{name: "a holder of the role", n: mail("u-hns", RoleHNS), want: true},
		{name: "a holder whose account was disabled", n: mail("u-disabled", RoleHNS)},
		{name: "an account that is gone", n: mail("u-none", RoleHNS)},
		{name: "a delegate by a running delegation", n: mail("u-deputy", RoleHNS), to: []Delegation{running}, want: true, delegRead: true},
		{name: "a delegate whose delegation ended", n: mail("u-deputy", RoleHNS), to: []Delegation{ended}, delegRead: true},
		{name: "a delegate whose delegation was revoked", n: mail("u-deputy", RoleHNS), to: []Delegation{revoked}, delegRead: true},
		{name: "a delegate of another role", n: mail("u-deputy", RoleHNS), to: []Delegation{other}, delegRead: true},
		{name: "no delegation any more", n: mail("u-deputy", RoleHNS), delegRead: true},
		{name: "a webhook of the account, delegation ended",
			n: Notification{Recipient: "u-deputy", Channel: ChannelWebhook, WebhookID: "w", AudienceRole: RoleHNS}, to: []Delegation{ended}, delegRead: true},
		{name: "a liaison officer's notice (no role)", n: mail("u-lo", ""), want: true},
		{name: "a notice from before migration 0020 (no role)", n: mail("u-disabled", ""), want: true},
		{name: "a role's own webhook (no recipient)",
			n: Notification{Channel: ChannelWebhook, WebhookID: "w", AudienceRole: RoleHNS}, want: true},
		{name: "an inbox row", n: Notification{Recipient: "u-deputy", Channel: ChannelInbox, AudienceRole: RoleHNS}, want: true},
		// A notice about a delegation (addressed to the delegate's account,
		// not to a role) goes out only while that delegation runs and counts.
		{name: "delegation started, it runs", n: about(NotifyDelegationStarted, "u-deputy", ChannelEmail), to: []Delegation{running},
			want: true, delegRead: true},
		{name: "delegation ending, it runs", n: about(NotifyDelegationEnding, "u-deputy", ChannelWebhook), to: []Delegation{running},
			want: true, delegRead: true},
		{name: "delegation started, it was revoked", n: about(NotifyDelegationStarted, "u-deputy", ChannelEmail), to: []Delegation{revoked},
			delegRead: true},
		{name: "delegation ending, it ended", n: about(NotifyDelegationEnding, "u-deputy", ChannelEmail), to: []Delegation{ended},
			delegRead: true},
		{name: "delegation started, it no longer counts", n: about(NotifyDelegationStarted, "u-deputy", ChannelEmail), delegRead: true},
		{name: "delegation started, only another delegation runs", n: about(NotifyDelegationStarted, "u-deputy", ChannelWebhook),
			to: []Delegation{another}, delegRead: true},
		{name: "delegation started, the delegate holds the role directly", n: about(NotifyDelegationStarted, "u-hns", ChannelEmail),
			delegRead: true},
		{name: "delegation started, the delegate was disabled", n: about(NotifyDelegationStarted, "u-disabled", ChannelEmail)},
		{name: "delegation started, an inbox row", n: about(NotifyDelegationStarted, "u-deputy", ChannelInbox), want: true},
		// A delegation counts only while its delegate is enabled and holds
		// an approver role, whatever the read of delegations returns.
		{name: "a delegate who is no approver any more", n: mail("u-x1", RoleHNS), to: []Delegation{running}},
		{name: "a webhook of a delegate who is no approver any more",
			n: Notification{Recipient: "u-x1", Channel: ChannelWebhook, WebhookID: "w", AudienceRole: RoleHNS}, to: []Delegation{running}},
		{name: "a disabled delegate", n: mail("u-gone-range", RoleHNS), to: []Delegation{running}},
		{name: "delegation started, the delegate is no approver any more", n: about(NotifyDelegationStarted, "u-x1", ChannelEmail),
			to: []Delegation{running}},
		{name: "delegation started, the delegate was disabled (a range officer)", n: about(NotifyDelegationStarted, "u-gone-range", ChannelEmail),
			to: []Delegation{running}},
	} {
		s := src()
		s.to = map[string][]Delegation{"deputy": c.to, "x1": retarget(c.to, "x1"), "gone-range": retarget(c.to, "gone-range")}
		got, err := StillAddressed(context.Background(), s, c.n, now)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: StillAddressed = %v, want %v", c.name, got, c.want)
		}
		if (s.reads > 0) != c.delegRead {
			t.Errorf("%s: %d reads of delegations, want them only for a recipient without the role", c.name, s.reads)
		}
	}
	// An error reading the account is returned, not taken for an answer.
	s := src()
	s.fail = errors.New("connection lost")
	if _, err := StillAddressed(context.Background(), s, mail("u-hns", RoleHNS), now); err == nil {
		t.Error("a failed read gave an answer")
	}
}

// retarget is ds as delegations to user.
func retarget(ds []Delegation, user string) []Delegation {
	out := make([]Delegation, len(ds))
	for i, d := range ds {
		d.To = user
		out[i] = d
	}
	return out
}
