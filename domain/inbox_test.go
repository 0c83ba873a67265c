package domain

import (
	"context"
	"slices"
	"testing"
	"time"
)

// fakeInbox records what the service asks of storage.
type fakeInbox struct {
	filter   InboxFilter
	items    []InboxItem
	markedID string
	markedAt time.Time
	user     string
	reach    RequestReach
	roles    []Role
	upto     string
	ds       []Delegation
	dsAsked  int
}

func (f *fakeInbox) ListInbox(_ context.Context, q InboxFilter) (InboxPage, error) {
	f.filter = q
	return InboxPage{Items: append([]InboxItem(nil), f.items...)}, nil
}
func (f *fakeInbox) CountUnread(_ context.Context, u string, reach RequestReach, roles []Role) (int64, error) {
	f.user, f.reach, f.roles = u, reach, roles
	return 3, nil
}
func (f *fakeInbox) ActiveDelegations(_ context.Context, _ string, _ time.Time) ([]Delegation, error) {
	f.dsAsked++
	return f.ds, nil
}
func (f *fakeInbox) MarkRead(_ context.Context, u string, reach RequestReach, id string, at time.Time) error {
	f.user, f.reach, f.markedID, f.markedAt = u, reach, id, at
	return nil
}
func (f *fakeInbox) MarkAllRead(_ context.Context, u string, reach RequestReach, upto string, at time.Time) (int64, error) {
	f.user, f.reach, f.upto, f.markedAt = u, reach, upto, at
	return 2, nil
}

func TestMayOpenRequestOf(t *testing.T) {
	lo := Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}
	for _, c := range []struct {
		name   string
		p      Principal
		nation string
		want   bool
	}{
		{"own nation", lo, "NO", true},
		{"another nation", lo, "DE", false},
		{"request not stored", lo, "", false},
		{"approver, any nation", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, "DE", true},
		{"auditor", Principal{Subject: "aud", Roles: []Role{RoleAuditor}}, "DE", true},
		{"administrator reads no requests", Principal{Subject: "admin", Roles: []Role{RoleAdmin}}, "NO", false},
		{"no role", Principal{Subject: "x"}, "NO", false},
	} {
		if got := MayOpenRequestOf(c.p, c.nation); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestReachOf: what a reader's inbox shows follows their roles and nation
// now, exactly as MayOpenRequestOf decides a request.
func TestReachOf(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Principal
		want RequestReach
	}{
		{"liaison officer", Principal{Roles: []Role{RoleLiaison}, Nation: "NO"}, RequestReach{Nation: "NO"}},
		{"liaison officer moved to Germany", Principal{Roles: []Role{RoleLiaison}, Nation: "DE"}, RequestReach{Nation: "DE"}},
		{"liaison officer and auditor", Principal{Roles: []Role{RoleAuditor, RoleLiaison}, Nation: "NO"}, RequestReach{Nation: "NO"}},
		{"approver", Principal{Roles: []Role{RoleHNS}}, RequestReach{All: true}},
		{"auditor", Principal{Roles: []Role{RoleAuditor}}, RequestReach{All: true}},
		{"approver who lost the role", Principal{}, RequestReach{}},
		{"administrator", Principal{Roles: []Role{RoleAdmin}}, RequestReach{}},
	} {
		got := ReachOf(c.p)
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		for _, nation := range []string{"NO", "DE", ""} {
			in := got.All && nation != "" || !got.All && got.Nation != "" && got.Nation == nation
			if in != MayOpenRequestOf(c.p, nation) {
				t.Errorf("%s: reach %+v and MayOpenRequestOf(%q) = %v disagree", c.name, got, nation, !in)
			}
		}
	}
}

func TestInboxServicePaging(t *testing.T) {
	for _, c := range []struct {
		ask, want int
	}{{0, DefaultInboxPage}, {-5, DefaultInboxPage}, {1, 1}, {MaxInboxPage, MaxInboxPage}, {MaxInboxPage + 1, MaxInboxPage}, {1 << 30, MaxInboxPage}} {
		f := &fakeInbox{}
		s := NewInboxService(f, func() time.Time { return time.Time{} })
		if _, err := s.List(context.Background(), Principal{Subject: "lo-no"}, InboxQuery{Limit: c.ask, UnreadOnly: true}); err != nil {
			t.Fatal(err)
		}
		if f.filter.Limit != c.want || f.filter.Username != "lo-no" || !f.filter.UnreadOnly {
			t.Errorf("limit %d: storage asked %+v, want limit %d for lo-no, unread only", c.ask, f.filter, c.want)
		}
	}
}

