package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Audit actions of approvals.
const (
	AuditRequestDecided    = "request.decided"
	AuditRequestRevoked    = "request.revoked"
	AuditRequestExpired    = "request.expired"
	AuditDelegationCreated = "delegation.created"
	AuditDelegationRevoked = "delegation.revoked"
	SystemActor            = "system"
)

// ApprovalService holds the use cases of Swedish approvers: the queue,
// decisions, revocation, expiry and delegation.
type ApprovalService struct {
	store Store
	ref   Reference // names areas and entry points in refusals; nil names them by code
	now   func() time.Time
	newID func() string
}

// NewApprovalService wires the service to its ports.
func NewApprovalService(store Store, ref Reference, now func() time.Time, newID func() string) *ApprovalService {
	return &ApprovalService{store: store, ref: ref, now: now, newID: newID}
}

func (s *ApprovalService) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Now is the service's clock, for showing whether something is active.
func (s *ApprovalService) Now() time.Time { return s.clock() }

// Decide records an approver's decision on one stage of a request, in one
// transaction with its audit entry. The checks, in order: the If-Match
// version (412), a request in review (409), a stage of its route (422), the
// stage's role held directly or by an active delegation (403; a
// delegation from an account holding admin gives nothing:
// delegatorInactive), a caller not holding admin (403,
// refuseAdministrator), an active stage (409), and separation of duties
// (403); a decision that would approve the request is then refused when
// its fast track's framework agreement no longer covers it (409
// framework_not_applicable: checkFrameworkStillFits) and for its training
// areas (409 area_conflict: checkFinalApproval).
func (s *ApprovalService) Decide(ctx context.Context, p Principal, id string, version int, in DecisionInput) (*Request, error) {
	if err := ValidateDecision(in); err != nil {
		return nil, err
	}
	var out *Request
	err := s.store.InTx(WithReadAhead(ctx, p, id, version), func(tx Tx) error {
		if again, err := in.Key.replayed(tx, p, s.clock()); again || err != nil {
			return err // a retry is answered before the version check it would now fail
		}
		r, err := changeRequest(tx, p, id, version, s.clock(), nil, func(r *Request) (requestEdit, error) {
			return s.decide(tx, p, r, in)
		})
		if err != nil {
			return err
		}
		out = r
		return in.Key.remember(tx, p, r.UpdatedAt, r, r.ID)
	})
	return out, err
}

// decide applies the decision in to r, loaded for the change at r.UpdatedAt.
func (s *ApprovalService) decide(tx Tx, p Principal, r *Request, in DecisionInput) (requestEdit, error) {
	now := r.UpdatedAt
	st, err := r.reviewStage(in.Stage)
	if err != nil {
		return requestEdit{}, err
	}
	actingFor, err := authority(tx, p, st.Role, now) // 403 before the 409 of an inactive stage
	if err != nil {
		return requestEdit{}, err
	}
	if err := refuseAdministrator(p); err != nil {
		return requestEdit{}, err
	}
	if err := st.mustBeActive(); err != nil {
		return requestEdit{}, err
	}
	if err := CheckSeparationOfDuties(r, st.ID, p.Subject, actingFor); err != nil {
		return requestEdit{}, err
	}
	d := Decision{ID: s.newID(), Stage: st.ID, By: p.Subject, ActingFor: actingFor, Outcome: in.Outcome,
		Comment: in.Comment, Conditions: in.Conditions, At: now}
	from := r.Status
	to, err := ApplyDecision(r, d, now)
	if err != nil {
		return requestEdit{}, err
	}
	data := DecisionData{Stage: d.Stage, Outcome: d.Outcome, Comment: d.Comment,
		Conditions: list(d.Conditions), DecisionID: d.ID, From: string(from), To: string(to)}
	if to == StatusApproved {
		// The fast track is no approval on its own: the agreement that
		// settled the reviews it left out must still cover the request.
		if err := checkFrameworkStillFits(tx, s.ref, r); err != nil {
			return requestEdit{}, err
		}
		if err := checkFinalApproval(tx, r, in.OverrideReason, &data); err != nil {
			return requestEdit{}, err
		}
	}
	return requestEdit{action: AuditRequestDecided, actingFor: actingFor, data: data}, nil
}

