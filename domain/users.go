package domain

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Audit actions of accounts. Their data never holds a password or a hash.
const (
	AuditUserUpdated         = "user.updated"
	AuditUserDisabled        = "user.disabled"
	AuditUserEnabled         = "user.enabled"
	AuditUserPasswordReset   = "user.password_reset"
	AuditUserPasswordChanged = "user.password_changed"
	AuditUserLocked          = "user.locked"
)

// Sign-in lockout: MaxFailedSignIns failures in a row lock an account for
// LockDuration, whatever address they come from.
const (
	MaxFailedSignIns = 10
	LockDuration     = 15 * time.Minute
	maxReasonLen     = 500
)

// OneTimePasswordTTL is how long a one-time password set by an
// administrator (account creation, password reset) opens the account: long
// enough to reach its holder over a weekend, short enough that one never
// used does not stay a credential. After it, sign-in answers "expired, ask
// an administrator for a new one" (JudgeSignIn) and a reset sets a new one.
const OneTimePasswordTTL = 72 * time.Hour

// AccessChangedError is the last_error of a queued e-mail or webhook row
// withdrawn because its recipient's access changed before it went out.
const AccessChangedError = "the recipient's access changed"

// DelegationRevokedError is the last_error of a queued e-mail or webhook
// row addressed to a role, withdrawn from a delegate because the
// delegation of that role was revoked before it went out.
const DelegationRevokedError = "the delegation it was addressed through was revoked"

// DelegationLapsedError is the last_error of such a row withdrawn because
// the delegation stopped counting before it went out: its delegator was
// disabled or lost the role.
const DelegationLapsedError = "the delegation it was addressed through lapsed: the delegator was disabled or lost the role"

// DelegateLapsedError is the last_error of such a row withdrawn because
// the delegation stopped counting with its delegate: the delegate was
// disabled or lost their last approver role (DelegateCounts).
const DelegateLapsedError = "the delegation it was addressed through lapsed: the delegate was disabled or lost their last approver role"

// RoleNotHeldError is the last_error of a queued e-mail or webhook row
// addressed to a role that the delivery worker did not send: at delivery
// its recipient no longer received that role (StillAddressed) — a
// delegation it came through had ended, or was revoked or lapsed, or the
// account was disabled or lost the role, by a change whose own withdrawal
// did not reach the row.
const RoleNotHeldError = "at delivery the recipient no longer held the role it was addressed to"

// DelegationNotRunningError is the last_error of a queued e-mail or
// webhook row about a delegation (it started, it ends soon) that the
// delivery worker did not send: at delivery the delegation no longer gave
// its delegate the role (StillAddressed) — it had been revoked, had ended,
// or had lapsed with its delegator, by a change whose own withdrawal did
// not reach the row.
const DelegationNotRunningError = "at delivery the delegation it was about no longer ran: it was revoked, ended or lapsed"

// NoAddressError is the last_error of an e-mail row whose account has no
// e-mail address.
const NoAddressError = "the account has no e-mail address"

// WebhookRevokedError is the last_error of a webhook row whose webhook was
// revoked before it went out.
const WebhookRevokedError = "the webhook was revoked"

// AccessChanged reports whether an account change changes its powers:
// another nation, a different set of roles, or a newly disabled account.
// Such a change ends the account's tokens (Change) and withdraws, in its
// own transaction, the queued e-mail and webhook rows written for powers
// the account no longer has (withdrawIfAccessChanged), so that nothing
// rendered for the old powers reaches the new holder; the inbox filters at
// read time (ReachOf). A new address or password changes no powers.
func AccessChanged(before, after *User) bool {
	return before.Nation != after.Nation || !slices.Equal(sortedRoles(before.Roles), sortedRoles(after.Roles)) ||
		(!before.Disabled() && after.Disabled())
}

// withdrawsAllQueued reports whether an account change (AccessChanged)
// takes away what every queued e-mail and webhook row of the account may
// have been written for: another nation, a newly disabled account, the
// liaison officer role taken (a nation's notices go to its liaison
// officers), or admin given (an administrator hears no role's notices:
// ReceivesRoleNotices). Any other change of roles takes away only the
// roles removed (withdrawRemovedRoles); a role added takes nothing.
func withdrawsAllQueued(before, after *User) bool {
	return before.Nation != after.Nation || (!before.Disabled() && after.Disabled()) ||
		(before.HasRole(RoleLiaison) && !after.HasRole(RoleLiaison)) ||
		(ReceivesRoleNotices(before.Roles) && !ReceivesRoleNotices(after.Roles))
}

