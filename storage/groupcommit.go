package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"

	"exaccess/domain"
)

// Group commit on SQLite. A commit with synchronous=FULL costs an fsync, and
// SQLite has one writer: one transaction per caller is bound by the disk's
// fsync rate however many callers wait. The committer is one goroutine that
// owns the writer connection for write transactions: it takes every caller
// waiting at that moment (up to maxBatch), runs their functions one after
// the other inside one SQLite transaction, each behind a SAVEPOINT so that a
// caller's error rolls back only its own work, commits once, and only then
// answers each caller. Nothing is acknowledged before the commit that holds
// it is durable; the audit log's order is the order the functions ran in,
// which is the commit order. PostgreSQL does not use it: it keeps one
// transaction per request and groups concurrent commits itself.
//
// No state outside the database survives a rolled-back savepoint: counters
// (audit index, reference numbers) and the Merkle hashes are rows, so a
// failed caller leaves no hole and no index is reused. The one exception,
// the audit log's tail kept in memory (audit_tail.go), is restored with the
// savepoint and checked against its rows once per batch; the notification
// directory (directory.go) is put back with the savepoint too (the rows read
// again inside it marked to be read again) and checked against its version
// row before each use.

// maxBatch bounds the callers of one shared transaction, so that the
// first caller of a batch does not wait for an unbounded number of others.
const maxBatch = 128

// errClosed answers callers after Close.
var errClosed = errors.New("storage: the database is closed")

const (
	jobQueued int32 = iota
	jobTaken
	jobAbandoned
)

// job is one caller's transaction function waiting for the committer.
type job struct {
	ctx   context.Context
	fn    func(tx domain.Tx) error
	ahead *aheadRequest // read before the turn came; may be nil
	state atomic.Int32
	res   chan jobResult // buffered: the committer never blocks on a caller
}

type jobResult struct {
	err      error
	panicked bool
	value    any // the panic value
}

// committer is the group-commit writer of a SQLite database.
type committer struct {
	g     *gorm.DB // the writer pool: one connection
	queue chan *job
	mu    sync.RWMutex // guards closed against callers entering
	users sync.WaitGroup
	done  chan struct{}
	stop  sync.Once
	stats writerCounters                // what it has done (writerstats.go)
	tails tailKeeper                    // the audit log's tail (audit_tail.go); the run goroutine's own
	dir   dirKeeper                     // the notification directory (directory.go); the run goroutine's own
	rec   atomic.Pointer[WriteRecorder] // nil unless a bench records writes (recorder.go)

	closed bool
}

// newCommitter starts the committer on the writer pool g.
func newCommitter(g *gorm.DB) *committer {
	c := &committer{g: g, queue: make(chan *job), done: make(chan struct{})}
	go c.run()
	return c
}

// do runs fn in the next shared transaction and returns its result once
// that transaction is committed (nil) or fn's own error. A caller whose
// context ends before its turn withdraws; once its turn has come it waits
// for the answer, because its work may already be committed.
func (c *committer) do(ctx context.Context, fn func(tx domain.Tx) error, ahead *aheadRequest) error {
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.users.Add(1)
	c.mu.RUnlock()
	defer c.users.Done()

	j := &job{ctx: ctx, fn: fn, ahead: ahead, res: make(chan jobResult, 1)}
	select {
	case c.queue <- j:
	case <-ctx.Done():
		return ctx.Err()
	}
	var r jobResult
	select {
	case r = <-j.res:
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			return ctx.Err()
		}
		r = <-j.res
	}
	if r.panicked {
		panic(r.value)
	}
	return r.err
}

// close lets the callers already in finish, refuses new ones and stops the
// committer.
func (c *committer) close() {
	c.stop.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		c.users.Wait()
		close(c.queue)
	})
	<-c.done
}

func (c *committer) run() {
	_, known := threadCPU()
	c.stats.hasCPU.Store(known)
	defer close(c.done)
	for j := range c.queue {
		batch := []*job{j}
	more:
		for len(batch) < maxBatch {
			select {
			case next, ok := <-c.queue:
				if !ok {
					break more
				}
				batch = append(batch, next)
			default:
				break more
			}
		}
		c.runBatch(batch)
	}
}

