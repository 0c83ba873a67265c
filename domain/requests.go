package domain

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// RequestService holds the use cases of a request's life before review:
// draft, edit, submit, withdraw, and the dry run of the routing policy.
// Handlers call exactly one of its methods per HTTP request.
type RequestService struct {
	store  Store
	router Router
	ref    Reference
	now    func() time.Time
	newID  func() string
}

// NewRequestService wires the service to its ports. now is the clock; newID
// returns a fresh time-ordered id.
func NewRequestService(store Store, router Router, ref Reference, now func() time.Time, newID func() string) *RequestService {
	return &RequestService{store: store, router: router, ref: ref, now: now, newID: newID}
}

// Idempotency carries an Idempotency-Key for a creating call. Render produces
// the response body from the created request inside the transaction, so that
// the stored first response and the created request commit together.
type Idempotency struct {
	Key         string
	Fingerprint string
	Render      func(*Request) ([]byte, error)
}

// IdempotencyTTL is how long an Idempotency-Key is remembered: long enough
// for any client's retries, short enough that the table does not grow
// forever. After it, the same key creates anew.
const IdempotencyTTL = 24 * time.Hour

// CreateRequest stores a new draft of the caller's nation. With an
// idempotency key seen within IdempotencyTTL it stores nothing and returns
// the first response instead (or an invalid error if the body differs).
// The key is looked up before the checks' answer is given: they read the
// clock (the period has ended since) and the framework agreement (changed
// to another nation since), so a retry of a create already answered gets
// that answer, not a refusal the first attempt did not get (as a keyed
// delegation is answered before its delegate is checked again).
func (s *RequestService) CreateRequest(ctx context.Context, p Principal, d Details, idem *Idempotency) (*Request, []byte, error) {
	if !p.IsLiaison() || p.Nation == "" {
		return nil, nil, Errorf(CodeForbidden, "only a liaison officer of a sending nation creates requests")
	}
	now := s.clock()
	// The checks run before the transaction, which they would hold up;
	// their answer waits for the key's.
	refused := s.validate(d, now)
	if !namesField(refused, "framework_id") { // an id refused for its shape names no agreement
		_, fwErr := framework(s.storeFramework(ctx), p.Nation, d)
		refused = MergeInvalid(refused, fwErr)
	}
	if refused != nil && idem == nil {
		return nil, nil, refused
	}
	r := &Request{ID: s.newID(), Status: StatusDraft, Version: 1, Nation: p.Nation,
		CreatedBy: p.Subject, Authors: []string{p.Subject}, CreatedAt: now, UpdatedAt: now, Details: d}
	// The entry depends only on r as created: built before the transaction,
	// it costs the shared writer nothing.
	created := s.audit(p, AuditRequestCreated, r, NewRequestCreatedData(d))
	var replay []byte
	err := s.store.InTx(ctx, func(tx Tx) error {
		replay = nil
		if idem != nil {
			var err error
			if replay, err = firstResponse(tx, p, idem, now); replay != nil || err != nil {
				return err
			}
		}
		if refused != nil {
			return refused
		}
		if err := tx.CreateRequest(r); err != nil {
			return err
		}
		if err := tx.AppendAudit(created); err != nil {
			return err
		}
		if idem == nil {
			return nil
		}
		body, err := idem.Render(r)
		if err != nil {
			return err
		}
		// Expired keys of this user go on every keyed write: that frees an
		// expired key for reuse here, and keeps the table small.
		if err := tx.DeleteIdempotencyBefore(p.Subject, now.Add(-IdempotencyTTL)); err != nil {
			return err
		}
		return tx.PutIdempotency(IdempotencyRecord{Principal: p.Subject, Key: idem.Key,
			Fingerprint: idem.Fingerprint, RequestID: r.ID, Response: body, CreatedAt: now})
	})
	if err != nil {
		return nil, nil, err
	}
	if replay != nil {
		return nil, replay, nil
	}
	return r, nil, nil
}