// withdrawRemovedRoles withdraws, with AccessChangedError, the account's
// queued e-mail and webhook rows addressed to each role before held and
// after no longer does, unless after still receives that role by a
// delegation that runs and counts (receivesRole): such a row is still the
// account's to receive.
func withdrawRemovedRoles(tx Tx, before, after *User, at time.Time) error {
	var active []Delegation
	read := false
	for _, r := range before.Roles {
		if after.HasRole(r) {
			continue
		}
		if !read {
			var err error
			if active, err = tx.ActiveDelegations(after.Username, at); err != nil {
				return err
			}
			read = true
		}
		if receivesRole(after, active, r, at) {
			continue
		}
		if _, err := tx.WithdrawRoleNotices(after.ID, r, AccessChangedError, at); err != nil {
			return err
		}
	}
	return nil
}

func sortedRoles(rs []Role) []Role {
	out := slices.Clone(rs)
	slices.Sort(out)
	return out
}

// withdrawIfAccessChanged is the step of every account change that may
// change powers (AccessChanged) or the address, after the changed account
// is stored: a changed power withdraws the account's queued e-mail and
// webhook rows it takes away — those that reached it through delegations
// that stop counting with it first, saying so
// (withdrawReceivedDelegations); then all the others after a change of
// nation, a disabling, the liaison officer role taken or admin given
// (withdrawsAllQueued), else those of the roles removed
// (withdrawRemovedRoles) — and its delegates' rows of a role its
// delegations no longer give (withdrawLapsedDelegations). A role added
// withdraws nothing of the account's. A changed address sends the queued
// e-mails to the new one (or, with none, marks them undeliverable), since
// the old address may no longer be the account holder's. What a
// withdrawal misses, the delivery worker's check (StillAddressed) does
// not send.
func withdrawIfAccessChanged(tx Tx, before, after *User, at time.Time) error {
	if AccessChanged(before, after) {
		if err := withdrawReceivedDelegations(tx, before, after, at); err != nil {
			return err
		}
		if withdrawsAllQueued(before, after) {
			if _, err := tx.WithdrawQueuedDeliveries(after.ID, at); err != nil {
				return err
			}
			return withdrawLapsedDelegations(tx, before, after, at)
		}
		if err := withdrawRemovedRoles(tx, before, after, at); err != nil {
			return err
		}
		if err := withdrawLapsedDelegations(tx, before, after, at); err != nil {
			return err
		}
	}
	if before.Email != after.Email {
		_, err := tx.ReaddressQueuedMail(after.ID, after.Email, at)
		return err
	}
	return nil
}

// UserService holds the use cases of accounts. Password hashing happens
// outside the domain (it needs a cryptographic library); the service
// receives finished hashes and never records them in the audit log.
type UserService struct {
	store Store
	ref   NationLookup
	now   func() time.Time
	newID func() string
}

// NewUserService wires the service to its ports.
func NewUserService(store Store, ref NationLookup, now func() time.Time, newID func() string) *UserService {
	return &UserService{store: store, ref: ref, now: now, newID: newID}
}

// Now is the service's clock.
func (s *UserService) Now() time.Time { return s.now() }

func (s *UserService) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// CreateUser validates and stores a user and its audit entry. actor is who
// did it: an admin's username, or SystemActor for the command line and demo
// seed. u.MustChangePassword is kept (a one-time password), and then
// expires OneTimePasswordTTL from now.
func (s *UserService) CreateUser(ctx context.Context, actor string, u User, passwordHash string) (*User, error) {
	u.Nation = NormalizeNation(u.Nation)
	if err := ValidateUser(u, s.ref); err != nil {
		return nil, err
	}
	now := s.clock()
	u.ID, u.PasswordHash, u.CreatedAt, u.UpdatedAt = s.newID(), passwordHash, now, now
	u.Generation, u.Version = 1, 1
	u.OneTimePasswordExpiresAt = nil
	if u.MustChangePassword {
		expires := now.Add(OneTimePasswordTTL)
		u.OneTimePasswordExpiresAt = &expires
	}
	slices.Sort(u.Roles)
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateUser(&u); err != nil {
			if ErrorCode(err) == CodeConflict {
				return &Error{Code: CodeInvalid, Message: "the user is not valid",
					Fields: []FieldError{{"username", "a user named " + quote(u.Username) + " already exists"}}}
			}
			return err
		}
		return tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: actor}, AuditUserCreated, passwordSetData(&u, "")))
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Get reads one account by id.
func (s *UserService) Get(ctx context.Context, id string) (*User, error) {
	return s.store.GetUser(ctx, id)
}

