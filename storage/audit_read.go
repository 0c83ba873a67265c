package storage

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"exaccess/domain"
)

// AuditTreeSize is the number of entries in the audit log, read from the
// audit counter, which moves in the transaction of every append. Committed
// indexes are always a prefix 0..size-1: the counter's row lock is held
// until commit, so entries commit in index order.
func (d *DB) AuditTreeSize(ctx context.Context) (int64, error) {
	var last sql.NullInt64
	err := d.reader.WithContext(ctx).Raw("SELECT value FROM counters WHERE name = 'audit'").Row().Scan(&last)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, translate(err, "audit counter")
	}
	return last.Int64 + 1, nil
}

// ReadAuditHashes returns the stored hashes with the given ids, in order.
func (d *DB) ReadAuditHashes(ctx context.Context, ids []int64) ([]tlog.Hash, error) {
	if len(ids) == 0 {
		return []tlog.Hash{}, nil
	}
	return gormHashReader(d.reader.WithContext(ctx)).ReadHashes(ids)
}

// StreamAuditEntries calls fn with each entry with index in [first, end),
// in index order, through one cursor on the read pool: memory stays flat at
// any size. entry is only valid during the call.
func (d *DB) StreamAuditEntries(ctx context.Context, first, end int64, fn func(idx int64, entry []byte) error) error {
	rows, err := d.reader.WithContext(ctx).
		Raw("SELECT idx, entry FROM audit_log WHERE idx >= ? AND idx < ? ORDER BY idx", first, end).Rows()
	if err != nil {
		return translate(err, "audit log")
	}
	defer rows.Close()
	var idx int64
	var entry sql.RawBytes // the driver's buffer, not a copy per row
	for rows.Next() {
		if err := rows.Scan(&idx, &entry); err != nil {
			return translate(err, "audit log")
		}
		if err := fn(idx, entry); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "audit log")
}

// StreamAuditLeafHashes calls fn with the stored leaf hash of each index in
// [first, end), in order. Leaf hashes sit among the interior ones in id
// order: after leaf n come the 1+TrailingZeros(n+1) hashes it stored. The
// hashes are read hashChunk at a time, concatenated by the database, so an
// export of a million entries costs a few hundred queries, not two million
// row round trips.
func (d *DB) StreamAuditLeafHashes(ctx context.Context, first, end int64, fn func(tlog.Hash) error) error {
	lo, hi := tlog.StoredHashIndex(0, first), tlog.StoredHashIndex(0, end)
	next, want := first, lo
	for from := lo; from < hi; from += hashChunk {
		to := min(from+hashChunk, hi)
		blob, err := d.hashRange(ctx, from, to)
		if err != nil {
			return err
		}
		if int64(len(blob)) != (to-from)*tlog.HashSize {
			return missingHash(d.reader.WithContext(ctx), from, to)
		}
		for ; want < to; next++ {
			if err := fn(tlog.Hash(blob[(want-from)*tlog.HashSize:])); err != nil {
				return err
			}
			want += 1 + int64(bits.TrailingZeros64(uint64(next+1)))
		}
	}
	return nil
}

// hashChunk is how many stored hashes hashRange returns at once: 256 KiB.
const hashChunk = 8192

// hashRange returns the stored hashes with ids in [from, to), concatenated
// in id order by the database (SQLite has no binary concatenation, so
// there they travel as hex).
func (d *DB) hashRange(ctx context.Context, from, to int64) ([]byte, error) {
	g := d.reader.WithContext(ctx)
	if d.dialect == DialectPostgres {
		var blob []byte
		err := g.Raw("SELECT string_agg(hash, CAST('' AS bytea) ORDER BY id) FROM audit_hashes WHERE id >= ? AND id < ?",
			from, to).Row().Scan(&blob)
		return blob, translate(err, "audit hashes")
	}
	var text sql.NullString
	err := g.Raw("SELECT group_concat(hex(hash), '' ORDER BY id) FROM audit_hashes WHERE id >= ? AND id < ?",
		from, to).Row().Scan(&text)
	if err != nil {
		return nil, translate(err, "audit hashes")
	}
	return hex.DecodeString(text.String)
}

// StreamAuditHashes calls fn with every stored hash, in id order.
func (d *DB) StreamAuditHashes(ctx context.Context, fn func(id int64, h tlog.Hash) error) error {
	return d.streamHashes(ctx, 0, -1, fn)
}

