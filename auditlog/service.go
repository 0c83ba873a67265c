package auditlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"
)

// Store is what the Service needs from storage.
type Store interface {
	ExportSource
	// InTx is domain.Store's: the export's own audit entry goes through it.
	InTx(ctx context.Context, fn func(tx domain.Tx) error) error
	// AuditTreeSize is the number of committed entries.
	AuditTreeSize(ctx context.Context) (int64, error)
	// SaveAuditCheckpoint keeps a signed checkpoint (a size kept already is
	// left alone).
	SaveAuditCheckpoint(ctx context.Context, size int64, root tlog.Hash, note string, at time.Time) error
	AuditEvents(ctx context.Context, f domain.AuditFilter) (domain.AuditPage, error)
	// AuditIndexRange turns a time window into the index range [first,
	// end) below size that holds all its entries, and checks that every
	// entry and hash an export of that range reads is stored (an error
	// wrapping domain.ErrAuditHashDamaged when one is not).
	AuditIndexRange(ctx context.Context, from, to *time.Time, size int64) (first, end int64, err error)
	// CheckAuditGaps checks that the entries [first, end) and every hash
	// they stored are there: an error wrapping domain.ErrAuditHashDamaged
	// that names the first missing entry (*domain.AuditEntryDamage) or
	// hash (*domain.AuditHashDamage) when one is not (the gap check).
	CheckAuditGaps(ctx context.Context, first, end int64) error
	// LatestAuditCheckpoint is the largest kept checkpoint with its
	// cosignatures; CodeNotFound when none is kept.
	LatestAuditCheckpoint(ctx context.Context) (domain.AuditCheckpoint, error)
	// AuditCheckpoints pages through the kept checkpoints, smallest first.
	AuditCheckpoints(ctx context.Context, after int64, limit int) ([]domain.AuditCheckpoint, error)
	// SaveCosignature keeps a witness's cosignature line of a checkpoint.
	SaveCosignature(ctx context.Context, witnessKey string, size int64, signature string, at time.Time) error
	// LastCosignedSize is the largest size witnessKey cosigned, 0 if none.
	LastCosignedSize(ctx context.Context, witnessKey string) (int64, error)
}

// Service is the verifiable audit log; it implements domain.AuditLog.
type Service struct {
	store  Store
	signer *Signer
	now    func() time.Time
	wit    *witnesses
	head   *head     // nil: no head file (tests, tools that only verify)
	keys   *keyCheck // nil: no check that the key is the log's latest
	gaps   *gapCheck
}

var _ domain.AuditLog = (*Service)(nil)

// NewService wires the audit log to its store, signer and clock.
func NewService(store Store, signer *Signer, now func() time.Time) *Service {
	return &Service{store: store, signer: signer, now: now, gaps: &gapCheck{}}
}

// Signer is the log's key, which also signs permits.
func (s *Service) Signer() *Signer { return s.signer }

// VerifierKey is the public key of the checkpoints.
func (s *Service) VerifierKey() string { return s.signer.VerifierKey() }

// Checkpoint signs the tree head of the log as committed now and keeps it.
// With a head file (WithHead), it first checks that the stored tree still
// extends the last tree head this process signed, and refuses
// (ErrHistoryChanged) when it does not; it writes the new head before the
// checkpoint is kept or returned, and refuses (ErrHeadNotWritten) when it
// cannot: a checkpoint given out that the head does not hold would let a
// forged tree that differs after the head's size be signed later. With a
// key check (WithKeyCheck) it refuses (ErrKeySuperseded) once the log
// records a newer key than its own.
func (s *Service) Checkpoint(ctx context.Context) (domain.AuditCheckpoint, error) {
	if s.head != nil {
		s.head.mu.Lock()
		defer s.head.mu.Unlock()
	}
	if err := s.keys.check(ctx, s.signer); err != nil {
		return domain.AuditCheckpoint{}, err
	}
	size, err := s.store.AuditTreeSize(ctx)
	if err != nil {
		return domain.AuditCheckpoint{}, err
	}
	if s.head != nil {
		if err := s.head.check(ctx, s.store, size); err != nil {
			return domain.AuditCheckpoint{}, err
		}
	}
	root, err := tlog.TreeHash(size, hashReader(ctx, s.store))
	if err != nil {
		return domain.AuditCheckpoint{}, fmt.Errorf("auditlog: tree hash of %d entries: %w", size, err)
	}
	tree := tlog.Tree{N: size, Hash: root}
	note, err := s.signer.Sign(tree)
	if err != nil {
		return domain.AuditCheckpoint{}, err
	}
	if s.head != nil {
		if err := s.head.signed(tree, note); err != nil {
			return domain.AuditCheckpoint{}, err
		}
	}
	if err := s.store.SaveAuditCheckpoint(ctx, size, root, note, s.now()); err != nil {
		return domain.AuditCheckpoint{}, err
	}
	return domain.AuditCheckpoint{Size: size, Root: domain.AuditHash(root), Note: note, At: s.now()}, nil
}