// firstResponse returns the stored first response to idem's key, nil when
// the key is new or expired, or an invalid error when the key came with
// another body. A first response about a request (a created draft, a
// decision) is given again only while the caller, as they are now, may
// still see that request (stillVisible): otherwise the retry is refused
// as not found, as reading the request is.
func firstResponse(tx Tx, p Principal, idem *Idempotency, now time.Time) ([]byte, error) {
	prev, err := tx.GetIdempotency(p.Subject, idem.Key)
	switch {
	case ErrorCode(err) == CodeNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case now.Sub(prev.CreatedAt) > IdempotencyTTL:
		return nil, nil // expired: deleted below, before the new record is stored
	case prev.Fingerprint != idem.Fingerprint:
		return nil, &Error{Code: CodeInvalid, Message: "the Idempotency-Key was already used with a different body or on another path",
			Fields: []FieldError{{"Idempotency-Key", "already used with a different body or on another path; send a new key for a new request"}}}
	}
	if err := stillVisible(tx, p, prev.RequestID); err != nil {
		return nil, err
	}
	return prev.Response, nil
}

// stillVisible refuses the replay of a first response about request id
// (none when id is "") that the caller may no longer see: their nation or
// roles changed since the first attempt (a liaison officer moved to
// another nation, an approver made a liaison officer). The stored response
// holds the whole request, so replaying it would show what GET of the
// request now answers 404 for. The retry gets that same 404, and nothing
// is created or changed: the key stays spent, as a new key creates anew.
// Only a retry pays for this read; a first attempt does not.
func stillVisible(tx Tx, p Principal, id string) error {
	if id == "" {
		return nil
	}
	_, err := visibleHead(p, id, tx.RequestHead)
	if ErrorCode(err) == CodeNotFound {
		return Errorf(CodeNotFound, "request not found: the request this Idempotency-Key was first used on is not one you can see now; send a new Idempotency-Key")
	}
	return err
}

// GetRequest returns a request the caller may see, with the warnings of the
// caller's audience only (WarningsFor). Another nation's request
// is not found, exactly as one that does not exist, and costs as much:
// only its head is read (readVisible).
func (s *RequestService) GetRequest(ctx context.Context, p Principal, id string) (*Request, error) {
	r, err := visibleRequest(ctx, s.store, p, id)
	if err != nil {
		return nil, err
	}
	r.ReportExpiry(s.clock())
	// An approver reads, before deciding, that the fast track's agreement
	// no longer covers the request (a warning made now, never stored).
	if err := s.addLapseWarning(ctx, p, r); err != nil {
		return nil, err
	}
	// Only the warnings of p's audience: every page and response that shows
	// a request read here gets them filtered, not only those that remember
	// to (the console once showed a liaison officer the approvers' capacity
	// figures).
	r.Warnings = WarningsFor(r.Warnings, p)
	return r, nil
}

// ListRequests returns a page of the requests the caller may see
// (Request.Visible). A liaison officer's list is always scoped to their
// nation, whatever filter they ask. Anyone else's but an auditor's leaves
// out the requests never submitted: asked for drafts, it is an empty
// page, as a liaison officer's list of another nation is.
func (s *RequestService) ListRequests(ctx context.Context, p Principal, f RequestFilter) (RequestPage, error) {
	if p.IsLiaison() {
		if f.Nation != "" && f.Nation != p.Nation {
			return RequestPage{}, nil
		}
		f.Nation = p.Nation
	}
	if !SeesUnsubmitted(p) {
		if f.Status == StatusDraft {
			return RequestPage{}, nil
		}
		f.SubmittedOnly = true
	}
	page, err := s.store.ListRequests(ctx, f)
	now := s.clock()
	for i := range page.Items {
		page.Items[i].ReportExpiry(now)
	}
	return page, err
}

