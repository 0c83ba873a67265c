package storage

import (
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// The audit log's tail in the SQLite committer's memory. Every append needs
// the next index and the Merkle hashes it combines with; read from the
// database they cost an upsert of the counter and a query of the hashes per
// entry, on the one writer every change waits for. The committer keeps both
// instead: the next index and the tree's frontier (the roots of the
// complete subtrees that cover the log, at most one per level). The rows
// stay the truth:
//
//   - the first append of each shared transaction reads the counter row (one
//     statement per batch, under the write lock that BEGIN IMMEDIATE took) and
//     reloads the frontier if the counter is not where memory says, so a
//     second process or a write outside the committer is never missed;
//   - a caller whose savepoint rolls back restores the tail it started from
//     (the tail is replaced, never changed in place, so that is one pointer);
//   - the counter row is written once, just before the shared commit, and a
//     failed batch forgets the tail so the next one reads it again.
//
// The audit_log and audit_hashes rows of each entry are still written in the
// caller's own savepoint, as before. PostgreSQL keeps the per-entry reads
// (audit.go): its transactions run side by side and share no memory.

// auditTail is the state after some entries: immutable once built.
type auditTail struct {
	next     int64               // the index the next entry gets
	frontier map[int64]tlog.Hash // stored hash id → hash, for frontierIDs(next)
}

// tailKeeper is the committer's tail; only the committer goroutine uses it.
type tailKeeper struct {
	cur     *auditTail // nil: unknown, read at the next append
	checked bool       // cur was checked against the counter row in this batch
	dirty   bool       // entries were appended in this batch: write the counter row
}

// frontierIDs are the stored hash ids of the complete subtrees covering
// entries 0..n-1: for each bit i set in n, the level-i node just before
// n's position at that level. tlog.StoredHashes(n) reads only from these.
func frontierIDs(n int64) []int64 {
	ids := make([]int64, 0, bits.OnesCount64(uint64(n)))
	for i := 0; n>>i > 0; i++ {
		if n>>i&1 == 1 {
			ids = append(ids, tlog.StoredHashIndex(i, n>>i-1))
		}
	}
	return ids
}

// beginBatch starts a shared transaction: the tail must be checked again.
func (k *tailKeeper) beginBatch() { k.checked, k.dirty = false, false }

// forget drops the tail after a batch that did not commit.
func (k *tailKeeper) forget() { k.cur, k.checked, k.dirty = nil, false, false }

// tail returns the tail to append to, checked against the counter row once
// per batch and reloaded from the rows when it differs. It returns nil when
// the stored tree is incomplete (entries older than migration 3 without
// hashes): then the caller appends the slow way, which backfills them.
func (k *tailKeeper) tail(t *tx) (*auditTail, error) {
	if k.checked && k.cur != nil {
		return k.cur, nil
	}
	var last []int64
	if err := t.g.Raw("SELECT value FROM counters WHERE name = 'audit'").Scan(&last).Error; err != nil {
		return nil, translate(err, "audit counter")
	}
	next := int64(0)
	if len(last) > 0 {
		next = last[0] + 1
	}
	if k.cur == nil || k.cur.next != next {
		ids := frontierIDs(next)
		known, err := readHashMap(t.g, ids)
		if err != nil {
			return nil, err
		}
		if len(known) != len(ids) {
			k.cur = nil
			return nil, nil
		}
		k.cur = &auditTail{next: next, frontier: known}
	}
	k.checked = true
	return k.cur, nil
}

// advance is the tail after entry t.next, whose stored hashes are hashes.
func (a *auditTail) advance(hashes []tlog.Hash) (*auditTail, error) {
	n := a.next
	base := tlog.StoredHashIndex(0, n)
	ids := frontierIDs(n + 1)
	next := &auditTail{next: n + 1, frontier: make(map[int64]tlog.Hash, len(ids))}
	for _, id := range ids {
		if h, ok := a.frontier[id]; ok {
			next.frontier[id] = h
		} else if i := id - base; i >= 0 && i < int64(len(hashes)) {
			next.frontier[id] = hashes[i]
		} else {
			return nil, fmt.Errorf("storage: audit tree frontier of %d lacks hash %d", n+1, id)
		}
	}
	return next, nil
}

// flush writes the counter row to the last index appended in this batch,
// before the shared commit.
func (k *tailKeeper) flush(t *tx) error {
	if !k.dirty {
		return nil
	}
	err := t.exec(`INSERT INTO counters (name, value) VALUES ('audit', ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, k.cur.next-1)
	if err != nil {
		return translate(err, "audit counter")
	}
	k.dirty = false
	return nil
}

// appendKept is AppendAudit's SQLite path on the committer: the index and
// the hashes it combines with come from the kept tail. insert stores the
// entry of the index it is given and returns its leaf hash. appendKept
// reports false when the tail cannot be used and the caller must append
// the slow way.
func (t *tx) appendKept(insert func(int64) (tlog.Hash, error)) (bool, error) {
	k := t.tails
	a, err := k.tail(t)
	if err != nil || a == nil {
		return false, err
	}
	leaf, err := insert(a.next)
	if err != nil {
		return true, err
	}
	hashes, err := tlog.StoredHashesForRecordHash(a.next, leaf, mapReader(a.frontier))
	if err != nil {
		return true, fmt.Errorf("storage: audit entry %d: %w", a.next, err)
	}
	if err := t.insertHashes(a.next, hashes); err != nil {
		return true, err
	}
	next, err := a.advance(hashes)
	if err != nil {
		return true, err
	}
	k.cur, k.dirty = next, true
	return true, nil
}
