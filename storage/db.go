package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
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
	// log takes what storage finds wrong outside any caller's error (a
	// kept notice dropped by the reminder sweep); nil is slog's default.
	log *slog.Logger
}

// SetLog sets the logger of what storage reports outside any caller's
// error; the server gives it its own, so the lines are in its format.
func (d *DB) SetLog(l *slog.Logger) { d.log = l }

// logger is the log set by SetLog, or slog's default.
func (d *DB) logger() *slog.Logger {
	if d.log == nil {
		return slog.Default()
	}
	return d.log
}

var _ domain.Store = (*DB)(nil)

// Open connects to the database named by dsn: a PostgreSQL DSN
// (IsPostgresDSN) selects PostgreSQL, anything else is the path of a SQLite
// file, created (mode 0600) if missing. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return open(ctx, dsn, true)
}

// OpenExisting is Open for a database that must exist already: a SQLite
// path with no file is refused with ErrNoDatabase instead of becoming a new,
// empty database (a mistyped --db of a command that only reads or changes
// rows).
func OpenExisting(ctx context.Context, dsn string) (*DB, error) {
	return open(ctx, dsn, false)
}

// ErrNoDatabase says that a SQLite path names no file.
var ErrNoDatabase = errors.New("storage: no database at this path")

func open(ctx context.Context, dsn string, create bool) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case IsPostgresDSN(dsn):
		if err := lowerCaseKeywords(dsn); err != nil {
			return nil, err
		}
		db, err = openPostgres(dsn)
	case strings.Contains(dsn, "://"):
		// Not a file path anyone means: a misspelt scheme (postgress://,
		// pg://) would otherwise become a SQLite file named after the DSN,
		// password included.
		return nil, errUnknownScheme
	default:
		db, err = openSQLite(dsn, create)
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

var errUnknownScheme = errors.New("storage: the database is a SQLite file path or a PostgreSQL DSN (postgres://, postgresql:// or key=value); this one has another scheme")

// IsPostgresDSN tells whether dsn names a PostgreSQL database rather than a
// SQLite file: a postgres:// or postgresql:// URL, or the key=value form of
// libpq and pgx (host=db user=app dbname=exaccess). The key=value form is
// recognised by a libpq connection keyword followed by '=' at the start of
// dsn or after white space, the way the form separates its pairs. A file
// path holds such a word only right after a space or at its very start, so
// a SQLite file whose name begins like that is given as ./host=… instead.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") || pgKeyValue.MatchString(dsn)
}

// pgKeyValue finds a libpq connection keyword used as a key (libpq's
// documented keywords, and pgx's own).
var pgKeyValue = regexp.MustCompile(`(?i)(?:^|\s)(?:host|hostaddr|port|dbname|database|user|password|passfile|` +
	`sslmode|sslcert|sslkey|sslrootcert|sslcrl|sslpassword|sslsni|service|servicefile|connect_timeout|` +
	`application_name|fallback_application_name|options|target_session_attrs|channel_binding|` +
	`gssencmode|krbsrvname|krbspn|client_encoding|requiressl|keepalives[a-z_]*|tcp_user_timeout|` +
	`load_balance_hosts|min_read_buffer_size|statement_cache_capacity|default_query_exec_mode)\s*=`)

// lowerCaseKeywords refuses a key=value DSN that spells a connection
// keyword in upper or mixed case (HOST=db). libpq and pgx know their
// keywords in lower case only: pgx would send HOST to the server as a
// setting and connect to its default host instead, failing far from the
// cause. The DSN is recognised whatever the case (IsPostgresDSN), so that
// it never becomes a file name; here it is refused, naming the keyword.
// The pairs are split the way pgx splits them, so a quoted value that
// holds such a word (password='HOST=x') is a value, left alone.
func lowerCaseKeywords(dsn string) error {
	if strings.Contains(dsn, "://") {
		return nil
	}
	const space = " \t\n\r\v\f"
	s := strings.TrimLeft(dsn, space)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil // pgx says what is wrong with it
		}
		key := strings.Trim(s[:eq], space)
		if lower := strings.ToLower(key); key != lower && pgKeyValue.MatchString(lower+"=") {
			return fmt.Errorf("storage: the PostgreSQL DSN's keyword %s must be written in lower case, %s= (libpq and pgx know no other spelling)", key, lower)
		}
		s = strings.TrimLeft(s[eq+1:], space)
		end := 0
		if strings.HasPrefix(s, "'") {
			for end = 1; end < len(s) && s[end] != '\''; end++ {
				if s[end] == '\\' {
					end++
				}
			}
			end++ // the closing quote
		} else {
			for ; end < len(s) && !strings.ContainsRune(space, rune(s[end])); end++ {
				if s[end] == '\\' {
					end++
				}
			}
		}
		s = strings.TrimLeft(s[min(end, len(s)):], space)
	}
	return nil
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
