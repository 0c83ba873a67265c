package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// CreateDelegation lets another approver exercise one of the caller's roles
// for a period. With a key, a retry is answered before the checks, which
// read the delegate's account and the clock: a retry of a create already
// answered gets that answer although the delegate was disabled since, or
// its starts is in the past now (as a keyed decision is answered before
// its version check).
func (s *ApprovalService) CreateDelegation(ctx context.Context, p Principal, in DelegationInput) (*ListedDelegation, error) {
	now := s.clock()
	if in.Starts.IsZero() {
		in.Starts = now
	}
	d := &Delegation{ID: s.newID(), From: p.Subject, To: in.To, Role: in.Role,
		Starts: in.Starts.UTC().Truncate(time.Microsecond), Ends: in.Ends.UTC().Truncate(time.Microsecond), CreatedAt: now}
	var out *ListedDelegation
	err := s.store.InTx(ctx, func(tx Tx) error {
		if again, err := in.Key.replayed(tx, p, now); again || err != nil {
			return err
		}
		to, err := delegateAccount(tx, in.To)
		if err != nil {
			return err
		}
		if err := validateDelegation(p, in, to, now); err != nil {
			return err
		}
		if err := tx.CreateDelegation(d); err != nil {
			return err
		}
		if err := tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: p.Subject}, AuditDelegationCreated, delegationData(d))); err != nil {
			return err
		}
		// Its state as a list shows it: the delegator is the caller
		// (principalAccount), holding the role and not admin
		// (validateDelegation); the delegate was read above.
		out = &ListedDelegation{Delegation: *d, InactiveReason: DelegationInactive(*d, principalAccount(p), to, now)}
		return in.Key.remember(tx, p, now, out, "")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CheckDelegation answers what CreateDelegation would refuse in for, and
// stores nothing: the console's check of a form one of whose fields it
// could not read, so that the other fields' errors show with that one. An
// empty Starts is now, as for CreateDelegation; the caller drops the
// errors of the fields it could not read.
func (s *ApprovalService) CheckDelegation(ctx context.Context, p Principal, in DelegationInput) error {
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
			return err
		}
	}
	return validateDelegation(p, in, to, now)
}

// Delegate is an account p may delegate to (Delegates): Roles are those
// of p's delegable roles it may receive.
type Delegate struct {
	Username string
	Roles    []Role
}

// delegatesPage is how many accounts Delegates reads at once.
const delegatesPage = 500

