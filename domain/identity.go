package domain

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Role is the name of a role. The built-in roles are fixed by the product
// specification; the routing policy may name further approver roles
// (AddApproverRoles).
type Role string

// The built-in roles of docs/product.md, "Roles".
const (
	RoleLiaison    Role = "liaison_officer"
	RoleHNS        Role = "hns_officer"
	RoleRange      Role = "range_officer"
	RoleOperations Role = "operations_approver"
	RoleMinistry   Role = "ministry"
	RoleAuditor    Role = "auditor"
	RoleAdmin      Role = "admin"
)

// builtinRoles are the roles every server knows, in the order AllRoles
// lists them; builtinApprovers are the approver roles among them.
var (
	builtinRoles     = []Role{RoleLiaison, RoleHNS, RoleRange, RoleOperations, RoleMinistry, RoleAuditor, RoleAdmin}
	builtinApprovers = []Role{RoleHNS, RoleRange, RoleOperations, RoleMinistry}
)

// NonApproverRoles are the roles that never decide a stage: no policy may
// route one to them, and no policy may name a role of theirs anew.
var NonApproverRoles = []Role{RoleLiaison, RoleAuditor, RoleAdmin}

// roleSet is one state of the known roles; it is never changed once
// published, so that readers need no lock.
type roleSet struct {
	all, approvers []Role
}

var (
	knownRoles   atomic.Pointer[roleSet]
	knownRolesMu sync.Mutex // serializes AddApproverRoles
)

func init() {
	knownRoles.Store(&roleSet{all: builtinRoles, approvers: builtinApprovers})
}

// MaxRoleLen is the longest role name a policy may introduce.
const MaxRoleLen = 40

// WellFormedRoleName reports whether s may name a role: 2 to MaxRoleLen
// characters of a-z, 0-9 and '_', starting with a letter.
func WellFormedRoleName(s string) bool {
	if len(s) < 2 || len(s) > MaxRoleLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// CheckApproverRoleName returns why name may not be an approver role that
// a policy introduces, or nil: it must be well formed and none of
// NonApproverRoles.
func CheckApproverRoleName(name string) error {
	switch {
	case slices.Contains(NonApproverRoles, Role(name)):
		return fmt.Errorf("%q is not an approver role: %s never decide stages", name, joinRoles(NonApproverRoles))
	case !WellFormedRoleName(name):
		return fmt.Errorf("%q is not a role name: 2-%d characters of a-z, 0-9 and '_', starting with a letter", name, MaxRoleLen)
	}
	return nil
}

// AddApproverRoles makes rs approver roles besides the built-in ones: the
// roles the loaded routing policy's stages name (docs/policies.md). The
// set only ever grows (but for tests: SnapshotRoles), and is safe for
// concurrent use. A name that
// CheckApproverRoleName refuses panics: the policy loader refuses it first.
// serve, policy check and policy test call it with the policy's roles right
// after loading it, before anything is served.
func AddApproverRoles(rs ...Role) {
	knownRolesMu.Lock()
	defer knownRolesMu.Unlock()
	cur := knownRoles.Load()
	var added []Role
	for _, r := range rs {
		if err := CheckApproverRoleName(string(r)); err != nil {
			panic("domain.AddApproverRoles: " + err.Error())
		}
		if !slices.Contains(cur.all, r) && !slices.Contains(added, r) {
			added = append(added, r)
		}
	}
	if len(added) == 0 {
		return
	}
	extra := append(slices.Clone(cur.approvers[len(builtinApprovers):]), added...)
	slices.Sort(extra)
	knownRoles.Store(&roleSet{
		all:       slices.Concat(builtinRoles, extra),
		approvers: slices.Concat(builtinApprovers, extra),
	})
}

// RoleSnapshot is the known roles at one moment (SnapshotRoles).
type RoleSnapshot struct{ set *roleSet }

// SnapshotRoles returns the known roles as they are, for a test that loads
// a policy of its own to put them back when it ends (Restore), so that the
// roles it added do not show in the next test's lists. The server never
// restores: its roles only grow.
func SnapshotRoles() RoleSnapshot { return RoleSnapshot{knownRoles.Load()} }

// Restore makes the known roles those of the snapshot again.
func (s RoleSnapshot) Restore() {
	knownRolesMu.Lock()
	defer knownRolesMu.Unlock()
	knownRoles.Store(s.set)
}

// AllRoles lists every known role: the built-in ones, then those the policy
// added (AddApproverRoles), sorted. The caller may change the slice.
func AllRoles() []Role { return slices.Clone(knownRoles.Load().all) }

// ApproverRoles are the roles that may decide stages: the built-in ones,
// then those the policy added, sorted. Which of them a request needs is the
// routing policy's business. The caller may change the slice.
func ApproverRoles() []Role { return slices.Clone(knownRoles.Load().approvers) }

// BuiltinRole reports whether r is one of the roles every server knows.
func BuiltinRole(r Role) bool { return slices.Contains(builtinRoles, r) }

// ParseRole returns the role with the given name, or false: a built-in
// role or one the policy added.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(knownRoles.Load().all, r)
}