// UpdateDetails replaces the details of a draft or changes_requested request
// if version is still current.
func (s *RequestService) UpdateDetails(ctx context.Context, p Principal, id string, version int, d Details) (*Request, error) {
	invalid := s.validate(d, s.clock())
	// An agreement missing or another nation's is refused, unless the
	// request keeps the one it was returned with (keepsLostFramework),
	// and named as no longer available when it is the one the request
	// names (namedFrameworkRefused), both known only inside the
	// transaction: refused fields then
	// are answered there, all at once, after the request's own checks
	// (visibility, version). Otherwise before the transaction, as ever.
	var fwErr error
	if !namesField(invalid, "framework_id") {
		_, fwErr = framework(s.storeFramework(ctx), p.Nation, d)
	}
	if fwErr != nil && !unknownFramework(fwErr) {
		return nil, fwErr
	}
	if invalid != nil && fwErr == nil {
		return nil, invalid
	}
	return s.change(ctx, p, id, version, func(tx Tx, r *Request) (string, any, error) {
		if err := MergeInvalid(invalid, editFramework(r, d.FrameworkID, fwErr)); err != nil {
			return "", nil, err
		}
		if !r.Editable() {
			return "", nil, Errorf(CodeInvalidTransition, "a request that is %s can no longer be edited", r.Status)
		}
		changed := ChangedDetails(r.Details, d)
		if len(changed) == 0 {
			return "", nil, nil // an edit that changes nothing is no change
		}
		r.Details = d
		return AuditRequestUpdated, ChangedData{Changed: changed}, nil
	})
}

// Submit sends a draft (or a request returned for changes) for review: the
// policy checks eligibility and computes the route, which is stored with its
// policy version and due dates. Earlier decisions never carry over as
// approvals; they are kept as the route's Earlier for separation of duties.
func (s *RequestService) Submit(ctx context.Context, p Principal, id string, version int) (*Request, error) {
	return s.change(ctx, p, id, version, func(tx Tx, r *Request) (string, any, error) {
		action := SubmitAction(r.Status)
		to, err := Transition(r.Status, action)
		if err != nil {
			return "", nil, err
		}
		now := r.UpdatedAt
		invalid := s.validate(r.Details, now)
		var fw *Framework
		var unavailable []Warning
		var fwErr error
		if !namesField(invalid, "framework_id") {
			// With the agreement's shared lock, the first lock the
			// submission takes (before its areas'): a change of the
			// agreement waits for it to commit, and lists it among the
			// requests in review it may stop covering.
			fw, unavailable, fwErr = submitFramework(tx.GetFramework, r)
		}
		if err := MergeInvalid(invalid, fwErr); err != nil {
			return "", nil, err
		}
		plan, err := s.evaluate(r.Nation, r.Details, fw, now)
		if err != nil {
			return "", nil, err
		}
		if !plan.Eligible {
			return "", nil, &Error{Code: CodeNotEligible, Message: "the request is not eligible under the routing policy", Reasons: plan.Refusals()}
		}
		conflicts, err := txConflicts(tx, r, BookingStatuses, true)
		if err != nil {
			return "", nil, err
		}
		from, history := r.Status, r.Route.History()
		r.Route, r.DueAt = BuildRoute(plan, now)
		r.Route.Earlier = history
		r.Status, r.SubmittedAt = to, &now
		r.Warnings = append(append(plan.Warnings, frameworkWarnings(fw, plan, r.Nation, r.Details, s.ref)...), unavailable...)
		r.Warnings = append(r.Warnings, ConflictWarnings(conflicts)...)
		r.Warnings = append(r.Warnings, DecisionAfterStartWarnings(r.Route, r.Period)...)
		r.Warnings = append(r.Warnings, MovementWarnings(r.Movements, s.ref)...)
		return AuditRequestSubmitted, RequestSubmittedData{From: string(from), To: string(to), Route: NewRouteData(r.Route)}, nil
	})
}

// CheckWithdrawReason is Withdraw's check of its reason, the first it
// makes: optional, at most MaxPurpose characters (not bytes), no control
// characters. A form checks it before asking to confirm.
func CheckWithdrawReason(reason string) error {
	v := &validator{}
	v.text("reason", reason, false, MaxPurpose)
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "the withdrawal is not valid", Fields: v.errs}
	}
	return nil
}

// WithdrawRefusal is Withdraw's refusal of r for its status
// (invalid_transition), nil when its status lets it be withdrawn.
func WithdrawRefusal(r *Request) error {
	_, err := Transition(r.Status, ActionWithdraw)
	return err
}

