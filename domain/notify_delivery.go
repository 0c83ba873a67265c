package domain

import (
	"context"
	"slices"
	"time"
)

// Addressees is what the delivery worker reads to tell whether a row of
// an account may still go to it (storage.DB: the Store's reads of the
// same names).
type Addressees interface {
	// GetUser reads one account by id; CodeNotFound when there is none.
	GetUser(ctx context.Context, id string) (*User, error)
	// ActiveDelegations are the delegations to user that grant a role at
	// t: running at t, from a delegator who is enabled and holds the role,
	// to a delegate who is enabled and holds an approver role.
	ActiveDelegations(ctx context.Context, user string, t time.Time) ([]Delegation, error)
	// RequestHead reads the head of one request by id (never its details,
	// route or warnings, so that a request whose stored document does not
	// decode still gets its notices decided); CodeNotFound when there is
	// none.
	RequestHead(ctx context.Context, id string) (*RequestHead, error)
}

// StillAddressed decides whether the queued row n may go out at at, and
// where: it returns the address to send an e-mail row to (the account's
// address at delivery; n.Address for any other row), and "" or the reason
// it may not go (its last_error).
//
// Every e-mail or webhook row of an account is checked; rows without a
// recipient (a role's own webhook: it is addressed to the role itself, and
// revoking the webhook withdraws its rows) and inbox rows (the inbox
// filters at read time, ReachOf) are not.
//
//   - The account must exist and be enabled.
//   - A row addressed to a role (AudienceRole) may go only while the
//     account receives the role by the rule that addressed it: it holds
//     the role directly or by a delegation that runs at at and counts —
//     its delegator enabled and holding the role and not admin, the
//     account itself holding an approver role (receivesRole, over the
//     delegations that count: DelegationCounts; the fan-out in storage
//     reads the same). Else RoleNotHeldError.
//   - A row about a delegation (it started, it ends soon:
//     NoticeDelegation) may go only while that delegation still gives its
//     delegate the role: the account holds an approver role
//     (DelegateCounts), and the delegation is not revoked, has not ended
//     and still counts (its delegator enabled and holding the role) — else
//     it would announce powers the recipient does not have
//     (DelegationNotRunningError).
//   - Any other row of an account (a nation's notice to its liaison
//     officers) may go only while the account is enabled
//     (RecipientDisabledError).
//   - A row about a request may go only while the account may still see
//     that request (RequestHead.Visible, as the account stands now: only
//     the request's head is read, so that a request whose stored document
//     does not decode cannot keep its notices undecided): a liaison
//     officer moved to another nation no longer hears of the old one's
//     requests (RequestNotVisibleError).
//   - An e-mail row goes to the account's address at delivery: an address
//     changed after the row was written is the one the mail goes to, as an
//     address change readdresses the queued rows it sees
//     (Tx.ReaddressQueuedMail); with none left, NoAddressError.
//
// This is the net under the withdrawals of a revocation, a lapse or an
// account change (withdrawDelegatedNotices, Tx.WithdrawQueuedDeliveries,
// Tx.ReaddressQueuedMail): it also holds for a delegation that simply
// ended while its rows waited (the mail server down), and for a row that a
// transaction still open queued while such a change committed, which the
// change's withdrawal could not see (PostgreSQL): whatever the order of
// commits, what goes out goes only to whom the account is at delivery.
func StillAddressed(ctx context.Context, src Addressees, n Notification, at time.Time) (address, refusal string, err error) {
	if n.Recipient == "" || n.Channel == ChannelInbox {
		return n.Address, "", nil
	}
	delegation, aboutDelegation := NoticeDelegation(n)
	refuse := UnaddressedError(n)
	u, err := src.GetUser(ctx, n.Recipient)
	if ErrorCode(err) == CodeNotFound {
		return n.Address, refuse, nil
	} else if err != nil {
		return n.Address, "", err
	}
	if u.Disabled() {
		return n.Address, refuse, nil
	}
	var ok bool
	switch {
	case aboutDelegation:
		ok, err = delegationRuns(ctx, src, u, delegation, at)
	case n.AudienceRole != "":
		ok, err = receivesRoleNow(ctx, src, u, n.AudienceRole, at)
	default:
		ok = true
	}
	if err != nil || !ok {
		return n.Address, refuse, err
	}
	if n.RequestID != "" {
		r, err := src.RequestHead(ctx, n.RequestID)
		if ErrorCode(err) == CodeNotFound {
			return n.Address, RequestNotVisibleError, nil
		} else if err != nil {
			return n.Address, "", err
		}
		if !r.Visible(Principal{Subject: u.Username, Roles: u.Roles, Nation: u.Nation}) {
			return n.Address, RequestNotVisibleError, nil
		}
	}
	if n.Channel != ChannelEmail {
		return n.Address, "", nil
	}
	if u.Email == "" {
		return "", NoAddressError, nil
	}
	return u.Email, "", nil
}

// delegationRuns reports whether delegation still gives its delegate u
// the role at at.
func delegationRuns(ctx context.Context, src Addressees, u *User, delegation string, at time.Time) (bool, error) {
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

// receivesRoleNow reports whether u receives role's notices at at.
func receivesRoleNow(ctx context.Context, src Addressees, u *User, role Role, at time.Time) (bool, error) {
	// Most recipients hold the role themselves: no delegation to read; nor
	// for one whom no delegation gives anything.
	if receivesRole(u, nil, role, at) {
		return true, nil
	}
	if !DelegateCounts(u) {
		return false, nil
	}
	ds, err := src.ActiveDelegations(ctx, u.Username, at)
	if err != nil {
		return false, err
	}
	return receivesRole(u, ds, role, at), nil
}

// UnaddressedError is the last_error of a row that StillAddressed kept
// from going out because of its recipient's account:
// DelegationNotRunningError for a notice about a delegation,
// RoleNotHeldError for one addressed to a role, RecipientDisabledError for
// any other.
func UnaddressedError(n Notification) string {
	if _, ok := NoticeDelegation(n); ok {
		return DelegationNotRunningError
	}
	if n.AudienceRole != "" {
		return RoleNotHeldError
	}
	return RecipientDisabledError
}

// RecipientDisabledError is the last_error of a queued e-mail or webhook
// row of an account, addressed neither to a role nor about a delegation (a
// nation's notice), that the delivery worker did not send: at delivery the
// account was disabled or gone (StillAddressed), by a change whose own
// withdrawal did not reach the row.
const RecipientDisabledError = "at delivery the recipient's account was disabled"

// RequestNotVisibleError is the last_error of a queued e-mail or webhook
// row about a request that the delivery worker did not send: at delivery
// its recipient's account could no longer see the request
// (Request.Visible) — a liaison officer moved to another nation, or no
// longer one — by a change whose own withdrawal did not reach the row.
const RequestNotVisibleError = "at delivery the recipient's account could no longer see the request: it had changed nation or roles"

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
