package domain

import (
	"context"
	"slices"
	"time"
)

// QueueQuery is what an approver asks of the queue.
type QueueQuery struct {
	Role        Role // "" for every role the caller may decide
	Nation      string
	OverdueOnly bool
	After       *QueueCursor
	Limit       int
}

// Queue returns the active stages the caller may decide, by role held or
// delegated, oldest deadline first, leaving out the stages separation of
// duties would refuse them (CheckSeparationOfDuties): for a role reached
// only by a delegation, what the person they act for did counts too. The
// person acted for on each role is the one Decide takes (authority), so
// that the queue offers exactly the stages Decide accepts; nor does it offer
// any to an administrator (refuseAdministrator), or through a delegation of
// one, which does not count (delegatorInactive).
func (s *ApprovalService) Queue(ctx context.Context, p Principal, q QueueQuery) (QueuePage, time.Time, error) {
	now := s.clock()
	ds := &storeDelegations{ctx: ctx, store: s.store}
	roles, err := decidableRoles(ds, p, now)
	if err != nil {
		return QueuePage{}, now, err
	}
	if q.Role != "" {
		if !slices.Contains(roles, q.Role) {
			return QueuePage{}, now, &Error{Code: CodeInvalid, Message: "bad role filter",
				Fields: []FieldError{{"role", "you hold no role " + quote(string(q.Role)) + " directly or by an active delegation"}}}
		}
		roles = []Role{q.Role}
	}
	if len(roles) == 0 || refuseAdministrator(p) != nil {
		return QueuePage{}, now, nil // an administrator never decides: nothing is theirs
	}
	f := QueueFilter{Nation: q.Nation, ExcludeActor: []string{p.Subject}, ActingFor: map[Role]string{}, After: q.After, Limit: q.Limit}
	for _, role := range roles {
		actingFor, err := authority(ds, p, role, now)
		if ErrorCode(err) == CodeForbidden {
			continue
		}
		if err != nil {
			return QueuePage{}, now, err
		}
		f.Roles = append(f.Roles, role)
		if actingFor != "" {
			f.ActingFor[role] = actingFor
		}
	}
	if len(f.Roles) == 0 {
		return QueuePage{}, now, nil
	}
	if q.OverdueOnly {
		f.OverdueAt = &now
	}
	page, err := s.store.ListQueue(ctx, f)
	return page, now, err
}

// QueueRoles are the roles Queue accepts as its role filter for p: the
// approver roles p holds directly or by a running delegation, in the
// order ApproverRoles lists them.
func (s *ApprovalService) QueueRoles(ctx context.Context, p Principal) ([]Role, error) {
	roles, err := decidableRoles(&storeDelegations{ctx: ctx, store: s.store}, p, s.clock())
	if err != nil {
		return nil, err
	}
	order := ApproverRoles()
	slices.SortStableFunc(roles, func(a, b Role) int { return slices.Index(order, a) - slices.Index(order, b) })
	return roles, nil
}

// HistoryEntry is one line of a request's history: a transition, an edit or
// a decision, with who did it and when.
type HistoryEntry = AuditEntry

// History returns one page of the recorded changes of a request that the
// caller may see (HistoryQuery): never more than MaxHistoryPage entries,
// however long the history has grown.
func (s *ApprovalService) History(ctx context.Context, p Principal, id string, q HistoryQuery) (HistoryPage, error) {
	r, err := visibleHead(p, id, func(id string) (*RequestHead, error) { return s.store.RequestHead(ctx, id) })
	if err != nil {
		return HistoryPage{}, err
	}
	if q.Limit <= 0 || q.Limit > MaxHistoryPage {
		q.Limit = MaxHistoryPage
	}
	f := HistoryFilter{RequestID: r.ID, HistoryQuery: q} // id may be the reference
	if p.IsLiaison() {
		// Refused attempts name users of other nations and Swedish
		// authorities; they are for auditors and approvers, not for the
		// sending nation. Left out by the query, so that they cost the
		// sending nation's pages nothing, however many there are.
		f.Omit = []string{AuditRequestRefused}
	}
	page, err := s.store.ListHistory(ctx, f)
	if err != nil {
		return page, err
	}
	page.RequestID = r.ID
	if !p.IsLiaison() {
		return page, nil
	}
	for i, e := range page.Entries {
		page.Entries[i] = nationHistory(e) // area conflicts as days alone (need-to-know)
	}
	return page, nil
}

// StageChoice is an active stage of a request whose role the caller holds,
// directly or by an active delegation.
type StageChoice struct {
	Stage Stage
	// ActingFor is the delegator when the caller decides by delegation,
	// as Decide would record it (authority); Delegation is that
	// delegation, nil when the caller holds the role directly.
	ActingFor  string
	Delegation *Delegation
	// Refused is separation of duties' refusal of the caller on this stage
	// (CodeSeparationOfDuties), nil when they may decide it.
	Refused error
}

// DecidableStages are the active stages of r that p could decide now, by
// the checks Decide makes of the person: the role, held directly or by an
// active delegation (authority; a delegation from an account holding
// admin gives nothing), by a caller not holding admin (a stage an
// administrator would decide is left out, as one of a role not held:
// refuseAdministrator), and separation of duties
// (CheckSeparationOfDuties), whose refusal comes with each stage. A page
// offers to decide only the stages that nothing refuses, and says why when
// a refusal leaves none; the queue leaves out the same stages.
func (s *ApprovalService) DecidableStages(ctx context.Context, p Principal, r *Request) ([]StageChoice, error) {
	if r.Status != StatusInReview || r.Route == nil || refuseAdministrator(p) != nil {
		return nil, nil // an administrator never decides: no stage is theirs
	}
	now := s.clock()
	ds := &storeDelegations{ctx: ctx, store: s.store}
	var out []StageChoice
	for _, st := range r.Route.Stages {
		if st.Status != StageActive {
			continue
		}
		by, err := authorityDelegation(ds, p, st.Role, now)
		actingFor := ""
		if by != nil {
			actingFor = by.From
		}
		if ErrorCode(err) == CodeForbidden {
			continue // a role not theirs to decide
		}
		if err != nil {
			return nil, err
		}
		out = append(out, StageChoice{Stage: st, ActingFor: actingFor, Delegation: by,
			Refused: CheckSeparationOfDuties(r, st.ID, p.Subject, actingFor)})
	}
	return out, nil
}

// delegationReader reads the delegations that give user a role at t: a
// transaction's (Tx), or the store's for a page (storeDelegations).
type delegationReader interface {
	ActiveDelegations(user string, t time.Time) ([]Delegation, error)
}

// storeDelegations reads the store's delegations once for all the stages
// of one page: one user at one instant.
type storeDelegations struct {
	ctx   context.Context
	store Store
	read  bool
	ds    []Delegation
}

func (d *storeDelegations) ActiveDelegations(user string, t time.Time) ([]Delegation, error) {
	if !d.read {
		ds, err := d.store.ActiveDelegations(d.ctx, user, t)
		if err != nil {
			return nil, err
		}
		d.read, d.ds = true, ds
	}
	return d.ds, nil
}
