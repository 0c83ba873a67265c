package auditlog

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/tlog"
)

// ExportSource is what an export reads. Storage implements it with database
// cursors, so an export of any size holds one entry at a time.
type ExportSource interface {
	// StreamAuditEntries calls fn with each stored entry with index in
	// [first, end), in index order. entry is valid only during the call.
	StreamAuditEntries(ctx context.Context, first, end int64, fn func(idx int64, entry []byte) error) error
	// StreamAuditLeafHashes calls fn with the leaf hash stored for each
	// index in [first, end), in index order.
	StreamAuditLeafHashes(ctx context.Context, first, end int64, fn func(tlog.Hash) error) error
	// ReadAuditHashes returns the stored hashes with the given stored-hash
	// indexes (tlog.StoredHashIndex), in that order.
	ReadAuditHashes(ctx context.Context, ids []int64) ([]tlog.Hash, error)
}

// exportBufferSize is how much of an export is gathered before it is handed
// on: large enough to make few writes, small enough to keep memory flat.
const exportBufferSize = 64 << 10

// hashReader adapts an ExportSource to tlog's HashReader for one request.
func hashReader(ctx context.Context, src ExportSource) tlog.HashReader {
	return tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) { return src.ReadAuditHashes(ctx, ids) })
}

// WriteNDJSON writes entries [first, end) as NDJSON, each line the entry's
// stored bytes, then the trailer that verifies them against the signed
// checkpoint of size treeSize (end ≤ treeSize).
func WriteNDJSON(ctx context.Context, src ExportSource, w io.Writer, checkpoint string, treeSize, first, end int64) error {
	bw := bufio.NewWriterSize(w, exportBufferSize)
	err := src.StreamAuditEntries(ctx, first, end, func(_ int64, entry []byte) error {
		bw.Write(entry)
		return bw.WriteByte('\n') // a bufio.Writer's error sticks, so checking the last write is enough
	})
	if err != nil {
		return err
	}
	if err := writeTrailer(ctx, src, bw, checkpoint, treeSize, first, end); err != nil {
		return err
	}
	return bw.Flush()
}

// writeTrailer writes the trailer line. Its leaf hashes are streamed from
// storage into the base64 text, so a trailer for millions of entries is
// never held in memory either: the fixed part is marshalled with an empty
// leaf_hashes (the last field), cut open before its closing quote, and the
// hashes are encoded into the gap.
func writeTrailer(ctx context.Context, src ExportSource, w *bufio.Writer, checkpoint string, treeSize, first, end int64) error {
	t := Trailer{Format: TrailerFormat, Checkpoint: checkpoint, First: first, Count: end - first,
		Left: []tlog.Hash{}, Consistency: []tlog.Hash{}}
	var err error
	if t.Left, err = src.ReadAuditHashes(ctx, SubtreeIndexes(first)); err != nil {
		return err
	}
	if end > 0 {
		if t.Consistency, err = tlog.ProveTree(treeSize, end, hashReader(ctx, src)); err != nil {
			return fmt.Errorf("auditlog: consistency proof %d→%d: %w", end, treeSize, err)
		}
	}
	head, err := json.Marshal(t)
	if err != nil {
		return err
	}
	w.Write(head[:len(head)-2]) // without the `"}` that closes leaf_hashes and the object
	enc := base64.NewEncoder(base64.StdEncoding, w)
	var n int64
	err = src.StreamAuditLeafHashes(ctx, first, end, func(h tlog.Hash) error {
		n++
		_, err := enc.Write(h[:])
		return err
	})
	if err != nil {
		return err
	}
	if n != end-first {
		return fmt.Errorf("auditlog: %d leaf hashes stored for %d entries", n, end-first)
	}
	enc.Close()
	_, err = w.WriteString("\"}\n")
	return err
}