// streamHashes streams hashes with from ≤ id < to (to < 0: no bound).
func (d *DB) streamHashes(ctx context.Context, from, to int64, fn func(int64, tlog.Hash) error) error {
	q := d.reader.WithContext(ctx).Model(&auditHashRow{}).Select("id", "hash").Where("id >= ?", from)
	if to >= 0 {
		q = q.Where("id < ?", to)
	}
	rows, err := q.Order("id").Rows()
	if err != nil {
		return translate(err, "audit hashes")
	}
	defer rows.Close()
	var id int64
	var raw sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &raw); err != nil {
			return translate(err, "audit hashes")
		}
		if len(raw) != tlog.HashSize {
			return fmt.Errorf("storage: audit hash %d has %d bytes", id, len(raw))
		}
		if err := fn(id, tlog.Hash(raw)); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "audit hashes")
}

// AuditIndexRange turns an export's time window into the index range
// [first, end) below size: from the first entry at or after from to the
// last entry before to. Concurrent writers take their time before their
// index, so times are only nearly ordered by index; a range between those
// two entries holds every entry of the window, and an export must be a
// range to be verifiable. It then checks that the range's entries and
// hashes are all stored (checkExportRange): the export runs it before its
// status line, so a damaged log is refused, not sent cut short.
func (d *DB) AuditIndexRange(ctx context.Context, from, to *time.Time, size int64) (int64, int64, error) {
	first, end := int64(0), size
	g := d.reader.WithContext(ctx)
	if from != nil {
		var v sql.NullInt64
		if err := g.Raw("SELECT MIN(idx) FROM audit_log WHERE at >= ? AND idx >= 0 AND idx < ?", dbTime(*from), size).Row().Scan(&v); err != nil {
			return 0, 0, translate(err, "audit log")
		}
		first = size
		if v.Valid {
			first = v.Int64
		}
	}
	if to != nil {
		var v sql.NullInt64
		if err := g.Raw("SELECT MAX(idx) FROM audit_log WHERE at < ? AND idx >= 0 AND idx < ?", dbTime(*to), size).Row().Scan(&v); err != nil {
			return 0, 0, translate(err, "audit log")
		}
		end = 0
		if v.Valid {
			end = v.Int64 + 1
		}
	}
	end = max(first, end)
	if err := d.checkExportRange(ctx, first, end, size); err != nil {
		return 0, 0, err
	}
	return first, end, nil
}

// inLog bounds a read of audit_log rows to the log, indexes 0 to the
// audit counter (AuditTreeSize - 1): a row put outside that range by
// someone writing the database directly is no entry, and the API never
// shows it (audit verify --db reports it).
const inLog = "idx >= 0 AND idx <= (SELECT value FROM counters WHERE name = 'audit')"

// AuditEvents returns one page of entries in index order, or newest first
// (f.Newest), by keyset on the index either way: each filter has an index
// ending in idx (migrations 1 and 3) and the log's key is idx, which a
// database walks backwards as well as forwards, so the newest page costs no
// sort (TestAuditEventsPlan).
func (d *DB) AuditEvents(ctx context.Context, f domain.AuditFilter) (domain.AuditPage, error) {
	limit := listLimit(f.Limit)
	var rows []auditRow
	err := auditEventsQuery(d.reader.WithContext(ctx), f).Limit(limit + 1).Find(&rows).Error
	if err != nil {
		return domain.AuditPage{}, translate(err, "audit events")
	}
	page := domain.AuditPage{Items: make([]domain.AuditRecord, 0, min(len(rows), limit))}
	if len(rows) > limit {
		rows = rows[:limit]
		next := rows[limit-1].Idx
		if f.Newest {
			page.NextBefore = &next
		} else {
			page.NextAfter = &next
		}
	}
	for _, r := range rows {
		page.Items = append(page.Items, domain.AuditRecord{Index: r.Idx, Entry: r.Entry})
	}
	return page, nil
}

func auditEventsQuery(g *gorm.DB, f domain.AuditFilter) *gorm.DB {
	q := g.Model(&auditRow{}).Select("idx", "entry").Where(inLog)
	if f.From != nil {
		q = q.Where("at >= ?", dbTime(*f.From))
	}
	if f.To != nil {
		q = q.Where("at < ?", dbTime(*f.To))
	}
	for col, v := range map[string]string{"request_id": f.RequestID, "actor": f.Actor, "action": f.Action} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if f.After != nil {
		q = q.Where("idx > ?", *f.After)
	}
	if f.Before != nil {
		q = q.Where("idx < ?", *f.Before)
	}
	if f.Newest {
		return q.Order("idx DESC")
	}
	return q.Order("idx")
}
