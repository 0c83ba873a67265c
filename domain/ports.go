package domain

import (
	"context"
	"slices"
	"time"
)

// Store is the persistence port. Reads outside a transaction may see a
// slightly older state; every change goes through InTx.
type Store interface {
	// InTx runs fn in one write transaction: everything fn writes is
	// committed together, or nothing is if fn returns an error. fn may run
	// more than once if the database asks for a retry, so it must not have
	// side effects outside tx.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	// GetRequest finds a request by its id or by its human reference
	// (IsReference); so does Tx.GetRequest.
	GetRequest(ctx context.Context, id string) (*Request, error)
	// RequestHead reads only a request's head (by id or reference), never
	// its details, route or warnings; so does Tx.RequestHead.
	RequestHead(ctx context.Context, id string) (*RequestHead, error)
	ListRequests(ctx context.Context, f RequestFilter) (RequestPage, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	CountUsers(ctx context.Context) (int64, error)
	GetUser(ctx context.Context, id string) (*User, error)
	// ListUsers returns a page of accounts matching f, oldest first.
	ListUsers(ctx context.Context, f UserFilter) (UserPage, error)
	// ListHistory returns one page of a request's audit entries (HistoryFilter).
	ListHistory(ctx context.Context, f HistoryFilter) (HistoryPage, error)

	// ListQueue returns a page of active stages, oldest deadline first.
	ListQueue(ctx context.Context, f QueueFilter) (QueuePage, error)
	// ActiveDelegations are the delegations to user that grant a role at t:
	// running, from an enabled delegator holding the role, to user while
	// user is enabled and holds an approver role (DelegateCounts).
	ActiveDelegations(ctx context.Context, user string, t time.Time) ([]Delegation, error)
	// ListDelegations returns one page of the delegations f selects,
	// newest first, each with why it gives its role to nobody at t
	// (DelegationInactive, read with the accounts of its delegator and
	// delegate).
	ListDelegations(ctx context.Context, f DelegationFilter, t time.Time) (DelegationPage, error)
	// ListExpired returns ids of approved requests whose period ended
	// before day, at most limit of them.
	ListExpired(ctx context.Context, day time.Time, limit int) ([]string, error)

	GetFramework(ctx context.Context, id string) (*Framework, error)
	// ListFrameworks returns the agreements of nation (all when ""), newest first.
	ListFrameworks(ctx context.Context, nation string) ([]Framework, error)
	// TrainingAreas reads the areas with their current capacity and
	// blackout days (administrators edit them while servers run).
	TrainingAreas(ctx context.Context) ([]TrainingArea, error)
	// ListBookings returns the bookings of requests in review or approved
	// on area that overlap from..to.
	ListBookings(ctx context.Context, area string, from, to time.Time) ([]Booking, error)
}

// Tx is the set of writes (and the reads they depend on) inside one
// transaction. Not-found is an *Error with CodeNotFound, never a nil result.
type Tx interface {
	GetRequest(id string) (*Request, error)
	RequestHead(id string) (*RequestHead, error)
	CreateRequest(r *Request) error
	// UpdateRequest stores r if the stored version is still expectedVersion
	// (compare-and-set); otherwise it returns CodePreconditionFailed.
	UpdateRequest(r *Request, expectedVersion int) error
	// NextReference returns the next running number of the given year.
	NextReference(year int) (int64, error)
	AppendAudit(e *AuditEntry) error
	GetIdempotency(principal, key string) (*IdempotencyRecord, error)
	PutIdempotency(rec IdempotencyRecord) error
	// DeleteIdempotencyBefore forgets principal's keys created before the
	// instant, so that an expired key can be used again.
	DeleteIdempotencyBefore(principal string, before time.Time) error
	CreateUser(u *User) error
	GetUser(id string) (*User, error)
	// GetUserByUsername reads an account; with lock it takes the row lock
	// (PostgreSQL), so that counters on it are not lost between writers and
	// changes of what the account receives take turns. The lock does not
	// wait for transactions that only insert rows referencing the account.
	GetUserByUsername(username string, lock bool) (*User, error)
	// UpdateUser stores u if the stored version is still expectedVersion.
	UpdateUser(u *User, expectedVersion int) error
	// WithdrawQueuedDeliveries marks the account's queued e-mail and
	// webhook rows undeliverable with AccessChangedError (see
	// AccessChanged) and returns how many it marked.
	WithdrawQueuedDeliveries(userID string, at time.Time) (int64, error)
	// ReaddressQueuedMail points the account's queued e-mail rows at its
	// new address, or marks them undeliverable when it has none now, and
	// returns how many it changed.
	ReaddressQueuedMail(userID, email string, at time.Time) (int64, error)
	// CountSignInMiss counts a refused sign-in of an unknown name in its
	// bucket (SignInMissBucket), so that it writes as a known account's does.
	CountSignInMiss(bucket int, at time.Time) error
	// CountAdminsWhoCanSignIn counts the administrators who can sign in
	// at t: enabled, and not holding a one-time password expired by t
	// (User.OneTimePasswordExpired). It locks the rows of the enabled
	// administrators (PostgreSQL) so that two administrators cannot
	// disable each other at once and leave none.
	CountAdminsWhoCanSignIn(t time.Time) (int, error)

	// ActiveDelegations are the delegations to user that grant a role at t
	// (as the Store's), read inside the transaction so a revocation or an
	// account change cannot race a decision.
	ActiveDelegations(user string, t time.Time) ([]Delegation, error)
	// DelegationsFrom are the delegations user gave that run at t (not
	// revoked, started, not ended), whether or not they count.
	DelegationsFrom(user string, t time.Time) ([]Delegation, error)
	// DelegationsTo are the delegations to user that run at t, whether or
	// not they count.
	DelegationsTo(user string, t time.Time) ([]Delegation, error)
	CreateDelegation(d *Delegation) error
	GetDelegation(id string) (*Delegation, error)
	// RevokeDelegation sets revoked_at on a delegation not yet revoked.
	RevokeDelegation(id string, at time.Time) error
	// WithdrawRoleNotices marks the account's queued e-mail and webhook
	// rows addressed to role (Notification.AudienceRole) undeliverable
	// with reason (DelegationRevokedError, DelegationLapsedError,
	// DelegateLapsedError) and
	// returns how many it marked.
	WithdrawRoleNotices(userID string, role Role, reason string, at time.Time) (int64, error)
	// WithdrawDelegationNotices marks the account's queued e-mail and
	// webhook rows about the delegation delegationID (it started, it ends
	// soon: DelegationNoticeKeyPrefixes) undeliverable with reason and
	// returns how many it marked.
	WithdrawDelegationNotices(userID, delegationID, reason string, at time.Time) (int64, error)

	// GetFramework reads agreement id for a write that decides by it
	// whether the agreement covers a request (a submission's fast track,
	// a final approval's check): with the row's shared lock, held until
	// commit (PostgreSQL: FOR KEY SHARE), which a change of the agreement
	// (GetFrameworkForUpdate) waits for, as the read waits for a change
	// under way. It is the first lock such a write takes (before the
	// training areas'): docs/architecture.md, "Concurrency".
	GetFramework(id string) (*Framework, error)
	// GetFrameworkForUpdate reads agreement id for the write that changes
	// it, with the row's exclusive lock (PostgreSQL: FOR UPDATE), taken
	// before the change lists the requests in review it may stop covering
	// (RequestsInReviewNaming), so that none that read the old terms is
	// still to commit.
	GetFrameworkForUpdate(id string) (*Framework, error)
	// CreateFramework stores f; a reference another agreement of the
	// nation holds (by ReferenceKey) is CodeConflict.
	CreateFramework(f *Framework) error
	// UpdateFramework stores f if the stored version is still expectedVersion.
	// A change of nation or reference to one another agreement holds is
	// CodeConflict, as in CreateFramework.
	UpdateFramework(f *Framework, expectedVersion int) error
	// RequestsInReviewNaming returns the requests in review whose details
	// name framework agreement id (and possibly a few others, which the
	// caller drops by FrameworkID): those a change of the agreement may
	// stop covering.
	RequestsInReviewNaming(id string) ([]Request, error)
	// FrameworksWithReference returns the ids of nation's agreements whose
	// reference is reference: whose ReferenceKey is reference's.
	FrameworksWithReference(nation, reference string) ([]string, error)
	// TrainingAreas reads the named areas; with lock it takes their row
	// locks (PostgreSQL), so that concurrent final approvals on one area
	// check capacity one after the other.
	TrainingAreas(codes []string, lock bool) ([]TrainingArea, error)
	// UpdateTrainingArea stores capacity and blackout days with compare-and-set.
	UpdateTrainingArea(a *TrainingArea, expectedVersion int) error
	// ListBookings is Store.ListBookings inside the transaction, for the
	// given statuses.
	ListBookings(area string, from, to time.Time, statuses []Status) ([]Booking, error)
	// AreaDayLoads returns the stored per-day load of area from from to to
	// (days without load may be missing), leaving out request exclude's own
	// share: one row per day, whatever the number of bookings.
	AreaDayLoads(area string, from, to time.Time, exclude string) ([]AreaDayLoad, error)

	// Webhooks and notification opt-outs (notifysettings.go).
	NotificationTx
}

// QueueFilter selects active stages for an approver. Roles are the roles
// the caller may decide (held or delegated). A stage is dropped, as
// CheckSeparationOfDuties refuses it, when any of its people created its
// request, decided another stage of it in any review round, or decided
// this stage in the current round (a delegate's decision counting for the
// person they acted for as well). Its people are ExcludeActor, and, for a
// role the caller reaches only by a delegation, the person they act for on
// that role's stages (ActingFor, as authority finds for Decide).
type QueueFilter struct {
	Roles        []Role
	Nation       string
	OverdueAt    *time.Time // only stages due before this instant
	ExcludeActor []string
	ActingFor    map[Role]string
	After        *QueueCursor
	Limit        int
}

// People are whom separation of duties checks on a stage of role: the
// actors excluded, and the person the caller acts for on that role.
func (f QueueFilter) People(role Role) []string {
	people := slices.Clone(f.ExcludeActor)
	if who := f.ActingFor[role]; who != "" && !slices.Contains(people, who) {
		people = append(people, who)
	}
	return people
}

// QueueCursor is the keyset position of the last item of a page.
type QueueCursor struct {
	DueAt     time.Time
	RequestID string
	StageID   string
}

// QueueItem is one active stage with the summary of its request.
type QueueItem struct {
	RequestID         string
	Reference         string
	Nation            string
	ExerciseName      string
	Period            Period
	RequestVersion    int
	StageID           string
	Role              Role
	ApprovalsRequired int
	Approvals         int
	ActivatedAt       *time.Time
	DueAt             time.Time
}

// QueuePage is one page of the queue.
type QueuePage struct {
	Items []QueueItem
	Next  *QueueCursor
}

// RequestFilter selects a page of requests, newest first.
type RequestFilter struct {
	Nation string // "" for all
	Status Status // "" for all
	Area   string // training area code; "" for all
	// Reference is a human reference; "" for all.
	Reference string
	// IDs, when not nil, are the only requests to list (ids): one query
	// for the requests a page of something else names.
	IDs   []string
	After string // keyset cursor: the id of the last request of the previous page
	Limit int
	// SubmittedOnly leaves out the requests never submitted
	// (Request.EverSubmitted): drafts, and drafts withdrawn before their
	// first submission. ListRequests sets it for every reader who may not
	// see them (SeesUnsubmitted).
	SubmittedOnly bool
	// Summary asks only for what a list shows: the request's own columns
	// (id, reference, status, version, nation, exercise name, period,
	// dates) and its personnel; the other details, the route, conditions
	// and warnings are left empty, which saves decoding them for every row.
	Summary bool
}

// RequestPage is one page of a list; NextAfter is "" on the last page.
type RequestPage struct {
	Items     []Request
	NextAfter string
}

// IdempotencyRecord remembers the first response to a creating POST so that
// a retry with the same key gets it again.
type IdempotencyRecord struct {
	Principal   string
	Key         string
	Fingerprint string // hash of the method, path and body of the first call
	RequestID   string
	Response    []byte
	CreatedAt   time.Time
}

// UserFilter selects a page of accounts, oldest first.
type UserFilter struct {
	Role     Role   // "" for all
	Nation   string // "" for all
	Disabled *bool  // nil for both
	// Legacy: only accounts that may have AccountWarnings (at least those
	// holding admin or with a name like a reserved one; the caller tests
	// each).
	Legacy bool
	After  string // keyset cursor: the id of the last account of the previous page
	Limit  int
}

// DelegationFilter selects a page of delegations: those given by or to
// User, or all of them when User is "", newest first.
type DelegationFilter struct {
	User  string
	ID    string // only this delegation (the console's confirmation of one)
	After string // keyset cursor: the id of the last delegation of the previous page
	Limit int    // the list default when 0, at most the lists' maximum (docs/product.md, "Limits")
}

// DelegationPage is one page of delegations; NextAfter is "" on the last page.
type DelegationPage struct {
	Items     []ListedDelegation
	NextAfter string
}

// UserPage is one page of accounts; NextAfter is "" on the last page.
type UserPage struct {
	Items     []User
	NextAfter string
}
