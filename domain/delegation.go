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

// Runs reports whether the delegation runs at t: not revoked, started and
// not ended. It gives its role only while it also counts — its delegator
// and its delegate as DelegationInactive reads them — which is what the
// lists call active.
func (d Delegation) Runs(t time.Time) bool {
	return d.RevokedAt == nil && !t.Before(d.Starts) && t.Before(d.Ends)
}

// Why a delegation gives its role to nobody at an instant
// (DelegationInactive): the names the API shows as inactive_reason and the
// console as a delegation's state.
const (
	InactiveRevoked = "revoked"
	InactiveEnded   = "ended"
	// InactiveDelegatorDisabled: the delegator's account is disabled.
	InactiveDelegatorDisabled = "delegator_disabled"
	// InactiveDelegatorLostRole: the delegator no longer holds the role,
	// or the role is no approver role of this server any more (a role of
	// the routing policy that the policy loaded now no longer names, which
	// the delegator's account may still hold).
	InactiveDelegatorLostRole = "delegator_lost_role"
	// InactiveDelegatorAdmin: the delegator holds the role admin beside
	// the delegated role (an account stored before AdminWithOtherRoles),
	// and administrators never decide, not through a delegate either.
	InactiveDelegatorAdmin = "delegator_admin"
	// InactiveDelegateDisabled: the delegate's account is disabled.
	InactiveDelegateDisabled = "delegate_disabled"
	// InactiveDelegateNotApprover: the delegate holds no approver role.
	InactiveDelegateNotApprover = "delegate_not_approver"
	// InactiveDelegateAdmin: the delegate holds the role admin beside an
	// approver role (an account stored before AdminWithOtherRoles), and
	// administrators never decide.
	InactiveDelegateAdmin = "delegate_admin"
	InactiveNotStarted    = "not_started"
)

// InactiveReasons are the reasons in the order DelegationInactive tries
// them: a delegation revoked or ended gives nothing whatever its accounts;
// one whose accounts keep it from counting says so even before it starts,
// since it will not count when it starts either unless an account changes.
var InactiveReasons = []string{InactiveRevoked, InactiveEnded, InactiveDelegatorDisabled, InactiveDelegatorLostRole,
	InactiveDelegatorAdmin, InactiveDelegateDisabled, InactiveDelegateNotApprover, InactiveDelegateAdmin, InactiveNotStarted}

// DelegationInactive says why d gives its role to nobody at t — the first
// of InactiveReasons that applies — or "" when it gives it: it runs (Runs)
// and counts (DelegationCounts). from and to are the accounts of its
// delegator and delegate as stored at t; nil (no account) reads as
// disabled.
func DelegationInactive(d Delegation, from, to *User, t time.Time) string {
	switch {
	case d.RevokedAt != nil:
		return InactiveRevoked
	case !t.Before(d.Ends):
		return InactiveEnded
	}
	if why := partiesInactive(d, from, to); why != "" {
		return why
	}
	if t.Before(d.Starts) {
		return InactiveNotStarted
	}
	return ""
}

// DelegationCounts reports whether d's accounts let it give its role
// while it runs: its delegator, from, gives it (delegatorInactive:
// enabled, holding the role, not admin), and its delegate, to, counts
// (DelegateCounts). A disabled delegator, one who lost the role, or one
// who holds admin beside it gives no powers to anyone; a delegate disabled
// or without an approver role receives none. Storage keeps the running
// delegations this holds for (countingDelegations) wherever a delegation
// gives powers or notices.
func DelegationCounts(d Delegation, from, to *User) bool { return partiesInactive(d, from, to) == "" }

// partiesInactive is the reason d's accounts keep it from counting, "" if
// none: its delegator's first (delegatorInactive), then its delegate's.
func partiesInactive(d Delegation, from, to *User) string {
	if why := delegatorInactive(from, d.Role); why != "" {
		return why
	}
	switch {
	case to == nil || to.Disabled():
		return InactiveDelegateDisabled
	case !anyApprover(to.Roles):
		return InactiveDelegateNotApprover
	case to.HasRole(RoleAdmin):
		return InactiveDelegateAdmin
	}
	return ""
}

// delegatorInactive is why from gives nobody role by a delegation, "" when
// it gives it: from (nil: no account) is enabled and holds role, role is
// an approver role of this server (a role the policy dropped gives nothing
// even to the accounts that still hold it: it reads as lost), and from is
// not admin. An account that holds admin beside the role (stored before
// AdminWithOtherRoles) may not decide, and administrators never decide
// through a delegate either: its delegations give no decision, no queue
// and no notices, as if it had lost the role, and it may create none
// (validateDelegation, DelegableRoles). This is the one rule of the
// delegator's side: what a delegation gives, what a list says of it, and
// what may be created all read it.
func delegatorInactive(from *User, role Role) string {
	switch {
	case from == nil || from.Disabled():
		return InactiveDelegatorDisabled
	case !from.HasRole(role) || !role.IsApprover():
		return InactiveDelegatorLostRole
	case from.HasRole(RoleAdmin):
		return InactiveDelegatorAdmin
	}
	return ""
}

// principalAccount is p as an account for delegatorInactive: enabled (as
// every authenticated call proves), holding the token's roles.
func principalAccount(p Principal) *User { return &User{Username: p.Subject, Roles: p.Roles} }