// Withdraw ends a request at the sending nation's wish.
func (s *RequestService) Withdraw(ctx context.Context, p Principal, id string, version int, reason string) (*Request, error) {
	if err := CheckWithdrawReason(reason); err != nil {
		return nil, err
	}
	return s.change(ctx, p, id, version, func(_ Tx, r *Request) (string, any, error) {
		if err := WithdrawRefusal(r); err != nil {
			return "", nil, err
		}
		to, err := Transition(r.Status, ActionWithdraw)
		if err != nil {
			return "", nil, err
		}
		from := r.Status
		r.Status = to
		if r.Route != nil {
			r.Route.cancelOpen()
		}
		return AuditRequestWithdrawn, ReasonedTransitionData{From: string(from), To: string(to), Reason: reason}, nil
	})
}

// change is the one path of every edit of an existing request by its
// nation: in one transaction, changeRequest loads it, checks visibility,
// ownership and the If-Match version, applies fn, stores with
// compare-and-set and appends the audit entry fn describes. A first
// submission also draws the request's human reference. An fn that returns
// no action found nothing to change: the request is answered as it was.
func (s *RequestService) change(ctx context.Context, p Principal, id string, version int,
	fn func(tx Tx, r *Request) (action string, data any, err error)) (*Request, error) {
	var out *Request
	err := s.store.InTx(WithReadAhead(ctx, p, id, version), func(tx Tx) error {
		r, err := changeRequest(tx, p, id, version, s.clock(), liaisonOnly, func(r *Request) (requestEdit, error) {
			action, data, err := fn(tx, r)
			if err != nil || action == "" {
				return requestEdit{action: action}, err
			}
			// Whoever writes the request is one of its authors: separation
			// of duties refuses them a decision on it. Kept in the request's
			// row, which the change writes anyway.
			r.AddAuthor(p.Subject)
			if action == AuditRequestSubmitted && r.Reference == "" {
				if data, err = drawReference(tx, r, data.(RequestSubmittedData)); err != nil {
					return requestEdit{}, err
				}
			}
			return requestEdit{action: action, data: data}, nil
		})
		out = r
		return err
	})
	return out, err
}

// liaisonOnly lets only liaison officers change a request (those of its
// nation, as only they see it).
func liaisonOnly(p Principal) error {
	if !p.IsLiaison() {
		return Errorf(CodeForbidden, "only the liaison officers of the request's nation change it")
	}
	return nil
}

// drawReference gives a first-submitted request its human reference, which
// its submission's audit entry records.
func drawReference(tx Tx, r *Request, submitted RequestSubmittedData) (any, error) {
	n, err := tx.NextReference(r.SubmittedAt.Year())
	if err != nil {
		return nil, err
	}
	r.Reference = FormatReference(r.SubmittedAt.Year(), n)
	submitted.Reference = r.Reference
	return submitted, nil
}

func (s *RequestService) audit(p Principal, action string, r *Request, data any) *AuditEntry {
	return auditEntry(AuditEntry{At: r.UpdatedAt, Actor: p.Subject, RequestID: r.ID, RequestVersion: r.Version}, action, data)
}

// validate checks the details and their period against today, naming
// every offending field of both at once (MergeInvalid). A date the details
// already refuse (its shape, its order) keeps that message alone.
func (s *RequestService) validate(d Details, now time.Time) error {
	return MergeInvalid(ValidateDetails(d, s.ref), ValidateTiming(d, now))
}

// clock is the current time as stored: UTC, to the microsecond, which both
// SQLite and PostgreSQL keep exactly, so what a response shows is what a
// later read returns.
func (s *RequestService) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// referencePattern is the shape of a human reference: SE-2026-EXA-000123.
var referencePattern = regexp.MustCompile(`^SE-[0-9]{4}-EXA-[0-9]{6,9}$`)

// IsReference reports whether s is shaped like a human reference (and so
// cannot be an id, which is a UUID).
func IsReference(s string) bool { return referencePattern.MatchString(s) }

// FormatReference renders the human reference of a request:
// SE-<year>-EXA-<n, at least six digits>, the text of
// fmt.Sprintf("SE-%d-EXA-%06d", year, n) without fmt, on the writer.
func FormatReference(year int, n int64) string {
	if n < 0 {
		return fmt.Sprintf("SE-%d-EXA-%06d", year, n) // never drawn; fmt puts the sign before the zeros
	}
	b := strconv.AppendInt(append(make([]byte, 0, 24), "SE-"...), int64(year), 10)
	b = append(b, "-EXA-"...)
	for d := int64(100000); d > n && d > 1; d /= 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, n, 10))
}
