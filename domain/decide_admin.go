package domain

import "context"

// Administrators never decide requests (docs/product.md, "Roles"). An
// account cannot be given admin beside another role (ValidateUser:
// AdminWithOtherRoles), but accounts stored before that rule, and tokens of
// an identity provider, may still combine them; so the decision itself
// refuses an administrator too, and the queue and a request's page offer
// them nothing.

// accountRoles reads the roles of the account named username: what
// refuseAdministrator needs of the person a delegate acts for.
type accountRoles func(username string) ([]Role, error)

// txAccountRoles reads an account's roles inside a decision's transaction.
func txAccountRoles(tx Tx) accountRoles {
	return func(username string) ([]Role, error) {
		u, err := tx.GetUserByUsername(username, false)
		if err != nil {
			return nil, err
		}
		return u.Roles, nil
	}
}

// refuseAdministrator refuses a decision by p, or by p acting for
// actingFor, when either holds the role admin: a 403 of separation of
// duties, between administering the service and deciding in it. An account
// acted for that no longer exists holds no role.
func refuseAdministrator(p Principal, actingFor string, roles accountRoles) error {
	if p.HasRole(RoleAdmin) {
		return Errorf(CodeSeparationOfDuties,
			"administrators never decide requests, and your account holds the role admin; another administrator must take it or your approver roles away")
	}
	if actingFor == "" {
		return nil
	}
	rs, err := roles(actingFor)
	if ErrorCode(err) == CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r == RoleAdmin {
			return Errorf(CodeSeparationOfDuties,
				"administrators never decide requests, not through a delegate either: %s, whom you act for, holds the role admin", actingFor)
		}
	}
	return nil
}

// storeAccountRoles reads an account's roles for a page (the queue, a
// request's decidable stages).
func (s *ApprovalService) storeAccountRoles(ctx context.Context) accountRoles {
	return func(username string) ([]Role, error) {
		u, err := s.store.GetUserByUsername(ctx, username)
		if err != nil {
			return nil, err
		}
		return u.Roles, nil
	}
}
