package domain

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// The console inbox: the ChannelInbox rows of the outbox (notify.go), one
// per notification a user was sent, read in the web console and through
// /api/v1/me/notifications. Inbox rows are delivered when the change that
// causes them commits, so the inbox works whether or not e-mail can be
// sent.

// Inbox paging: a page holds at most MaxInboxPage items. The unread count,
// shown on every console page, stops at MaxUnreadCount ("1000 or more"), so
// that an account that never reads its inbox (an approver told of every
// stage of their role) does not make every page it opens slower.
const (
	DefaultInboxPage = 50
	MaxInboxPage     = 200
	MaxUnreadCount   = 1000
)

// InboxItem is one notification in a user's inbox.
type InboxItem struct {
	ID            string
	Kind          string
	RequestID     string
	Subject, Body string
	CreatedAt     time.Time
	ReadAt        *time.Time // nil while unread
	// RequestNation is the nation of the request the notification is
	// about ("" when that request is not stored), read with the page so
	// that CanOpen needs no further query.
	RequestNation string
	// CanOpen: the reader may open the request now (its role and nation
	// today, not when the notification was sent).
	CanOpen bool
	// RequestStatus is the request's status now ("" when the notification
	// is about no stored request), read with the page by the same join as
	// RequestNation: the notification's own text keeps the status it was
	// sent with.
	RequestStatus Status
	// StageOpen: the stage the notification is about is still active on
	// the request, in the activation the notification was written in,
	// read by the same query (storage's stageOpen: a stage of the role it
	// was addressed to, or for an escalation the escalated stage itself,
	// activated no later than the notification). Only stage notices
	// (NoLongerNeeded) use it.
	StageOpen bool
	// AudienceRole is the role the notification was addressed to ("" for
	// a nation's liaison officers or one account): a framework's
	// no_longer_covered notice is a stage notice only in a role's copy
	// (StageNoticeOutlived).
	AudienceRole Role
	// RoleGone: the notification was addressed to a role (AudienceRole)
	// that the reader no longer receives — they neither hold it nor have a
	// delegation of it running now (ReceivedRoles), as the delivery worker
	// withholds its e-mail (RoleNotHeldError). Set by InboxService.List.
	// Such a notice is no longer the reader's to act on (NoLongerNeeded)
	// and is not counted unread (Unread).
	RoleGone bool
}

// Unread reports whether the item counts as unread for its reader: not
// read, and not addressed to a role they no longer receive (RoleGone),
// as CountUnread counts.
func (it InboxItem) Unread() bool { return it.ReadAt == nil && !it.RoleGone }

// stageNoticeKinds are the notices that ask their reader for a decision
// on an active stage.
var stageNoticeKinds = map[string]bool{NotifyStageActive: true, NotifyStageDueSoon: true,
	NotifyStageOverdue: true, NotifyStageEscalated: true}

// isStageNotice reports whether a notice of kind addressed to role asks
// its reader for a decision on an active stage: the stage notices, and
// the copy of a framework's no_longer_covered notice addressed to the role
// of an active stage ("request changes"). The liaison officers' copy of
// that notice (no role) asks no decision of them: it tells of a change of
// the agreement, and is never outlived.
func isStageNotice(kind string, role Role) bool {
	if kind == NotifyFrameworkLapsed {
		return role != ""
	}
	return stageNoticeKinds[kind]
}

// NoLongerNeeded reports whether the item asked its reader for a decision
// that is no longer theirs to take: it was addressed to a role the reader
// no longer receives (RoleGone), or its stage no longer needs the
// decision (StageNoticeOutlived).
func (it InboxItem) NoLongerNeeded() bool {
	return it.RoleGone || StageNoticeOutlived(it.Kind, it.AudienceRole, it.RequestStatus, it.StageOpen)
}

// ReceivedRoles are the roles whose notices p receives at t, by the rule
// that addressed them and that the delivery worker checks before it sends
// (StillAddressed, receivesRole): the roles p holds, unless p is an
// administrator (ReceivesRoleNotices), and the roles of the delegations
// in ds that run to p at t, while p holds an approver role itself
// (principalMayBeDelegate, as DelegateCounts). A notice addressed to any
// other role is no longer p's (InboxItem.RoleGone).
func ReceivedRoles(p Principal, ds []Delegation, t time.Time) []Role {
	var out []Role
	if ReceivesRoleNotices(p.Roles) {
		out = append(out, p.Roles...)
	}
	if !principalMayBeDelegate(p) {
		return out
	}
	for _, d := range ds {
		if d.To == p.Subject && d.Runs(t) && !slices.Contains(out, d.Role) {
			out = append(out, d.Role)
		}
	}
	return out
}

