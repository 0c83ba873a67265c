package storage_test

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestSessions stores, reads and ends console sessions: one, all of a
// user's, and the expired ones.
func TestSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 123456000, time.UTC)
		mk := func(id, user string, ttl time.Duration) domain.Session {
			s := domain.Session{ID: id, Username: user, Generation: 3, CSRF: "tok-" + id, CreatedAt: now, ExpiresAt: now.Add(ttl)}
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		a := mk("a", "lo-no", time.Hour)
		mk("b", "lo-no", time.Hour)
		mk("c", "hns", -time.Minute)
		got, err := db.GetSession(ctx, "a")
		if err != nil || *got != a {
			t.Fatalf("GetSession = %+v, %v; want %+v", got, err, a)
		}
		if err := db.CreateSession(ctx, a); err == nil {
			t.Fatal("a second session with the same id was stored")
		}
		if n, err := db.DeleteSessionsBefore(ctx, now); err != nil || n != 1 {
			t.Fatalf("DeleteSessionsBefore = %d, %v; want the 1 expired", n, err)
		}
		if err := db.DeleteSession(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSession(ctx, "a"); err != nil {
			t.Fatalf("ending an ended session: %v", err)
		}
		if err := db.DeleteUserSessions(ctx, "lo-no"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"a", "b", "c"} {
			if _, err := db.GetSession(ctx, id); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Errorf("session %s: %v, want not_found", id, err)
			}
		}
	})
}

// TestSessionFlashIsTakenOnce: a session's flash is returned by the first
// take only, replaced by a later set, and gone with its session.
func TestSessionFlashIsTakenOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := domain.Session{ID: "flash-session", Username: "lo-no", Generation: 1, CSRF: "c", CreatedAt: fixedNow,
			ExpiresAt: fixedNow.Add(time.Hour)}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, ""); err != nil || got != "" {
			t.Fatalf("a fresh session's flash: %q, %v", got, err)
		}
		for _, text := range []string{"first", "second"} {
			if err := db.SetSessionFlash(ctx, s.ID, text); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, ""); err != nil || got != "second" {
			t.Fatalf("taken: %q, %v; want the latest", got, err)
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, ""); err != nil || got != "" {
			t.Fatalf("taken twice: %q, %v", got, err)
		}
		if got, err := db.TakeSessionFlash(ctx, "no-such-session", ""); err != nil || got != "" {
			t.Fatalf("an unknown session: %q, %v", got, err)
		}
	})
}

// TestSessionFlashIsTakenOnlyWithItsPrefix: a page takes the flash only
// when it starts with the page's own prefix, and gets the rest; another
// page's flash stays where it is, untouched, for its own page. Of several
// pages that take at once, one gets it.
func TestSessionFlashIsTakenOnlyWithItsPrefix(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := domain.Session{ID: "prefix-session", Username: "admin", Generation: 1, CSRF: "c", CreatedAt: fixedNow,
			ExpiresAt: fixedNow.Add(time.Hour)}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := db.SetSessionFlash(ctx, s.ID, "one-time-password:u1:created:pw"); err != nil {
			t.Fatal(err)
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, "webhook-secret:"); err != nil || got != "" {
			t.Fatalf("taken with another prefix: %q, %v", got, err)
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, "one-time-password:u2:"); err != nil || got != "" {
			t.Fatalf("taken with another account's prefix: %q, %v", got, err)
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, "one-time-password:u1:created:"); err != nil || got != "pw" {
			t.Fatalf("taken with its own prefix after the others asked: %q, %v; want pw", got, err)
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, "one-time-password:"); err != nil || got != "" {
			t.Fatalf("taken twice: %q, %v", got, err)
		}
		// A prefix is text, not a pattern: LIKE's wildcards match nothing else.
		if err := db.SetSessionFlash(ctx, s.ID, "webhook-secret:whsec_1"); err != nil {
			t.Fatal(err)
		}
		if got, err := db.TakeSessionFlash(ctx, s.ID, "webhook_secret%"); err != nil || got != "" {
			t.Fatalf("taken with a pattern for a prefix: %q, %v", got, err)
		}

		// Many pages at once, half with the flash's prefix: one gets it,
		// and those of another prefix never clear it.
		const n = 8
		got := make(chan string, n)
		errs := make(chan error, n)
		for i := range n {
			prefix := "webhook-secret:"
			if i%2 == 1 {
				prefix = "one-time-password:"
			}
			go func() {
				rest, err := db.TakeSessionFlash(ctx, s.ID, prefix)
				got <- rest
				errs <- err
			}()
		}
		taken := 0
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			if rest := <-got; rest != "" {
				if rest != "whsec_1" {
					t.Fatalf("taken: %q", rest)
				}
				taken++
			}
		}
		if taken != 1 {
			t.Fatalf("the flash was taken %d times, want once", taken)
		}
	})
}
