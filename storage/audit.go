package storage

import (
	"context"
	"crypto/sha256"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"exaccess/domain"
)

type auditRow struct {
	Idx            int64     `gorm:"column:idx;primaryKey;autoIncrement:false"`
	At             time.Time `gorm:"column:at"`
	Actor          string    `gorm:"column:actor"`
	ActingFor      string    `gorm:"column:acting_for"`
	Action         string    `gorm:"column:action"`
	RequestID      string    `gorm:"column:request_id"`
	RequestVersion int       `gorm:"column:request_version"`
	Entry          []byte    `gorm:"column:entry"`
}

func (auditRow) TableName() string { return "audit_log" }

// ListHistory returns one page of a request's entries, decoded from their
// stored canonical bytes; only rows inside the log (inLog). The actions a
// caller may not see are left out by the query, and the page is a keyset
// walk of the index (request_id, idx) in either direction: at most
// MaxHistoryPage rows are read and decoded, however long the history.
func (d *DB) ListHistory(ctx context.Context, f domain.HistoryFilter) (domain.HistoryPage, error) {
	limit := f.Limit
	if limit <= 0 || limit > domain.MaxHistoryPage {
		limit = domain.MaxHistoryPage
	}
	var rows []auditRow
	if err := historyQuery(d.reader.WithContext(ctx), f).Limit(limit + 1).Find(&rows).Error; err != nil {
		return domain.HistoryPage{}, translate(err, "history")
	}
	var page domain.HistoryPage
	if len(rows) > limit {
		rows = rows[:limit]
		next := rows[limit-1].Idx
		page.Next = &next
	}
	if f.Newest {
		slices.Reverse(rows)
	}
	page.Entries = make([]domain.AuditEntry, 0, len(rows))
	for _, row := range rows {
		e, err := decodeAuditEntry(row.Entry)
		if err != nil {
			return domain.HistoryPage{}, err
		}
		page.Entries = append(page.Entries, e)
	}
	return page, nil
}

// historyQuery selects the entries of f's page in the walk's order, without
// its limit: a keyset walk of the index audit_log_request_idx (request_id,
// idx), forwards or, newest first, backwards, which both databases read in
// order and stop at the page's end, never sorting the request's entries
// (TestHistoryPlan).
func historyQuery(g *gorm.DB, f domain.HistoryFilter) *gorm.DB {
	q := g.Where(inLog).Where("request_id = ?", f.RequestID)
	if len(f.Omit) > 0 {
		q = q.Where("action NOT IN ?", f.Omit)
	}
	if len(f.Actions) > 0 {
		q = q.Where("action IN ?", f.Actions)
	}
	switch {
	case f.Newest && f.Cursor != nil:
		q = q.Where("idx < ?", *f.Cursor)
	case f.Cursor != nil:
		q = q.Where("idx > ?", *f.Cursor)
	}
	if f.Newest {
		return q.Order("idx DESC")
	}
	return q.Order("idx")
}

// ListAudit returns every audit entry of one request in index order,
// decoded from their stored canonical bytes; only rows inside the log
// (inLog). For tests and tools: pages read ListHistory.
func (d *DB) ListAudit(ctx context.Context, requestID string) ([]domain.AuditEntry, error) {
	var rows []auditRow
	err := d.reader.WithContext(ctx).Where(inLog).Where("request_id = ?", requestID).Order("idx").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "list audit")
	}
	out := make([]domain.AuditEntry, 0, len(rows))
	for _, row := range rows {
		e, err := decodeAuditEntry(row.Entry)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// AppendAudit gives e the next dense index (the first entry is 0), encodes it
// once as canonical JSON and stores those bytes, then the Merkle tree hashes
// that make them a leaf of the verifiable log (appendAuditHashes). e.At is
// normalized to UTC microseconds first, so the entry's text and the at
// column agree. On the SQLite committer the index and the hashes it
// combines with come from the tail kept in memory (audit_tail.go).
func (t *tx) AppendAudit(e *domain.AuditEntry) error {
	if t.tails != nil {
		kept, err := t.appendKept(func(idx int64) (tlog.Hash, error) {
			_, leaf, err := t.insertAuditEntry(idx, e)
			return leaf, err
		})
		if err != nil {
			return err
		}
		if kept {
			return t.enqueueNotifications(e) // the outbox rows the change causes (outbox.go)
		}
		if err := t.tails.flush(t); err != nil { // the slow path below counts from the row
			return err
		}
		t.tails.forget()
	}
	idx, err := t.nextCounter("audit", 0)
	if err != nil {
		return err
	}
	entry, _, err := t.insertAuditEntry(idx, e)
	if err != nil {
		return err
	}
	if err := t.appendAuditHashes(idx, entry); err != nil {
		return err
	}
	return t.enqueueNotifications(e) // the outbox rows the change causes (outbox.go)
}

// insertAuditEntry stores e as entry idx and returns its canonical bytes
// and their Merkle leaf hash.
func (t *tx) insertAuditEntry(idx int64, e *domain.AuditEntry) ([]byte, tlog.Hash, error) {
	e.Index, e.At = idx, dbTime(e.At)
	entry, leaf, err := encodeLeaf(*e)
	if err != nil {
		return nil, leaf, err
	}
	if err := t.exec(`INSERT INTO audit_log (idx, at, actor, acting_for, action, request_id, request_version, entry)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, idx, e.At, e.Actor, e.ActingFor, e.Action, e.RequestID, int64(e.RequestVersion), entry); err != nil {
		return nil, leaf, translate(err, "audit entry")
	}
	return entry, leaf, nil
}

// encodeLeaf is EncodeAuditEntry(e) and its leaf hash in the Merkle tree,
// tlog.RecordHash: SHA-256 of a zero byte and the entry. The entry is
// written after that zero byte, so the hash is one call over one buffer
// (RecordHash's streaming hash costs two allocations per entry).
func encodeLeaf(e domain.AuditEntry) ([]byte, tlog.Hash, error) {
	buf, err := appendAuditEntry(append(make([]byte, 0, entryCapacity), 0), e)
	if err != nil {
		return nil, tlog.Hash{}, err
	}
	return buf[1:], sha256.Sum256(buf), nil
}
