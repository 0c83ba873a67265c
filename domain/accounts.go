package domain

import (
	"context"
	"sync"
	"time"
)

// PrincipalCheck answers the one question every authenticated call asks
// after the token's signature: does this principal still speak for its
// account? The API's bearer tokens and the web console's cookie sessions
// both carry the account's username and generation and both call Valid.
type PrincipalCheck interface {
	// Valid returns nil when the account named subject exists, is enabled
	// and is still at generation; otherwise an *Error with CodeUnauthorized
	// (or another error when the answer cannot be known).
	Valid(ctx context.Context, subject string, generation int64) error
	// ValidPrincipal is Valid for the principal of a token; of the
	// identity provider's (External), whose tokens carry no generation, the
	// account must exist and be enabled, and the token must not have been
	// issued in or before the second an administrator last disabled or
	// enabled it (TokenEnded).
	ValidPrincipal(ctx context.Context, p Principal) error
}

// AccountState is what the check needs to know of one account.
type AccountState struct {
	Generation int64
	Disabled   bool
	// External accounts are proven by the identity provider, whose tokens
	// carry no generation: Disabled counts for them, and TokensEndedAt.
	External bool
	// TokensEndedAt, of an external account only, is User.TokensEndedAt:
	// its tokens issued in that second or before are refused (TokenEnded).
	TokensEndedAt time.Time
	// Claims, of an external account only (nil otherwise), are the
	// identity provider's claims it holds: a token they do not hold
	// (Holds) is taken to EnsureExternal.
	Claims *HeldClaims
}

// HeldClaims are the roles (sorted), nation and mark (User.ClaimsIssuedAt)
// of an external account.
type HeldClaims struct {
	Roles    []Role
	Nation   string
	IssuedAt time.Time
}

// Holds reports whether the account holds what p, a principal of the
// identity provider, asserts, from a token no newer than it has seen:
// nothing to record (JudgeClaims). An account without claims holds none.
func (st AccountState) Holds(p Principal) bool {
	c := st.Claims
	return c != nil && JudgeClaims(c.Roles, c.Nation, c.IssuedAt, p) == ClaimsHeld
}

// Ended reports whether an administrator has ended p's token (TokenEnded)
// since it was issued: p is a principal of the identity provider and the
// account external.
func (st AccountState) Ended(p Principal) bool {
	return p.External && st.External && TokenEnded(p.IssuedAt, st.TokensEndedAt)
}

// AccountSource reads account states from the database.
type AccountSource interface {
	// AccountStates reads the state of every account, by username.
	AccountStates(ctx context.Context) (map[string]AccountState, error)
	// AccountState reads one account; CodeNotFound when there is none.
	AccountState(ctx context.Context, username string) (AccountState, error)
}

// Revocation bounds. Each process reloads every account's state every
// AccountRefresh; a check never trusts a copy older than AccountMaxAge (it
// reloads first), so a change made by any process is honoured everywhere
// within AccountMaxAge plus one query.
const (
	AccountRefresh = time.Second
	AccountMaxAge  = 2 * time.Second
)

// AccountCache is the in-process PrincipalCheck: a copy of every account's
// generation and disabled flag (and of an external account's claims,
// AccountState.Claims, and when its tokens ended, TokensEndedAt), refreshed
// from the database by Run and on demand when older than its maximum age.
// An account missing from the copy (created after the last refresh) is
// read from the database.
type AccountCache struct {
	src    AccountSource
	maxAge time.Duration
	now    func() time.Time // the real clock: staleness is measured, not simulated

	refresh sync.Mutex // one reload at a time
	mu      sync.RWMutex
	states  map[string]AccountState
	loaded  time.Time
}

// NewAccountCache builds the check over src; nothing is read until the first use.
func NewAccountCache(src AccountSource) *AccountCache {
	return &AccountCache{src: src, maxAge: AccountMaxAge, now: time.Now}
}

var errRevoked = Errorf(CodeUnauthorized, "the account was disabled or changed since this token was issued; sign in again")

// Valid implements PrincipalCheck.
func (c *AccountCache) Valid(ctx context.Context, subject string, generation int64) error {
	return c.ValidPrincipal(ctx, Principal{Subject: subject, Generation: generation})
}

// ValidPrincipal implements PrincipalCheck.
func (c *AccountCache) ValidPrincipal(ctx context.Context, p Principal) error {
	subject, generation := p.Subject, p.Generation
	st, err := c.state(ctx, subject)
	if err == nil && generation > st.Generation {
		// A token newer than the copy: issued after a change the copy has
		// not seen yet (another process made it). Read the account afresh.
		c.Forget(subject)
		st, err = c.state(ctx, subject)
	}
	switch {
	case ErrorCode(err) == CodeNotFound:
		return errRevoked
	case err != nil:
		return err
	case st.Disabled, !st.External && st.Generation != generation, st.Ended(p):
		return errRevoked
	}
	return nil
}

// State is the account's state, from the copy or the database;
// CodeNotFound when there is no such account.
func (c *AccountCache) State(ctx context.Context, subject string) (AccountState, error) {
	return c.state(ctx, subject)
}

// Known reports whether the account exists, from the copy or the database.
func (c *AccountCache) Known(ctx context.Context, subject string) (bool, error) {
	_, err := c.state(ctx, subject)
	if ErrorCode(err) == CodeNotFound {
		return false, nil
	}
	return err == nil, err
}

func (c *AccountCache) state(ctx context.Context, subject string) (AccountState, error) {
	if err := c.fresh(ctx); err != nil {
		return AccountState{}, err
	}
	c.mu.RLock()
	st, ok := c.states[subject]
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	st, err := c.src.AccountState(ctx, subject)
	if err != nil {
		return st, err
	}
	c.mu.Lock()
	c.states[subject] = st
	c.mu.Unlock()
	return st, nil
}

// fresh reloads the copy when it is older than the maximum age; of many
// callers that find it stale together, one reloads and the others wait.
func (c *AccountCache) fresh(ctx context.Context) error {
	if !c.stale() {
		return nil
	}
	c.refresh.Lock()
	defer c.refresh.Unlock()
	if !c.stale() {
		return nil
	}
	return c.load(ctx)
}

func (c *AccountCache) stale() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.states == nil || c.now().Sub(c.loaded) > c.maxAge
}

// Refresh reloads every account's state now.
func (c *AccountCache) Refresh(ctx context.Context) error {
	c.refresh.Lock()
	defer c.refresh.Unlock()
	return c.load(ctx)
}

func (c *AccountCache) load(ctx context.Context) error {
	start := c.now()
	states, err := c.src.AccountStates(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.states, c.loaded = states, start
	c.mu.Unlock()
	return nil
}

// Forget drops one account from the copy, so that this process reads it
// from the database at its next use: called after a change made here.
func (c *AccountCache) Forget(subject string) {
	c.mu.Lock()
	delete(c.states, subject)
	c.mu.Unlock()
}

// Run refreshes the copy every interval until ctx ends. A failed refresh
// is reported to onError and retried at the next tick; meanwhile checks
// reload on demand, and fail, rather than trust an old copy.
func (c *AccountCache) Run(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil && onError != nil {
				onError(err)
			}
		}
	}
}
