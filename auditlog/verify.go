package auditlog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"

	"golang.org/x/mod/sumdb/tlog"
)

// maxKeptLine bounds how much of one line is kept to read its claimed index.
// Real entries are far smaller (request bodies are at most 1 MiB); a longer
// line is still hashed in full, only its index is not read.
const maxKeptLine = 8 << 20

// VerifyExport checks an NDJSON export offline: the trailer's checkpoint
// must be signed by verifierKey, its hashes must lead to the signed root,
// and every line must be the logged entry at its place. It reports each
// entry that was edited, deleted, inserted or reordered, and an export that
// was cut short. The error is for reading r only; a damaged export is a
// Report with problems. Garbage input never panics.
func VerifyExport(r io.ReadSeeker, verifierKey string) (*Report, error) {
	rep := &Report{TreeSize: -1}
	e, err := readEnding(r)
	if err != nil {
		return nil, err
	}
	if e.trailer == nil {
		rep.noTrailer(e.line, e.start, e.err)
		return rep, nil
	}
	if e.after > 0 {
		rep.add(KindInserted, -1, 0, "%d line(s) follow the trailer, which is the last line of an export as the server writes it: they were added after it", e.after)
	}
	t, leafB64, start := e.trailer, e.leafB64, e.start
	if start >= 2 && readByteAt(r, start-2) == '\r' {
		rep.add(KindFormat, -1, 0, "%s", crlf)
		return rep, nil
	}
	tree, leaves, err := t.authenticate(verifierKey, leafB64)
	if err != nil {
		rep.add(KindTrailer, -1, 0, "%v", err)
		return rep, nil
	}
	rep.TreeSize, rep.First, rep.Count = tree.N, t.First, t.Count
	if t.Count > math.MaxInt32 {
		rep.add(KindTrailer, -1, 0, "the export covers %d entries, more than this verifier handles", t.Count)
		return rep, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	d, err := scanLines(io.LimitReader(r, start), t.First, leaves)
	if err != nil {
		return nil, err
	}
	d.diagnose(rep)
	return rep, nil
}

// crlf explains an export whose lines end in CRLF. It is not read as if
// they did not: each entry's leaf hash is over its bytes as the server
// wrote them, and the verifier checks the file as it is.
const crlf = "the file's line endings were changed to CRLF (as an editor or a transfer in text mode does): " +
	"each entry is hashed as the server wrote it, ending in LF only; convert the file back (dos2unix) or download it again"

// noTrailer explains an export whose last line is not a trailer.
func (r *Report) noTrailer(last []byte, start int64, err error) {
	idx, ok := claimedIndex(last)
	switch {
	case len(last) == 0 && start == 0:
		r.add(KindTruncated, -1, 0, "the export is empty")
	case bytes.HasSuffix(last, []byte("\r")):
		r.add(KindFormat, -1, 0, "%s", crlf)
	case ok:
		r.add(KindTruncated, idx, 0, "the export ends with this entry and has no trailer: the rest was cut off")
	case !errors.Is(err, errNotTrailer):
		r.add(KindTrailer, -1, 0, "%v", err)
	default:
		r.add(KindTruncated, -1, 0, "the last line is neither a trailer nor an entry: the export was cut off or its trailer altered")
	}
}

// maxAfterTrailer is how many lines before the last VerifyExport looks
// through for a trailer that lines were appended after.
const maxAfterTrailer = 16

// ending is how an export ends: its trailer, where it starts and how many
// lines follow it, or, with no trailer found, its last line and why that
// is not one.
type ending struct {
	start   int64
	line    []byte
	trailer *Trailer
	leafB64 []byte
	after   int
	err     error
}

// readEnding finds the trailer of the export r: its last line, or one of
// the maxAfterTrailer lines before it when lines were appended after it.
func readEnding(r io.ReadSeeker) (*ending, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	start, last, err := lastLineBefore(r, size)
	if err != nil {
		return nil, err
	}
	t, leafB64, perr := parseTrailer(last)
	if perr == nil {
		return &ending{start: start, line: last, trailer: t, leafB64: leafB64}, nil
	}
	end := start
	for n := 1; n <= maxAfterTrailer && end > 0; n++ {
		s, line, err := lastLineBefore(r, end)
		if err != nil {
			return nil, err
		}
		if t, leafB64, err := parseTrailer(line); err == nil {
			return &ending{start: s, line: line, trailer: t, leafB64: leafB64, after: n}, nil
		}
		end = s
	}
	return &ending{start: start, line: last, err: perr}, nil
}

// lastLineBefore returns the last line of r that ends at or before end
// (without its newline) and the offset where it starts, reading backwards
// so that the entries are not read twice.
func lastLineBefore(r io.ReadSeeker, end int64) (int64, []byte, error) {
	for end > 0 && readByteAt(r, end-1) == '\n' { // blank lines after the trailer are harmless
		end--
	}
	start := end
	buf := make([]byte, 64<<10)
	for start > 0 {
		n := min(int64(len(buf)), start)
		if _, err := r.Seek(start-n, io.SeekStart); err != nil {
			return 0, nil, err
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return 0, nil, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			start = start - n + int64(i) + 1
			break
		}
		start -= n
	}
	line := make([]byte, end-start)
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return 0, nil, err
	}
	_, err := io.ReadFull(r, line)
	return start, line, err
}

