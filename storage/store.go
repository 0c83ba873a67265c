package storage

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"exaccess/domain"
)

// List page sizes when the caller gives none or too many (docs/product.md, "Limits").
const (
	defaultListLimit = 50
	maxListLimit     = 200
)

// maxTxAttempts bounds how often InTx runs fn when PostgreSQL asks for a
// retry; three attempts ride out a deadlock without hiding a livelock.
const maxTxAttempts = 3

// InTx runs fn in one write transaction. On SQLite fn runs on the single
// writer connection through the group committer (groupcommit.go): inside a
// shared transaction, begun IMMEDIATE, behind a savepoint of its own, and
// InTx returns once that transaction is committed. On PostgreSQL fn gets a
// transaction of its own. If fn returns an error, everything it wrote is
// rolled back and that same error is returned unchanged. fn must not call
// InTx itself: on SQLite that would wait forever for the one writer.
func (d *DB) InTx(ctx context.Context, fn func(tx domain.Tx) error) error {
	if d.batch != nil {
		return d.batch.do(ctx, fn)
	}
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = d.writer.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			return fn(&tx{g: g})
		})
		if err == nil || !retryable(err) {
			return err
		}
	}
	return fmt.Errorf("storage: transaction retried %d times: %w", maxTxAttempts, err)
}

// GetRequest reads a request from the read pool.
func (d *DB) GetRequest(ctx context.Context, id string) (*domain.Request, error) {
	return getRequest(d.reader.WithContext(ctx), id)
}

func getRequest(g *gorm.DB, id string) (*domain.Request, error) {
	var row requestRow
	column := "id"
	if domain.IsReference(id) {
		column = "reference" // unique, indexed
	}
	if err := g.Where(column+" = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err, "request")
	}
	return toDomainRequest(row)
}

// ListRequests returns one page, newest first, by keyset on the
// time-ordered id: `WHERE filters AND id < after ORDER BY id DESC LIMIT n+1`.
// Each filter combination has an index ending in id (see the migration), so
// the database walks the index backwards and stops after n+1 rows: no sort,
// no OFFSET, no COUNT. The extra row only tells whether a next page exists.
func (d *DB) ListRequests(ctx context.Context, f domain.RequestFilter) (domain.RequestPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)
	var rows []requestRow
	if err := listQuery(d.reader.WithContext(ctx), f).Limit(limit + 1).Find(&rows).Error; err != nil {
		return domain.RequestPage{}, translate(err, "list requests")
	}
	var page domain.RequestPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextAfter = rows[limit-1].ID
	}
	page.Items = make([]domain.Request, 0, len(rows))
	for _, row := range rows {
		r, err := toDomainRequest(row)
		if err != nil {
			return domain.RequestPage{}, err
		}
		page.Items = append(page.Items, *r)
	}
	return page, nil
}

// listQuery is the filtered, ordered query of ListRequests without its limit.
func listQuery(g *gorm.DB, f domain.RequestFilter) *gorm.DB {
	q := g.Model(&requestRow{})
	if f.Nation != "" {
		q = q.Where("nation = ?", f.Nation)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Reference != "" {
		q = q.Where("reference = ?", f.Reference)
	}
	if f.Area != "" {
		q = q.Where("id IN (SELECT request_id FROM request_areas WHERE area = ?)", f.Area)
	}
	if f.Reference != "" { // unique: at most one row, by its index
		q = q.Where("reference = ?", f.Reference)
	}
	if f.After != "" {
		q = q.Where("id < ?", f.After)
	}
	return q.Order("id DESC")
}

// GetUserByUsername reads a user from the read pool.
func (d *DB) GetUserByUsername(ctx context.Context, username string) (*domain.User, error) {
	var row userRow
	if err := d.reader.WithContext(ctx).Where("username = ?", username).Take(&row).Error; err != nil {
		return nil, translate(err, "user")
	}
	return toDomainUser(row), nil
}

// CountUsers tells whether the database has any users yet (demo seeding).
func (d *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := d.reader.WithContext(ctx).Model(&userRow{}).Count(&n).Error; err != nil {
		return 0, translate(err, "count users")
	}
	return n, nil
}

// ListAudit returns the audit entries of one request in index order, decoded
// from their stored canonical bytes.
func (d *DB) ListAudit(ctx context.Context, requestID string) ([]domain.AuditEntry, error) {
	var rows []auditRow
	err := d.reader.WithContext(ctx).Where("request_id = ?", requestID).Order("idx").Find(&rows).Error
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
