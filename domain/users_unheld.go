package domain

import "context"

// UnheldApproverRoles are the approver roles that no enabled account holds,
// in the order of ApproverRoles (the policy's own roles too). A stage of such a role is in nobody's
// queue and its notices (active, due soon, overdue) reach nobody, since a
// delegation of the role needs a delegator who holds it; the console's
// users pages warn the administrator (docs/console.md). An account that
// must still choose a new password holds its roles; one that holds admin
// beside the role (stored before AdminWithOtherRoles) does not, since it
// decides nothing and is told nothing of the role (ReceivesRoleNotices).
func (s *UserService) UnheldApproverRoles(ctx context.Context) ([]Role, error) {
	var out []Role
	for _, r := range ApproverRoles() {
		held, err := s.roleHeld(ctx, r)
		if err != nil {
			return nil, err
		}
		if !held {
			out = append(out, r)
		}
	}
	return out, nil
}

// roleHeld reports whether an enabled account holds r and is told of it.
// The first account of the role answers, unless it is one of the few
// administrators stored with it.
func (s *UserService) roleHeld(ctx context.Context, r Role) (bool, error) {
	enabled := false
	held := false
	err := eachUser(ctx, s.store, UserFilter{Role: r, Disabled: &enabled, Limit: 20}, func(u *User) bool {
		held = ReceivesRoleNotices(u.Roles)
		return !held
	})
	return held, err
}
