package auditlog

import (
	"golang.org/x/mod/sumdb/tlog"
)

// storedVerifier walks the entries and the stored hashes side by side. It
// grows two trees: one from the entries as they are now, one from the
// stored hashes. Where an entry or a stored hash is missing, the other
// stands in, so one problem is reported once and does not spread.
type storedVerifier struct {
	rep      *Report
	key      string
	cps      []storedCheckpoint // by size
	head     *tlog.Tree         // the head file's tree head; nil when none was given
	entries  *Frontier
	stored   *Frontier
	nextHash func() (int64, tlog.Hash, bool)
	peeked   *storedHash
	good     int64    // the size of the last checkpoint the entries matched
	damaged  int64    // the lowest index reported edited or deleted; -1 if none
	prev     *dbRange // the database's side of a comparison with an earlier export; nil when none
}

type storedHash struct {
	id int64
	h  tlog.Hash
}

// leaf checks the next entry (nil when its row is missing).
func (v *storedVerifier) leaf(entry []byte) {
	n := v.entries.size
	base := tlog.StoredHashIndex(0, n)
	stored := v.hashes(base, storedCount(n))
	var fromEntry tlog.Hash
	if entry != nil {
		fromEntry = tlog.RecordHash(entry)
	}
	storedLeaf, haveLeaf := stored[base]
	switch {
	case entry == nil:
		v.problem(KindDeleted, n, "the row is missing from audit_log")
		fromEntry = storedLeaf
	case haveLeaf && storedLeaf != fromEntry:
		v.problem(KindEdited, n, "the entry's bytes no longer match the leaf hash stored when it was appended")
	}
	if !haveLeaf {
		v.rep.add(KindHashes, n, 0, "the entry's stored leaf hash is missing")
		storedLeaf = fromEntry
	}
	v.collect(&fromEntry)
	v.entries.Append(fromEntry)
	for i, h := range v.stored.AppendStored(storedLeaf)[1:] {
		if got, ok := stored[base+1+int64(i)]; !ok || got != h {
			v.rep.add(KindHashes, n, 0, "stored hash %d (level %d) is missing or disagrees with the hashes below it", base+1+int64(i), i+1)
		}
	}
	v.checkpoints()
}

func (v *storedVerifier) problem(kind string, n int64, detail string) {
	v.rep.add(kind, n, 0, "%s", detail)
	if v.damaged < 0 || n < v.damaged {
		v.damaged = n
	}
}

// hashes collects the stored hashes with ids in [base, base+count).
func (v *storedVerifier) hashes(base, count int64) map[int64]tlog.Hash {
	out := make(map[int64]tlog.Hash, count)
	for {
		h, ok := v.peek()
		if !ok || h.id >= base+count {
			return out
		}
		v.peeked = nil
		if h.id < base {
			v.rep.add(KindHashes, -1, 0, "stored hash %d belongs to no entry", h.id)
			continue
		}
		out[h.id] = h.h
	}
}

func (v *storedVerifier) peek() (storedHash, bool) {
	if v.peeked == nil {
		id, h, ok := v.nextHash()
		if !ok {
			return storedHash{}, false
		}
		v.peeked = &storedHash{id, h}
	}
	return *v.peeked, true
}

// checkpoints checks the kept checkpoints of the current size, and the
// head file's tree head when it has this size.
func (v *storedVerifier) checkpoints() {
	n := v.entries.size
	if v.head != nil && v.head.N == n {
		v.rep.HeadSize = n
		if v.entries.Root() != v.head.Hash {
			v.rep.add(KindInconsistent, -1, 0, "the log's first %d entries do not have the root of the head file, the checkpoint of size %d the server signed last: history was rewritten after it was signed",
				n, n)
		}
	}
	for len(v.cps) > 0 && v.cps[0].size <= n {
		cp := v.cps[0]
		v.cps = v.cps[1:]
		v.rep.Checkpoints++
		tree, err := OpenCheckpoint([]byte(cp.note), v.key)
		switch {
		case err != nil:
			v.rep.add(KindCheckpoint, -1, 0, "the checkpoint kept for size %d: %v", cp.size, err)
		case tree.N != cp.size:
			v.rep.add(KindCheckpoint, -1, 0, "the checkpoint kept for size %d states size %d", cp.size, tree.N)
		case tree.Hash == v.entries.Root():
			v.good = n
			v.rep.TreeSize = n
		case v.damaged < 0:
			// No entry was found edited, yet the entries do not give the
			// signed root: someone changed an entry and its stored hashes.
			v.rep.add(KindEdited, v.good, 0, "an entry with index from %d to %d was changed after the checkpoint of size %d was signed, and its stored hashes were rewritten to match",
				v.good, n-1, n)
			v.damaged = v.good
		}
	}
}

// rolledBack reports a log smaller than the head file's tree head: entries
// the server signed are gone.
func (v *storedVerifier) rolledBack(size int64) {
	if v.head == nil || v.head.N <= size {
		return
	}
	v.rep.HeadSize = v.head.N
	v.rep.add(KindRolledBack, size, 0, "the head file says the server signed a checkpoint of size %d, but the log has only %d entries: entries %d..%d are gone (the log was rolled back, for instance to a backup restored without the head file of its time)",
		v.head.N, size, size, v.head.N-1)
}

// finish reports what is left: checkpoints larger than the log (its end
// was cut off) and stored hashes past the last entry.
func (v *storedVerifier) finish() {
	for _, cp := range v.cps {
		v.rep.add(KindTruncated, v.entries.size, 0, "a checkpoint of size %d was signed, but the log has only %d entries", cp.size, v.entries.size)
	}
	v.cps = nil
	for {
		h, ok := v.peek()
		if !ok {
			return
		}
		v.peeked = nil
		v.rep.add(KindHashes, -1, 0, "stored hash %d belongs to no entry", h.id)
	}
}
