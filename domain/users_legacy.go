package domain

import (
	"context"
	"slices"
)

// Accounts that an older release could store and the rules now refuse
// (ValidateUser): one holding admin beside an approver role
// (AdminWithOtherRoles), one named like the server's own actor in the
// audit log (ReservedUsernames), a liaison officer bound to the host
// nation (HostNation), whose requests the default policy refuses. Nothing renames, disables or changes them
// by itself: they decide nothing (refuseAdministrator) or sign nothing
// the server would, and the console's users pages, `exaccess user list`
// and, for a reserved name, the server's start say so, so that an
// administrator puts them right (docs/security.md).

// The warnings about such an account, each following its username
// ("boss holds admin and ...").
const (
	AdminApproverWarning = "holds admin and an approver role: it cannot decide and receives no notices of that role; remove one"
	ReservedNameWarning  = "named like the server's own actor in the audit log; rename by creating a new account and disabling this one"
	HostNationWarning    = "a liaison officer bound to Sweden, the host nation, which needs no access permit: its requests are refused; bind it to a sending nation or disable it"
)

// UnknownRoles are the roles of rs that are not known now (KnownRoles):
// roles of a routing policy loaded before that the policy loaded now no
// longer names. They grant nothing.
func UnknownRoles(rs []Role) []Role {
	var out []Role
	for _, r := range rs {
		if _, ok := ParseRole(string(r)); !ok {
			out = append(out, r)
		}
	}
	return out
}

// UnknownRolesWarning is the warning about an account that holds rs,
// roles the loaded policy does not name (UnknownRoles).
func UnknownRolesWarning(rs []Role) string {
	return "holds " + joinRoles(rs) + ", not named by the routing policy loaded: it grants nothing (no decision, " +
		"no queue, no delegation); take it away, or load the policy that names it"
}

// AdminApprover reports whether rs hold admin and an approver role.
func AdminApprover(rs []Role) bool { return slices.Contains(rs, RoleAdmin) && anyApprover(rs) }

// ReceivesRoleNotices reports whether an account holding rs is in the
// audience of the approver roles it holds: not while it holds admin too
// (AdminApprover), since administrators never decide — the stage
// notices, reminders and escalations of those roles would ask it for
// decisions it may not make. Storage applies the same rule to a role's
// audience.
func ReceivesRoleNotices(rs []Role) bool { return !slices.Contains(rs, RoleAdmin) }

// AccountWarnings are the warnings about u, an enabled account stored
// before a rule that refuses it now, or holding a role the loaded policy
// does not name (UnknownRolesWarning); none for a disabled one (disabling
// it is what ReservedNameWarning asks for; a disabled account decides
// nothing and is told nothing).
func AccountWarnings(u *User) []string {
	if u == nil || u.Disabled() {
		return nil
	}
	var out []string
	if AdminApprover(u.Roles) {
		out = append(out, AdminApproverWarning)
	}
	if ReservedUsername(u.Username) {
		out = append(out, ReservedNameWarning)
	}
	if u.HasRole(RoleLiaison) && u.Nation == HostNation {
		out = append(out, HostNationWarning)
	}
	if rs := UnknownRoles(u.Roles); len(rs) > 0 {
		out = append(out, UnknownRolesWarning(rs))
	}
	return out
}

// LegacyAccount is an account with its AccountWarnings.
type LegacyAccount struct {
	User     User
	Warnings []string
}

// LegacyAccounts are the enabled accounts that have AccountWarnings, in
// id order.
func (s *UserService) LegacyAccounts(ctx context.Context) ([]LegacyAccount, error) {
	enabled := false
	var out []LegacyAccount
	err := eachUser(ctx, s.store, UserFilter{Legacy: true, Disabled: &enabled, Limit: 200}, func(u *User) bool {
		if ws := AccountWarnings(u); len(ws) > 0 {
			out = append(out, LegacyAccount{User: *u, Warnings: ws})
		}
		return true
	})
	return out, err
}

// eachUser calls fn with every account f finds, a page of f.Limit at a
// time, until fn returns false or the accounts run out.
func eachUser(ctx context.Context, st Store, f UserFilter, fn func(u *User) bool) error {
	for {
		page, err := st.ListUsers(ctx, f)
		if err != nil {
			return err
		}
		for i := range page.Items {
			if !fn(&page.Items[i]) {
				return nil
			}
		}
		if page.NextAfter == "" {
			return nil
		}
		f.After = page.NextAfter
	}
}
