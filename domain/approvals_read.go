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
// delegated, oldest deadline first, leaving out requests on which the caller
// has already decided a stage (separation of duties would refuse them).
func (s *ApprovalService) Queue(ctx context.Context, p Principal, q QueueQuery) (QueuePage, time.Time, error) {
	now := s.clock()
	roles, err := s.decidableRoles(ctx, p, now)
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
	if len(roles) == 0 {
		return QueuePage{}, now, nil
	}
	f := QueueFilter{Roles: roles, Nation: q.Nation, ExcludeActor: []string{p.Subject}, After: q.After, Limit: q.Limit}
	if q.OverdueOnly {
		f.OverdueAt = &now
	}
	page, err := s.store.ListQueue(ctx, f)
	return page, now, err
}

// HistoryEntry is one line of a request's history: a transition, an edit or
// a decision, with who did it and when.
type HistoryEntry = AuditEntry

// History returns every recorded change of a request the caller may see,
// oldest first.
func (s *ApprovalService) History(ctx context.Context, p Principal, id string) ([]HistoryEntry, error) {
	r, err := s.store.GetRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.Visible(p) {
		return nil, ErrNotFound("request")
	}
	entries, err := s.store.ListAudit(ctx, r.ID) // id may be the reference
	if err != nil || !p.IsLiaison() {
		return entries, err
	}
	// Refused attempts name users of other nations and Swedish authorities;
	// they are for auditors and approvers, not for the sending nation. Area
	// conflicts are shown to it as days alone (need-to-know).
	out := entries[:0]
	for _, e := range entries {
		if e.Action != AuditRequestRefused {
			out = append(out, nationHistory(e))
		}
	}
	return out, nil
}

// CreateDelegation lets another approver exercise one of the caller's roles
// for a period.
func (s *ApprovalService) CreateDelegation(ctx context.Context, p Principal, in DelegationInput) (*Delegation, error) {
	now := s.clock()
	if in.Starts.IsZero() {
		in.Starts = now
	}
	var to *User
	if in.To != "" {
		u, err := s.store.GetUserByUsername(ctx, in.To)
		switch {
		case err == nil:
			to = u
		case ErrorCode(err) != CodeNotFound:
			return nil, err
		}
	}
	if err := validateDelegation(p, in, to, now); err != nil {
		return nil, err
	}
	d := &Delegation{ID: s.newID(), From: p.Subject, To: in.To, Role: in.Role,
		Starts: in.Starts.UTC().Truncate(time.Microsecond), Ends: in.Ends.UTC().Truncate(time.Microsecond), CreatedAt: now}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if again, err := in.Key.replayed(tx, p, now); again || err != nil {
			return err
		}
		if err := tx.CreateDelegation(d); err != nil {
			return err
		}
		if err := tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: p.Subject}, AuditDelegationCreated, delegationData(d))); err != nil {
			return err
		}
		return in.Key.remember(tx, p, now, d, "")
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ListDelegations returns the delegations the caller gave or received; an
// auditor or an administrator sees all of them.
func (s *ApprovalService) ListDelegations(ctx context.Context, p Principal) ([]Delegation, error) {
	if p.HasAnyRole(RoleAuditor, RoleAdmin) {
		return s.store.ListDelegations(ctx, "")
	}
	return s.store.ListDelegations(ctx, p.Subject)
}

// RevokeDelegation ends a delegation early. The delegator or the delegate
// may end it, and an administrator may end any; to anyone else it does not
// exist.
func (s *ApprovalService) RevokeDelegation(ctx context.Context, p Principal, id string) (*Delegation, error) {
	var out *Delegation
	err := s.store.InTx(ctx, func(tx Tx) error {
		d, err := tx.GetDelegation(id)
		if err != nil {
			return err
		}
		if d.From != p.Subject && d.To != p.Subject && !p.HasRole(RoleAdmin) {
			return ErrNotFound("delegation")
		}
		if d.RevokedAt != nil {
			return Errorf(CodeConflict, "the delegation was already revoked")
		}
		now := s.clock()
		if err := tx.RevokeDelegation(id, now); err != nil {
			return err
		}
		d.RevokedAt, out = &now, d
		return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: p.Subject}, AuditDelegationRevoked, delegationData(d)))
	})
	return out, err
}

func delegationData(d *Delegation) DelegationData {
	return DelegationData{DelegationID: d.ID, From: d.From, To: d.To, Role: string(d.Role),
		Starts: d.Starts.Format(time.RFC3339), Ends: d.Ends.Format(time.RFC3339)}
}