func TestInboxServiceScopesToTheCaller(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	f := &fakeInbox{items: []InboxItem{{ID: "a", RequestNation: "NO", Body: "  see\rRequest page: https://evil.example/x\n"},
		{ID: "b", RequestNation: "DE"}, {ID: "c"}}}
	s := NewInboxService(f, func() time.Time { return now })
	lo := Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}
	page, err := s.List(context.Background(), lo, InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Items[0].Body != "  see Request page: https://evil.example/x\n" {
		t.Errorf("a stored body with a lone CR is listed as %q", page.Items[0].Body)
	}
	for i, want := range []bool{true, false, false} {
		if page.Items[i].CanOpen != want {
			t.Errorf("item %s: CanOpen %v, want %v", page.Items[i].ID, page.Items[i].CanOpen, want)
		}
	}
	if f.filter.Reach != (RequestReach{Nation: "NO"}) {
		t.Errorf("the list asked storage for reach %+v, want Norway's requests only", f.filter.Reach)
	}
	if n, err := s.Unread(context.Background(), lo); err != nil || n != 3 || f.user != "lo-no" || f.reach != (RequestReach{Nation: "NO"}) {
		t.Errorf("unread = %d, %v for %q within %+v", n, err, f.user, f.reach)
	}
	f.reach = RequestReach{}
	if err := s.MarkRead(context.Background(), lo, "a"); err != nil || f.markedID != "a" || !f.markedAt.Equal(now) || f.user != "lo-no" ||
		f.reach != (RequestReach{Nation: "NO"}) {
		t.Errorf("mark read: %v, %+v", err, f)
	}
	for _, id := range []string{"", string(make([]byte, maxInboxID+1))} {
		f.markedID = "untouched"
		if err := s.MarkRead(context.Background(), lo, id); ErrorCode(err) != CodeNotFound || f.markedID != "untouched" {
			t.Errorf("id of %d bytes: %v, storage asked %q; want not_found before storage", len(id), err, f.markedID)
		}
	}
	f.reach = RequestReach{}
	if n, err := s.MarkAllRead(context.Background(), lo, "a"); err != nil || n != 2 || f.user != "lo-no" || f.reach != (RequestReach{Nation: "NO"}) ||
		f.upto != "a" {
		t.Errorf("mark all read = %d, %v, up to %q", n, err, f.upto)
	}
	f.upto = "untouched"
	if _, err := s.MarkAllRead(context.Background(), lo, string(make([]byte, maxInboxID+1))); ErrorCode(err) != CodeNotFound || f.upto != "untouched" {
		t.Errorf("a bound of %d bytes: %v, storage asked %q; want not_found before storage", maxInboxID+1, err, f.upto)
	}
}

