package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"exaccess/domain"
)

// Dialect names, as returned by (*DB).Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// postgresPoolSize bounds the PostgreSQL pool. PostgreSQL commits concurrent
// transactions together (group commit); the measured gain levels off around
// 16 clients (docs/product.md, "What the storage design rests on"), and more connections only add
// lock waits on the audit counter row.
const postgresPoolSize = 16

// DB is the storage of Exercise Access: it implements domain.Store and hands
// out domain.Tx inside InTx. On SQLite it holds one writer connection and a
// separate read-only pool; on PostgreSQL both are the same pool.
type DB struct {
	dialect string
	writer  *gorm.DB         // every write transaction; exactly one connection on SQLite
	reader  *gorm.DB         // Store reads; query-only on SQLite
	path    string           // the SQLite file, for online backups; "" on PostgreSQL
	batch   *committer       // SQLite's group commit of InTx; nil on PostgreSQL
	ahead   *aheadPool       // SQLite's read-ahead of changes (readahead.go); nil on PostgreSQL
	ckpt    *walCheckpointer // SQLite's WAL checkpoints off the writer; nil on PostgreSQL
	// scheduleLimit, when not 0, replaces the reminder sweep's limit per
	// query (a test's backlog).
	scheduleLimit int
}

var _ domain.Store = (*DB)(nil)

// Open connects to the database named by dsn: a postgres:// or postgresql://
// URL selects PostgreSQL, anything else is the path of a SQLite file (created
// if missing). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	if isPostgresDSN(dsn) {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// gormConfig is shared by every pool. The logger is silent because GORM's
// SQL log would print values: passwords hashes, key material, personal data.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		TranslateError:         true, // duplicate keys arrive as gorm.ErrDuplicatedKey, not driver text
		SkipDefaultTransaction: true, // our writes already run in InTx; a nested implicit tx only costs
		DisableAutomaticPing:   true, // Open pings with the caller's context instead
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
}

func openPostgres(dsn string) (*DB, error) {
	g, err := gorm.Open(postgres.New(postgres.Config{DSN: dsn}), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("storage: open postgres: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("storage: open postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(postgresPoolSize)
	sqlDB.SetMaxIdleConns(postgresPoolSize)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: DialectPostgres, writer: g, reader: g}, nil
}

// Dialect is "sqlite" or "postgres".
func (d *DB) Dialect() string { return d.dialect }

// Ping checks that both pools reach the database.
func (d *DB) Ping(ctx context.Context) error {
	for _, g := range d.pools() {
		sqlDB, err := g.DB()
		if err != nil {
			return fmt.Errorf("storage: ping: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return fmt.Errorf("storage: ping: %w", err)
		}
	}
	return nil
}

// Close closes the read pool, then the writer: on SQLite the last connection
// to close checkpoints the WAL into the database file.
func (d *DB) Close() error {
	if d.batch != nil {
		d.batch.close()
	}
	if d.ckpt != nil {
		d.ckpt.close()
	}
	var errs []error
	for _, g := range d.pools() {
		sqlDB, err := g.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pools lists the distinct pools, readers first.
func (d *DB) pools() []*gorm.DB {
	if d.reader == d.writer {
		return []*gorm.DB{d.writer}
	}
	if d.ahead != nil {
		return []*gorm.DB{d.ahead.g, d.reader, d.writer}
	}
	return []*gorm.DB{d.reader, d.writer}
}