func readByteAt(r io.ReadSeeker, off int64) byte {
	var b [1]byte
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		return 0
	}
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0
	}
	return b[0]
}

// claimedIndex reads the "index" an entry line says it has.
func claimedIndex(line []byte) (int64, bool) {
	var v struct {
		Index *int64 `json:"index"`
	}
	if json.Unmarshal(line, &v) != nil || v.Index == nil {
		return 0, false
	}
	return *v.Index, true
}

// lineHasher hashes one line as a Merkle leaf while it is read in pieces.
type lineHasher struct {
	h    hash.Hash
	kept []byte
	long bool
}

func (l *lineHasher) reset() {
	l.h.Reset()
	l.h.Write([]byte{0}) // RFC 6962 leaf prefix, as tlog.RecordHash
	l.kept, l.long = l.kept[:0], false
}

func (l *lineHasher) write(p []byte) {
	l.h.Write(p)
	if len(l.kept)+len(p) <= maxKeptLine {
		l.kept = append(l.kept, p...)
	} else {
		l.long = true
	}
}

func (l *lineHasher) sum() (h tlog.Hash) {
	l.h.Sum(h[:0])
	return h
}

// scanLines reads the entry lines and matches each to the authenticated
// leaf hashes: first at its own position, else at the index it claims.
func scanLines(r io.Reader, first int64, leaves []tlog.Hash) (*diagnosis, error) {
	d := &diagnosis{first: first, count: int64(len(leaves))}
	br := bufio.NewReaderSize(r, 64<<10)
	lh := &lineHasher{h: sha256.New()}
	for pos := int64(0); ; pos++ {
		lh.reset()
		n, err := readLine(br, lh)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return d, nil
		}
		d.place(pos, lh, leaves)
	}
}

// readLine feeds one line, without its newline, to lh and returns its
// length, or -1 at the end of input.
func readLine(br *bufio.Reader, lh *lineHasher) (int, error) {
	total := 0
	for {
		chunk, err := br.ReadSlice('\n')
		total += len(chunk)
		switch {
		case err == nil:
			lh.write(chunk[:len(chunk)-1])
			return total - 1, nil
		case errors.Is(err, bufio.ErrBufferFull):
			lh.write(chunk)
		case errors.Is(err, io.EOF):
			if total == 0 {
				return -1, nil
			}
			lh.write(chunk) // a last line without newline cannot happen before the trailer, but is read anyway
			return total, nil
		default:
			return 0, fmt.Errorf("auditlog: read export: %w", err)
		}
	}
}

// place records where the line at pos belongs.
func (d *diagnosis) place(pos int64, lh *lineHasher, leaves []tlog.Hash) {
	h := lh.sum()
	if pos < d.count && leaves[pos] == h {
		d.seq = append(d.seq, int32(pos))
		return
	}
	info := lineInfo{line: pos + 1, copyOf: -1}
	if !lh.long {
		info.claimed, info.hasIdx = claimedIndex(lh.kept)
	}
	if off := info.claimed - d.first; info.hasIdx && off >= 0 && off < d.count && leaves[off] == h {
		d.seq = append(d.seq, int32(off))
		return
	}
	d.unmatched = append(d.unmatched, info)
	d.seq = append(d.seq, int32(-len(d.unmatched)))
}
