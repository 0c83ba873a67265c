package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"exaccess/domain"
)

// tx implements domain.Tx on one open write transaction. seen remembers the
// stored rows of the requests this transaction read or wrote, so an update
// writes only the projections that changed.
type tx struct {
	g     *gorm.DB
	seen  map[string]*stored
	tails *tailKeeper // the SQLite committer's audit tail; nil elsewhere
	dir   *dirKeeper  // the SQLite committer's notification directory; nil elsewhere
	// last is the request this transaction stored last, which the audit
	// entry that follows it (and its notifications) is about.
	last *domain.Request
	// ahead is the request read before the transaction (readahead.go),
	// until GetRequest takes it.
	ahead *aheadRequest
}

var _ domain.Tx = (*tx)(nil)

func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("storage: random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

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
		return d.batch.do(ctx, fn, d.readAhead(ctx))
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

// exec runs one statement of the transaction on its connection directly,
// without GORM's statement building: for the statements every change runs,
// whose text is fixed and whose arguments need no conversion. Errors are
// translated as GORM's TranslateError would, so translate() reads them.
func (t *tx) exec(query string, args ...any) error {
	_, err := t.execRows(query, args...)
	return err
}

// execRows is exec returning the number of rows the statement changed.
// PostgreSQL goes through GORM, which turns the ? placeholders into $n.
func (t *tx) execRows(query string, args ...any) (int64, error) {
	if t.g.Dialector.Name() == DialectPostgres {
		res := t.g.Exec(query, args...)
		return res.RowsAffected, res.Error
	}
	res, err := t.g.Statement.ConnPool.ExecContext(t.ctx(), query, args...)
	if err != nil {
		if tr, ok := t.g.Dialector.(gorm.ErrorTranslator); ok {
			err = tr.Translate(err)
		}
		return 0, err
	}
	return res.RowsAffected()
}

// query runs one query of the transaction on its connection directly (on
// PostgreSQL through GORM, for its placeholders); the caller scans and
// closes the rows.
func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	return queryRows(t.g, q, args...)
}

// queryRows runs q on g's connection directly, without GORM's statement
// building (on PostgreSQL through GORM, which turns the ? placeholders into
// $n); the caller scans and closes the rows.
func queryRows(g *gorm.DB, q string, args ...any) (*sql.Rows, error) {
	if g.Dialector.Name() == DialectPostgres {
		return g.Raw(q, args...).Rows()
	}
	ctx := g.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return g.Statement.ConnPool.QueryContext(ctx, q, args...)
}

func (t *tx) ctx() context.Context {
	if c := t.g.Statement.Context; c != nil {
		return c
	}
	return context.Background()
}

// insertMany inserts len(args)/width rows into table's columns cols (a
// comma-separated list of width names) with one multi-row INSERT. The text
// depends only on the row count, so the writer's statement cache keeps the
// few variants.
func (t *tx) insertMany(table, cols string, width int, args []any) error {
	if len(args) == 0 {
		return nil
	}
	return t.exec(multiRowInsert(table, cols, width, len(args)/width), args...)
}

// multiRowInsert is the text of one INSERT of rows rows of width values
// into table's columns cols.
func multiRowInsert(table, cols string, width, rows int) string {
	one := "(" + placeholders(width) + ")"
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(one)
	}
	return sb.String()
}

// placeholders is "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