// Delegates are the accounts p could delegate one of the roles p may
// delegate (DelegableRoles) to now, by the rule of a new delegation
// (MayReceive): enabled accounts holding an approver role, not p, and for
// each role only those not holding it already. Ordered by username. None
// for a caller without an approver role, or holding admin beside one.
func (s *ApprovalService) Delegates(ctx context.Context, p Principal) ([]Delegate, error) {
	mine := DelegableRoles(p)
	if len(mine) == 0 {
		return nil, nil
	}
	enabled := false
	seen := map[string]bool{}
	var out []Delegate
	for _, held := range ApproverRoles() { // every account that may be a delegate holds one of them
		err := eachUser(ctx, s.store, UserFilter{Role: held, Disabled: &enabled, Limit: delegatesPage}, func(u *User) bool {
			if seen[u.Username] {
				return true
			}
			seen[u.Username] = true
			d := Delegate{Username: u.Username}
			for _, r := range mine {
				if MayReceive(p, r, u) {
					d.Roles = append(d.Roles, r)
				}
			}
			if len(d.Roles) > 0 {
				out = append(out, d)
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Delegate) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// delegateAccount reads the account a delegation is asked for, nil when
// there is none (validateDelegation answers that as it answers a disabled
// one).
func delegateAccount(tx Tx, username string) (*User, error) {
	if username == "" {
		return nil, nil
	}
	u, err := tx.GetUserByUsername(username, false)
	if ErrorCode(err) == CodeNotFound {
		return nil, nil
	}
	return u, err
}

// ListedDelegation returns delegation id as p's list shows it (see
// DelegationPage), or not found when p may not list it.
func (s *ApprovalService) ListedDelegation(ctx context.Context, p Principal, id string) (*ListedDelegation, error) {
	page, err := s.delegationPage(ctx, p, DelegationFilter{ID: id, Limit: 1}, s.clock())
	if err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, ErrNotFound("delegation")
	}
	return &page.Items[0], nil
}

// DelegationPage returns one page of the delegations p may list, newest
// first, after the delegation f.After: the caller's own (given or
// received), an auditor's or an administrator's all of them. Each says
// whether it gives its role now: one that runs but whose delegator or
// delegate lapsed (disabled, or without the role or any approver role) is
// not active, and says why (ListedDelegation). f.User is set here.
func (s *ApprovalService) DelegationPage(ctx context.Context, p Principal, f DelegationFilter) (DelegationPage, error) {
	return s.delegationPage(ctx, p, f, s.clock())
}

func (s *ApprovalService) delegationPage(ctx context.Context, p Principal, f DelegationFilter, now time.Time) (DelegationPage, error) {
	f.User = p.Subject
	if SeesAllDelegations(p) {
		f.User = ""
	}
	return s.store.ListDelegations(ctx, f, now)
}

// SeesAllDelegations reports whether p lists everyone's delegations (an
// auditor or an administrator) rather than only those they gave or
// received.
func SeesAllDelegations(p Principal) bool { return p.HasAnyRole(RoleAuditor, RoleAdmin) }

// MayEndDelegation reports whether p may end the delegation from one
// person to another: either of the two, or an administrator.
func MayEndDelegation(p Principal, from, to string) bool {
	return from == p.Subject || to == p.Subject || p.HasRole(RoleAdmin)
}

// DelegationRevokeRefusal is RevokeDelegation's refusal of d at now
// (conflict): it was already revoked, or it has ended; nil when it can
// still be ended early. A page checks it before asking to confirm.
func DelegationRevokeRefusal(d Delegation, now time.Time) error {
	switch {
	case d.RevokedAt != nil:
		return Errorf(CodeConflict, "the delegation was already revoked")
	case !now.Before(d.Ends):
		return Errorf(CodeConflict, "the delegation has already ended")
	}
	return nil
}

// RevokeDelegation ends a delegation early. The delegator or the delegate
// may end it, and an administrator may end any; to anyone else it does not
// exist.
func (s *ApprovalService) RevokeDelegation(ctx context.Context, p Principal, id string) (*ListedDelegation, error) {
	var out *ListedDelegation
	err := s.store.InTx(ctx, func(tx Tx) error {
		d, err := tx.GetDelegation(id)
		if err != nil {
			return err
		}
		if !MayEndDelegation(p, d.From, d.To) {
			return ErrNotFound("delegation")
		}
		now := s.clock()
		if err := DelegationRevokeRefusal(*d, now); err != nil {
			return err
		}
		if err := tx.RevokeDelegation(id, now); err != nil {
			return err
		}
		if err := withdrawDelegatedNotices(tx, d, DelegationRevokedError, now); err != nil {
			return err
		}
		d.RevokedAt = &now
		out = &ListedDelegation{Delegation: *d, InactiveReason: InactiveRevoked}
		return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: p.Subject}, AuditDelegationRevoked, delegationData(d)))
	})
	return out, err
}

// withdrawDelegatedNotices is the outbox step of a delegation d that
// stops counting, in that change's transaction and read after it: d was
// revoked (reason DelegationRevokedError), or its delegator was disabled
// or lost the role (DelegationLapsedError, withdrawLapsedDelegations).
//
// The delegate's queued e-mail and webhook rows about d itself (it
// started, it ends soon) are withdrawn: they would announce powers that d
// no longer gives. And unless the delegate still holds the role directly
// or by another delegation that still counts, their queued e-mail and
// webhook rows addressed to the role (a stage of it became active, is due
// soon, overdue or escalated to it) are withdrawn too. Every such row
// reached them through a delegation of the role, and sent afterwards it
// would tell them of work that is no longer theirs. What they were sent in
// their own right stays: the role is recorded on each row, and the
// delegation in the key of a notice about one, so a notice of another role
// they hold, one to them as a liaison officer, or one about another
// delegation, is not touched. The inbox keeps its rows, like after an
// account change: it shows what the reader may open now (ReachOf), and it
// records what they were told.
//
// The delegate's account is read with its lock (FOR UPDATE on PostgreSQL),
// so that two changes that end delegations to one delegate take turns:
// without it, two revocations at once (READ COMMITTED) each read the other
// delegation as still running, and neither withdrew the role's rows. The
// second now reads the delegations after the first committed. Two
// accounts that delegate to each other, changed at once (both disabled),
// each lock their own row and then the other's: PostgreSQL breaks that
// deadlock and InTx runs the transaction it aborted again (40P01 is
// retryable), so the caller sees no error.
func withdrawDelegatedNotices(tx Tx, d *Delegation, reason string, at time.Time) error {
	to, err := tx.GetUserByUsername(d.To, true)
	if ErrorCode(err) == CodeNotFound {
		return nil // no account, no rows
	} else if err != nil {
		return err
	}
	if _, err := tx.WithdrawDelegationNotices(to.ID, d.ID, reason, at); err != nil {
		return err
	}
	active, err := tx.ActiveDelegations(d.To, at)
	if err != nil {
		return err
	}
	// The read already leaves d out (it is revoked, or its delegator's row
	// as this transaction changed it no longer gives the role); leaving it
	// out by id as well keeps that so whatever the read sees.
	others := slices.DeleteFunc(active, func(o Delegation) bool { return o.ID == d.ID })
	if receivesRole(to, others, d.Role, at) {
		return nil
	}
	_, err = tx.WithdrawRoleNotices(to.ID, d.Role, reason, at)
	return err
}

