package domain

import (
	"cmp"
	"context"
	"errors"
	"testing"
	"time"
)

// addressees is a fake Addressees: accounts by id, and the delegations
// ActiveDelegations returns for each delegate (whatever their times, so
// that the rule's own check of them is tested).
type addressees struct {
	users    map[string]*User
	to       map[string][]Delegation
	requests map[string]*Request
	reads    int // ActiveDelegations calls
	fail     error
	// failRequest fails the reads of requests only.
	failRequest error
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

func (a *addressees) RequestHead(_ context.Context, id string) (*RequestHead, error) {
	if err := cmp.Or(a.fail, a.failRequest); err != nil {
		return nil, err
	}
	if r := a.requests[id]; r != nil {
		return r.Head(), nil
	}
	return nil, ErrNotFound("request")
}

func (a *addressees) ActiveDelegations(_ context.Context, user string, _ time.Time) ([]Delegation, error) {
	a.reads++
	return a.to[user], nil
}

// TestStillAddressed: a queued e-mail or webhook row of an account goes
// out only while the account is enabled and may see the request it is
// about; one addressed to a role only while its recipient holds the role,
// directly or by a delegation running at delivery; one about a delegation
// only while that delegation runs and counts; an e-mail to the account's
// address at delivery. Rows of no account and inbox rows are not checked.
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
		a := &addressees{users: map[string]*User{
			"u-hns":      {ID: "u-hns", Username: "hns", Roles: []Role{RoleHNS}},
			"u-deputy":   {ID: "u-deputy", Username: "deputy", Roles: []Role{RoleRange}},
			"u-disabled": {ID: "u-disabled", Username: "gone", Roles: []Role{RoleHNS}, DisabledAt: &now},
			"u-lo":       {ID: "u-lo", Username: "lo", Roles: []Role{RoleLiaison}, Nation: "NO"},
			// x1 was a range officer given hns_officer by delegation, and
			// is a liaison officer of Austria now; gone was disabled.
			"u-x1":         {ID: "u-x1", Username: "x1", Roles: []Role{RoleLiaison}, Nation: "AT"},
			"u-gone-range": {ID: "u-gone-range", Username: "gone-range", Roles: []Role{RoleRange}, DisabledAt: &now},
			// lo-moved was a liaison officer of Norway; lo-gone one who was
			// disabled; lo-new has a new address, lo-none none left.
			"u-lo-moved": {ID: "u-lo-moved", Username: "lo-moved", Roles: []Role{RoleLiaison}, Nation: "DE"},
			"u-lo-gone":  {ID: "u-lo-gone", Username: "lo-gone", Roles: []Role{RoleLiaison}, Nation: "NO", DisabledAt: &now},
			"u-lo-new":   {ID: "u-lo-new", Username: "lo-new", Roles: []Role{RoleLiaison}, Nation: "NO"},
			"u-lo-none":  {ID: "u-lo-none", Username: "lo-none", Roles: []Role{RoleLiaison}, Nation: "NO"},
		}, requests: map[string]*Request{
			"r-no":    {ID: "r-no", Nation: "NO", Status: StatusApproved},
			"r-draft": {ID: "r-draft", Nation: "NO", Status: StatusDraft},
		}}
		for _, u := range a.users {
			u.Email = u.Username + "@example.org"
		}
		a.users["u-lo-new"].Email = "new@no.example"
		a.users["u-lo-none"].Email = ""
		return a
	}
	// A row's address is its account's address when it was written.
	address := func(recipient string) string {
		if u := src().users[recipient]; u != nil && recipient != "u-lo-new" && recipient != "u-lo-none" {
			return u.Email
		}
		return "old@no.example"
	}
	mail := func(recipient string, role Role) Notification {
		return Notification{Recipient: recipient, Channel: ChannelEmail, AudienceRole: role, Address: address(recipient)}
	}
	onRequest := func(n Notification, request string) Notification {
		n.RequestID = request
		return n
	}
	// about is a row of a notice about delegation d1, keyed as the sweep
	// keys it.
	about := func(kind, recipient, channel string) Notification {
		key := kind + ":d1:"
		if kind == NotifyDelegationEnding {
			key += "1772528400000000:" // the end
		}
		n := Notification{Kind: kind, Key: key + recipient + ":" + channel, Recipient: recipient, Channel: channel}
		if channel == ChannelEmail {
			n.Address = address(recipient)
		}
		return n
	}
	webhook := func(recipient string, role Role) Notification {
		return Notification{Recipient: recipient, Channel: ChannelWebhook, WebhookID: "w", AudienceRole: role, Address: "https://hooks.example/w"}
	}
	another := running
	another.ID = "d2"
	for _, c := range []struct {
		name      string
		n         Notification
		to        []Delegation
		want      bool
		delegRead bool
		// reason is the refusal when not want, UnaddressedError(n) unless
		// given; address the address it goes to when want, n.Address
		// unless given.
		reason, address string
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
		// A row of an account addressed to no role (a nation's notice to
		// its liaison officers) goes only while the account is enabled and
		// may see the request, to the account's address at delivery.
		{name: "a liaison officer's notice about their nation's request", n: onRequest(mail("u-lo", ""), "r-no"), want: true},
		{name: "a notice from before migration 0020 (no role), account disabled", n: mail("u-disabled", ""),
			reason: RecipientDisabledError},
		{name: "a liaison officer disabled", n: onRequest(mail("u-lo-gone", ""), "r-no"), reason: RecipientDisabledError},
		{name: "a liaison officer gone", n: onRequest(mail("u-none", ""), "r-no"), reason: RecipientDisabledError},
		{name: "a liaison officer moved to another nation", n: onRequest(mail("u-lo-moved", ""), "r-no"), reason: RequestNotVisibleError},
		{name: "a webhook of a liaison officer moved to another nation", n: onRequest(webhook("u-lo-moved", ""), "r-no"),
			reason: RequestNotVisibleError},
		{name: "a webhook of a liaison officer disabled", n: onRequest(webhook("u-lo-gone", ""), "r-no"), reason: RecipientDisabledError},
		{name: "a liaison officer of the nation, webhook", n: onRequest(webhook("u-lo", ""), "r-no"), want: true},
		{name: "a request that is gone", n: onRequest(mail("u-lo", ""), "r-none"), reason: RequestNotVisibleError},
		{name: "an approver's notice about a draft", n: onRequest(mail("u-hns", RoleHNS), "r-draft"), reason: RequestNotVisibleError},
		{name: "an approver's notice about a submitted request", n: onRequest(mail("u-hns", RoleHNS), "r-no"), want: true},
		{name: "a new address", n: onRequest(mail("u-lo-new", ""), "r-no"), want: true, address: "new@no.example"},
		{name: "a new address, a webhook keeps its own", n: onRequest(webhook("u-lo-new", ""), "r-no"), want: true},
		{name: "no address left", n: onRequest(mail("u-lo-none", ""), "r-no"), reason: NoAddressError},
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
		to, refusal, err := StillAddressed(context.Background(), s, c.n, now)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		wantReason, wantTo := "", cmp.Or(c.address, c.n.Address)
		if !c.want {
			wantReason = cmp.Or(c.reason, UnaddressedError(c.n))
		}
		if refusal != wantReason {
			t.Errorf("%s: StillAddressed refused %q, want %q", c.name, refusal, wantReason)
		}
		if c.want && to != wantTo {
			t.Errorf("%s: StillAddressed sends to %q, want %q", c.name, to, wantTo)
		}
		if (s.reads > 0) != c.delegRead {
			t.Errorf("%s: %d reads of delegations, want them only for a recipient without the role", c.name, s.reads)
		}
	}
	// An error reading the account or the request is returned, not taken
	// for an answer.
	s := src()
	s.fail = errors.New("connection lost")
	if _, _, err := StillAddressed(context.Background(), s, mail("u-hns", RoleHNS), now); err == nil {
		t.Error("a failed read of the account gave an answer")
	}
	s = src()
	s.failRequest = errors.New("connection lost")
	if _, _, err := StillAddressed(context.Background(), s, onRequest(mail("u-lo", ""), "r-no"), now); err == nil {
		t.Error("a failed read of the request gave an answer")
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
