package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/mattn/go-sqlite3"
)

// batchConn is the writer connection as the committer's batch holds it
// (groupcommit.go): its transaction is BEGIN … COMMIT on the connection
// rather than a database/sql transaction, so two things that a
// database/sql transaction does at its end are done here. Result sets a
// statement left open are closed at the end of the batch (a database/sql
// transaction closes them when it ends; left open, they would keep the
// connection from ever going back to the pool, and every write would
// wait). And the connection goes back to the pool outside any transaction.
// Code that runs inside the batch must not start a transaction of its own
// (gorm's Transaction or Begin on the batch's DB): on a connection that is
// a real BEGIN, which SQLite refuses inside the batch's; the savepoints
// (groupcommit.go) are how a caller's work is set apart.
type batchConn struct {
	*sql.Conn
	open []*sql.Rows // result sets handed out in this batch
}

// QueryContext is the connection's, remembering the result set.
func (c *batchConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, query, args...)
	if err == nil {
		c.open = append(c.open, rows)
	}
	return rows, err
}

// exec runs one of the transaction's own statements (BEGIN, COMMIT,
// ROLLBACK).
func (c *batchConn) exec(query string) error {
	_, err := c.Conn.ExecContext(context.Background(), query)
	return err
}

// closeRows closes every result set of the batch (closing one twice is
// harmless).
func (c *batchConn) closeRows() {
	for _, r := range c.open {
		r.Close()
	}
	c.open = c.open[:0]
}

// end closes the batch's result sets and makes sure no transaction is open
// on the connection: if a ROLLBACK cannot end one, the connection is
// closed (a new one opens with the writer's settings, sqlite.go), so that
// no other writer ever runs inside the committer's transaction.
func (c *batchConn) end() {
	c.closeRows()
	_ = c.Raw(func(dc any) error {
		sc, ok := dc.(*sqlite3.SQLiteConn)
		if !ok || sc.AutoCommit() {
			return nil
		}
		if _, err := sc.ExecContext(context.Background(), "ROLLBACK", nil); err == nil && sc.AutoCommit() {
			return nil
		}
		return driver.ErrBadConn // database/sql closes the connection
	})
}