// List returns a page of accounts, oldest first.
func (s *UserService) List(ctx context.Context, f UserFilter) (UserPage, error) {
	return s.store.ListUsers(ctx, f)
}

// UserChange is an administrator's change of roles and nation; nil leaves
// a field as it is.
type UserChange struct {
	Roles  *[]Role
	Nation *string
	Email  *string // "" for none
	Reason string
}

// Change sets roles, nation and e-mail address of an account at
// expectedVersion; actor may not change their own roles or nation
// (checkOwnPowers). A change of roles or nation bumps the generation:
// tokens issued with the old powers stop working; a new address alone
// does not. A change that changes nothing — only a reason, or values equal
// to the current ones — is no change: the account is answered as it is,
// its version and generation stay (so no session ends and other
// administrators' ETags stay good), and nothing is audited.
func (s *UserService) Change(ctx context.Context, actor, id string, expectedVersion int, ch UserChange) (*User, error) {
	return s.update(ctx, id, &expectedVersion, func(u *User) (string, error) {
		// A bad reason is named with every other bad field of the change,
		// not alone (withReason).
		reasonErr := checkReason(ch.Reason, false)
		if u.External {
			return "", withReason(reasonErr, Errorf(CodeConflict, "the identity provider asserts this account's roles and nation; change them there"))
		}
		before := *u
		if ch.Roles != nil {
			u.Roles = slices.Clone(*ch.Roles)
			slices.Sort(u.Roles)
		}
		if ch.Nation != nil {
			u.Nation = NormalizeNation(*ch.Nation)
		}
		if ch.Email != nil {
			u.Email = *ch.Email
		}
		if err := checkOwnPowers(actor, &before, u); err != nil {
			return "", withReason(reasonErr, err)
		}
		if err := withReason(reasonErr, ValidateUser(*u, s.ref)); err != nil {
			return "", err
		}
		powers := AccessChanged(&before, u) // Change never disables: roles or nation
		if !powers && before.Email == u.Email {
			return "", nil // nothing changed
		}
		if powers {
			u.Generation++ // tokens of the old powers stop working; an address alone changes none
		}
		return AuditUserUpdated, nil
	}, actor, ch.Reason)
}

// SetDisabled disables or re-enables an account, with a reason. Either way
// the generation moves on, so no token from before survives; an external
// account's tokens of the identity provider end at that second
// (User.TokensEndedAt, set by update). Nobody
// disables their own account (setDisabled, like checkOwnPowers).
func (s *UserService) SetDisabled(ctx context.Context, actor, id string, disabled bool, reason string) (*User, error) {
	return s.update(ctx, id, nil, s.setDisabled(actor, disabled, reason), actor, reason)
}

// CheckSetDisabled answers what SetDisabled by actor would refuse, by its
// own checks (the own account, the reason, the account's state, the last
// enabled administrator), and changes nothing: a page checks it before
// asking to confirm. It returns the account as it is.
func (s *UserService) CheckSetDisabled(ctx context.Context, actor, id string, disabled bool, reason string) (*User, error) {
	return s.check(ctx, id, s.setDisabled(actor, disabled, reason))
}

// OwnDisableRefusal is the refusal of an administrator's disabling of
// their own account.
const OwnDisableRefusal = "nobody disables their own account: another administrator must"

func (s *UserService) setDisabled(actor string, disabled bool, reason string) func(u *User) (string, error) {
	return func(u *User) (string, error) {
		// Like checkOwnPowers: an administrator does not take their own
		// access away (nor lock themselves out by a slip); another must.
		if disabled && actor == u.Username {
			return "", Errorf(CodeForbidden, "%s", OwnDisableRefusal)
		}
		if err := checkReason(reason, true); err != nil {
			return "", err
		}
		if disabled == u.Disabled() {
			return "", Errorf(CodeConflict, "the account is already %s", map[bool]string{true: "disabled", false: "enabled"}[disabled])
		}
		u.Generation++
		if !disabled {
			u.DisabledAt, u.DisabledReason, u.FailedSignIns, u.LockedUntil = nil, "", 0, nil
			return AuditUserEnabled, nil
		}
		now := s.clock()
		u.DisabledAt, u.DisabledReason = &now, reason
		return AuditUserDisabled, nil
	}
}

