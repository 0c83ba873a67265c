package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"exaccess/domain"
)

// usersByName is a UserLookup over a fixed set of accounts.
type usersByName map[string]*domain.User

func (m usersByName) GetUserByUsername(_ context.Context, name string) (*domain.User, error) {
	if u, ok := m[name]; ok {
		return u, nil
	}
	return nil, domain.ErrNotFound("user")
}

// countArgon installs argonHook for the test: it returns the highest
// number of Argon2id computations seen running at once.
func countArgon(t *testing.T) func() int32 {
	t.Helper()
	var running, peak atomic.Int32
	argonHook = func(delta int) {
		n := running.Add(int32(delta))
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
	}
	t.Cleanup(func() { argonHook = nil })
	return peak.Load
}

// TestArgonConcurrencyIsBounded: many sign-ins at once — unknown
// usernames, a wrong password, the right one, an identity provider's
// account — and password hashes besides never run more Argon2id
// computations at once than argonSlots, 19 MiB each. A review's 100
// parallel sign-ins with distinct usernames took the process from 190 MB
// to 1.96 GB.
func TestArgonConcurrencyIsBounded(t *testing.T) {
	hash, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	users := usersByName{
		"ops": {Username: "ops", PasswordHash: hash},
		"idp": {Username: "idp"},
	}
	peak := countArgon(t)
	const n = 24
	var wg sync.WaitGroup
	start := make(chan struct{})
	signIn := func(name, password string) {
		defer wg.Done()
		<-start
		if _, err := SignIn(context.Background(), users, nil, time.Now(), name, password); err != nil {
			t.Error(err)
		}
	}
	for i := range n {
		wg.Add(1)
		switch i % 4 {
		case 0:
			go signIn("nobody-"+string(rune('a'+i)), "guess")
		case 1:
			go signIn("ops", "wrong")
		case 2:
			go signIn("idp", "guess")
		default:
			go func() {
				defer wg.Done()
				<-start
				if _, err := HashPassword("new password"); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	if p := peak(); p > int32(argonSlots) || p < 1 {
		t.Errorf("%d Argon2id computations ran at once, want between 1 and %d (argonSlots)", p, argonSlots)
	}
}

// TestSignInStopsWaitingWithTheRequest: while every slot is taken, a
// sign-in whose request has ended answers its context's error at once,
// without a computation and without counting a failure.
func TestSignInStopsWaitingWithTheRequest(t *testing.T) {
	peak := countArgon(t)
	for range argonSlots {
		argonSem <- struct{}{}
	}
	t.Cleanup(func() {
		for range argonSlots {
			<-argonSem
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	begin := time.Now()
	u, err := SignIn(ctx, usersByName{}, nil, time.Now(), "nobody", "guess")
	if u != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SignIn = %v, %v; want the context's error", u, err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if ok, err := VerifyPasswordContext(ctx, dummyHash, "guess"); ok || err == nil {
		t.Errorf("VerifyPasswordContext = %v, %v after its context ended", ok, err)
	}
	if p := peak(); p != 0 {
		t.Errorf("%d computations ran with every slot taken", p)
	}
}