// CheckRevokeReason is Revoke's check of its reason, the first it makes:
// required, at most MaxComment characters, no control characters. A form
// checks it before asking to confirm.
func CheckRevokeReason(reason string) error {
	v := &validator{}
	v.text("reason", reason, true, MaxComment)
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "a revocation needs its reason", Fields: v.errs}
	}
	return nil
}

// RevokeRefusal is Revoke's refusal of r at now for its status or its
// ended period (invalid_transition), nil when its permit can be revoked.
func RevokeRefusal(r *Request, now time.Time) error {
	if r.Ended(now) {
		return Errorf(CodeInvalidTransition, "the request's period has ended; it has expired and cannot be revoked")
	}
	_, err := Transition(r.Status, ActionRevoke)
	return err
}

// Revoke withdraws the permission of an approved request, with a reason.
func (s *ApprovalService) Revoke(ctx context.Context, p Principal, id string, version int, reason string) (*Request, error) {
	if err := CheckRevokeReason(reason); err != nil {
		return nil, err
	}
	var out *Request
	err := s.store.InTx(WithReadAhead(ctx, p, id, version), func(tx Tx) error {
		r, err := changeRequest(tx, p, id, version, s.clock(), nil, func(r *Request) (requestEdit, error) {
			if err := RevokeRefusal(r, r.UpdatedAt); err != nil {
				return requestEdit{}, err
			}
			to, err := Transition(r.Status, ActionRevoke)
			if err != nil {
				return requestEdit{}, err
			}
			r.Status = to
			return requestEdit{action: AuditRequestRevoked,
				data: ReasonedTransitionData{From: string(StatusApproved), To: string(to), Reason: reason}}, nil
		})
		out = r
		return err
	})
	return out, err
}

// ExpireEnded moves approved requests whose period has ended to expired,
// each in its own transaction with its audit entry. Several servers may
// sweep at once: the version compare-and-set lets exactly one record each
// expiry. It returns how many it expired.
func (s *ApprovalService) ExpireEnded(ctx context.Context) (int, error) {
	ids, err := s.store.ListExpired(ctx, StockholmDate(s.clock()), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		expired := false
		err := s.store.InTx(ctx, func(tx Tx) error {
			expired = false
			r, err := tx.GetRequest(id)
			if err != nil {
				return err
			}
			now := s.clock()
			to, err := Transition(r.Status, ActionExpire)
			if err != nil || !r.Ended(now) {
				return nil // no longer approved, or not yet over: nothing to record
			}
			version := r.Version
			r.Status, r.UpdatedAt = to, now // the audit entry is stamped with the sweep's time
			sys := Principal{Subject: SystemActor}
			expired = true
			return saveRequest(tx, sys, r, version, requestEdit{action: AuditRequestExpired,
				data: TransitionData{From: string(StatusApproved), To: string(StatusExpired)}})
		})
		switch {
		case err == nil && expired:
			n++
		case err == nil:
		case ErrorCode(err) != CodePreconditionFailed:
			return n, err
		}
	}
	return n, nil
}

// checkFinalApproval refuses to approve a request that, together with the
// approved bookings, would exceed a training area's capacity on some day or
// touches a blackout day — unless the approver gives an override reason,
// which the decision's audit entry records with the conflicts. The areas are
// locked first, so two final approvals on one area check one after the other.
func checkFinalApproval(tx Tx, r *Request, override string, data *DecisionData) error {
	approved := []Status{StatusApproved}
	all, err := txConflicts(tx, r, approved, true)
	if err != nil {
		return err
	}
	var exact []AreaConflict
	for _, c := range all {
		if c.Exact() {
			exact = append(exact, c)
		}
	}
	if len(exact) == 0 {
		return nil
	}
	if err := nameOthers(tx, r, exact, approved); err != nil {
		return err
	}
	var msgs, nation []string
	for _, c := range exact {
		msgs = append(msgs, c.Message())
		nation = append(nation, NationMessage(c.Label(), c.OverDays, c.Blackout))
	}
	if override == "" {
		return Errorf(CodeAreaConflict, "approving would conflict with approved bookings: %s; give override_reason to approve anyway",
			strings.Join(msgs, "; "))
	}
	data.OverrideReason, data.AreaConflicts, data.AreaConflictsNation = override, msgs, nation
	return nil
}

