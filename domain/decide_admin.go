package domain

// Administrators never decide requests (docs/product.md, "Roles"). An
// account cannot be given admin beside another role (ValidateUser:
// AdminWithOtherRoles), but accounts stored before that rule, and tokens of
// an identity provider, may still combine them; so the decision itself
// refuses an administrator too, and the queue and a request's page offer
// them nothing. Nor does such an account decide through a delegate: its
// delegations do not count (delegatorInactive), so authority finds none of
// them, as for a delegator who lost the role.

// refuseAdministrator refuses a decision by p when p holds the role
// admin: a 403 of separation of duties, between administering the service
// and deciding in it.
func refuseAdministrator(p Principal) error {
	if p.HasRole(RoleAdmin) {
		return Errorf(CodeSeparationOfDuties,
			"administrators never decide requests, and your account holds the role admin; another administrator must take it or your approver roles away")
	}
	return nil
}