// SigningProblem is why checkpoints are not signed (generic text, for
// /readyz), or "" when they are.
func (s *Service) SigningProblem() string {
	if p := s.keys.currentProblem(); p != "" {
		return p
	}
	return s.head.currentProblem()
}

// The reasons of SigningRefusal: the values of the reason label of the
// gauge exaccess_audit_signing_refused, a fixed set.
const (
	RefusedKeySuperseded = "key_superseded"  // the log records a newer checkpoint key (keycheck)
	RefusedHistory       = "history_changed" // the stored log does not extend the head file, or the head file is unusable
	RefusedTreeUnread    = "tree_unreadable" // the stored tree could not be read for the head check
	RefusedHeadUnwritten = "head_unwritable" // the last write of the head file failed
)

// SigningRefusalReasons are every reason SigningRefusal can give, in the
// order the metric lists them.
var SigningRefusalReasons = []string{RefusedKeySuperseded, RefusedHistory, RefusedTreeUnread, RefusedHeadUnwritten}

// SigningRefusal is why checkpoints are not signed, as one of
// SigningRefusalReasons, or "" when they are: the same condition as
// SigningProblem, for the metric.
func (s *Service) SigningRefusal() string {
	if s.keys.currentProblem() != "" {
		return RefusedKeySuperseded
	}
	switch s.head.currentProblem() {
	case "":
		return ""
	case readProblem:
		return RefusedTreeUnread
	case unwritableProblem:
		return RefusedHeadUnwritten
	}
	return RefusedHistory
}

// LatestCheckpoint is the largest kept checkpoint with its cosignatures; on
// a log that has none yet it signs one.
func (s *Service) LatestCheckpoint(ctx context.Context) (domain.AuditCheckpoint, error) {
	cp, err := s.store.LatestAuditCheckpoint(ctx)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeNotFound {
		cp, err := s.Checkpoint(ctx)
		return cp, refusalError(err)
	}
	return cp, err
}

// refusalError turns a refusal to sign into the API's conflict with a fixed
// text (the server log and /readyz say why; the cause can name files), and
// passes any other error on. A refusal because stored hashes are damaged is
// passed on too: the API answers it as the damage it is (audit_damaged),
// which a retry or a writable head file does not mend.
func refusalError(err error) error {
	if signingRefused(err) && !errors.Is(err, domain.ErrAuditHashDamaged) {
		return &domain.Error{Code: domain.CodeConflict,
			Message: "the audit log is not signing checkpoints now, and this request needs a new one: GET /readyz and the server log say why"}
	}
	return err
}

// Checkpoints pages through the kept checkpoints, smallest first.
func (s *Service) Checkpoints(ctx context.Context, after int64, limit int) ([]domain.AuditCheckpoint, error) {
	return s.store.AuditCheckpoints(ctx, after, limit)
}

// InclusionProof proves entry index is in the tree of size entries.
func (s *Service) InclusionProof(ctx context.Context, index, size int64) ([]domain.AuditHash, error) {
	n, err := s.store.AuditTreeSize(ctx)
	if err != nil {
		return nil, err
	}
	var fe []domain.FieldError
	if size < 1 || size > n {
		fe = append(fe, domain.FieldError{Field: "size", Message: fmt.Sprintf("must be from 1 to the log's size, %d", n)})
	}
	if index < 0 || index >= size {
		fe = append(fe, domain.FieldError{Field: "index", Message: "must be from 0 to size-1"})
	}
	if len(fe) > 0 {
		return nil, &domain.Error{Code: domain.CodeInvalid, Message: "no such proof", Fields: fe}
	}
	p, err := tlog.ProveRecord(size, index, hashReader(ctx, s.store))
	return domainHashes(p), err
}

