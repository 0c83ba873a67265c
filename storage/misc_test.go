package storage_test

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// Concurrent submitters of one year get distinct, dense reference numbers
// starting at 1; another year counts on its own.
func TestNextReferenceConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const n = 30
		got := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				err := db.InTx(ctx, func(tx domain.Tx) error {
					v, err := tx.NextReference(2026)
					got[i] = v
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("references %v are not 1..%d", got, n)
			}
		}
		var other int64
		err := db.InTx(ctx, func(tx domain.Tx) (err error) { other, err = tx.NextReference(2027); return err })
		if err != nil || other != 1 {
			t.Errorf("first reference of 2027 = %d, %v; want 1", other, err)
		}
	})
}

func TestGetOrCreateKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var calls atomic.Int32
		gen := func(b byte) func() ([]byte, error) {
			return func() ([]byte, error) { calls.Add(1); return bytes.Repeat([]byte{b}, 32), nil }
		}
		// Several starters at once agree on one key.
		keys := make([][]byte, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() {
				k, err := db.GetOrCreateKey(ctx, "token-signing", gen(byte(i+1)))
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		for _, k := range keys {
			if len(k) != 32 || !bytes.Equal(k, keys[0]) {
				t.Fatalf("starters got different keys: %x vs %x", k, keys[0])
			}
		}
		calls.Store(0)
		again, err := db.GetOrCreateKey(ctx, "token-signing", gen(0xff))
		if err != nil || !bytes.Equal(again, keys[0]) || calls.Load() != 0 {
			t.Errorf("second call: %x, %v, generator called %d times; want the stored key, no generation",
				again, err, calls.Load())
		}
		other, err := db.GetOrCreateKey(ctx, "checkpoint-signing", gen(0xee))
		if err != nil || bytes.Equal(other, keys[0]) {
			t.Errorf("a second key name must get its own key: %x, %v", other, err)
		}
	})
}

func TestIdempotencyRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		rec := domain.IdempotencyRecord{Principal: "lo-no", Key: "k-1", Fingerprint: "sha256:abc",
			RequestID: testID(t, 1), Response: []byte(`{"id":"x"}`), CreatedAt: fixedNow}
		err := db.InTx(ctx, func(tx domain.Tx) error {
			_, err := tx.GetIdempotency("lo-no", "k-1")
			wantCode(t, err, domain.CodeNotFound)
			return tx.PutIdempotency(rec)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx domain.Tx) error {
			got, err := tx.GetIdempotency("lo-no", "k-1")
			if err != nil {
				return err
			}
			if got.Fingerprint != rec.Fingerprint || got.RequestID != rec.RequestID ||
				!bytes.Equal(got.Response, rec.Response) || !got.CreatedAt.Equal(rec.CreatedAt) || got.Key != rec.Key {
				t.Errorf("got %+v, want %+v", got, rec)
			}
			_, err = tx.GetIdempotency("lo-de", "k-1") // keys are per principal
			wantCode(t, err, domain.CodeNotFound)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx domain.Tx) error { return tx.PutIdempotency(rec) })
		wantCode(t, err, domain.CodeConflict)
	})
}

func TestUsers(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if n, err := db.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers on a new database = %d, %v", n, err)
		}
		users := []*domain.User{
			{ID: "u1", Username: "lo-no", PasswordHash: "$argon2id$x", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO", CreatedAt: fixedNow},
			{Username: "ops", PasswordHash: "h", Roles: []domain.Role{domain.RoleOperations, domain.RoleMinistry}, CreatedAt: fixedNow},
		}
		for _, u := range users {
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(u) }); err != nil {
				t.Fatal(err)
			}
		}
		if users[1].ID == "" {
			t.Error("CreateUser left an empty ID")
		}
		for _, u := range users {
			got, err := db.GetUserByUsername(ctx, u.Username)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u.ID || !slices.Equal(got.Roles, u.Roles) || got.Nation != u.Nation ||
				got.PasswordHash != u.PasswordHash || !got.CreatedAt.Equal(u.CreatedAt) {
				t.Errorf("got %+v, want %+v", got, u)
			}
		}
		_, err := db.GetUserByUsername(ctx, "nobody")
		wantCode(t, err, domain.CodeNotFound)
		dup := &domain.User{ID: "u3", Username: "lo-no", PasswordHash: "h", Roles: []domain.Role{domain.RoleAuditor}, CreatedAt: fixedNow}
		wantCode(t, db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(dup) }), domain.CodeConflict)
		if n, err := db.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2", n, err)
		}
	})
}

func TestUnknownTrainingAreaIsInvalid(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		r := newDraft(testID(t, 1), "NO")
		r.TrainingAreas = []domain.AreaBooking{{Area: "atlantis", From: day("2026-03-02"), To: day("2026-03-03")}}
		err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateRequest(r) })
		wantCode(t, err, domain.CodeInvalid)
	})
}