// StageNoticeOutlived is the one rule that tells a stage notice (a stage
// became active, is due soon, overdue or escalated; or, addressed to a
// role, a fast track no longer covered) whose decision is no
// longer needed: its request is now status ("" when it is not stored:
// nothing is known, and the notice stands) and left review, or the stage
// it is about is no longer active in the activation the notice was
// written in (stageOpen false: decided, the route moved on, or the stage
// was activated afresh after the notice — a new round, after changes were
// requested and the request resubmitted, whose deadline is another one).
// role is the role the notice was addressed to ("" for a nation's liaison
// officers or one account).
// The inbox marks such a notice "No longer needs your
// decision"; the delivery worker does not send its e-mail or webhook
// (Notification.Outlived, DecisionNoLongerNeededError). Every other kind
// tells of a change that stays true after later ones: never outlived.
func StageNoticeOutlived(kind string, role Role, status Status, stageOpen bool) bool {
	if !isStageNotice(kind, role) || status == "" {
		return false
	}
	return status != StatusInReview || !stageOpen
}

// InboxCursor is the keyset position of the last item of a page: newest
// first by creation time, then by id.
type InboxCursor struct {
	CreatedAt time.Time
	ID        string
}

const inboxCursorPrefix = "n1|"

// Encode writes the cursor as an opaque token for a URL, the API's and the
// console's alike. It holds only a position: the reader's own inbox is
// selected afresh on every page, so a tampered cursor can skip but never
// reach another user's rows.
func (c InboxCursor) Encode() string {
	raw := inboxCursorPrefix + c.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseInboxCursor reads a token Encode wrote; anything else is false.
func ParseInboxCursor(s string) (*InboxCursor, bool) {
	if len(s) > 256 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	rest, ok := strings.CutPrefix(string(b), inboxCursorPrefix)
	at, id, found := strings.Cut(rest, "|")
	if !ok || !found || id == "" || !CursorPart(id) {
		return nil, false
	}
	t, ok := CursorTime(at)
	if !ok {
		return nil, false // a time this server could never have written
	}
	return &InboxCursor{CreatedAt: t, ID: id}, true
}

// RequestReach is which requests' notifications a reader sees: those of
// the requests they may open now (MayOpenRequestOf), whatever they could
// open when the notification was written. A liaison officer moved to
// another nation no longer sees the old nation's notifications, a
// reader who no longer holds any role that reads requests no longer sees
// the requests' references. (An approver who lost one role but still
// reads requests keeps that role's notices, marked as no longer theirs:
// ReceivedRoles, InboxItem.RoleGone.) Notifications about no request (a
// delegation given to the reader) are always the reader's own. The zero
// value reaches no request.
type RequestReach struct {
	All    bool   // every stored request (a role that reads any nation's)
	Nation string // with All false: this nation's requests only ("" for none)
}

// ReachOf is what p may open now, as MayOpenRequestOf decides it.
func ReachOf(p Principal) RequestReach {
	switch {
	case !mayReadRequests(p):
		return RequestReach{}
	case p.IsLiaison():
		return RequestReach{Nation: p.Nation}
	}
	return RequestReach{All: true}
}

// InboxFilter selects a page of one user's inbox, newest first.
type InboxFilter struct {
	Username string // the principal's username; storage finds the account
	Reach    RequestReach
	// Roles are the roles whose notices the reader receives now
	// (ReceivedRoles): with UnreadOnly, an unread row addressed to any
	// other role is left out, as CountUnread leaves it out.
	Roles      []Role
	UnreadOnly bool
	After      *InboxCursor
	Limit      int
}

// InboxPage is one page of an inbox; Next is nil on the last page.
type InboxPage struct {
	Items []InboxItem
	Next  *InboxCursor
}

// Inbox is the storage port of the console inbox. Every method is scoped to
// one account by username: no call reads or changes another user's rows.
type Inbox interface {
	// ListInbox returns a page of the user's inbox rows within f.Reach,
	// newest first; rows outside it are left out entirely.
	ListInbox(ctx context.Context, f InboxFilter) (InboxPage, error)
	// CountUnread counts the user's unread inbox rows within reach, up to
	// MaxUnreadCount (a larger number is MaxUnreadCount), leaving out
	// those addressed to a role not in roles (ReceivedRoles): the rows
	// ListInbox would show with UnreadOnly.
	CountUnread(ctx context.Context, username string, reach RequestReach, roles []Role) (int64, error)
	// MarkRead marks one of the user's inbox rows within reach read at
	// at; a row read before keeps its first read time. An id that is not
	// one of the user's inbox rows within reach, whoever's it is, is
	// CodeNotFound.
	MarkRead(ctx context.Context, username string, reach RequestReach, id string, at time.Time) error
	// MarkAllRead marks every unread inbox row of the user within reach
	// read at at and returns how many it marked: the rows the list shows,
	// so that the number tells nothing of the others. With upto, the id
	// of one of the user's inbox rows, only the rows listed at or after it
	// (newest first: created no later, the id breaking a tie) are marked,
	// so that a row that arrived after the reader saw upto stays unread;
	// an upto that is not one of the user's inbox rows is CodeNotFound
	// and marks nothing.
	MarkAllRead(ctx context.Context, username string, reach RequestReach, upto string, at time.Time) (int64, error)
	// ActiveDelegations are the delegations to user that grant a role at
	// t (Store.ActiveDelegations): what ReceivedRoles reads.
	ActiveDelegations(ctx context.Context, user string, t time.Time) ([]Delegation, error)
}

// InboxService is the use cases of a user's own inbox: list, count unread,
// mark read. Any signed-in user has one; nobody reads another's.
type InboxService struct {
	store Inbox
	clock func() time.Time
}

// NewInboxService returns the service over store with clock.
func NewInboxService(store Inbox, clock func() time.Time) *InboxService {
	return &InboxService{store: store, clock: clock}
}

// InboxQuery is what a user asks of their inbox.
type InboxQuery struct {
	UnreadOnly bool
	After      *InboxCursor
	Limit      int // 0 for DefaultInboxPage; more than MaxInboxPage is clamped
}

// List returns a page of p's inbox, newest first: only notifications about
// requests p may open now (ReachOf), and those about no request; each item
// says whether p may open its request.
func (s *InboxService) List(ctx context.Context, p Principal, q InboxQuery) (InboxPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultInboxPage
	}
	roles, err := s.receivedRoles(ctx, p)
	if err != nil {
		return InboxPage{}, err
	}
	page, err := s.store.ListInbox(ctx, InboxFilter{Username: p.Subject, Reach: ReachOf(p), Roles: roles, UnreadOnly: q.UnreadOnly,
		After: q.After, Limit: min(limit, MaxInboxPage)})
	if err != nil {
		return InboxPage{}, err
	}
	for i := range page.Items {
		it := &page.Items[i]
		it.CanOpen = MayOpenRequestOf(p, it.RequestNation)
		it.RoleGone = it.AudienceRole != "" && !slices.Contains(roles, it.AudienceRole)
		it.Subject, it.Body = FlattenStrayBreaks(it.Subject), FlattenStrayBreaks(it.Body)
	}
	return page, nil
}

