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