// withdrawLapsedDelegations is the step of an account change that takes
// away what the account's delegations gave (before → after, stored in the
// same transaction): a delegation of the account's that counted at at
// (the account was enabled and held its role, and not admin: lapses) and
// no longer does (the account is disabled now, or lost that role) ends for
// its delegate as a revocation would, and withdrawDelegatedNotices
// withdraws their queued rows of the role. Delegations of roles the account keeps are not
// touched, nor those not running at at (one not started yet has queued
// nothing; one that ended withdraws nothing either).
func withdrawLapsedDelegations(tx Tx, before, after *User, at time.Time) error {
	if before.Disabled() {
		return nil // its delegations counted for nothing already
	}
	given, err := tx.DelegationsFrom(before.Username, at)
	if err != nil {
		return err
	}
	for i := range given {
		if !lapses(&given[i], before, after, at) {
			continue
		}
		if err := withdrawDelegatedNotices(tx, &given[i], DelegationLapsedError, at); err != nil {
			return err
		}
	}
	return nil
}

// withdrawReceivedDelegations is the step of an account change that
// makes the delegations to the account stop counting (before → after,
// stored in the same transaction): the account was a delegate who
// counted (DelegateCounts: enabled, holding an approver role) and is no
// longer — disabled, or its last approver role taken. Each delegation to
// it running at at ends for it as a revocation would: its queued e-mail
// and webhook rows about that delegation (it started, it ends soon), and
// those addressed to the delegated role unless it held that role itself
// before the change, are withdrawn with DelegateLapsedError. It runs
// before Tx.WithdrawQueuedDeliveries takes the account's other queued
// rows with AccessChangedError, so that the outbox says which rows
// reached it through a delegation. A row of a role it held itself as well
// reached it in its own right too, and keeps AccessChangedError.
func withdrawReceivedDelegations(tx Tx, before, after *User, at time.Time) error {
	if !DelegateCounts(before) || DelegateCounts(after) {
		return nil
	}
	received, err := tx.DelegationsTo(before.Username, at)
	if err != nil {
		return err
	}
	done := map[Role]bool{}
	for _, d := range received {
		if _, err := tx.WithdrawDelegationNotices(after.ID, d.ID, DelegateLapsedError, at); err != nil {
			return err
		}
		if before.HasRole(d.Role) || done[d.Role] {
			continue
		}
		done[d.Role] = true
		if _, err := tx.WithdrawRoleNotices(after.ID, d.Role, DelegateLapsedError, at); err != nil {
			return err
		}
	}
	return nil
}

// lapses reports whether the change of d's delegator from before to after
// ends d at at: it ran and counted (delegatorInactive: an enabled
// delegator holding the role, and not admin) and counts no more.
func lapses(d *Delegation, before, after *User, at time.Time) bool {
	counted := d.Runs(at) && delegatorInactive(before, d.Role) == ""
	return counted && delegatorInactive(after, d.Role) != ""
}

// receivesRole reports whether u is still told of role's stages at t: u
// holds it directly (and not admin beside it: ReceivesRoleNotices), or one
// of the active delegations ds (read after the change that ended one, so
// without it) gives it — which they do only while u is enabled and holds
// an approver role, and not admin (DelegateCounts).
func receivesRole(u *User, ds []Delegation, role Role, t time.Time) bool {
	if u.HasRole(role) && ReceivesRoleNotices(u.Roles) {
		return true
	}
	if !DelegateCounts(u) {
		return false
	}
	for _, o := range ds {
		if o.Role == role && o.To == u.Username && o.Runs(t) {
			return true
		}
	}
	return false
}

func delegationData(d *Delegation) DelegationData {
	return DelegationData{DelegationID: d.ID, From: d.From, To: d.To, Role: string(d.Role),
		Starts: d.Starts.Format(time.RFC3339), Ends: d.Ends.Format(time.RFC3339)}
}
