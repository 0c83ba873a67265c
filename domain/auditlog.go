package domain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// AuditExported is the action of the entry that records an audit export:
// who exported which range, in which format.
const AuditExported = "audit.exported"

// AuditKeyRotated is the action of the entry that records a new checkpoint
// signing key taking over: the verifier keys before and after.
const AuditKeyRotated = "audit.key_rotated"

// AuditLog is the port of the verifiable audit log: the Merkle tree over
// the audit entries, its signed checkpoints, proofs, and exports. The
// auditlog package implements it; the API calls it. Entries themselves are
// appended only through Tx.AppendAudit, in the transaction of the change
// they record.
type AuditLog interface {
	// Checkpoint signs the tree head of the log as it is now, keeps the
	// signed checkpoint, and returns it.
	Checkpoint(ctx context.Context) (AuditCheckpoint, error)
	// LatestCheckpoint is the largest kept checkpoint with the witnesses'
	// cosignatures; it signs one first when none is kept yet.
	LatestCheckpoint(ctx context.Context) (AuditCheckpoint, error)
	// Checkpoints returns up to limit kept checkpoints of a size above
	// after, smallest first, each with its cosignatures.
	Checkpoints(ctx context.Context, after int64, limit int) ([]AuditCheckpoint, error)
	// VerifierKey is the public key that checks checkpoints, in the text
	// form of golang.org/x/mod/sumdb/note.
	VerifierKey() string
	// InclusionProof proves that entry index is in the tree of size entries
	// (tlog.ProveRecord). Out-of-range arguments are CodeInvalid naming
	// "index" or "size".
	InclusionProof(ctx context.Context, index, size int64) ([]AuditHash, error)
	// ConsistencyProof proves that the tree of oldSize entries is a prefix
	// of the tree of newSize entries (tlog.ProveTree). Out-of-range
	// arguments are CodeInvalid naming "old" or "new".
	ConsistencyProof(ctx context.Context, oldSize, newSize int64) ([]AuditHash, error)
	// Witnesses reports the state of each configured witness.
	Witnesses() []WitnessStatus
	// SigningProblem is why the log signs no checkpoint (its stored history
	// does not extend the last one it signed), in text fit for a public
	// page; "" when it signs.
	SigningProblem() string
	// GapProblem is what a background check of the stored log found
	// missing (the first entry or hash, and what to run), in text fit for a
	// public page; "" when it found nothing.
	GapProblem() string
	// Events returns one page of entries in index order.
	Events(ctx context.Context, f AuditFilter) (AuditPage, error)
	// StartExport fixes what an export covers (a signed checkpoint first,
	// then the range up to it), records the export as an audit entry of
	// its own, and returns the export, ready to be written.
	StartExport(ctx context.Context, p Principal, req AuditExportRequest) (AuditExport, error)
}

// ErrAuditHashDamaged is wrapped, with the hash's id, by the error of a
// read of stored audit hashes that finds one missing or malformed, and by
// that of an export's check that finds an entry missing from the range its
// hashes cover. The tables refuse updates and deletes, so it is no passing
// database problem but a stored history that was changed; a database that
// cannot answer gives another error.
var ErrAuditHashDamaged = errors.New("the audit log's stored tree is damaged")

// AuditHashDamage is that error with the hash it found: errors.Is(err,
// ErrAuditHashDamaged) holds, and errors.As finds which hash, for the log
// of whoever must repair it.
type AuditHashDamage struct {
	Index int64  // the hash's stored index (tlog.StoredHashIndex(Level, n))
	Level int    // its level in the tree: 0 is an entry's leaf hash
	Entry int64  // the first audit entry (idx) under it; a leaf hash's own entry
	What  string // what is wrong with it: "is missing", "has 31 bytes"
}

func (e *AuditHashDamage) Error() string {
	return fmt.Sprintf("audit hash %d %s: %s", e.Index, e.What, ErrAuditHashDamaged)
}

func (e *AuditHashDamage) Unwrap() error { return ErrAuditHashDamaged }

// AuditEntryDamage is that error for an audit entry missing from its index
// while the tree's stored hashes still cover it: errors.Is(err,
// ErrAuditHashDamaged) holds, and errors.As finds which entry.
type AuditEntryDamage struct {
	Entry int64 // the missing entry's index (idx)
}

func (e *AuditEntryDamage) Error() string {
	return fmt.Sprintf("audit entry %d is missing (its hashes are stored): %s", e.Entry, ErrAuditHashDamaged)
}

func (e *AuditEntryDamage) Unwrap() error { return ErrAuditHashDamaged }

// AuditHash is a SHA-256 hash of the audit log's Merkle tree.
type AuditHash [32]byte

// AuditCheckpoint is a signed tree head: the log's size, its root hash, and
// the signed note that states both.
type AuditCheckpoint struct {
	Size int64
	Root AuditHash
	Note string
	// Cosignatures are the signature lines of the witnesses that cosigned
	// this checkpoint (c2sp.org/tlog-cosignature), to append to Note.
	Cosignatures []string
	At           time.Time
}

// WithCosignatures is the note with the witnesses' signature lines added
// after the log's own: one signed note that a client checks with the log's
// key and any witness keys it trusts.
func (c AuditCheckpoint) WithCosignatures() string {
	out := c.Note
	for _, sig := range c.Cosignatures {
		out += sig + "\n"
	}
	return out
}

// WitnessStatus is what a server process knows of one witness of its log.
type WitnessStatus struct {
	Name         string
	CosignedSize int64 // the largest size it cosigned for this process
	Failures     int64 // submissions it did not cosign since start
	// Failing: the last submission failed. Why, with the witness's URL, is
	// in the server log only: /readyz, which reads this, is public.
	Failing  bool
	Conflict bool // the witness refused the log's history as inconsistent
}

// AuditFilter selects audit entries. Empty fields do not filter.
type AuditFilter struct {
	From      *time.Time // entries at or after
	To        *time.Time // entries before
	RequestID string
	Actor     string
	Action    string
	After     *int64 // keyset cursor: entries with a larger index only
	Before    *int64 // keyset cursor: entries with a smaller index only
	// Newest lists the largest index first (the newest entry, since
	// entries are appended in index order); otherwise the smallest.
	Newest bool
	Limit  int
}

// AuditRecord is one entry as stored: its index and its canonical JSON,
// the exact bytes that are its Merkle leaf.
type AuditRecord struct {
	Index int64
	Entry []byte
}

// AuditPage is one page of audit entries in the filter's order. When more
// entries follow the page in that order, NextAfter (smallest index first)
// or NextBefore (Newest) is the index of its last entry, the cursor of the
// next page; both are nil on the last page.
type AuditPage struct {
	Items      []AuditRecord
	NextAfter  *int64
	NextBefore *int64
}

// Audit export formats.
const (
	AuditFormatNDJSON = "ndjson" // the verifiable form: entry lines, then a trailer with proofs
	AuditFormatCSV    = "csv"    // the human form
)

// AuditExportRequest asks for the entries from From (inclusive) to To
// (exclusive), or all of them.
type AuditExportRequest struct {
	Format string
	From   *time.Time
	To     *time.Time
}

// AuditExportInfo says what an export covers: entries First..First+Count-1
// of the log as signed at TreeSize entries.
type AuditExportInfo struct {
	Format   string
	First    int64
	Count    int64
	TreeSize int64
}

// AuditExport is an export whose range is fixed; Write streams it.
type AuditExport interface {
	Info() AuditExportInfo
	Write(ctx context.Context, w io.Writer) error
}
