package storage

import (
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// WAL checkpoints off the writer. SQLite's automatic checkpoint runs inside
// the COMMIT that pushes the WAL past 1,000 pages: the committing
// connection copies the pages back into the database file and fsyncs it,
// and on a SQLite server that connection is the group committer, so every
// caller waits for it. The writer's automatic checkpoint is therefore
// raised to a safety net (writerAutoCheckpoint pages, reached only if the
// checkpointer below falls far behind), and a goroutine with a connection
// of its own runs PASSIVE checkpoints every walCheckpointEvery: a PASSIVE
// checkpoint takes no write lock, so the committer keeps committing while it
// copies, and one checkpoint per interval copies a page written by many
// transactions once instead of once per 1,000 pages of log. Durability does
// not change: a commit is durable once its WAL frames are synced
// (synchronous=FULL), checkpoint or not.

// walCheckpointEvery is how often the checkpointer copies the log back.
const walCheckpointEvery = 100 * time.Millisecond

// writerAutoCheckpoint is the writer's own automatic checkpoint threshold in
// pages (16 MB of 4 KB pages): far above what the checkpointer lets build up.
const writerAutoCheckpoint = 4096

// walCheckpointer runs PASSIVE checkpoints on its own connection.
type walCheckpointer struct {
	db   *sql.DB
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

// startWALCheckpointer opens the checkpoint connection to path and starts
// the loop.
func startWALCheckpointer(path string) (*walCheckpointer, error) {
	db, err := sql.Open("sqlite3", sqliteDSN(path, sqliteParams()))
	if err != nil {
		return nil, fmt.Errorf("storage: open checkpoint connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &walCheckpointer{db: db, stop: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c, nil
}

func (c *walCheckpointer) run() {
	defer c.done.Done()
	t := time.NewTicker(walCheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// An error (SQLITE_BUSY while another checkpoint runs, say)
			// leaves the pages for the next tick or the writer's own
			// threshold; nothing is lost by skipping one.
			_, _ = c.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// close stops the loop and closes the connection; the writer, closing last,
// checkpoints what is left.
func (c *walCheckpointer) close() {
	c.once.Do(func() {
		close(c.stop)
		c.done.Wait()
		c.db.Close()
	})
}