// DelegableRoles are the roles p may delegate: the approver roles p holds
// directly whose delegations would give them (delegatorInactive) — none
// for an account that holds admin beside them. What the console offers,
// and whom Delegates lists receivers for.
func DelegableRoles(p Principal) []Role {
	var out []Role
	for _, r := range ApproverRoles() {
		if p.HasRole(r) && delegatorInactive(principalAccount(p), r) == "" {
			out = append(out, r)
		}
	}
	return out
}

// ListedDelegation is a delegation as a list shows it: InactiveReason is
// DelegationInactive at the time of the list, "" while it gives its role.
type ListedDelegation struct {
	Delegation
	InactiveReason string
}

// GivesRole reports whether the delegation runs and counts: its delegate
// may decide the role's stages and is told of them.
func (l ListedDelegation) GivesRole() bool { return l.InactiveReason == "" }

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

// The errors of a delegation's ends (validateDelegation): EndsInPast is
// its own; EndsBeforeStarts and DelegationTooLong compare it with starts.
const (
	EndsInPast        = "must not be in the past"
	EndsBeforeStarts  = "must be after starts"
	DelegationTooLong = "a delegation may run at most 366 days"
)

// NoDelegateMessage is the one answer about the field to of a delegation
// whose delegate may not receive one: no such account, a disabled one, or
// one without an approver role alike.
const NoDelegateMessage = "no enabled approver with that username"

// DelegateHoldsRoleMessage is the answer about the field to of a
// delegation whose delegate already holds the role: it would give them
// nothing, and the delegator would believe someone covers for them.
const DelegateHoldsRoleMessage = "already holds this role; delegating it to them would give them nothing"

// DelegatorAdminMessage is the answer about the field role of a
// delegation asked for by an account that holds admin beside the role
// (delegatorInactive): it would give its delegate nothing.
const DelegatorAdminMessage = "your account holds admin, and administrators never decide, not through a delegate either: " +
	"a delegation from it would give nothing; another administrator must take the admin role or your approver roles away"

// delegateRefusal is why to may not receive role from p, "" when it may:
// not p themselves, an account that counts as a delegate (DelegateCounts),
// and one that does not hold role already. One answer covers a missing,
// disabled or non-approver account: which accounts exist are for
// administrators (GET /api/v1/users); that an enabled approver holds the
// role already is said, since the console offers the approvers who may
// receive one (Delegates) anyway. A role p may not delegate is the role
// field's error, not this.
func delegateRefusal(p Principal, role Role, to *User) string {
	switch {
	case to != nil && to.Username == p.Subject:
		return "you cannot delegate to yourself"
	case !DelegateCounts(to):
		return NoDelegateMessage
	case role.IsApprover() && to.HasRole(role):
		return DelegateHoldsRoleMessage
	}
	return ""
}

// MayReceive reports whether to may receive role from p by a new
// delegation, as far as the delegate goes (delegateRefusal): what the
// console offers as delegates.
func MayReceive(p Principal, role Role, to *User) bool { return delegateRefusal(p, role, to) == "" }

// validateDelegation checks the request against the delegator's own roles
// (a delegate cannot delegate further: only directly held roles count; an
// account holding admin beside them delegates nothing: delegatorInactive) and
// the delegate's account (DelegateCounts), without telling which of its
// conditions an account fails.
func validateDelegation(p Principal, in DelegationInput, to *User, now time.Time) error {
	v := &validator{}
	switch {
	case in.Role == "":
		v.add("role", "is required")
	case !in.Role.IsApprover():
		v.add("role", "must be an approver role")
	case !p.HasRole(in.Role):
		v.add("role", "you can delegate only a role you hold yourself; a delegate cannot delegate further")
	case delegatorInactive(principalAccount(p), in.Role) == InactiveDelegatorAdmin:
		v.add("role", "%s", DelegatorAdminMessage)
	}
	switch {
	case in.To == "":
		v.add("to", "is required")
	case in.To == p.Subject:
		v.add("to", "you cannot delegate to yourself")
	default:
		if why := delegateRefusal(p, in.Role, to); why != "" {
			v.add("to", "%s", why)
		}
	}
	// An ends in the past is its own error, not one of its comparison
	// with starts: the console, which checks a starts it could not read
	// as none, drops these (EndsBeforeStarts, DelegationTooLong) and keeps
	// it.
	switch {
	case in.Ends.IsZero():
		v.add("ends", "is required")
	case !in.Ends.After(now):
		v.add("ends", EndsInPast)
	case !in.Ends.After(in.Starts):
		v.add("ends", EndsBeforeStarts)
	case in.Ends.Sub(in.Starts) > MaxDelegation:
		v.add("ends", DelegationTooLong)
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
// delegator lost the role. Nor does an account that holds admin beside
// an approver role (stored before AdminWithOtherRoles): administrators
// never decide, so it is offered nothing, may decide nothing and is told
// nothing through a delegation, as it is told nothing of the roles it
// holds itself (ReceivesRoleNotices). Storage applies the same rule to the
// delegations it returns, and to the audience of a role's notices.
func DelegateCounts(u *User) bool {
	return u != nil && !u.Disabled() && anyApprover(u.Roles) && !u.HasRole(RoleAdmin)
}

// principalMayBeDelegate is DelegateCounts for the caller of a decision
// or of the queue: the token's roles hold an approver role, and not
// admin. (An enabled account is what every authenticated call proves
// already.)
func principalMayBeDelegate(p Principal) bool { return anyApprover(p.Roles) && !p.HasRole(RoleAdmin) }

// anyApprover reports whether rs holds an approver role.
func anyApprover(rs []Role) bool { return slices.ContainsFunc(rs, Role.IsApprover) }
