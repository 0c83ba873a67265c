package auditlog

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// lines splits an export into its lines, each with its newline.
func lines(b []byte) [][]byte {
	return bytes.SplitAfter(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

func join(ls [][]byte) []byte {
	out := bytes.Join(ls, nil)
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	return out
}

func verify(t *testing.T, export []byte, key string) *Report {
	t.Helper()
	rep, err := VerifyExport(bytes.NewReader(export), key)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantProblems(t *testing.T, rep *Report, want ...Problem) {
	t.Helper()
	if len(rep.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(rep.Problems), len(want), problemList(rep))
	}
	for _, w := range want {
		found := false
		for _, p := range rep.Problems {
			found = found || (p.Kind == w.Kind && p.Index == w.Index && (w.Line == 0 || p.Line == w.Line))
		}
		if !found {
			t.Errorf("no %s problem for entry %d (line %d) in:\n%s", w.Kind, w.Index, w.Line, problemList(rep))
		}
	}
}

func problemList(rep *Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func TestVerifyExportAcceptsRanges(t *testing.T) {
	m := newMemLog(t, 37)
	key := m.signer.VerifierKey()
	for _, r := range [][2]int64{{0, 37}, {0, 1}, {5, 20}, {16, 32}, {36, 37}, {10, 10}, {0, 0}, {37, 37}} {
		rep := verify(t, m.export(t, r[0], r[1]), key)
		if !rep.OK() || rep.First != r[0] || rep.Count != r[1]-r[0] || rep.TreeSize != 37 {
			t.Errorf("range %v: %s\n%s", r, rep.Summary(), problemList(rep))
		}
	}
	rep := verify(t, m.export(t, 3, 30), key)
	if got := rep.Summary(); got != "verified: entries 3..29 against checkpoint of size 37" {
		t.Errorf("summary %q", got)
	}
	empty := newMemLog(t, 0)
	if rep := verify(t, empty.export(t, 0, 0), empty.signer.VerifierKey()); !rep.OK() || rep.TreeSize != 0 {
		t.Errorf("empty log: %s %s", rep.Summary(), problemList(rep))
	}
}

// Each kind of tampering is reported with the index it touches.
func TestVerifyExportNamesTampering(t *testing.T) {
	m := newMemLog(t, 20)
	key := m.signer.VerifierKey()
	good := lines(m.export(t, 0, 20)) // lines 0..19 are entries 0..19, line 20 the trailer
	tamper := func(f func(ls [][]byte) [][]byte) []byte {
		ls := make([][]byte, len(good))
		for i := range good {
			ls[i] = bytes.Clone(good[i])
		}
		return join(f(ls))
	}
	cases := []struct {
		name   string
		export []byte
		want   []Problem
	}{
		{"one byte of data edited", tamper(func(ls [][]byte) [][]byte {
			ls[7] = bytes.Replace(ls[7], []byte(`"step":7`), []byte(`"step":8`), 1)
			return ls
		}), []Problem{{Kind: KindEdited, Index: 7, Line: 8}}},
		{"index field edited", tamper(func(ls [][]byte) [][]byte {
			ls[4] = bytes.Replace(ls[4], []byte(`"index":4`), []byte(`"index":9`), 1)
			return ls
		}), []Problem{{Kind: KindEdited, Index: 4, Line: 5}}},
		{"line deleted", tamper(func(ls [][]byte) [][]byte {
			return append(ls[:11], ls[12:]...)
		}), []Problem{{Kind: KindDeleted, Index: 11}}},
		{"adjacent lines swapped", tamper(func(ls [][]byte) [][]byte {
			ls[3], ls[4] = ls[4], ls[3]
			return ls
		}), []Problem{{Kind: KindReordered, Index: 3, Line: 5}, {Kind: KindReordered, Index: 4, Line: 4}}},
		{"distant lines swapped", tamper(func(ls [][]byte) [][]byte {
			ls[2], ls[15] = ls[15], ls[2]
			return ls
		}), []Problem{{Kind: KindReordered, Index: 2, Line: 16}, {Kind: KindReordered, Index: 15, Line: 3}}},
		{"line inserted", tamper(func(ls [][]byte) [][]byte {
			forged := []byte(`{"action":"request.approved","actor":"gov","index":6}` + "\n")
			return append(ls[:6], append([][]byte{forged}, ls[6:]...)...)
		}), []Problem{{Kind: KindInserted, Index: -1, Line: 7}}},
		{"line duplicated", tamper(func(ls [][]byte) [][]byte {
			return append(ls[:9], append([][]byte{ls[8]}, ls[9:]...)...)
		}), []Problem{{Kind: KindInserted, Index: -1, Line: 10}}},
		{"last entries removed, trailer kept", tamper(func(ls [][]byte) [][]byte {
			return append(ls[:17], ls[20])
		}), []Problem{{Kind: KindTruncated, Index: 17}}},
		{"cut off in the middle", tamper(func(ls [][]byte) [][]byte {
			return append(ls[:12], ls[12][:30])
		}), []Problem{{Kind: KindTruncated, Index: -1}}},
		{"cut off after an entry", tamper(func(ls [][]byte) [][]byte { return ls[:15] }),
			[]Problem{{Kind: KindTruncated, Index: 14}}},
		{"trailer leaf hash altered", tamper(func(ls [][]byte) [][]byte {
			i := bytes.Index(ls[20], []byte(`"leaf_hashes":"`)) + len(`"leaf_hashes":"`) + 5
			ls[20][i] ^= 1
			return ls
		}), []Problem{{Kind: KindTrailer, Index: -1}}},
		{"checkpoint size altered", tamper(func(ls [][]byte) [][]byte {
			ls[20] = bytes.Replace(ls[20], []byte(`audit\n20\n`), []byte(`audit\n21\n`), 1)
			return ls
		}), []Problem{{Kind: KindTrailer, Index: -1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verify(t, c.export, key)
			if rep.OK() {
				t.Fatal("the tampered export verified")
			}
			wantProblems(t, rep, c.want...)
		})
	}
}

// Every single-byte change anywhere in an export is caught.
func TestVerifyExportEveryByte(t *testing.T) {
	m := newMemLog(t, 6)
	key := m.signer.VerifierKey()
	export := m.export(t, 1, 6)
	for i := range export {
		changed := bytes.Clone(export)
		changed[i] ^= 0x01
		if rep := verify(t, changed, key); rep.OK() {
			t.Fatalf("flipping byte %d (%q) went unnoticed", i, export[max(0, i-10):min(len(export), i+10)])
		}
	}
}

func TestVerifyExportRefusesAnotherKey(t *testing.T) {
	m, other := newMemLog(t, 5), newMemLog(t, 0)
	rep := verify(t, m.export(t, 0, 5), other.signer.VerifierKey())
	wantProblems(t, rep, Problem{Kind: KindTrailer, Index: -1})
	if !strings.Contains(rep.Problems[0].Detail, "not signed by key") {
		t.Errorf("detail %q", rep.Problems[0].Detail)
	}
}

// The frontier computes what tlog computes from stored hashes.
func TestFrontierMatchesTlog(t *testing.T) {
	m := newMemLog(t, 70)
	f, _ := NewFrontier(0, nil)
	for n := int64(0); n < 70; n++ {
		stored := f.AppendStored(tlog.RecordHash(m.entries[n]))
		base := tlog.StoredHashIndex(0, n)
		for i, h := range stored {
			if m.hashes[base+int64(i)] != h {
				t.Fatalf("leaf %d: stored hash %d differs", n, i)
			}
		}
		want, _ := tlog.TreeHash(n+1, tlog.HashReaderFunc(m.readHashes))
		if f.Root() != want {
			t.Fatalf("size %d: root differs", n+1)
		}
		left, _ := m.readHashes(SubtreeIndexes(n + 1))
		g, err := NewFrontier(n+1, left)
		if err != nil || g.Root() != want {
			t.Fatalf("size %d: a frontier from SubtreeIndexes gives another root (%v)", n+1, err)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"=1+2": "'=1+2", "+cmd": "'+cmd", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "plain": "plain", "": "", "a=b": "a=b", `{"a":1}`: `{"a":1}`} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// An export saved with CRLF line endings is named as such, not as cut off
// or as every entry edited; lines appended after the trailer are named as
// following it, and the entries before it are still verified.
func TestVerifyExportNamesReformatting(t *testing.T) {
	m := newMemLog(t, 6)
	key := m.signer.VerifierKey()
	export := m.export(t, 0, 6)
	good := lines(export)
	for name, text := range map[string][]byte{
		"CRLF":                  bytes.ReplaceAll(export, []byte("\n"), []byte("\r\n")),
		"CRLF, no last newline": bytes.TrimSuffix(bytes.ReplaceAll(export, []byte("\n"), []byte("\r\n")), []byte("\r\n")),
	} {
		rep := verify(t, text, key)
		wantProblems(t, rep, Problem{Kind: KindFormat, Index: -1})
		if !strings.Contains(problemList(rep), "line endings were changed to CRLF") {
			t.Errorf("%s: %s", name, problemList(rep))
		}
	}
	trailer := append(bytes.Clone(good[6]), '\n') // lines leaves the last line without its newline
	rep := verify(t, join(append(append([][]byte{}, good[:6]...), trailer, good[2])), key)
	wantProblems(t, rep, Problem{Kind: KindInserted, Index: -1})
	if !strings.Contains(problemList(rep), "1 line(s) follow the trailer") || rep.Count != 6 {
		t.Errorf("an entry appended after the trailer:\n%s", problemList(rep))
	}
	edited := append(append([][]byte{}, good[:6]...), trailer, []byte("x\n"), []byte("y\n"))
	edited[1] = bytes.Replace(edited[1], []byte("lo-no"), []byte("lo-xx"), 1)
	rep = verify(t, join(edited), key)
	wantProblems(t, rep, Problem{Kind: KindInserted, Index: -1}, Problem{Kind: KindEdited, Index: 1, Line: 2})
	if !strings.Contains(problemList(rep), "2 line(s) follow the trailer") {
		t.Errorf("two lines after the trailer, an entry edited:\n%s", problemList(rep))
	}
}

// VerifyConsistency reads the earlier export's lines: an entry edited in it
// is a problem (of the earlier export), though its trailer, which the
// comparison uses, is intact.
func TestVerifyConsistencyReadsTheEarlierLines(t *testing.T) {
	m := newMemLog(t, 4)
	key := m.signer.VerifierKey()
	earlier := lines(m.export(t, 0, 4))
	m.append(t)
	later := m.export(t, 0, 5)
	earlier[2] = bytes.Replace(earlier[2], []byte("lo-no"), []byte("lo-xx"), 1)
	rep, err := VerifyConsistency(bytes.NewReader(later), bytes.NewReader(join(earlier)), key)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rep, Problem{Kind: KindEdited, Index: 2, Line: 3})
	if !strings.Contains(problemList(rep), "in the earlier export: ") {
		t.Errorf("not labelled:\n%s", problemList(rep))
	}
	_, err = ReadPrevious(bytes.NewReader(join(earlier[:3])), key)
	if !errors.Is(err, ErrNoSignedRange) || !strings.Contains(err.Error(), "truncated: entry 2: the export ends with this entry") {
		t.Errorf("an earlier export cut short: %v", err)
	}
	_, err = ReadPrevious(strings.NewReader("<html>502</html>\n"), key)
	if !errors.Is(err, ErrNotCheckpoint) || strings.Contains(err.Error(), "malformed note") {
		t.Errorf("an error page: %v", err)
	}
}
