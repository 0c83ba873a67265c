package domain

import (
	"context"
	"testing"
	"time"
)

// TestVisible: need-to-know on requests. A request never submitted — a
// draft, or a draft withdrawn — is its nation's working copy: its liaison
// officers and auditors see it, nobody else does. Once submitted, every
// role that reads requests sees it (a liaison officer their own nation's
// only), whatever its status now, withdrawn included.
func TestVisible(t *testing.T) {
	submitted := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	requests := map[string]*Request{
		"draft":                {Nation: "NO", Status: StatusDraft},
		"withdrawn draft":      {Nation: "NO", Status: StatusWithdrawn},
		"withdrawn in review":  {Nation: "NO", Status: StatusWithdrawn, SubmittedAt: &submitted},
		"in review":            {Nation: "NO", Status: StatusInReview, SubmittedAt: &submitted},
		"changes requested":    {Nation: "NO", Status: StatusChangesRequested, SubmittedAt: &submitted},
		"approved":             {Nation: "NO", Status: StatusApproved, SubmittedAt: &submitted},
		"rejected":             {Nation: "NO", Status: StatusRejected, SubmittedAt: &submitted},
		"revoked":              {Nation: "NO", Status: StatusRevoked, SubmittedAt: &submitted},
		"expired":              {Nation: "NO", Status: StatusExpired, SubmittedAt: &submitted},
		"in review, no time":   {Nation: "NO", Status: StatusInReview}, // stored before its time was kept: submitted all the same
		"approved, of Germany": {Nation: "DE", Status: StatusApproved, SubmittedAt: &submitted},
		"draft, of Germany":    {Nation: "DE", Status: StatusDraft},
	}
	unsubmitted := map[string]bool{"draft": true, "withdrawn draft": true, "draft, of Germany": true}
	principals := map[string]Principal{
		"lo-no":           {Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"},
		"lo-de":           {Subject: "lo-de", Roles: []Role{RoleLiaison}, Nation: "DE"},
		"hns":             {Subject: "hns", Roles: []Role{RoleHNS}},
		"range":           {Subject: "range", Roles: []Role{RoleRange}},
		"ops":             {Subject: "ops", Roles: []Role{RoleOperations}},
		"gov":             {Subject: "gov", Roles: []Role{RoleMinistry}},
		"admin":           {Subject: "admin", Roles: []Role{RoleAdmin}},
		"auditor":         {Subject: "auditor", Roles: []Role{RoleAuditor}},
		"hns and auditor": {Subject: "x", Roles: []Role{RoleHNS, RoleAuditor}},
	}
	for rname, r := range requests {
		if got := r.EverSubmitted(); got == unsubmitted[rname] {
			t.Errorf("%s: EverSubmitted %v", rname, got)
		}
		for pname, p := range principals {
			var want bool
			switch {
			case p.IsLiaison():
				want = p.Nation == r.Nation
			case pname == "auditor", pname == "hns and auditor":
				want = true
			default:
				want = !unsubmitted[rname]
			}
			if got := r.Visible(p); got != want {
				t.Errorf("%s sees %s: %v, want %v", pname, rname, got, want)
			}
		}
	}
}

// TestListRequestsLeavesOutUnsubmitted: the list asks storage to leave out
// the requests never submitted for every reader but a liaison officer and
// an auditor, and answers an approver's list of drafts with an empty page
// without asking storage at all.
func TestListRequestsLeavesOutUnsubmitted(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      Principal
		status Status
		want   *RequestFilter // nil: storage is not asked
	}{
		{"liaison", Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}, "",
			&RequestFilter{Nation: "NO"}},
		{"liaison, drafts", Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}, StatusDraft,
			&RequestFilter{Nation: "NO", Status: StatusDraft}},
		{"auditor, drafts", Principal{Subject: "auditor", Roles: []Role{RoleAuditor}}, StatusDraft,
			&RequestFilter{Status: StatusDraft}},
		{"approver", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, "", &RequestFilter{SubmittedOnly: true}},
		{"approver, withdrawn", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, StatusWithdrawn,
			&RequestFilter{Status: StatusWithdrawn, SubmittedOnly: true}},
		{"approver, drafts", Principal{Subject: "hns", Roles: []Role{RoleHNS}}, StatusDraft, nil},
		{"administrator", Principal{Subject: "admin", Roles: []Role{RoleAdmin}}, "", &RequestFilter{SubmittedOnly: true}},
	} {
		store := &listStore{}
		s := NewRequestService(store, nil, nil, time.Now, func() string { return "" })
		page, err := s.ListRequests(context.Background(), c.p, RequestFilter{Status: c.status})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		switch {
		case c.want == nil && (store.asked != nil || len(page.Items) != 0 || page.NextAfter != ""):
			t.Errorf("%s: asked %+v, page %+v; want an empty page, storage not asked", c.name, store.asked, page)
		case c.want != nil && (store.asked == nil || store.asked.Nation != c.want.Nation ||
			store.asked.Status != c.want.Status || store.asked.SubmittedOnly != c.want.SubmittedOnly):
			t.Errorf("%s: asked %+v, want %+v", c.name, store.asked, c.want)
		}
	}
}

// listStore is a Store that only lists, remembering the filter.
type listStore struct {
	Store
	asked *RequestFilter
}

func (s *listStore) ListRequests(_ context.Context, f RequestFilter) (RequestPage, error) {
	s.asked = &f
	return RequestPage{Items: []Request{{ID: "x"}}}, nil
}
