package domain

import (
	"context"
	"slices"
	"time"
)

// Addressees is what the delivery worker reads to tell whether a row
// addressed to a role, or about a delegation, may still go to its
// recipient (storage.DB: the Store's reads of the same names).
type Addressees interface {
	// GetUser reads one account by id; CodeNotFound when there is none.
	GetUser(ctx context.Context, id string) (*User, error)
	// ActiveDelegations are the delegations to user that grant a role at
	// t: running at t, from a delegator who is enabled and holds the role,
	// to a delegate who is enabled and holds an approver role.
	ActiveDelegations(ctx context.Context, user string, t time.Time) ([]Delegation, error)
}

// StillAddressed reports whether the queued row n may go out at at.
//
// A row of an account's e-mail or webhook addressed to a role
// (AudienceRole) may only while that account receives the role by the
// rule that addressed it: the account is enabled and holds the role
// directly or by a delegation that runs at at and counts — its delegator
// enabled and holding the role and not admin, the account itself holding
// an approver role (receivesRole, over the delegations that count:
// DelegationCounts; the fan-out in storage reads the same).
//
// A row of an account's e-mail or webhook about a delegation (it started,
// it ends soon: NoticeDelegation) may only while that delegation still
// gives its delegate the role: the account is enabled and holds an
// approver role (DelegateCounts), and the delegation is not revoked, has
// not ended and still counts (its delegator enabled and holding the role)
// — else it would announce powers the recipient does not have.
//
// This is the net under the withdrawals of a revocation, a lapse or an
// account change (withdrawDelegatedNotices, Tx.WithdrawQueuedDeliveries):
// it also holds for a delegation that simply ended while its rows waited
// (the mail server down), and for a row that a transaction still open
// queued while such a change committed, which the change's withdrawal
// could not see (PostgreSQL). Every other row may go: a nation's notice or
// one account's other than a delegation's (no role), a role's own webhook
// (no recipient: it is addressed to the role itself, and revoking the
// webhook withdraws its rows), an inbox row. UnaddressedError says why a
// row may not.
func StillAddressed(ctx context.Context, src Addressees, n Notification, at time.Time) (bool, error) {
	if n.Recipient == "" || n.Channel == ChannelInbox {
		return true, nil
	}
	delegation, aboutDelegation := NoticeDelegation(n)
	if n.AudienceRole == "" && !aboutDelegation {
		return true, nil
	}
	u, err := src.GetUser(ctx, n.Recipient)
	if ErrorCode(err) == CodeNotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if u.Disabled() {
		return false, nil
	}
	if aboutDelegation {
		if !DelegateCounts(u) {
			return false, nil // no delegation gives anything to a delegate who is no approver
		}
		ds, err := src.ActiveDelegations(ctx, u.Username, at)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(ds, func(d Delegation) bool {
			return d.ID == delegation && d.To == u.Username && d.Runs(at)
		}), nil
	}
	// Most recipients hold the role themselves: no delegation to read; nor
	// for one whom no delegation gives anything.
	if receivesRole(u, nil, n.AudienceRole, at) {
		return true, nil
	}
	if !DelegateCounts(u) {
		return false, nil
	}
	ds, err := src.ActiveDelegations(ctx, u.Username, at)
	if err != nil {
		return false, err
	}
	return receivesRole(u, ds, n.AudienceRole, at), nil
}

// UnaddressedError is the last_error of a row that StillAddressed kept
// from going out: DelegationNotRunningError for a notice about a
// delegation, RoleNotHeldError for one addressed to a role.
func UnaddressedError(n Notification) string {
	if _, ok := NoticeDelegation(n); ok {
		return DelegationNotRunningError
	}
	return RoleNotHeldError
}

// DecisionNoLongerNeededError is the last_error of a queued e-mail or
// webhook row of a stage notice (a stage became active, is due soon,
// overdue or escalated) that the delivery worker did not send: when it
// was claimed, the stage it asked a decision on had been decided, or
// activated afresh (a new round, after the request was returned for
// changes and resubmitted: the notice was about the earlier round), or the
// request had left review (rejected, withdrawn, returned for changes),
// by a change that committed after the row was written
// (StageNoticeOutlived, Notification.Outlived). The inbox row of the same
// notice stays, marked "No longer needs your decision".
const DecisionNoLongerNeededError = "at delivery the stage no longer needed a decision: it was decided, activated afresh in a new round, or the request left review"
