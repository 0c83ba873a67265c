package domain

import "slices"

// Who a kind of notification can reach follows from its audience, which is
// of one shape for each kind (NotificationsFor, ScheduledNotices):
//   - the liaison officers of a request's nation (Audience.Nation): the
//     request's submission, decisions, revocation, withdrawal, and its
//     permit about to expire;
//   - the holders of an approver role and the delegates of that role
//     (Audience.Role): a stage that became active, is due soon, is overdue,
//     or was escalated to the role; a policy routes stages and escalations
//     to approver roles only, and a delegate holds an approver role
//     (DelegateCounts);
//   - the liaison officers of a request's nation or the holders of the
//     role of one of its active stages (either, one per event): days
//     closed on an area the request books (area.closed); the framework
//     agreement it took the fast track on no longer covers it
//     (framework.no_longer_covered);
//   - one delegate (Audience.User): a delegation to them started or ends
//     soon, and only an approver may be a delegate.
//
// Auditors and administrators are in no audience.

// audienceShape is the shape of the audience of a kind of notification.
type audienceShape string

const (
	audienceNation   audienceShape = "nation"   // Audience.Nation
	audienceRole     audienceShape = "role"     // Audience.Role
	audienceDelegate audienceShape = "delegate" // Audience.User, a delegation's delegate
	// audienceRequest is Audience.Nation or Audience.Role, one per event:
	// those who answer for one request, its nation's and its stages'.
	audienceRequest audienceShape = "request"
)

// kindAudience is the shape of each kind's audience
// (TestKindAudienceMatchesTheEvents checks it against the events the
// domain makes).
var kindAudience = map[string]audienceShape{
	NotifySubmitted: audienceNation, NotifyChangesRequested: audienceNation, NotifyApproved: audienceNation,
	NotifyRejected: audienceNation, NotifyRevoked: audienceNation, NotifyWithdrawn: audienceNation,
	NotifyRequestExpiring: audienceNation, NotifyAreaClosed: audienceRequest,
	NotifyFrameworkLapsed: audienceRequest,
	NotifyStageActive:     audienceRole, NotifyStageDueSoon: audienceRole, NotifyStageOverdue: audienceRole,
	NotifyStageEscalated:    audienceRole,
	NotifyDelegationStarted: audienceDelegate, NotifyDelegationEnding: audienceDelegate,
}

// reaches reports whether an audience of shape a can include an account
// holding role r.
func (a audienceShape) reaches(r Role) bool {
	switch a {
	case audienceNation:
		return r == RoleLiaison
	case audienceRole, audienceDelegate:
		return r.IsApprover()
	case audienceRequest:
		return r == RoleLiaison || r.IsApprover()
	}
	return false
}

// NotificationKindsFor are the kinds of notification that can reach an
// account holding roles, in the order of NotificationKinds: a settings
// page offers only those (a liaison officer is never told that a stage
// awaits their role).
func NotificationKindsFor(roles []Role) []string {
	var out []string
	for _, k := range NotificationKinds {
		if slices.ContainsFunc(roles, kindAudience[k].reaches) {
			out = append(out, k)
		}
	}
	return out
}