// KnownRoles returns the roles of rs that are known now (ParseRole), in
// their order: what an account's stored roles grant. A role the account
// holds that no longer is known (a role of the routing policy whose stages
// the policy loaded now no longer names) grants nothing: tokens and the
// console's sessions leave it out. nil when none is known.
func KnownRoles(rs []Role) []Role {
	var out []Role
	for _, r := range rs {
		if _, ok := ParseRole(string(r)); ok {
			out = append(out, r)
		}
	}
	return out
}

// IsApprover reports whether r is an approver role.
func (r Role) IsApprover() bool { return slices.Contains(knownRoles.Load().approvers, r) }

// User is an account that can sign in.
type User struct {
	ID           string
	Username     string
	PasswordHash string
	Roles        []Role
	Nation       string // ISO alpha-2; set for liaison officers only
	CreatedAt    time.Time

	// Generation is carried in every token issued to the account; bumping
	// it (disable, role or nation change, password reset or change) makes
	// every older token invalid.
	Generation int64
	// Version guards administrators' edits (If-Match).
	Version            int
	DisabledAt         *time.Time
	DisabledReason     string
	MustChangePassword bool // a one-time password was set by an administrator
	// OneTimePasswordExpiresAt is when the one-time password stops opening
	// the account (OneTimePasswordTTL after it was set); nil when the
	// account has none. Read only while MustChangePassword is set.
	OneTimePasswordExpiresAt *time.Time
	FailedSignIns            int // failed sign-ins in a row since the last success or lock
	LockedUntil              *time.Time
	// External accounts belong to a subject of the identity provider
	// ("idp:<sub>"); they have no password here.
	External  bool
	UpdatedAt time.Time
	// Email is where notifications by e-mail go; "" when none is known.
	Email string
	// ClaimsIssuedAt, of an external account, is the issue time (iat) of
	// the newest token of the identity provider whose roles and nation the
	// account holds: a token issued before it that asserts others is
	// refused (JudgeClaims). Zero for local accounts, and for external ones
	// not seen since the upgrade that added it.
	ClaimsIssuedAt time.Time
	// TokensEndedAt, of an external account, is when an administrator's
	// change last moved its generation on (a disable or an enable): the
	// provider's tokens carry no generation, so every one issued in that
	// second or before is refused from then on (TokenEnded). Zero for
	// local accounts, and for external ones never so changed since the
	// upgrade that added it.
	TokensEndedAt time.Time
}

// TokenEnded reports whether a token of the identity provider issued at
// iat is ended by an administrator's change of its account at ended
// (User.TokensEndedAt; zero: none). An iat counts whole seconds, so a
// token of the change's second cannot be told from one issued just before
// it: it is ended too. Only a token issued from the next second on is not.
func TokenEnded(iat, ended time.Time) bool {
	return !ended.IsZero() && iat.Unix() <= ended.Unix()
}

// Disabled reports whether an administrator has disabled the account.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// Locked reports whether too many failed sign-ins lock the account at t.
func (u *User) Locked(t time.Time) bool { return u.LockedUntil != nil && t.Before(*u.LockedUntil) }

// OneTimePasswordExpired reports whether the account's password is a
// one-time password that no longer opens it at t: OneTimePasswordTTL has
// passed since it was set. One with no expiry recorded counts as expired:
// this server records one with every one-time password it sets (and the
// upgrade that added the column, one for those set before), so a missing
// one was written by something else, and the safe reading is "ask an
// administrator for a new one".
func (u *User) OneTimePasswordExpired(t time.Time) bool {
	return u.MustChangePassword && (u.OneTimePasswordExpiresAt == nil || !t.Before(*u.OneTimePasswordExpiresAt))
}

// HasRole reports whether the account holds r directly.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// Principal is the authenticated caller of one operation, as proven by a token.
type Principal struct {
	Subject string // the username
	Roles   []Role
	Nation  string // liaison officers only
	// Generation is the account generation the token was issued for
	// (0 for tokens of the identity provider, which know none).
	Generation int64
	// MustChangePassword: the token was issued for a one-time password;
	// it serves only to change the password.
	MustChangePassword bool
	// External: proven by the identity provider, not by our own token.
	External bool
	// IssuedAt is the token's iat; set for tokens of the identity
	// provider, which orders their claims by it (JudgeClaims).
	IssuedAt time.Time
}

