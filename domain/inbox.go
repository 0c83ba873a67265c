package domain

import (
	"context"
	"encoding/base64"
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
}

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
// that is no longer theirs to take (StageNoticeOutlived).
func (it InboxItem) NoLongerNeeded() bool {
	return StageNoticeOutlived(it.Kind, it.AudienceRole, it.RequestStatus, it.StageOpen)
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
// another nation no longer sees the old nation's notifications, an
// approver who lost the role no longer sees the requests' references.
// Notifications about no request (a delegation given to the reader) are
// always the reader's own. The zero value reaches no request.
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
	Username   string // the principal's username; storage finds the account
	Reach      RequestReach
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
	// MaxUnreadCount (a larger number is MaxUnreadCount): the rows
	// ListInbox would show.
	CountUnread(ctx context.Context, username string, reach RequestReach) (int64, error)
	// MarkRead marks one of the user's inbox rows within reach read at
	// at; a row read before keeps its first read time. An id that is not
	// one of the user's inbox rows within reach, whoever's it is, is
	// CodeNotFound.
	MarkRead(ctx context.Context, username string, reach RequestReach, id string, at time.Time) error
	// MarkAllRead marks every unread inbox row of the user within reach
	// read at at and returns how many it marked: the rows the list shows,
	// so that the number tells nothing of the others.
	MarkAllRead(ctx context.Context, username string, reach RequestReach, at time.Time) (int64, error)
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
	page, err := s.store.ListInbox(ctx, InboxFilter{Username: p.Subject, Reach: ReachOf(p), UnreadOnly: q.UnreadOnly,
		After: q.After, Limit: min(limit, MaxInboxPage)})
	if err != nil {
		return InboxPage{}, err
	}
	for i := range page.Items {
		it := &page.Items[i]
		it.CanOpen = MayOpenRequestOf(p, it.RequestNation)
		it.Subject, it.Body = FlattenStrayBreaks(it.Subject), FlattenStrayBreaks(it.Body)
	}
	return page, nil
}

// Unread counts p's unread notifications that List shows, up to
// MaxUnreadCount.
func (s *InboxService) Unread(ctx context.Context, p Principal) (int64, error) {
	return s.store.CountUnread(ctx, p.Subject, ReachOf(p))
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
// many it marked.
func (s *InboxService) MarkAllRead(ctx context.Context, p Principal) (int64, error) {
	return s.store.MarkAllRead(ctx, p.Subject, ReachOf(p), s.clock())
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