// ConsistencyProof proves the tree of oldSize entries is a prefix of the
// tree of newSize entries.
func (s *Service) ConsistencyProof(ctx context.Context, oldSize, newSize int64) ([]domain.AuditHash, error) {
	n, err := s.store.AuditTreeSize(ctx)
	if err != nil {
		return nil, err
	}
	var fe []domain.FieldError
	if newSize < 1 || newSize > n {
		fe = append(fe, domain.FieldError{Field: "new", Message: fmt.Sprintf("must be from 1 to the log's size, %d", n)})
	}
	if oldSize < 1 || oldSize > newSize {
		fe = append(fe, domain.FieldError{Field: "old", Message: "must be from 1 to new"})
	}
	if len(fe) > 0 {
		return nil, &domain.Error{Code: domain.CodeInvalid, Message: "no such proof", Fields: fe}
	}
	p, err := tlog.ProveTree(newSize, oldSize, hashReader(ctx, s.store))
	return domainHashes(p), err
}

func domainHashes(hs []tlog.Hash) []domain.AuditHash {
	out := make([]domain.AuditHash, len(hs))
	for i, h := range hs {
		out[i] = domain.AuditHash(h)
	}
	return out
}

// Events returns one page of entries in index order, or newest first.
func (s *Service) Events(ctx context.Context, f domain.AuditFilter) (domain.AuditPage, error) {
	return s.store.AuditEvents(ctx, f)
}

// StartExport signs a checkpoint first and exports up to its size, so
// entries appended meanwhile (the export's own entry among them) cannot
// make the export disagree with its checkpoint. The export is recorded
// before the first byte is sent: an export is never unaudited, even if the
// client goes away half-way. While signing is refused (the history changed,
// the head file cannot be written) no export is made: an older checkpoint
// would silently leave the newest entries out.
func (s *Service) StartExport(ctx context.Context, p domain.Principal, req domain.AuditExportRequest) (domain.AuditExport, error) {
	if req.Format != domain.AuditFormatNDJSON && req.Format != domain.AuditFormatCSV {
		return nil, &domain.Error{Code: domain.CodeInvalid, Message: "unknown export format",
			Fields: []domain.FieldError{{Field: "format", Message: "must be ndjson or csv"}}}
	}
	cp, err := s.Checkpoint(ctx)
	if err != nil {
		return nil, refusalError(err)
	}
	first, end, err := s.store.AuditIndexRange(ctx, req.From, req.To, cp.Size)
	if err != nil {
		return nil, err
	}
	x := &export{src: s.store, checkpoint: cp.Note,
		info: domain.AuditExportInfo{Format: req.Format, First: first, Count: end - first, TreeSize: cp.Size}}
	entry := &domain.AuditEntry{At: s.now(), Actor: p.Subject, Action: domain.AuditExported,
		Data: domain.AuditFields(domain.AuditExported, exportData(x.info, req))}
	if err := s.store.InTx(ctx, func(tx domain.Tx) error { return tx.AppendAudit(entry) }); err != nil {
		return nil, err
	}
	return x, nil
}

// exportData is what the export's audit entry records.
func exportData(info domain.AuditExportInfo, req domain.AuditExportRequest) domain.AuditExportedData {
	data := domain.AuditExportedData{Format: info.Format, First: info.First, Count: info.Count, TreeSize: info.TreeSize}
	if req.From != nil {
		data.From = req.From.UTC().Format(time.RFC3339Nano)
	}
	if req.To != nil {
		data.To = req.To.UTC().Format(time.RFC3339Nano)
	}
	return data
}

// export is an export whose range and checkpoint are fixed.
type export struct {
	src        ExportSource
	checkpoint string
	info       domain.AuditExportInfo
}

func (x *export) Info() domain.AuditExportInfo { return x.info }

func (x *export) Write(ctx context.Context, w io.Writer) error {
	first, end := x.info.First, x.info.First+x.info.Count
	if x.info.Format == domain.AuditFormatCSV {
		return WriteCSV(ctx, x.src, w, first, end)
	}
	return WriteNDJSON(ctx, x.src, w, x.checkpoint, x.info.TreeSize, first, end)
}
