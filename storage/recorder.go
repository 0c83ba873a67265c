package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// Recording the writes of committed changes, for the same-rows baseline of
// `exaccess bench`: raw SQLite replays exactly the statements the server
// ran, one transaction per change. The server never records on its own;
// with no recorder the committer pays one pointer load per batch.
//
// While a recorder is set, each caller of the SQLite committer runs on a
// connection wrapper that copies every write statement (INSERT, UPDATE,
// DELETE, REPLACE, whether it arrives as an exec or as a query such as
// INSERT … RETURNING, through GORM or directly) with its arguments. The
// savepoint statements and everything read are not copied. A caller's
// statements reach the recorder only if the caller succeeded, the shared
// transaction committed and they contain the caller's audit entry (a
// change writes exactly one): writes without an audit entry are not
// changes. The audit counter, which the committer writes once per batch
// just before the commit, is recorded as the last statement of the batch's
// last recorded change, so that replaying the changes leaves the same rows.

// RecordedStatement is one write statement as the driver received it, its
// arguments encoded (recorder_args.go).
type RecordedStatement struct {
	SQL  string
	args []byte
}

// Args decodes the statement's arguments.
func (s RecordedStatement) Args() ([]any, error) { return decodeArgs(s.args) }

// RecordedChange is one committed change: its audit entry's index and its
// write statements in the order they ran.
type RecordedChange struct {
	AuditIdx   int64
	Statements []RecordedStatement
}

// WriteRecorder collects committed changes in commit order.
type WriteRecorder struct {
	mu      sync.Mutex
	changes []RecordedChange
	err     error // the first committed change that could not be recorded
}

// Err is why a committed change could not be recorded, if one could not:
// a replay without it would not write the same rows.
func (r *WriteRecorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *WriteRecorder) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

// Changes returns the changes recorded so far, in commit order.
func (r *WriteRecorder) Changes() []RecordedChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.changes)
}

func (r *WriteRecorder) add(cs []RecordedChange) {
	r.mu.Lock()
	r.changes = append(r.changes, cs...)
	r.mu.Unlock()
}

// RecordWrites sets the recorder that receives every committed change from
// the next shared transaction on; nil stops recording. SQLite only: on
// PostgreSQL transactions do not pass through one committer.
func (d *DB) RecordWrites(r *WriteRecorder) error {
	if d.batch == nil {
		return errors.New("storage: recording writes is for SQLite only")
	}
	d.batch.rec.Store(r)
	return nil
}

// batchRecording is one shared transaction's recording: nil when nothing
// records, and then each method does nothing.
type batchRecording struct {
	rec      *WriteRecorder
	recorded []RecordedChange // the changes of the callers that succeeded
	err      error            // a change that could not be recorded
	flush    writeLog         // the audit counter's write before the commit
}

func startBatchRecording(rec *WriteRecorder) *batchRecording {
	if rec == nil {
		return nil
	}
	return &batchRecording{rec: rec}
}

// caller is the log of the next caller's statements.
func (b *batchRecording) caller() *writeLog {
	if b == nil {
		return nil
	}
	return &writeLog{}
}

// keep keeps the log of a caller that succeeded.
func (b *batchRecording) keep(l *writeLog) {
	switch {
	case b == nil:
	case l.err != nil:
		b.err = cmp.Or(b.err, l.err) // reported if the batch commits
	default:
		if idx, ok := l.auditIdx(); ok {
			b.recorded = append(b.recorded, RecordedChange{AuditIdx: idx, Statements: l.stmts})
		}
	}
}

// flushDB is g, recording the batch's own write before the commit.
func (b *batchRecording) flushDB(g *gorm.DB) *gorm.DB {
	if b == nil {
		return g
	}
	return recordingDB(g, &b.flush)
}

// committed hands the batch's changes to the recorder, the batch's own
// write with the last of them.
func (b *batchRecording) committed() {
	if b == nil {
		return
	}
	if b.err != nil {
		b.rec.fail(b.err)
	}
	if len(b.recorded) > 0 {
		last := &b.recorded[len(b.recorded)-1]
		last.Statements = append(last.Statements, b.flush.stmts...)
		b.rec.add(b.recorded)
	}
}

// writeLog is one caller's (or the batch flush's) recorded statements.
type writeLog struct {
	stmts []RecordedStatement
	err   error // a statement that cannot be recorded faithfully
}

// add records a statement the driver has just run. database/sql converted
// its arguments for the driver, and encodeArgs converts them again: a
// driver.Valuer must give the same value each time it is asked (this
// package's do).
func (l *writeLog) add(query string, args []any) {
	enc, err := encodeArgs(nil, args)
	if err != nil {
		l.err = err
		return
	}
	l.stmts = append(l.stmts, RecordedStatement{SQL: query, args: enc})
}

// auditIdx is the index of the audit entry the statements insert, if one
// does.
func (l *writeLog) auditIdx() (int64, bool) {
	for _, s := range l.stmts {
		if strings.HasPrefix(s.SQL, auditInsertPrefix) {
			if args, err := s.Args(); err == nil && len(args) > 0 {
				idx, ok := args[0].(int64)
				return idx, ok
			}
		}
	}
	return 0, false
}

// auditInsertPrefix starts the statement of insertAuditEntry, whose first
// argument is the entry's index.
const auditInsertPrefix = "INSERT INTO audit_log (idx,"

// recordingDB is g on a connection wrapper that records writes into l.
func recordingDB(g *gorm.DB, l *writeLog) *gorm.DB {
	ctx := g.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	s := g.Session(&gorm.Session{NewDB: true, Context: ctx}) // a statement of its own
	s.Statement.ConnPool = recordingPool{ConnPool: g.Statement.ConnPool, log: l}
	return s
}

// recordingPool records the write statements that pass through it.
type recordingPool struct {
	gorm.ConnPool
	log *writeLog
}

func (p recordingPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := p.ConnPool.ExecContext(ctx, query, args...)
	if err == nil && isWrite(query) {
		p.log.add(query, args)
	}
	return res, err
}

func (p recordingPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := p.ConnPool.QueryContext(ctx, query, args...)
	if err == nil && isWrite(query) {
		p.log.add(query, args)
	}
	return rows, err
}

func (p recordingPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	row := p.ConnPool.QueryRowContext(ctx, query, args...)
	if row.Err() == nil && isWrite(query) {
		p.log.add(query, args)
	}
	return row
}

// PrepareContext would let a write run unseen; nothing in a change
// prepares statements, so it is refused while recording.
func (p recordingPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	err := fmt.Errorf("storage: recording writes: prepared statement %q cannot be recorded", firstWords(query))
	p.log.err = err
	return nil, err
}

// isWrite says whether a statement writes rows: whether its first word is
// INSERT, UPDATE, DELETE or REPLACE. A statement that writes but starts
// otherwise (WITH … INSERT) is not one a change runs; the bench verifies
// the replay against the server's rows, which would show it.
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	end := strings.IndexAny(q, " \t\r\n")
	if end < 0 {
		end = len(q)
	}
	switch strings.ToUpper(q[:end]) {
	case "INSERT", "UPDATE", "DELETE", "REPLACE":
		return true
	}
	return false
}

var tableOfWrite = regexp.MustCompile(`(?i)^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+["\x60]?(\w+)`)

// TablesWritten lists, sorted, the tables the changes' statements write.
func TablesWritten(changes []RecordedChange) []string {
	var out []string
	for _, c := range changes {
		for _, s := range c.Statements {
			if m := tableOfWrite.FindStringSubmatch(s.SQL); m != nil && !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

func firstWords(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 60 {
		q = q[:60] + "…"
	}
	return q
}
