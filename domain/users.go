package domain

import (
	"context"
	"slices"
	"time"
)

// UserService creates accounts. Password hashing happens outside the domain
// (it needs a cryptographic library); the service receives the finished hash.
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

// CreateUser validates and stores a user and its audit entry. actor is who
// did it: an admin's username, or "system" for the command line and demo seed.
func (s *UserService) CreateUser(ctx context.Context, actor string, u User, passwordHash string) (*User, error) {
	u.Nation = NormalizeNation(u.Nation)
	if err := ValidateUser(u, s.ref); err != nil {
		return nil, err
	}
	u.ID, u.PasswordHash, u.CreatedAt = s.newID(), passwordHash, s.now().UTC().Truncate(time.Microsecond)
	slices.Sort(u.Roles)
	roles := make([]any, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateUser(&u); err != nil {
			if ErrorCode(err) == CodeConflict {
				return Errorf(CodeConflict, "a user named %s already exists", quote(u.Username))
			}
			return err
		}
		return tx.AppendAudit(&AuditEntry{At: u.CreatedAt, Actor: actor, Action: AuditUserCreated,
			Data: map[string]any{"username": u.Username, "roles": roles, "nation": u.Nation}})
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
