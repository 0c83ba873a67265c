package auditlog

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"golang.org/x/mod/sumdb/tlog"
)

// StoredLog is what VerifyStored reads from a database.
type StoredLog interface {
	AuditTreeSize(ctx context.Context) (int64, error)
	// StreamAuditRows streams every row, whatever its idx, in idx order;
	// mismatch names the row's column copies (and idx) that differ from
	// its entry's fields, empty when none does.
	StreamAuditRows(ctx context.Context, fn func(idx int64, entry []byte, mismatch string) error) error
	StreamAuditHashes(ctx context.Context, fn func(id int64, h tlog.Hash) error) error
	StreamAuditCheckpoints(ctx context.Context, fn func(size int64, note string) error) error
}

type storedCheckpoint struct {
	size int64
	note string
}

// VerifyStored checks a database's log against itself and its checkpoints,
// in one pass, in memory that grows with the number of kept checkpoints
// but not with the log: each entry's bytes against the leaf hash
// stored when it was appended (a row edited later is named by its index),
// every stored interior hash against the hashes below it, and the tree of
// the entries against each kept checkpoint signed by verifierKey (which
// catches an edit whose stored hashes were rewritten too, to the range
// between two checkpoints).
func VerifyStored(ctx context.Context, db StoredLog, verifierKey string) (*Report, error) {
	return VerifyStoredWithHead(ctx, db, verifierKey, nil)
}

// VerifyStoredWithHead is VerifyStored that also holds the log to a head
// file (the last checkpoint the server signed, kept beside its key file),
// when head is not nil. The head must be signed by verifierKey; the tree
// the entries give at its size must have its root, and the log must have
// at least its size. Otherwise history was rewritten or rolled back after
// the server signed it: a problem, even when every kept checkpoint was
// deleted and the stored hashes rebuilt from the entries, which leave
// nothing else to compare with. The error says why the head cannot be
// used.
func VerifyStoredWithHead(ctx context.Context, db StoredLog, verifierKey string, head []byte) (*Report, error) {
	rep, _, err := VerifyStoredAgainst(ctx, db, verifierKey, head, nil)
	return rep, err
}

// VerifyStoredAgainst is VerifyStoredWithHead that also holds the log to
// an earlier export or checkpoint (prev, when not nil), as audit verify
// --previous compares two exports: the log must extend the earlier signed
// one (the entries give its root at its size), the entries the earlier
// export holds must be the same at the same indexes, and a log smaller than
// it was rolled back. The second report is that comparison's, nil without
// prev. It keeps the leaf hashes from the earlier range's first entry to
// its size in memory, as the earlier export itself does.
func VerifyStoredAgainst(ctx context.Context, db StoredLog, verifierKey string, head []byte, prev *Previous) (*Report, *Report, error) {
	var headTree *tlog.Tree
	if head != nil {
		t, err := OpenCheckpoint(head, verifierKey)
		if err != nil {
			return nil, nil, fmt.Errorf("the head file: %w", err)
		}
		headTree = &t
	}
	size, err := db.AuditTreeSize(ctx)
	if err != nil {
		return nil, nil, err
	}
	var cps []storedCheckpoint
	err = db.StreamAuditCheckpoints(ctx, func(n int64, note string) error {
		cps = append(cps, storedCheckpoint{n, note})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	v := &storedVerifier{rep: &Report{TreeSize: -1, HeadSize: -1}, key: verifierKey, cps: cps, head: headTree,
		entries: &Frontier{}, stored: &Frontier{}, damaged: -1}
	if prev != nil {
		v.prev = newDBRange(prev.r)
	}
	var hashErr error
	next, stop := iter.Pull2(hashSeq(ctx, db, &hashErr))
	defer stop()
	v.nextHash = next
	v.checkpoints() // a checkpoint of the empty log
	if err := v.walk(ctx, db, size); err != nil {
		return nil, nil, err
	}
	v.finish()
	v.rolledBack(size)
	stop()
	if hashErr != nil && !errors.Is(hashErr, errStopped) {
		return nil, nil, hashErr
	}
	v.rep.Count = size
	if prev == nil {
		return v.rep, nil, nil
	}
	v.collect(nil)
	cur := &v.prev.got
	cur.tree = tlog.Tree{N: size, Hash: v.entries.Root()}
	crep, err := consistency(prev.r, cur)
	if err != nil {
		return nil, nil, err
	}
	return v.rep, crep, nil
}

// dbRange gathers the database's side of a comparison with an earlier
// signed range: the frontier where that range starts (its first entry, or
// its size when it holds no entries) and the leaf hashes of the entries
// from there to its size.
type dbRange struct {
	got     signedRange
	end     int64
	started bool
}

func newDBRange(old *signedRange) *dbRange {
	first := old.tree.N
	if len(old.leaves) > 0 {
		first = old.first
	}
	return &dbRange{got: signedRange{first: first, as: "in the database", name: "the database"}, end: old.tree.N}
}

// collect is called with each entry's leaf hash before it is added to the
// entries' tree, and with nil after the last.
func (v *storedVerifier) collect(leaf *tlog.Hash) {
	c := v.prev
	if c == nil {
		return
	}
	n := v.entries.size
	if !c.started && n == c.got.first {
		c.got.left = append([]tlog.Hash(nil), v.entries.hashes...)
		c.started = true
	}
	if leaf != nil && c.started && n < c.end {
		c.got.leaves = append(c.got.leaves, *leaf)
	}
	if leaf == nil && !c.started { // the log ends before the earlier range starts
		c.got.first, c.got.left = n, append([]tlog.Hash(nil), v.entries.hashes...)
	}
}

// walk checks the entries in index order; a missing row is checked as a
// deleted entry, so later entries keep their places. Every row is read:
// one outside 0..size-1 is no entry of the log, and one whose columns
// (which the API searches and shows) differ from its entry is reported.
func (v *storedVerifier) walk(ctx context.Context, db StoredLog, size int64) error {
	err := db.StreamAuditRows(ctx, func(idx int64, entry []byte, mismatch string) error {
		if mismatch != "" {
			v.rep.add(KindColumns, idx, 0, "the row's columns differ from its entry: %s", mismatch)
		}
		if idx < 0 {
			v.rep.add(KindInserted, -1, 0, "a row at index %d, below 0", idx)
			return nil
		}
		for v.entries.size < idx && v.entries.size < size {
			v.leaf(nil)
		}
		if idx >= size {
			v.rep.add(KindInserted, idx, 0, "a row beyond the log's size %d", size)
			return nil
		}
		v.leaf(entry)
		return nil
	})
	for err == nil && v.entries.size < size {
		v.leaf(nil)
	}
	return err
}

var errStopped = errors.New("stopped")

// hashSeq turns the hash cursor into an iterator that can be pulled in step
// with the entries.
func hashSeq(ctx context.Context, db StoredLog, errp *error) iter.Seq2[int64, tlog.Hash] {
	return func(yield func(int64, tlog.Hash) bool) {
		*errp = db.StreamAuditHashes(ctx, func(id int64, h tlog.Hash) error {
			if !yield(id, h) {
				return errStopped
			}
			return nil
		})
	}
}
