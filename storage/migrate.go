package storage

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migrationFiles are the schema migrations, one directory per dialect, named
// NNNN_what.sql. A released file is never edited: a change is a new file.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned (wrapped) by Migrate and CheckSchema when the
// database was migrated by a newer binary than this one.
var ErrSchemaTooNew = errors.New("storage: database schema is newer than this binary")

// migrateLockKey names the PostgreSQL advisory lock that serializes
// migrations of several processes starting at once ("exaccess" in ASCII).
const migrateLockKey = 0x6578616363657373

type migration struct {
	version int
	name    string
	sql     string
	// then is the migration's step in Go, if it has one (goSteps), run in
	// its transaction after its SQL: for what SQL cannot compute as the
	// application does.
	then func(tx *gorm.DB) error
}

// goSteps are the migrations' steps in Go, by version.
var goSteps = map[int]func(tx *gorm.DB) error{
	30: keyFrameworkReferences,
}

// Migrate brings the schema up to LatestVersion, each missing migration in
// its own transaction, then loads the embedded reference data and keys
// the framework references an older binary stored without their key
// (keyFrameworkReferences). It refuses a
// database whose schema is newer than this binary. Running it again, or in
// two processes at once, is harmless.
func (d *DB) Migrate(ctx context.Context) error {
	all, err := d.migrations()
	if err != nil {
		return err
	}
	if err := d.lockedTx(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("storage: create schema_migrations: %w", err)
	}
	if err := d.CheckSchema(ctx); err != nil && !errors.Is(err, errSchemaBehind) {
		return err
	}
	for _, m := range all {
		if err := d.lockedTx(ctx, m.apply); err != nil {
			return fmt.Errorf("storage: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return d.lockedTx(ctx, func(tx *gorm.DB) error {
		if err := loadReferenceData(tx); err != nil {
			return err
		}
		return keyFrameworkReferences(tx)
	})
}

var errSchemaBehind = errors.New("storage: database schema is behind this binary; run exaccess migrate")

// SchemaMismatch tells whether err, from CheckSchema, is a database at
// another schema version than this binary's (ahead or behind), rather than
// one that could not be read.
func SchemaMismatch(err error) bool {
	return errors.Is(err, ErrSchemaTooNew) || errors.Is(err, errSchemaBehind)
}

// CheckSchema reports whether the database is at exactly LatestVersion: nil
// if so, an error wrapping ErrSchemaTooNew if it is ahead, another error if
// it is behind. Readiness checks use it.
func (d *DB) CheckSchema(ctx context.Context) error {
	v, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := LatestVersion()
	switch {
	case v > latest:
		return fmt.Errorf("%w: the database is at version %d, this binary knows up to version %d; upgrade exaccess",
			ErrSchemaTooNew, v, latest)
	case v < latest:
		return fmt.Errorf("%w (at version %d, latest %d)", errSchemaBehind, v, latest)
	}
	return nil
}

// AuditTablesVersion is the migration that last changed a table `exaccess
// audit verify --db` reads: audit_log and counters came with 0001,
// audit_hashes and audit_checkpoints with 0003, audit_cosignatures with
// 0007, and no migration since has changed any of them.
const AuditTablesVersion = 7

// CheckAuditSchema reports whether this binary can verify the database's
// audit log as it stands, without migrating it: a database of any version
// from AuditTablesVersion to LatestVersion, so that a backup taken before
// an upgrade (one version behind, or more) is checked as it is. A schema
// newer than this binary is refused (wrapping ErrSchemaTooNew): its audit
// tables may have changed in ways this binary cannot read.
func (d *DB) CheckAuditSchema(ctx context.Context) error {
	v, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if latest := LatestVersion(); v > latest {
		return fmt.Errorf("%w: the database is at version %d, this binary knows up to version %d; verify it with the release that wrote it",
			ErrSchemaTooNew, v, latest)
	}
	if v < AuditTablesVersion {
		return fmt.Errorf("storage: the database is at schema version %d, older than the audit tables this binary reads (version %d); "+
			"verify it with the release that wrote it, or run exaccess migrate on a copy of it", v, AuditTablesVersion)
	}
	return nil
}

// SchemaVersion is the highest migration recorded in the database, 0 for an
// empty database.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	g := d.writer.WithContext(ctx)
	if !g.Migrator().HasTable("schema_migrations") {
		return 0, nil
	}
	var v int
	if err := g.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("storage: schema version: %w", err)
	}
	return v, nil
}

// LatestVersion is the newest migration embedded in this binary. Both
// dialects always have the same versions (a test checks it).
func LatestVersion() int {
	all, err := loadMigrations(DialectSQLite)
	if err != nil || len(all) == 0 {
		return 0
	}
	return all[len(all)-1].version
}

func (d *DB) migrations() ([]migration, error) { return loadMigrations(d.dialect) }

// lockedTx runs fn in a write transaction that, on PostgreSQL, first takes
// the migration advisory lock. On SQLite the writer's BEGIN IMMEDIATE
// already excludes every other writer, in this process or another.
func (d *DB) lockedTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return d.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if d.dialect == DialectPostgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", int64(migrateLockKey)).Error; err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// createMigrationsTable creates the one table that migrations cannot create
// themselves, with the timestamp type of the rest of the schema.
func createMigrationsTable(tx *gorm.DB) error {
	ts := "TIMESTAMP"
	if tx.Dialector.Name() == DialectPostgres {
		ts = "timestamptz"
	}
	return tx.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at " +
		ts + " NOT NULL)").Error
}

// apply runs m unless it is recorded already. The check happens under the
// lock, so of two processes migrating at once only the first applies it.
func (m migration) apply(tx *gorm.DB) error {
	var n int64
	if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if err := tx.Exec(m.sql).Error; err != nil {
		return err
	}
	if m.then != nil {
		if err := m.then(tx); err != nil {
			return err
		}
	}
	return tx.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
		m.version, time.Now().UTC().Truncate(time.Microsecond)).Error
}

func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("storage: migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		m, err := parseMigration(dir, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("storage: migrations/%s: version %d is missing or doubled", dialect, i+1)
		}
	}
	return out, nil
}

func parseMigration(dir, file string) (migration, error) {
	num, name, ok := strings.Cut(strings.TrimSuffix(file, ".sql"), "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return migration{}, fmt.Errorf("storage: %s/%s: name must be NNNN_what.sql", dir, file)
	}
	body, err := migrationFiles.ReadFile(path.Join(dir, file))
	if err != nil {
		return migration{}, err
	}
	return migration{version: v, name: name, sql: string(body), then: goSteps[v]}, nil
}