// Unread counts p's unread notifications that List shows, up to
// MaxUnreadCount: not those addressed to a role p no longer receives
// (InboxItem.RoleGone).
func (s *InboxService) Unread(ctx context.Context, p Principal) (int64, error) {
	roles, err := s.receivedRoles(ctx, p)
	if err != nil {
		return 0, err
	}
	return s.store.CountUnread(ctx, p.Subject, ReachOf(p), roles)
}

// receivedRoles is ReceivedRoles for p now, reading p's delegations only
// when one could give p a role (most readers: none).
func (s *InboxService) receivedRoles(ctx context.Context, p Principal) ([]Role, error) {
	t := s.clock()
	if !principalMayBeDelegate(p) {
		return ReceivedRoles(p, nil, t), nil
	}
	ds, err := s.store.ActiveDelegations(ctx, p.Subject, t)
	if err != nil {
		return nil, err
	}
	return ReceivedRoles(p, ds, t), nil
}

// maxInboxID bounds an id from a URL before it reaches the database; the
// outbox's ids are 32 hexadecimal digits.
const maxInboxID = 64

// MarkRead marks one of p's notifications read. Another user's id, or one
// of p's about a request p may no longer open, is not_found, like an id
// that names nothing, so ids do not leak.
func (s *InboxService) MarkRead(ctx context.Context, p Principal, id string) error {
	if id == "" || len(id) > maxInboxID {
		return ErrNotFound("notification")
	}
	return s.store.MarkRead(ctx, p.Subject, ReachOf(p), id, s.clock())
}

// MarkAllRead marks every unread notification of p read and returns how
// many it marked. With upto ("" for none), the id of the newest
// notification p was shown, it marks only that one and those listed
// after it (older), on every page: one that arrived after p saw the list
// stays unread. An upto that names none of p's notifications is
// not_found, as in MarkRead.
func (s *InboxService) MarkAllRead(ctx context.Context, p Principal, upto string) (int64, error) {
	if len(upto) > maxInboxID {
		return 0, ErrNotFound("notification")
	}
	return s.store.MarkAllRead(ctx, p.Subject, ReachOf(p), upto, s.clock())
}

// mayReadRequests reports whether p holds a role that may read requests
// (the API's requestReaders): liaison officers, every approver role and
// auditors; administrators manage accounts and do not read movement data.
func mayReadRequests(p Principal) bool {
	return p.HasAnyRole(RoleLiaison, RoleAuditor) || p.IsApprover()
}

// MayOpenRequestOf reports whether p may read a request of nation: a role
// that reads requests, and for a liaison officer their own nation's only
// (Request.Visible). A request that is not stored ("") opens for nobody.
// It asks Visible of a submitted request: a reader outside the nation is
// notified only of submitted ones (a stage became active), and a request
// never submitted is told of to its nation alone.
func MayOpenRequestOf(p Principal, nation string) bool {
	if nation == "" || !mayReadRequests(p) {
		return false
	}
	return (&Request{Nation: nation}).Visible(p)
}
