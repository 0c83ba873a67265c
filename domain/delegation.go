package domain

import (
	"slices"
	"time"
)

// Delegation lets an approver's role be exercised by another user for a
// period: the delegate decides "acting for" the delegator.
type Delegation struct {
	ID        string
	From      string // the delegator, who holds Role directly
	To        string // the delegate
	Role      Role
	Starts    time.Time
	Ends      time.Time
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Active reports whether the delegation grants its role at t.
func (d Delegation) Active(t time.Time) bool {
	return d.RevokedAt == nil && !t.Before(d.Starts) && t.Before(d.Ends)
}

// MaxDelegation bounds how long one delegation may run.
const MaxDelegation = 366 * 24 * time.Hour

// DelegationInput is what a delegator asks for.
type DelegationInput struct {
	To     string
	Role   Role
	Starts time.Time // zero means now
	Ends   time.Time
	// Key, when set, makes a retried creation answer the first response.
	Key *Keyed
}

// NoDelegateMessage is the one answer about the field to of a delegation
// whose delegate may not receive one: no such account, a disabled one, or
// one without an approver role alike.
const NoDelegateMessage = "no enabled approver with that username"

// validateDelegation checks the request against the delegator's own roles
// (a delegate cannot delegate further: only directly held roles count) and
// the delegate's account (DelegateCounts), without telling which of its
// conditions an account fails.
func validateDelegation(p Principal, in DelegationInput, to *User, now time.Time) error {
	v := &validator{}
	switch {
	case !in.Role.IsApprover():
		v.add("role", "must be an approver role")
	case !p.HasRole(in.Role):
		v.add("role", "you can delegate only a role you hold yourself; a delegate cannot delegate further")
	}
	switch {
	case in.To == "":
		v.add("to", "is required")
	case in.To == p.Subject:
		v.add("to", "you cannot delegate to yourself")
	case !DelegateCounts(to):
		// One answer whether the account is missing, disabled or no
		// approver: which accounts exist, and their roles, are for
		// administrators (GET /api/v1/users), not for whoever may delegate.
		v.add("to", NoDelegateMessage)
	}
	switch {
	case in.Ends.IsZero():
		v.add("ends", "is required")
	case !in.Ends.After(in.Starts):
		v.add("ends", "must be after starts")
	case in.Ends.Sub(in.Starts) > MaxDelegation:
		v.add("ends", "a delegation may run at most 366 days")
	}
	if in.Starts.Before(now.Add(-time.Minute)) {
		v.add("starts", "must not be in the past")
	}
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "the delegation is not valid", Fields: v.errs}
	}
	return nil
}

// DelegateCounts reports whether delegations to u give u anything: u is
// enabled and holds at least one approver role — what validateDelegation
// asks of a delegate at creation, and asks again for as long as the
// delegation runs. A delegate who is disabled, or whose last approver
// role is taken (a liaison officer now, an auditor), receives neither the
// delegated role's powers nor its notices, like a delegation whose
// delegator lost the role. Storage applies the same rule to the
// delegations it returns, and to the audience of a role's notices.
func DelegateCounts(u *User) bool { return u != nil && !u.Disabled() && anyApprover(u.Roles) }

// principalMayBeDelegate is DelegateCounts for the caller of a decision
// or of the queue: the token's roles hold an approver role. (An enabled
// account is what every authenticated call proves already.)
func principalMayBeDelegate(p Principal) bool { return anyApprover(p.Roles) }

// anyApprover reports whether rs holds an approver role.
func anyApprover(rs []Role) bool { return slices.ContainsFunc(rs, Role.IsApprover) }
