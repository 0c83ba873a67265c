package domain

import (
	"context"
	"slices"
	"time"
)

// Permits signs the permit of an approved request and answers whether a
// permit is still valid. The auditlog package implements it with the
// audit log's checkpoint key.
type Permits interface {
	// Permit returns the signed permit of r, which the caller may see;
	// CodeNotFound when r is not approved.
	Permit(ctx context.Context, r *Request) (string, error)
	// PermitStatus is valid, revoked or expired for the permit of
	// reference, given the check value its holder reads in the permit's
	// status_path; CodeNotFound when there is no such permit or check is
	// not its check value (the same answer, so that nobody without the
	// permit learns whether the reference was drawn).
	PermitStatus(ctx context.Context, reference, check string) (PermitState, error)
}

// PermitState is all that the public status route reveals of a permit.
type PermitState string

// The states of a permit.
const (
	PermitValid   PermitState = "valid"
	PermitRevoked PermitState = "revoked"
	PermitExpired PermitState = "expired"
)

// PermitStatement is what a permit states: the approved request's
// reference, nation, unit, period, entry points, training areas and
// conditions, and its status. It names no audit entry: an entry's index
// is its place in the whole audit log, which the sending nation that
// holds the permit must not learn (the gaps count every other nation's
// entries); an auditor finds the approval in the request's history.
type PermitStatement struct {
	Reference     string
	Nation        string
	Unit          string
	Start, End    string // dates, both inclusive
	EntryPoints   []string
	TrainingAreas []AreaBooking
	Conditions    []string
	Status        Status
	IssuedAt      time.Time
}

// PermitOf is the statement of r's permit; CodeNotFound when r is not
// approved (there is no permit to state).
func PermitOf(r *Request, now time.Time) (PermitStatement, error) {
	if r.Status != StatusApproved {
		return PermitStatement{}, ErrNotFound("permit")
	}
	var entry []string
	for _, m := range r.Movements {
		if m.EntryPoint != "" && !slices.Contains(entry, m.EntryPoint) {
			entry = append(entry, m.EntryPoint)
		}
	}
	slices.Sort(entry)
	return PermitStatement{Reference: r.Reference, Nation: r.Nation, Unit: r.Unit.Designation,
		Start: DateString(r.Period.Start), End: DateString(r.Period.End), EntryPoints: entry,
		TrainingAreas: slices.Clone(r.TrainingAreas), Conditions: slices.Clone(r.Conditions),
		Status: r.Status, IssuedAt: now.UTC()}, nil
}

// PermitStateOf is the state of r's permit at now; ok is false when r has
// no permit (it was never approved).
func PermitStateOf(r *Request, now time.Time) (PermitState, bool) {
	switch {
	case r.Status == StatusRevoked:
		return PermitRevoked, true
	case r.Status == StatusExpired, r.Status == StatusApproved && r.Ended(now):
		return PermitExpired, true
	case r.Status == StatusApproved:
		return PermitValid, true
	}
	return "", false
}