// ResetPassword sets a one-time password (its hash) that the user must
// change at the next sign-in, expiring OneTimePasswordTTL from now, and
// lifts a lock. Nobody resets their own password (resetPassword).
func (s *UserService) ResetPassword(ctx context.Context, actor, id, hash, reason string) (*User, error) {
	return s.update(ctx, id, nil, s.resetPassword(actor, hash, reason), actor, reason)
}

// CheckResetPassword answers what ResetPassword by actor would refuse (the
// own account, the reason, an account of the identity provider), and
// changes nothing: a page checks it before asking to confirm. It returns
// the account as it is.
func (s *UserService) CheckResetPassword(ctx context.Context, actor, id, reason string) (*User, error) {
	return s.check(ctx, id, s.resetPassword(actor, "", reason))
}

// OwnResetRefusal is the refusal of an administrator's reset of their own
// password.
const OwnResetRefusal = "nobody resets their own password here: change it with the current one (Change my password in the console, POST /api/v1/me/password in the API)"

func (s *UserService) resetPassword(actor, hash, reason string) func(u *User) (string, error) {
	return func(u *User) (string, error) {
		// A reset ends the account's sessions and tokens (the generation
		// moves on): one's own would end the very session that is to show
		// the one-time password, and with the answer lost lock the
		// administrator out. The command line's actor (cli:…) is no
		// account, so `exaccess user reset-password` stays the way back in.
		if actor == u.Username {
			return "", Errorf(CodeForbidden, "%s", OwnResetRefusal)
		}
		if err := checkReason(reason, false); err != nil {
			return "", err
		}
		if u.External {
			return "", Errorf(CodeConflict, "the account belongs to the identity provider and has no password here")
		}
		u.PasswordHash, u.MustChangePassword, u.FailedSignIns, u.LockedUntil = hash, true, 0, nil
		expires := s.clock().Add(OneTimePasswordTTL)
		u.OneTimePasswordExpiresAt = &expires
		u.Generation++
		return AuditUserPasswordReset, nil
	}
}

// ChangePassword stores the caller's own new password. The old one was
// verified against the account at expectedVersion; a change in between is
// a precondition failure.
func (s *UserService) ChangePassword(ctx context.Context, p Principal, expectedVersion int, hash string) (*User, error) {
	u, err := s.store.GetUserByUsername(ctx, p.Subject)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, u.ID, &expectedVersion, func(u *User) (string, error) {
		u.PasswordHash, u.MustChangePassword, u.OneTimePasswordExpiresAt = hash, false, nil
		u.Generation++
		return AuditUserPasswordChanged, nil
	}, p.Subject, "")
}

// update runs one account change in a transaction: read, apply, guard the
// last administrator, compare-and-set, audit. An apply that returns no
// action changed nothing: the account is returned as read, with nothing
// stored or audited.
func (s *UserService) update(ctx context.Context, id string, expectedVersion *int, apply func(*User) (string, error), actor, reason string) (*User, error) {
	var out *User
	err := s.store.InTx(ctx, func(tx Tx) error {
		now := s.clock()
		before, u, action, err := prepare(tx, id, expectedVersion, apply, now)
		if err != nil {
			return err
		}
		if action == "" {
			out = before
			return nil
		}
		u.Version, u.UpdatedAt = before.Version+1, now
		if u.External && u.Generation != before.Generation {
			// The provider's tokens carry no generation: they end at
			// this second instead (TokenEnded).
			u.TokensEndedAt = now
		}
		if err := tx.UpdateUser(u, before.Version); err != nil {
			return err
		}
		if err := withdrawIfAccessChanged(tx, before, u, u.UpdatedAt); err != nil {
			return err
		}
		out = u
		var d any = userData(u, reason)
		if action == AuditUserPasswordReset {
			d = passwordSetData(u, reason)
		}
		return tx.AppendAudit(auditEntry(AuditEntry{At: u.UpdatedAt, Actor: actor}, action, d))
	})
	return out, err
}