// HasRole reports whether the principal holds r.
func (p Principal) HasRole(r Role) bool { return slices.Contains(p.Roles, r) }

// HasAnyRole reports whether the principal holds any of rs.
func (p Principal) HasAnyRole(rs ...Role) bool {
	for _, r := range rs {
		if p.HasRole(r) {
			return true
		}
	}
	return false
}

// IsApprover reports whether the principal holds an approver role.
func (p Principal) IsApprover() bool { return slices.ContainsFunc(p.Roles, Role.IsApprover) }

// IsLiaison reports whether the principal acts for a sending nation. Such a
// caller sees only its own nation's requests.
func (p Principal) IsLiaison() bool { return p.HasRole(RoleLiaison) }

// ValidateUser checks a new user's fields; the password is checked apart
// because it never travels inside a User.
func ValidateUser(u User, nations NationLookup) error {
	var fe []FieldError
	switch {
	case ReservedUsername(u.Username):
		fe = append(fe, FieldError{"username", quote(strings.ToLower(strings.TrimSpace(u.Username))) +
			" is reserved: the audit log names the server's own actions so, and no account may pass for them"})
	case !validUsername(u.Username):
		fe = append(fe, FieldError{"username", "must be 1-64 characters of a-z, 0-9, '.', '-' or '_'"})
	}
	if len(u.Roles) == 0 {
		fe = append(fe, FieldError{"roles", "at least one role is required"})
	}
	for i, r := range u.Roles {
		if _, ok := ParseRole(string(r)); !ok {
			fe = append(fe, FieldError{fieldIndex("roles", i), "unknown role " + quote(string(r)) + " (one of " + joinRoles(AllRoles()) + ")"})
		} else if slices.Contains(u.Roles[:i], r) {
			fe = append(fe, FieldError{fieldIndex("roles", i), quote(string(r)) + " is listed twice"})
		}
	}
	if u.Email != "" && (len(u.Email) > MaxEmailLen || !validEmail(u.Email)) {
		fe = append(fe, FieldError{"email", "must be an e-mail address like name@example.org"})
	}
	liaison := slices.Contains(u.Roles, RoleLiaison)
	switch {
	case liaison && u.Nation == "":
		fe = append(fe, FieldError{"nation", "a liaison officer must be bound to a nation"})
	case liaison && u.Nation == HostNation:
		fe = append(fe, FieldError{"nation", HostNationRefusal})
	case liaison && nations != nil:
		if _, ok := nations.Nation(u.Nation); !ok {
			fe = append(fe, FieldError{"nation", "unknown nation " + quote(u.Nation)})
		}
	case !liaison && u.Nation != "":
		fe = append(fe, FieldError{"nation", "only liaison officers are bound to a nation"})
	}
	switch {
	case liaison && slices.ContainsFunc(u.Roles, func(r Role) bool { return r != RoleLiaison }):
		fe = append(fe, FieldError{"roles", "a liaison officer holds no other role"})
	case AdminWithOtherRoles(u.Roles):
		fe = append(fe, FieldError{"roles", "an administrator holds no other role: administrators never decide requests (give the other roles to another account)"})
	}
	if len(fe) > 0 {
		return &Error{Code: CodeInvalid, Message: "the user is not valid", Fields: fe}
	}
	return nil
}

// ReservedUsernames are the names no account may take: the actors of the
// audit log that are not accounts. SystemActor signs what the server does
// by itself (expiry, lockouts, first sign-ins through the identity
// provider, the demo's accounts, key rotation); an account of that name
// would be indistinguishable from it.
// The other actors that are not accounts hold a colon ("cli:<user>" for the
// command line, "idp:<sub>" for the identity provider's subjects), which no
// username can.
var ReservedUsernames = []string{SystemActor}

// ReservedUsername reports whether s is a reserved name, whatever its case
// and surrounding white space.
func ReservedUsername(s string) bool {
	return slices.Contains(ReservedUsernames, strings.ToLower(strings.TrimSpace(s)))
}

// AdminWithOtherRoles reports whether rs combine the role admin with any
// other: administrators never decide requests (docs/product.md, "Roles"),
// so the role stands alone.
func AdminWithOtherRoles(rs []Role) bool {
	return slices.Contains(rs, RoleAdmin) && slices.ContainsFunc(rs, func(r Role) bool { return r != RoleAdmin })
}

func validUsername(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		ok := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
