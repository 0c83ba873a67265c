package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestGroupCommitIsolatesFailures runs many concurrent transactions on
// SQLite, where they share commits: every third fails after writing a
// request, a reference number and an audit entry, one panics. The failed
// ones leave nothing behind — no request, no hole in the audit indexes or
// the reference numbers, no stray Merkle hash — and every acknowledged one
// is stored, its audit entry in the order of its reference number.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "gc.db"))
	ctx := context.Background()
	const n = 96
	errFail := errors.New("caller fails on purpose")
	var wg sync.WaitGroup
	results := make([]error, n)
	refs := make([]int64, n)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = testID(t, i)
	}
	for i := range n {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					results[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			results[i] = db.InTx(ctx, func(tx domain.Tx) error {
				r := newDraft(ids[i], "NO")
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
				ref, err := tx.NextReference(2027)
				if err != nil {
					return err
				}
				refs[i] = ref
				if err := tx.AppendAudit(&domain.AuditEntry{At: fixedNow, Actor: "lo-NO", Action: "request.created",
					RequestID: r.ID, RequestVersion: 1, Data: map[string]any{"ref": ref}}); err != nil {
					return err
				}
				switch {
				case i == 7:
					panic("caller panics on purpose")
				case i%3 == 0:
					return errFail
				}
				return nil
			})
		})
	}
	wg.Wait()
	var ok []int
	for i, err := range results {
		switch {
		case err == nil:
			ok = append(ok, i)
		case i == 7 && err.Error() == "panic: caller panics on purpose", i%3 == 0 && errors.Is(err, errFail):
		default:
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if len(ok) < n/2 {
		t.Fatalf("only %d of %d callers succeeded", len(ok), n)
	}
	checkDense(t, db, ok, refs, ids)
}

// checkDense checks that exactly the callers in ok are stored, with
// reference numbers 1..len(ok) and audit indexes 0..len(ok)-1 in the same
// order, and that the stored Merkle hashes are those of those entries.
func checkDense(t *testing.T, db *storage.DB, ok []int, refs []int64, ids []string) {
	t.Helper()
	ctx := context.Background()
	size, err := db.AuditTreeSize(ctx)
	if err != nil || size != int64(len(ok)) {
		t.Fatalf("audit size %d (%v), want %d", size, err, len(ok))
	}
	byRef := map[int64]int{}
	for _, i := range ok {
		if _, err := db.GetRequest(ctx, ids[i]); err != nil {
			t.Fatalf("acknowledged caller %d: %v", i, err)
		}
		byRef[refs[i]] = i
	}
	var stored []tlog.Hash
	mem := tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ids))
		for i, id := range ids {
			out[i] = stored[id]
		}
		return out, nil
	})
	err = db.StreamAuditEntries(ctx, 0, size, func(idx int64, entry []byte) error {
		e, err := storage.DecodeAuditEntryForTest(entry)
		if err != nil {
			return err
		}
		if got := fmt.Sprint(e.Data["ref"]); got != fmt.Sprint(idx+1) {
			return fmt.Errorf("audit entry %d carries reference %s: indexes and references are not dense and in step", idx, got)
		}
		hs, err := tlog.StoredHashes(idx, entry, mem)
		stored = append(stored, hs...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hashIDs := make([]int64, len(stored))
	for i := range hashIDs {
		hashIDs[i] = int64(i)
	}
	got, err := db.ReadAuditHashes(ctx, hashIDs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range stored {
		if got[i] != stored[i] {
			t.Fatalf("stored hash %d differs from the entries' tree", i)
		}
	}
	if len(byRef) != len(ok) {
		t.Fatalf("%d distinct references for %d stored requests", len(byRef), len(ok))
	}
}

// TestGroupCommitFailedCallersLeaveNoRows checks that a request created by a
// failed caller in a shared transaction is not stored, while one created
// by the caller before it in the same batch is, and that the ids of failed
// callers are free to use again.
func TestGroupCommitFailedCallersLeaveNoRows(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "gc.db"))
	ctx := context.Background()
	const n = 32
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		ids[i] = testID(t, i)
		wg.Go(func() {
			_ = db.InTx(ctx, func(tx domain.Tx) error {
				if err := tx.CreateRequest(newDraft(ids[i], "NO")); err != nil {
					return err
				}
				if i%2 == 1 {
					return errors.New("fail")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, id := range ids {
		_, err := db.GetRequest(ctx, id)
		if i%2 == 0 && err != nil {
			t.Errorf("request %d of a successful caller: %v", i, err)
		}
		if i%2 == 1 {
			wantCode(t, err, domain.CodeNotFound)
			createRequest(t, db, newDraft(id, "NO")) // the id is free
		}
	}
}
