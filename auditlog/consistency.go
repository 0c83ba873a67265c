package auditlog

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// signedRange is what an export's trailer proves once authenticated: the
// signed tree, and the leaf hashes of entries first..first+len(leaves)-1.
type signedRange struct {
	tree   tlog.Tree
	first  int64
	left   []tlog.Hash
	leaves []tlog.Hash
	// as and name say what a later range is, in a problem: "signed later"
	// and "the later export" for an export, "in the database" and "the
	// database" for a stored log.
	as, name string
}

// laterExport names an export's range as the later one of a comparison.
func laterExport(r *signedRange) *signedRange {
	r.as, r.name = "signed later", "the later export"
	return r
}

// ErrNoSignedRange is readSigned's error for an export that holds nothing
// signed to compare with: cut short before its trailer, or reformatted. It
// says nothing of the log it is compared with.
var ErrNoSignedRange = errors.New("it holds no signed range to compare with")

// readSigned reads an export's trailer, or a file that is just a signed
// checkpoint note (as GET /api/v1/audit/checkpoint serves it). export says
// which it was.
func readSigned(r io.ReadSeeker, verifierKey string) (sr *signedRange, export bool, err error) {
	e, err := readEnding(r)
	if err != nil {
		return nil, false, err
	}
	if e.trailer != nil {
		tree, leaves, err := e.trailer.authenticate(verifierKey, e.leafB64)
		if err != nil {
			return nil, true, err
		}
		return &signedRange{tree: tree, first: e.trailer.First, left: e.trailer.Left, leaves: leaves}, true, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, false, err
	}
	note, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, false, err
	}
	tree, err := OpenCheckpoint(note, verifierKey)
	if errors.Is(err, ErrNotCheckpoint) {
		// Perhaps an export that lost its end, or was reformatted: say so.
		var rep Report
		rep.noTrailer(e.line, e.start, e.err)
		if p := rep.Problems[0]; p.Kind == KindFormat || p.Kind == KindTruncated && p.Index >= 0 {
			return nil, true, fmt.Errorf("%w: %s", ErrNoSignedRange, p)
		}
		return nil, false, neither{err}
	}
	if err != nil {
		return nil, false, err
	}
	return &signedRange{tree: tree}, false, nil
}

// neither says that a file is neither an export nor a checkpoint, and
// wraps ErrNotCheckpoint without saying "not a checkpoint" twice.
type neither struct{ err error }

func (n neither) Error() string {
	return "neither an export nor a checkpoint: " + strings.TrimPrefix(n.err.Error(), "not a checkpoint: ")
}

func (n neither) Unwrap() error { return n.err }

// rootAt is the tree hash of the first n entries, if the range shows it.
func (s *signedRange) rootAt(n int64) (tlog.Hash, bool) {
	switch {
	case n == s.tree.N:
		return s.tree.Hash, true
	case n == 0:
		return emptyRoot, true
	case n < s.first || n > s.first+int64(len(s.leaves)):
		return tlog.Hash{}, false
	}
	f, err := NewFrontier(s.first, s.left)
	if err != nil {
		return tlog.Hash{}, false
	}
	for _, h := range s.leaves[:n-s.first] {
		f.Append(h)
	}
	return f.Root(), true
}

// VerifyConsistency checks that an earlier export (or a checkpoint note
// saved earlier) and a later export describe one history: the log the
// earlier checkpoint signed must be a prefix of the later one, so nothing
// signed then was rewritten since. Entries both exports hold are compared
// too, and any that differ are named. The error says why the two cannot be
// compared (an unsigned file, or a later export whose range does not cover
// the earlier size); a rewritten history, or a later log smaller than the
// earlier one (rolled back), is a Report with problems.
func VerifyConsistency(later, earlier io.ReadSeeker, verifierKey string) (*Report, error) {
	prev, err := ReadPrevious(earlier, verifierKey)
	if err != nil {
		return nil, fmt.Errorf("the earlier file: %w", err)
	}
	rep, err := prev.Against(later, verifierKey)
	if err != nil {
		return nil, err
	}
	if own := prev.Export(); own != nil {
		for _, p := range own.Problems {
			p.Detail = "in the earlier export: " + p.Detail
			rep.Problems = append(rep.Problems, p)
		}
	}
	return rep, nil
}

