package auditlog

import (
	"errors"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// Frontier is the right edge of a Merkle tree that grows one leaf at a time:
// the hashes of the perfect subtrees that cover the leaves so far, largest
// (leftmost) first, one per set bit of the size. With it the tree hash of
// every prefix of a log can be computed in O(log n) memory, which is what
// lets an export or a whole database be verified as a stream.
type Frontier struct {
	size   int64
	hashes []tlog.Hash
}

// NewFrontier starts a frontier at size from the hashes of the perfect
// subtrees covering leaves 0..size-1, in the order SubtreeIndexes(size) lists
// them. An export's trailer carries exactly these as "left".
func NewFrontier(size int64, hashes []tlog.Hash) (*Frontier, error) {
	if size < 0 || bits.OnesCount64(uint64(size)) != len(hashes) {
		return nil, errors.New("auditlog: a tree of that size has a different number of subtrees")
	}
	return &Frontier{size: size, hashes: append([]tlog.Hash(nil), hashes...)}, nil
}

// Size is the number of leaves so far.
func (f *Frontier) Size() int64 { return f.size }

// Append adds a leaf, given its record hash (tlog.RecordHash of the entry).
func (f *Frontier) Append(leaf tlog.Hash) { f.append(leaf, nil) }

// AppendStored adds a leaf and returns the hashes tlog stores for it, in the
// order of tlog.StoredHashes: the leaf, then each interior node it completes.
func (f *Frontier) AppendStored(leaf tlog.Hash) []tlog.Hash {
	return f.append(leaf, []tlog.Hash{leaf})
}

func (f *Frontier) append(leaf tlog.Hash, stored []tlog.Hash) []tlog.Hash {
	h := leaf
	// Each trailing one bit of the size is a perfect subtree of the same
	// height as the one being completed: merge them, smallest first.
	for n := f.size; n&1 == 1; n >>= 1 {
		last := len(f.hashes) - 1
		h = tlog.NodeHash(f.hashes[last], h)
		f.hashes = f.hashes[:last]
		if stored != nil {
			stored = append(stored, h)
		}
	}
	f.hashes = append(f.hashes, h)
	f.size++
	return stored
}

// Root is the tree hash of the leaves so far, as tlog.TreeHash computes it.
func (f *Frontier) Root() tlog.Hash {
	if f.size == 0 {
		return emptyRoot
	}
	h := f.hashes[len(f.hashes)-1]
	for i := len(f.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(f.hashes[i], h)
	}
	return h
}

// emptyRoot is the tree hash of the empty log (SHA-256 of nothing).
var emptyRoot, _ = tlog.TreeHash(0, nil)

// SubtreeIndexes lists the stored-hash indexes of the perfect subtrees that
// cover leaves 0..size-1, largest first: the hashes tlog.TreeHash(size)
// reads, and the "left" hashes of an export that starts at entry size.
func SubtreeIndexes(size int64) []int64 {
	var out []int64
	var lo int64
	for level := 62; level >= 0; level-- {
		if size&(1<<level) != 0 {
			out = append(out, tlog.StoredHashIndex(level, lo>>level))
			lo += 1 << level
		}
	}
	return out
}

// storedCount is how many hashes tlog stores for leaf n: the leaf and one
// per interior node it completes.
func storedCount(n int64) int64 { return 1 + int64(bits.TrailingZeros64(uint64(n+1))) }
