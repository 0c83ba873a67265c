package auditlog

import (
	"fmt"
	"strings"
)

// Kinds of problem a verification reports.
const (
	KindEdited       = "edited"       // an entry's bytes differ from the logged entry
	KindDeleted      = "deleted"      // an entry of the range is missing
	KindInserted     = "inserted"     // a line or row that is no entry of the log
	KindReordered    = "reordered"    // an unaltered entry in the wrong place
	KindTruncated    = "truncated"    // the end of the export or log is missing
	KindTrailer      = "trailer"      // the trailer or its checkpoint cannot be trusted
	KindHashes       = "hashes"       // a stored Merkle hash disagrees with what it covers
	KindCheckpoint   = "checkpoint"   // a stored checkpoint disagrees with the log
	KindInconsistent = "inconsistent" // two checkpoints describe different histories
	KindColumns      = "columns"      // a stored row's searchable columns differ from its entry
	KindRolledBack   = "rollback"     // a log signed later is smaller than one signed earlier
	KindFormat       = "format"       // the file was reformatted (its line endings changed)
)

// Problem is one thing wrong with an export or a stored log.
type Problem struct {
	Kind   string
	Index  int64 // the entry concerned; -1 when none
	Line   int64 // the 1-based line of the export; 0 when none
	Detail string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Kind)
	if p.Index >= 0 {
		fmt.Fprintf(&b, ": entry %d", p.Index)
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", p.Line)
	}
	b.WriteString(": ")
	b.WriteString(p.Detail)
	return b.String()
}

// Report is the outcome of a verification.
type Report struct {
	TreeSize int64 // the size of the signed checkpoint; -1 if none was read
	First    int64 // the first index the export covers
	Count    int64 // how many entries it covers
	// Checkpoints is how many kept checkpoints VerifyStored checked.
	Checkpoints int
	// HeadSize is the size of the head file's tree head VerifyStoredWithHead
	// checked the log against (-1 there when none was given).
	HeadSize int64
	Problems []Problem
}

// OK reports whether nothing is wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Summary is the one line the command prints first.
func (r *Report) Summary() string {
	switch {
	case !r.OK():
		return fmt.Sprintf("FAILED: %d problem(s)", len(r.Problems))
	case r.Count == 0:
		return fmt.Sprintf("verified: no entries, against checkpoint of size %d", r.TreeSize)
	}
	return fmt.Sprintf("verified: entries %d..%d against checkpoint of size %d", r.First, r.First+r.Count-1, r.TreeSize)
}

func (r *Report) add(kind string, index, line int64, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Kind: kind, Index: index, Line: line, Detail: fmt.Sprintf(format, args...)})
}

// Has reports whether a problem of the kind names the index, for tests and
// for callers that act on one entry.
func (r *Report) Has(kind string, index int64) bool {
	for _, p := range r.Problems {
		if p.Kind == kind && p.Index == index {
			return true
		}
	}
	return false
}
