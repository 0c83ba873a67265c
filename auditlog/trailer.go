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

// parseTrailer decodes a trailer line strictly: unknown fields or a second
// JSON value make it invalid.
func parseTrailer(line []byte) (*Trailer, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var t Trailer
	if err := dec.Decode(&t); err != nil || dec.More() {
		return nil, errNotTrailer
	}
	if t.Format != TrailerFormat {
		return nil, fmt.Errorf("the trailer's format is %q, not %q", t.Format, TrailerFormat)
	}
	// The server writes the trailer as json.Marshal would. Anything else
	// (spaces, key order, escapes, base64 with stray padding bits) is an
	// edit that may not change what the trailer says, but is an edit.
	if canon, err := json.Marshal(t); err != nil || !bytes.Equal(canon, line) {
		return nil, errors.New("the trailer is not byte for byte as the server writes it: it was edited")
	}
	return &t, nil
}

// authenticate checks the trailer against its checkpoint, signed by
// verifierKey, and returns the signed tree and the now authenticated leaf
// hashes of the exported range.
func (t *Trailer) authenticate(verifierKey string) (tlog.Tree, []tlog.Hash, error) {
	tree, err := OpenCheckpoint([]byte(t.Checkpoint), verifierKey)
	if err != nil {
		return tlog.Tree{}, nil, err
	}
	if t.First < 0 || t.Count < 0 || t.First > tree.N || t.Count > tree.N-t.First {
		return tree, nil, fmt.Errorf("the trailer's range %d+%d lies outside the checkpoint of size %d", t.First, t.Count, tree.N)
	}
	leaves, err := decodeHashes(t.LeafHashes, t.Count)
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

// decodeHashes splits base64 text into count hashes.
func decodeHashes(b64 string, count int64) ([]tlog.Hash, error) {
	if count > int64(len(b64)) { // also keeps count*HashSize from overflowing
		return nil, fmt.Errorf("the trailer's leaf_hashes are not %d base64-encoded hashes", count)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || int64(len(raw)) != count*tlog.HashSize {
		return nil, fmt.Errorf("the trailer's leaf_hashes are not %d base64-encoded hashes", count)
	}
	out := make([]tlog.Hash, count)
	for i := range out {
		copy(out[i][:], raw[i*tlog.HashSize:])
	}
	return out, nil
}
