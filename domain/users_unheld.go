package domain

import "context"

// UnheldApproverRoles are the approver roles that no enabled account holds,
// in the order of ApproverRoles. A stage of such a role is in nobody's
// queue and its notices (active, due soon, overdue) reach nobody, since a
// delegation of the role needs a delegator who holds it; the console's
// users pages warn the administrator (docs/console.md). An account that
// must still choose a new password holds its roles.
func (s *UserService) UnheldApproverRoles(ctx context.Context) ([]Role, error) {
	enabled := false
	var out []Role
	for _, r := range ApproverRoles {
		page, err := s.store.ListUsers(ctx, UserFilter{Role: r, Disabled: &enabled, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(page.Items) == 0 {
			out = append(out, r)
		}
	}
	return out, nil
}