// check runs update's checks of apply on account id, and stores nothing:
// it returns the account as read, or what update would refuse.
func (s *UserService) check(ctx context.Context, id string, apply func(*User) (string, error)) (*User, error) {
	var out *User
	err := s.store.InTx(ctx, func(tx Tx) error {
		before, _, _, err := prepare(tx, id, nil, apply, s.clock())
		out = before
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepare reads account id and applies apply to a copy, with update's
// checks: the version, apply's own, and the last administrator who can
// sign in at now (when apply changes anything: action is not "").
func prepare(tx Tx, id string, expectedVersion *int, apply func(*User) (string, error), now time.Time) (before, after *User, action string, err error) {
	before, err = tx.GetUser(id)
	if err != nil {
		return nil, nil, "", err
	}
	if expectedVersion != nil && *expectedVersion != before.Version {
		return nil, nil, "", Errorf(CodePreconditionFailed, "the account has changed; read it again")
	}
	u := *before
	u.Roles = slices.Clone(before.Roles)
	if action, err = apply(&u); err != nil || action == "" {
		return before, &u, action, err
	}
	if err := guardLastAdmin(tx, before, &u, now); err != nil {
		return nil, nil, "", err
	}
	return before, &u, action, nil
}

// checkOwnPowers refuses a change of an account's own roles or nation by
// that account: an administrator does not give themselves powers (an
// approver role, say) or take them away; another administrator must. The
// own e-mail address may change, and values equal to the current ones are
// no change.
func checkOwnPowers(actor string, before, after *User) error {
	if actor != before.Username || (before.Nation == after.Nation && slices.Equal(sortedRoles(before.Roles), sortedRoles(after.Roles))) {
		return nil
	}
	return Errorf(CodeForbidden, "nobody changes their own roles or nation: another administrator must")
}

// adminWhoCanSignIn reports whether u is an administrator who can sign in
// at t: enabled, holding admin, and not holding a one-time password that
// has expired (OneTimePasswordExpired, the rule sign-in applies).
func adminWhoCanSignIn(u *User, t time.Time) bool {
	return !u.Disabled() && u.HasRole(RoleAdmin) && !u.OneTimePasswordExpired(t)
}

// guardLastAdmin refuses a change at now that would leave no administrator
// who can sign in. An enabled administrator whose one-time password has
// expired does not count: nobody can sign in as them until another
// administrator resets it.
func guardLastAdmin(tx Tx, before, after *User, now time.Time) error {
	if !adminWhoCanSignIn(before, now) || adminWhoCanSignIn(after, now) {
		return nil
	}
	n, err := tx.CountAdminsWhoCanSignIn(now)
	if err != nil {
		return err
	}
	if n <= 1 {
		return Errorf(CodeConflict, "%s is the last administrator who can sign in; enable or appoint another, "+
			"or reset the expired one-time password of one, first", quote(before.Username))
	}
	return nil
}

// withReason is err with the field errors of reasonErr (checkReason's)
// added, so that a change names every bad field at once: when err names
// fields, both are merged; otherwise a bad reason is the answer, as it
// was before anything else was looked at.
func withReason(reasonErr, err error) error {
	if reasonErr == nil {
		return err
	}
	var re, fe *Error
	if errors.As(reasonErr, &re) && errors.As(err, &fe) && fe.Code == CodeInvalid && len(fe.Fields) > 0 {
		return &Error{Code: CodeInvalid, Message: fe.Message, Fields: append(slices.Clone(fe.Fields), re.Fields...)}
	}
	return reasonErr
}

func checkReason(reason string, required bool) error {
	v := &validator{}
	v.text("reason", reason, required, maxReasonLen)
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "the reason is not valid", Fields: v.errs}
	}
	return nil
}

// userData is an account in an audit entry: never its password or hash.
func userData(u *User, reason string) UserData {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return UserData{UserID: u.ID, Username: u.Username, Roles: roles, Nation: u.Nation,
		Disabled: u.Disabled(), Generation: u.Generation, Reason: reason, External: u.External, Email: u.Email}
}

// passwordSetData is the entry of a change that may set a one-time
// password (user.created, user.password_reset): the account and when that
// password expires; the time, never the password.
func passwordSetData(u *User, reason string) UserPasswordSetData {
	d := UserPasswordSetData{UserData: userData(u, reason)}
	if u.MustChangePassword && u.OneTimePasswordExpiresAt != nil {
		d.OneTimePasswordExpiresAt = u.OneTimePasswordExpiresAt.UTC().Format(time.RFC3339)
	}
	return d
}