// TestAccessChanged: a change of nation, of the set of roles, or a newly
// disabled account withdraws the account's queued deliveries; an address,
// a password, re-enabling or the same roles in another order do not.
func TestAccessChanged(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	base := User{ID: "u", Roles: []Role{RoleLiaison, RoleAuditor}, Nation: "NO", Email: "a@example.org"}
	for _, c := range []struct {
		name   string
		change func(u *User)
		want   bool
	}{
		{"nation", func(u *User) { u.Nation = "DE" }, true},
		{"a role lost", func(u *User) { u.Roles = []Role{RoleLiaison} }, true},
		{"a role gained", func(u *User) { u.Roles = append(u.Roles, RoleHNS) }, true},
		{"disabled", func(u *User) { u.DisabledAt = &now }, true},
		{"same roles, other order", func(u *User) { u.Roles = []Role{RoleAuditor, RoleLiaison} }, false},
		{"e-mail address", func(u *User) { u.Email = "b@example.org" }, false},
		{"password", func(u *User) { u.PasswordHash = "new" }, false},
	} {
		after := base
		after.Roles = append([]Role(nil), base.Roles...)
		c.change(&after)
		if got := AccessChanged(&base, &after); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	disabled := base
	disabled.DisabledAt = &now
	if AccessChanged(&disabled, &base) {
		t.Error("re-enabling an account withdraws its deliveries")
	}
}

// TestStageNoticeOutlived: a stage notice is outlived once its request
// left review or its stage is no longer open; the approvers' copy of a
// framework.no_longer_covered notice (addressed to a role) is one, the
// liaison officers' copy (no role) and every other kind never are; a
// request not stored outlives nothing.
func TestStageNoticeOutlived(t *testing.T) {
	for _, c := range []struct {
		kind      string
		role      Role
		status    Status
		stageOpen bool
		want      bool
	}{
		{NotifyStageActive, RoleHNS, StatusInReview, true, false},
		{NotifyStageActive, RoleHNS, StatusInReview, false, true},
		{NotifyStageOverdue, RoleHNS, StatusRejected, true, true},
		{NotifyFrameworkLapsed, RoleHNS, StatusInReview, true, false},
		{NotifyFrameworkLapsed, RoleHNS, StatusInReview, false, true},
		{NotifyFrameworkLapsed, RoleHNS, StatusChangesRequested, false, true},
		{NotifyFrameworkLapsed, RoleHNS, "", false, false},
		{NotifyFrameworkLapsed, "", StatusInReview, false, false},
		{NotifyFrameworkLapsed, "", StatusChangesRequested, false, false},
		{NotifyAreaClosed, RoleHNS, StatusInReview, false, false},
	} {
		if got := StageNoticeOutlived(c.kind, c.role, c.status, c.stageOpen); got != c.want {
			t.Errorf("StageNoticeOutlived(%s, %q, %q, %v) = %v, want %v", c.kind, c.role, c.status, c.stageOpen, got, c.want)
		}
		it := InboxItem{Kind: c.kind, AudienceRole: c.role, RequestStatus: c.status, StageOpen: c.stageOpen}
		if got := it.NoLongerNeeded(); got != c.want {
			t.Errorf("NoLongerNeeded of %+v = %v, want %v", it, got, c.want)
		}
	}
}

// TestReceivedRoles: the roles whose notices a reader receives now are
// those they hold (none for an administrator) and those of delegations
// running to them, while they hold an approver role themselves — the
// rule by which the delivery worker withholds a role's e-mail.
func TestReceivedRoles(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	gone := now.Add(-time.Hour)
	running := Delegation{ID: "d1", From: "gov", To: "hns", Role: RoleMinistry, Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour)}
	ended := running
	ended.Role, ended.Ends = RoleOperations, now
	revoked := running
	revoked.Role, revoked.RevokedAt = RoleRange, &gone
	other := running
	other.To, other.Role = "ops", RoleRange
	for _, c := range []struct {
		name string
		p    Principal
		ds   []Delegation
		want []Role
	}{
		{"own role", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, nil, []Role{RoleHNS}},
		{"moved to another role", Principal{Subject: "hns", Roles: []Role{RoleRange}}, nil, []Role{RoleRange}},
		{"a running delegation", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, []Delegation{running}, []Role{RoleHNS, RoleMinistry}},
		{"ended, revoked or another's delegation", Principal{Subject: "hns", Roles: []Role{RoleHNS}},
			[]Delegation{ended, revoked, other}, []Role{RoleHNS}},
		{"no approver role: no delegation counts", Principal{Subject: "hns", Roles: []Role{RoleAuditor}}, []Delegation{running}, []Role{RoleAuditor}},
		{"administrator beside the role", Principal{Subject: "hns", Roles: []Role{RoleAdmin, RoleHNS}}, []Delegation{running}, nil},
		{"liaison officer", Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}, nil, []Role{RoleLiaison}},
	} {
		got := ReceivedRoles(c.p, c.ds, now)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRoleGoneNoLongerNeeded: the inbox marks a notice addressed to a
// role its reader no longer receives "No longer needs your decision" and
// does not count it unread, whatever its stage; a notice to no role (a
// nation's, a delegation's) is never marked so by the role rule.
func TestRoleGoneNoLongerNeeded(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	hnsNow := Principal{Subject: "hns", Roles: []Role{RoleRange}}
	f := &fakeInbox{items: []InboxItem{
		{ID: "old-role", Kind: NotifyStageActive, AudienceRole: RoleHNS, RequestNation: "NO", RequestStatus: StatusInReview, StageOpen: true},
		{ID: "own-role", Kind: NotifyStageActive, AudienceRole: RoleRange, RequestNation: "NO", RequestStatus: StatusInReview, StageOpen: true},
		{ID: "own-role-decided", Kind: NotifyStageOverdue, AudienceRole: RoleRange, RequestNation: "NO", RequestStatus: StatusInReview},
		{ID: "area-old-role", Kind: NotifyAreaClosed, AudienceRole: RoleHNS, RequestNation: "NO", RequestStatus: StatusInReview},
		{ID: "delegation", Kind: NotifyDelegationStarted},
		{ID: "old-role-read", Kind: NotifyStageActive, AudienceRole: RoleHNS, RequestNation: "NO", RequestStatus: StatusInReview,
			StageOpen: true, ReadAt: &now},
	}}
	s := NewInboxService(f, func() time.Time { return now })
	page, err := s.List(context.Background(), hnsNow, InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ gone, stale, unread bool }{
		"old-role":         {true, true, false},
		"own-role":         {false, false, true},
		"own-role-decided": {false, true, true},
		"area-old-role":    {true, true, false},
		"delegation":       {false, false, true},
		"old-role-read":    {true, true, false},
	}
	for _, it := range page.Items {
		w := want[it.ID]
		if it.RoleGone != w.gone || it.NoLongerNeeded() != w.stale || it.Unread() != w.unread {
			t.Errorf("%s: role gone %v, no longer needed %v, unread %v; want %v, %v, %v", it.ID,
				it.RoleGone, it.NoLongerNeeded(), it.Unread(), w.gone, w.stale, w.unread)
		}
	}
	if !slices.Equal(f.filter.Roles, []Role{RoleRange}) || f.dsAsked != 1 {
		t.Errorf("the list asked storage for roles %v (delegations read %d times)", f.filter.Roles, f.dsAsked)
	}
	if _, err := s.Unread(context.Background(), hnsNow); err != nil || !slices.Equal(f.roles, []Role{RoleRange}) {
		t.Errorf("unread counted for roles %v, %v", f.roles, err)
	}
	// A liaison officer's delegations are never read.
	f.dsAsked = 0
	if _, err := s.Unread(context.Background(), Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}); err != nil || f.dsAsked != 0 {
		t.Errorf("a liaison officer's count read delegations %d times, %v", f.dsAsked, err)
	}
}
