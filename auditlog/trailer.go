package auditlog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// TrailerFormat names this layout of the trailer; a verifier refuses others.
const TrailerFormat = "exaccess-audit-export-v1"

// Trailer is the last line of an NDJSON export: everything needed to check
// the exported entries First..First+Count-1 against a signed checkpoint,
// and to name the index of any entry that differs.
//
//   - Checkpoint: the signed tree head (a note) of size N ≥ First+Count.
//   - Left: the hashes of the perfect subtrees covering entries 0..First-1,
//     largest first (SubtreeIndexes(First)); empty when First is 0.
//   - LeafHashes: base64 of Count 32-byte leaf hashes, one per exported
//     entry, as stored when each was appended.
//   - Consistency: tlog.ProveTree(N, First+Count): proves that the tree of
//     the first First+Count entries is a prefix of the signed tree.
//
// Left, then the leaf hashes, give the tree hash of size First+Count; the
// consistency proof ties that to the signed root. That authenticates every
// leaf hash, and comparing each line's tlog.RecordHash with them names the
// entries that were edited, deleted, inserted or reordered.
type Trailer struct {
	Format      string      `json:"format"`
	Checkpoint  string      `json:"checkpoint"`
	First       int64       `json:"first"`
	Count       int64       `json:"count"`
	Left        []tlog.Hash `json:"left"`
	Consistency []tlog.Hash `json:"consistency"`
	LeafHashes  string      `json:"leaf_hashes"`
}

// errNotTrailer marks a last line that is not a trailer at all.
var errNotTrailer = errors.New("not a trailer")

// leafKey opens the last field of a trailer as json.Marshal writes it.
const leafKey = `,"leaf_hashes":"`

// parseTrailer decodes a trailer line. The leaf hashes, the bulk of it (43
// bytes of base64 per entry), are not copied: they are returned as the
// slice of line that holds them. The rest must be byte for byte what
// json.Marshal writes: spaces, reordered keys, other escapes, unknown
// fields are edits even where they change no meaning.
func parseTrailer(line []byte) (*Trailer, []byte, error) {
	i := bytes.LastIndex(line, []byte(leafKey))
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) || i+len(leafKey) > len(line)-2 {
		return nil, nil, errNotTrailer
	}
	head := append(line[:i:i], `,"leaf_hashes":""}`...) // a copy: the capacity ends at i
	var t Trailer
	if err := json.Unmarshal(head, &t); err != nil {
		return nil, nil, errNotTrailer
	}
	if t.Format != TrailerFormat {
		return nil, nil, fmt.Errorf("the trailer's format is %q, not %q", t.Format, TrailerFormat)
	}
	if canon, err := json.Marshal(t); err != nil || !bytes.Equal(canon, head) {
		return nil, nil, errors.New("the trailer is not byte for byte as the server writes it: it was edited")
	}
	return &t, line[i+len(leafKey) : len(line)-2], nil
}

// authenticate checks the trailer against its checkpoint, signed by
// verifierKey, and returns the signed tree and the now authenticated leaf
// hashes of the exported range.
func (t *Trailer) authenticate(verifierKey string, leafB64 []byte) (tlog.Tree, []tlog.Hash, error) {
	tree, err := OpenCheckpoint([]byte(t.Checkpoint), verifierKey)
	if err != nil {
		return tlog.Tree{}, nil, err
	}
	if t.First < 0 || t.Count < 0 || t.First > tree.N || t.Count > tree.N-t.First {
		return tree, nil, fmt.Errorf("the trailer's range %d+%d lies outside the checkpoint of size %d", t.First, t.Count, tree.N)
	}
	leaves, err := decodeHashes(leafB64, t.Count)
	if err != nil {
		return tree, nil, err
	}
	f, err := NewFrontier(t.First, t.Left)
	if err != nil {
		return tree, nil, errors.New("the trailer's left hashes do not fit its first index")
	}
	for _, h := range leaves {
		f.Append(h)
	}
	end := t.First + t.Count
	if end > 0 && tlog.CheckTree(t.Consistency, tree.N, tree.Hash, end, f.Root()) != nil {
		return tree, nil, errors.New("the trailer's hashes do not lead to the signed root hash: the trailer was altered")
	}
	return tree, leaves, nil
}

// decodeHashes splits base64 text into count hashes, 128 characters (three
// hashes) at a time, so that only the hashes themselves are held. Strict
// decoding refuses stray padding bits: one edited character is an edit.
func decodeHashes(b64 []byte, count int64) ([]tlog.Hash, error) {
	bad := fmt.Errorf("the trailer's leaf_hashes are not %d base64-encoded hashes", count)
	if count > int64(len(b64)) || int64(base64.StdEncoding.EncodedLen(int(count)*tlog.HashSize)) != int64(len(b64)) {
		return nil, bad
	}
	out := make([]tlog.Hash, count)
	var buf [3 * tlog.HashSize]byte
	for i := int64(0); i < count; i += 3 {
		chunk := b64[i/3*128 : min(int64(len(b64)), (i/3+1)*128)]
		n, err := base64.StdEncoding.Strict().Decode(buf[:], chunk)
		if err != nil || int64(n) != min(3, count-i)*tlog.HashSize {
			return nil, bad
		}
		for j := range min(3, count-i) {
			copy(out[i+j][:], buf[j*tlog.HashSize:])
		}
	}
	return out, nil
}
