package storage

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
)

// owner is a liaison officer of the nation of the tests' drafts (draftRequest).
var owner = domain.Principal{Subject: "lo", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}

// TestReadAhead: a request read before its transaction is used only while
// the transaction finds it at the version read; otherwise the transaction
// reads it itself and sees what was committed in between.
func TestReadAhead(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t)
	r := createDraft(t, db, "0190a1b2-0000-7000-8000-000000000001", "Before")
	if a := db.readAhead(domain.WithReadAhead(ctx, owner, r.ID, 2)); a != nil {
		t.Fatal("read ahead at a version the request never had")
	}
	if a := db.readAhead(ctx); a != nil {
		t.Fatal("read ahead without a request named")
	}
	// Another nation's request is not read ahead: it would cost a full
	// read that its refusal as not found must not cost.
	foreign := domain.Principal{Subject: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"}
	if a := db.readAhead(domain.WithReadAhead(ctx, foreign, r.ID, 1)); a != nil {
		t.Fatal("read ahead another nation's request")
	}
	stale := db.readAhead(domain.WithReadAhead(ctx, owner, r.ID, 1))
	if stale == nil || stale.r.Details.ExerciseName != "Before" {
		t.Fatalf("read ahead = %+v, want version 1", stale)
	}

	// Another change commits between the read-ahead and the transaction.
	err := db.InTx(ctx, func(tx domain.Tx) error {
		cur, err := tx.GetRequest(r.ID)
		if err != nil {
			return err
		}
		cur.Details.ExerciseName, cur.Version = "After", 2
		return tx.UpdateRequest(cur, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(ahead *aheadRequest, id string) *domain.Request {
		t.Helper()
		var got *domain.Request
		if err := db.batch.do(ctx, func(tx domain.Tx) error {
			var err error
			got, err = tx.GetRequest(id)
			return err
		}, ahead); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := read(stale, r.ID); got == stale.r || got.Version != 2 || got.Details.ExerciseName != "After" {
		t.Fatalf("with a stale read-ahead the transaction read version %d %q, want 2 \"After\"", got.Version, got.Details.ExerciseName)
	}
	fresh := db.readAhead(domain.WithReadAhead(ctx, owner, r.ID, 2))
	if fresh == nil {
		t.Fatal("no read-ahead at the current version")
	}
	// A read of another request leaves the read-ahead for its own.
	err = db.batch.do(ctx, func(tx domain.Tx) error {
		if _, err := tx.GetRequest("0190a1b2-0000-7000-8000-000000000002"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("another request's read: %v, want not found", err)
		}
		got, err := tx.GetRequest(r.ID)
		if err == nil && got != fresh.r {
			t.Error("the current read-ahead was not used")
		}
		again, err := tx.GetRequest(r.ID)
		if err == nil && again == fresh.r {
			t.Error("the read-ahead served a second read")
		}
		return err
	}, fresh)
	if err != nil {
		t.Fatal(err)
	}
	fresh = db.readAhead(domain.WithReadAhead(ctx, owner, r.ID, 2))
	if got := read(fresh, r.ID); got != fresh.r {
		t.Fatal("the current read-ahead was not used")
	}
}

// TestReadAheadNeverWaits: a write does not wait for a read connection.
// With every connection of the API's read pool held (long exports) the
// change commits at once, and with both read-ahead connections busy there is
// no read-ahead instead of a wait.
func TestReadAheadNeverWaits(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t)
	r := createDraft(t, db, "0190a1b2-0000-7000-8000-000000000003", "Busy")
	for range readPoolSize { // each open cursor holds one reader
		rows, err := db.reader.WithContext(ctx).Raw("SELECT id FROM requests").Rows()
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal("no request to hold a cursor on")
		}
		defer rows.Close()
	}
	wctx, cancel := context.WithTimeout(domain.WithReadAhead(ctx, owner, r.ID, 1), 2*time.Second)
	defer cancel()
	err := db.InTx(wctx, func(tx domain.Tx) error {
		cur, err := tx.GetRequest(r.ID)
		if err != nil {
			return err
		}
		cur.Version = 2
		return tx.UpdateRequest(cur, 1)
	})
	if err != nil {
		t.Fatalf("a change with the read pool held: %v", err)
	}
	for range aheadPoolSize {
		<-db.ahead.free
	}
	if a := db.readAhead(domain.WithReadAhead(ctx, owner, r.ID, 2)); a != nil {
		t.Error("a read-ahead with its connections busy")
	}
	for range aheadPoolSize {
		db.ahead.free <- struct{}{}
	}
	if a := db.readAhead(domain.WithReadAhead(ctx, owner, r.ID, 2)); a == nil {
		t.Error("no read-ahead with its connections free")
	}
}