// nameOthers reads the bookings on the days over capacity, only once a
// conflict is found, so the approver's message names the requests involved.
func nameOthers(tx Tx, r *Request, cs []AreaConflict, statuses []Status) error {
	var others []Booking
	for _, c := range cs {
		if len(c.OverDays) == 0 {
			continue
		}
		bs, err := tx.ListBookings(c.Area, c.OverDays[0], c.OverDays[len(c.OverDays)-1], statuses)
		if err != nil {
			return err
		}
		others = append(others, bs...)
	}
	NameOthers(cs, others, r.ID)
	return nil
}

// authority tells whether p may decide stages of role at t: directly (""),
// or by an active delegation (the delegator's name) while p holds an
// approver role (DelegateCounts; storage returns only the delegations that
// count, for the delegator and the delegate: DelegationCounts). Otherwise 403. tx is the
// decision's transaction, or a page's read (DecidableStages).
func authority(tx delegationReader, p Principal, role Role, t time.Time) (string, error) {
	d, err := authorityDelegation(tx, p, role, t)
	if d == nil || err != nil {
		return "", err
	}
	return d.From, nil
}

// authorityDelegation is authority's delegation: nil when p holds role
// directly, else the delegation p would decide by (its From is the
// person acted for), or authority's refusal.
func authorityDelegation(tx delegationReader, p Principal, role Role, t time.Time) (*Delegation, error) {
	// A stage of a role that is no approver role now (a role of the routing
	// policy that the policy loaded now no longer names, on a request routed
	// before) is decided by nobody: not by an account that still holds the
	// role, nor through a delegation of it.
	if !role.IsApprover() {
		return nil, Errorf(CodeForbidden, "deciding this stage needs the role %s, which the routing policy in force no longer names: nobody may decide it", role)
	}
	if p.HasRole(role) {
		return nil, nil
	}
	if !principalMayBeDelegate(p) {
		return nil, Errorf(CodeForbidden, "deciding this stage needs the role %s, held directly or by an active delegation", role)
	}
	ds, err := tx.ActiveDelegations(p.Subject, t)
	if err != nil {
		return nil, err
	}
	for i, d := range ds {
		if d.Role == role && d.Runs(t) {
			return &ds[i], nil
		}
	}
	return nil, Errorf(CodeForbidden, "deciding this stage needs the role %s, held directly or by an active delegation", role)
}

// decidableRoles are the approver roles p holds directly or by delegation
// (only while p holds one directly: DelegateCounts), the delegations read
// from ds. A delegated role that is no approver role now (the policy
// dropped it) is left out, as delegatorInactive counts it lost.
func decidableRoles(ds delegationReader, p Principal, t time.Time) ([]Role, error) {
	var roles []Role
	for _, r := range p.Roles {
		if r.IsApprover() {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return nil, nil
	}
	running, err := ds.ActiveDelegations(p.Subject, t)
	if err != nil {
		return nil, err
	}
	for _, d := range running {
		if d.Runs(t) && d.Role.IsApprover() && !slices.Contains(roles, d.Role) {
			roles = append(roles, d.Role)
		}
	}
	return roles, nil
}

// Ended reports whether the request's period is over at t (Stockholm days).
func (r *Request) Ended(t time.Time) bool {
	return !r.Period.End.IsZero() && r.Period.End.Before(StockholmDate(t))
}

// ReportExpiry shows an approved request whose period has ended as expired,
// even before the sweep has recorded the transition (ExpiryReported).
func (r *Request) ReportExpiry(t time.Time) {
	if r.Status == StatusApproved && r.Ended(t) {
		r.Status = StatusExpired
		r.ExpiryReported = true
	}
}