// Against compares a later export with p: the log p signed must be a
// prefix of the later one, and the entries both hold must be equal.
func (p *Previous) Against(later io.ReadSeeker, verifierKey string) (*Report, error) {
	cur, _, err := readSigned(later, verifierKey)
	if err != nil {
		return nil, fmt.Errorf("the later export: %w", err)
	}
	return consistency(p.r, laterExport(cur))
}

// consistency compares an earlier signed range with a later one (an export,
// or a database's log).
func consistency(old, cur *signedRange) (*Report, error) {
	if old.tree.N > cur.tree.N {
		return rolledBack(old, cur), nil
	}
	rep := &Report{TreeSize: cur.tree.N, First: 0, Count: old.tree.N}
	root, ok := cur.rootAt(old.tree.N)
	if !ok {
		return nil, errors.New("the later export does not cover the earlier checkpoint's size; export from an earlier time, or use GET /api/v1/audit/proof/consistency")
	}
	if root != old.tree.Hash {
		rep.add(KindInconsistent, -1, 0, "the log of %d entries signed earlier is not a prefix of the log of %d entries %s: history was rewritten",
			old.tree.N, cur.tree.N, cur.as)
	}
	compareLeaves(rep, old, cur)
	return rep, nil
}

// Previous is an earlier export, or a checkpoint note saved earlier, whose
// signature was checked: what a later log must extend. An export was also
// verified line by line (VerifyExport): its trailer's leaf hashes, which
// the comparison uses, stand for its entries only when its lines match
// them.
type Previous struct {
	r   *signedRange
	own *Report
}

// ReadPrevious reads and authenticates an earlier export or checkpoint
// note with verifierKey, and verifies an export's lines. The error says
// why the file cannot be compared with at all: wrapping ErrNotCheckpoint
// for a file that is neither an export nor a checkpoint, ErrNoSignedRange
// for an export cut short or reformatted. An export whose lines were
// changed is read, and its problems are in Export.
func ReadPrevious(r io.ReadSeeker, verifierKey string) (*Previous, error) {
	old, export, err := readSigned(r, verifierKey)
	if err != nil {
		return nil, err
	}
	p := &Previous{r: old}
	if export {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		if p.own, err = VerifyExport(r, verifierKey); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Export is the verification of the earlier file's own lines when it is an
// export, nil for a checkpoint.
func (p *Previous) Export() *Report { return p.own }

// rolledBack reports a later log that holds fewer entries than one signed
// earlier: entries the log once held are gone. The files carry no time that
// tells a rollback from two files given in the wrong order, so it is
// reported as what it is when they are in the documented order. When the
// earlier export shows the root at the later size, it also tells whether
// the later log is at least a prefix of the earlier one.
func rolledBack(old, cur *signedRange) *Report {
	rep := &Report{TreeSize: cur.tree.N, First: 0, Count: cur.tree.N}
	rep.add(KindRolledBack, cur.tree.N, 0, "the log %s has %d entries, fewer than the %d signed earlier: entries %d..%d are gone (the log was rolled back, for instance to a backup)",
		cur.as, cur.tree.N, old.tree.N, cur.tree.N, old.tree.N-1)
	if root, ok := old.rootAt(cur.tree.N); ok && root != cur.tree.Hash {
		rep.add(KindInconsistent, -1, 0, "the log of %d entries %s is not a prefix of the log of %d entries signed earlier either: history was rewritten",
			cur.tree.N, cur.as, old.tree.N)
	}
	compareLeaves(rep, old, cur)
	return rep
}

// compareLeaves names the entries held by both ranges that differ; b is the
// later one.
func compareLeaves(rep *Report, a, b *signedRange) {
	lo := max(a.first, b.first)
	hi := min(a.first+int64(len(a.leaves)), b.first+int64(len(b.leaves)))
	for i := lo; i < hi; i++ {
		if a.leaves[i-a.first] != b.leaves[i-b.first] {
			rep.add(KindEdited, i, 0, "the entry differs between the earlier export and %s", b.name)
		}
	}
}
