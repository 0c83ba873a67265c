package auditlog

import (
	"fmt"
	"sort"
)

// lineInfo is a line that is not an unaltered entry at a valid place.
type lineInfo struct {
	line    int64 // 1-based
	claimed int64 // the index the line says it has, if hasIdx
	hasIdx  bool
	copyOf  int64 // ≥ 0: the line is a second copy of this offset
}

// diagnosis matches the lines of an export to the entries it should hold.
// seq has one value per line: the offset (index - first) of the entry the
// line is, unaltered, or -k-1 for unmatched[k].
type diagnosis struct {
	first, count int64
	seq          []int32
	unmatched    []lineInfo
}

// diagnose explains every difference between the lines and the entries.
// Unaltered entries that keep their relative order (the longest increasing
// run of offsets) are anchors; the others were moved. Between two anchors,
// lines that are no entry and entries that have no line pair up as edits,
// first by the index a line claims, then in order; what remains was
// inserted, deleted, or (at the very end) cut off.
func (d *diagnosis) diagnose(rep *Report) {
	seen := make([]bool, d.count)
	var auth []int // positions in seq of the first copy of each entry found
	for pos, v := range d.seq {
		switch {
		case v < 0:
		case seen[v]:
			d.unmatched = append(d.unmatched, lineInfo{line: int64(pos) + 1, claimed: d.first + int64(v), hasIdx: true, copyOf: int64(v)})
			d.seq[pos] = int32(-len(d.unmatched))
		default:
			seen[v] = true
			auth = append(auth, pos)
		}
	}
	anchor := d.reordered(rep, auth)
	prev, pending := int64(-1), []lineInfo(nil)
	for pos, v := range d.seq {
		switch {
		case v < 0:
			pending = append(pending, d.unmatched[-v-1])
		case anchor[pos]:
			d.closeGap(rep, prev, int64(v), pending, seen, false)
			prev, pending = int64(v), nil
		}
	}
	d.closeGap(rep, prev, d.count, pending, seen, true)
}

// reordered reports the entries outside the longest increasing run and
// returns which positions are anchors. When a moved entry sits right next
// to its neighbour in the log, the two were swapped and both are named.
func (d *diagnosis) reordered(rep *Report, auth []int) map[int]bool {
	offs := make([]int32, len(auth))
	for i, pos := range auth {
		offs[i] = d.seq[pos]
	}
	in := longestIncreasing(offs)
	anchor := make(map[int]bool, len(auth))
	named := map[int]bool{}
	name := func(i int) {
		if !named[i] {
			named[i] = true
			rep.add(KindReordered, d.first+int64(offs[i]), int64(auth[i])+1, "the entry is unaltered but out of order")
		}
	}
	for i, pos := range auth {
		if in[i] {
			anchor[pos] = true
			continue
		}
		name(i)
		if i > 0 && in[i-1] && offs[i-1] == offs[i]+1 {
			name(i - 1)
		}
		if i+1 < len(auth) && in[i+1] && offs[i+1]+1 == offs[i] {
			name(i + 1)
		}
	}
	return anchor
}

// longestIncreasing marks one longest strictly increasing subsequence.
func longestIncreasing(vals []int32) []bool {
	in := make([]bool, len(vals))
	if sort.SliceIsSorted(vals, func(i, j int) bool { return vals[i] < vals[j] }) {
		for i := range in {
			in[i] = true
		}
		return in
	}
	var tails []int32 // tails[k]: position of the smallest tail of a run of length k+1
	prev := make([]int32, len(vals))
	for i, v := range vals {
		k := sort.Search(len(tails), func(k int) bool { return vals[tails[k]] >= v })
		prev[i] = -1
		if k > 0 {
			prev[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, int32(i))
		} else {
			tails[k] = int32(i)
		}
	}
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		in[i] = true
	}
	return in
}

// closeGap explains the lines and missing entries between two anchors
// (offsets lo and hi, exclusive). final marks the gap after the last anchor.
func (d *diagnosis) closeGap(rep *Report, lo, hi int64, lines []lineInfo, seen []bool, final bool) {
	var missing []int64
	for o := lo + 1; o < hi; o++ {
		if !seen[o] {
			missing = append(missing, o)
		}
	}
	taken := make([]bool, len(missing))
	var rest []lineInfo
	for _, l := range lines {
		if l.copyOf >= 0 {
			rep.add(KindInserted, -1, l.line, "a second copy of entry %d, %s", l.claimed, d.where(lo))
			continue
		}
		i := sort.Search(len(missing), func(i int) bool { return missing[i] >= l.claimed-d.first })
		if l.hasIdx && i < len(missing) && missing[i] == l.claimed-d.first && !taken[i] {
			taken[i] = true
			rep.add(KindEdited, l.claimed, l.line, "the line differs from the logged entry")
			continue
		}
		rest = append(rest, l)
	}
	var left []int64
	for i, o := range missing {
		if !taken[i] {
			left = append(left, o)
		}
	}
	d.pairRest(rep, lo, rest, left, final)
}

// where says where an inserted line sits, by the entry before it.
func (d *diagnosis) where(lo int64) string {
	if lo < 0 {
		return "before the first entry"
	}
	return fmt.Sprintf("after entry %d", d.first+lo)
}

// pairRest pairs unclaimed lines with unclaimed entries in order.
func (d *diagnosis) pairRest(rep *Report, lo int64, lines []lineInfo, missing []int64, final bool) {
	k := min(len(lines), len(missing))
	for i := range k {
		rep.add(KindEdited, d.first+missing[i], lines[i].line, "the line differs from the logged entry (its index was changed too)")
	}
	for _, l := range lines[k:] {
		if l.hasIdx {
			rep.add(KindInserted, -1, l.line, "the line claims index %d but is no entry of the log (%s)", l.claimed, d.where(lo))
		} else {
			rep.add(KindInserted, -1, l.line, "the line is no entry of the log (%s)", d.where(lo))
		}
	}
	missing = missing[k:]
	if final && len(missing) > 0 && missing[len(missing)-1] == d.count-1 {
		run := len(missing) - 1
		for run > 0 && missing[run-1] == missing[run]-1 {
			run--
		}
		for _, o := range missing[:run] {
			rep.add(KindDeleted, d.first+o, 0, "the entry is missing")
		}
		rep.add(KindTruncated, d.first+missing[run], 0, "entries %d..%d are missing at the end of the export",
			d.first+missing[run], d.first+d.count-1)
		return
	}
	for _, o := range missing {
		rep.add(KindDeleted, d.first+o, 0, "the entry is missing")
	}
}
