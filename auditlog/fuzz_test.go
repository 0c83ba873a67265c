package auditlog

import (
	"bytes"
	"testing"
)

// FuzzVerifyExport feeds the verifier damaged and random exports. It must
// never panic, never fail to read an in-memory file, and never call an
// export verified unless every line is an entry the signed tree holds, in
// order (which the fuzzer cannot forge without the key).
func FuzzVerifyExport(f *testing.F) {
	m := newMemLogWithKey(f, 9, fixedSignerKey(f))
	key := m.signer.VerifierKey()
	full, part := m.export(f, 0, 9), m.export(f, 2, 7)
	seeds := [][]byte{full, part, newMemLogWithKey(f, 0, fixedSignerKey(f)).export(f, 0, 0),
		nil, []byte("\n"), []byte("{}\n"), []byte(`{"format":"exaccess-audit-export-v1","checkpoint":"x"}` + "\n"),
		bytes.Replace(full, []byte(`"index":3`), []byte(`"index":4`), 1), full[:len(full)/2], append([]byte("x\n"), part...)}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyExport(bytes.NewReader(data), key)
		if err != nil {
			t.Fatalf("reading from memory failed: %v", err)
		}
		if rep.OK() && !bytes.Equal(data, full) && !bytes.Equal(data, part) && rep.Count > 0 {
			// Another verified file can only hold the same entry lines.
			for _, l := range bytes.Split(data[:bytes.LastIndexByte(bytes.TrimRight(data, "\n"), '\n')+1], []byte("\n")) {
				if len(l) > 0 && !bytes.Contains(full, l) {
					t.Fatalf("verified an export with a line that is no entry: %q", l)
				}
			}
		}
	})
}