// runBatch runs the batch's live jobs in one transaction and answers each.
// The writer's counters (writerstats.go) take the batch before any of its
// callers is answered, so that a caller who reads them after its call
// returns finds it counted.
func (c *committer) runBatch(batch []*job) {
	live := batch[:0]
	for _, j := range batch {
		if !j.state.CompareAndSwap(jobQueued, jobTaken) {
			continue // withdrawn
		}
		if err := j.ctx.Err(); err != nil {
			j.res <- jobResult{err: err}
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	var out replies
	c.stats.measure(len(live), func() { c.runLive(live, &out) })
	out.send()
}

// runLive runs live in one transaction on the held writer connection and
// puts each caller's answer in out.
func (c *committer) runLive(live []*job, out *replies) {
	// The batch's transaction is BEGIN and COMMIT on a connection held for
	// the batch (batchconn.go), not a database/sql transaction: inside one,
	// every query starts a goroutine that watches the transaction's
	// context, a tenth of the committer's Go time for nothing, since the
	// batch is never cancelled.
	err := c.g.Connection(func(g *gorm.DB) error {
		held, ok := g.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("the writer pool gave a %T", g.Statement.ConnPool)
		}
		conn := &batchConn{Conn: held}
		defer conn.end()
		// A new session on the held connection, as Begin gives: each
		// statement built on it starts from a clean slate.
		s := g.Session(&gorm.Session{NewDB: true})
		s.Statement.ConnPool = conn
		c.commitBatch(s, conn, live, out)
		return nil
	})
	if err != nil {
		out.all(live, fmt.Errorf("storage: writer connection: %w", err))
	}
}

// commitBatch runs live in one transaction on conn, which g's statements
// use, and puts each caller's answer in out.
func (c *committer) commitBatch(g *gorm.DB, conn *batchConn, live []*job, out *replies) {
	if err := conn.exec("BEGIN IMMEDIATE"); err != nil {
		out.all(live, fmt.Errorf("storage: begin: %w", err))
		return
	}
	c.tails.beginBatch()
	rec := startBatchRecording(c.rec.Load()) // nil unless a bench records writes
	var pending []*job
	for i, j := range live {
		log := rec.caller()
		r, err := runSavepoint(g, &c.tails, &c.dir, j, log)
		if err != nil { // the shared transaction is broken: nothing of it stands
			c.forget()
			_ = conn.exec("ROLLBACK") // conn.end makes sure
			out.add(j, r)
			out.all(pending, err)
			out.all(live[i+1:], err)
			return
		}
		if r.err != nil || r.panicked {
			out.add(j, r) // rolled back alone; nothing of it is committed
			continue
		}
		pending = append(pending, j)
		rec.keep(log)
	}
	if err := c.tails.flush(&tx{g: rec.flushDB(g), tails: &c.tails}); err != nil {
		c.forget()
		_ = conn.exec("ROLLBACK")
		out.all(pending, err)
		return
	}
	conn.closeRows() // as a database/sql transaction closes them at its end
	if err := conn.exec("COMMIT"); err != nil {
		c.forget()
		_ = conn.exec("ROLLBACK") // a failed COMMIT can leave the transaction open
		out.all(pending, fmt.Errorf("storage: commit: %w", err))
		return
	}
	rec.committed()
	out.all(pending, nil)
}

// forget drops what the committer keeps in memory after a batch that did
// not commit: the audit tail and the notification directory are read again.
func (c *committer) forget() {
	c.tails.forget()
	c.dir.forget()
}

// runSavepoint runs fn behind a savepoint: on fn's error or panic its work
// is rolled back to the savepoint. The second result is an error of the
// savepoint statements themselves, which leaves the shared transaction
// unusable. With log, the job's write statements are recorded in it.
func runSavepoint(g *gorm.DB, tails *tailKeeper, dir *dirKeeper, j *job, log *writeLog) (r jobResult, broken error) {
	sp := &tx{g: g} // the savepoint statements, straight on the connection
	if err := sp.exec("SAVEPOINT caller"); err != nil {
		return jobResult{err: fmt.Errorf("storage: savepoint: %w", err)}, err
	}
	before := *tails // what the audit tail was at the savepoint
	// The directory notes itself: rows read inside a savepoint that rolls
	// back may be rows that never were, under a version number the next
	// change will take again.
	dir.savepoint()
	fg := g
	if log != nil {
		fg = recordingDB(g, log)
	}
	r = callFn(&tx{g: fg, tails: tails, dir: dir, ahead: j.ahead}, j.fn)
	if r.err != nil || r.panicked {
		*tails = before
		dir.rollBack()
		if err := sp.exec("ROLLBACK TO caller"); err != nil {
			return r, fmt.Errorf("storage: rollback to savepoint: %w", err)
		}
	}
	if err := sp.exec("RELEASE caller"); err != nil {
		return jobResult{err: fmt.Errorf("storage: release savepoint: %w", err)}, err
	}
	return r, nil
}

// callFn runs fn on t, a fresh domain.Tx, turning a panic into a result
// that the caller's goroutine re-raises.
func callFn(t *tx, fn func(tx domain.Tx) error) (r jobResult) {
	defer func() {
		if p := recover(); p != nil {
			r = jobResult{panicked: true, value: p}
		}
	}()
	return jobResult{err: fn(t)}
}

// replies are a batch's answers, sent together once the batch is done.
type replies []reply

type reply struct {
	j *job
	r jobResult
}

func (rs *replies) add(j *job, r jobResult) { *rs = append(*rs, reply{j, r}) }

// all answers every job of jobs with err.
func (rs *replies) all(jobs []*job, err error) {
	for _, j := range jobs {
		rs.add(j, jobResult{err: err})
	}
}

// send answers each caller; a job's channel is buffered, so this never blocks.
func (rs replies) send() {
	for _, x := range rs {
		x.j.res <- x.r
	}
}
