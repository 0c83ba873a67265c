package storage

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// Test-only access to the pools, for checks that need raw SQL (PRAGMAs,
// query plans, stored bytes, a forged schema version).

func (d *DB) WriterForTest() *gorm.DB { return d.writer }
func (d *DB) ReaderForTest() *gorm.DB { return d.reader }

// ExplainListForTest explains the very SQL ListRequests runs for f, with
// its values bound as the server binds them, so a plan test cannot drift
// from the query it checks: SQLite's plan, made before the values are
// known, or PostgreSQL's generic plan of the prepared statement (the one a
// statement cached by the driver ends up with), with sequential scans,
// bitmap scans and sorts priced out (explainPriced).
func (d *DB) ExplainListForTest(f domain.RequestFilter) (string, error) {
	stmt := listQuery(d.reader.Session(&gorm.Session{DryRun: true}), f).Limit(51).Find(&[]requestRow{}).Statement
	return d.explainBound(stmt.SQL.String(), stmt.Vars)
}

// explainBound explains sql with its values bound as the server binds
// them: SQLite's plan, made before the values are known, or PostgreSQL's
// generic plan of the prepared statement, with sequential scans, bitmap
// scans and sorts priced out (explainPriced). One step per " | ".
func (d *DB) explainBound(sql string, vars []any) (string, error) {
	if d.dialect != DialectPostgres {
		return explainPlan(d.reader, sql, vars...)
	}
	args := make([]string, len(vars))
	for i, v := range vars {
		switch v := v.(type) {
		case string:
			args[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case int:
			args[i] = fmt.Sprint(v)
		case bool:
			args[i] = fmt.Sprint(v)
		case time.Time:
			args[i] = "'" + v.UTC().Format(time.RFC3339Nano) + "'"
		case sqlDate:
			args[i] = "'" + v.Format(time.DateOnly) + "'"
		default:
			return "", fmt.Errorf("explain: value %d is a %T", i+1, v)
		}
	}
	name := fmt.Sprintf("exaccess_list_plan_%d", explainCount.Add(1))
	var plan []string
	err := d.reader.Transaction(func(tx *gorm.DB) error {
		for _, set := range []string{"enable_seqscan = off", "enable_bitmapscan = off", "enable_sort = off",
			"plan_cache_mode = force_generic_plan"} {
			if err := tx.Exec("SET LOCAL " + set).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec("PREPARE " + name + " AS " + sql).Error; err != nil {
			return err
		}
		explained := tx.Raw("EXPLAIN EXECUTE " + name + "(" + strings.Join(args, ", ") + ")").Scan(&plan).Error
		if err := tx.Exec("DEALLOCATE " + name).Error; err != nil {
			return err
		}
		return explained
	})
	return strings.Join(plan, " | "), err
}

// ExplainStatusIndexQueriesForTest explains, by name, with explainBound,
// the very SQL of the queries that read the indexes of migration 0031
// (each holding the rows of one status only): the queue's walks, the
// overdue-stage count, the expiry sweep's and the expired requests'
// walks; and the inbox page and the delivery claim, whose probe of a
// notification's stage (stageOpen) must go by the stage's key.
func (d *DB) ExplainStatusIndexQueriesForTest(now time.Time) (map[string]string, error) {
	dry := func() *gorm.DB { return d.reader.Session(&gorm.Session{DryRun: true}) }
	cursor := &domain.QueueCursor{DueAt: now, RequestID: "r", StageID: "s"}
	queue := func(f domain.QueueFilter) *gorm.DB {
		return queueQuery(dry(), f.Roles[0], f).Limit(51).Scan(&[]queueRow{})
	}
	var n int64
	stmts := map[string]*gorm.DB{
		"queue":                  queue(domain.QueueFilter{Roles: []domain.Role{domain.RoleHNS}}),
		"queue, nation, overdue": queue(domain.QueueFilter{Roles: []domain.Role{domain.RoleRange}, Nation: "NO", OverdueAt: &now}),
		"queue, next page":       queue(domain.QueueFilter{Roles: []domain.Role{domain.RoleOperations}, After: cursor}),
		"overdue stages":         overdueStagesQuery(dry(), now).Count(&n),
		"expiry sweep":           expiryQuery(dry(), domain.ScheduleWindowAt(now), scheduleLimit).Find(&[]requestRow{}),
		"expired":                expiredQuery(dry(), now, 100).Find(&[]requestRow{}),
		"inbox": inboxQuery(dry(), domain.InboxFilter{Username: "hns", Reach: domain.RequestReach{All: true}},
			domain.DefaultInboxPage).Scan(&[]inboxRow{}),
		"delivery claim": claimQuery(dry(), now, 50, domain.ClaimScope{}).Scan(&[]claimedRow{}),
	}
	out := map[string]string{}
	for name, stmt := range stmts {
		plan, err := d.explainBound(stmt.Statement.SQL.String(), stmt.Statement.Vars)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, stmt.Statement.SQL.String(), err)
		}
		out[name] = plan
	}
	return out, nil
}

// explainCount names each prepared statement ExplainListForTest makes.
var explainCount atomic.Int64

// IndexHoldsForTest reports whether the index of requests named would hold
// a row of the given status, with a submission time or without: true for
// an index that is not partial, else what its condition says of such a row.
func (d *DB) IndexHoldsForTest(index string, status domain.Status, submitted bool) (bool, error) {
	var pred string
	if d.dialect == DialectPostgres {
		var preds []string
		err := d.reader.Raw(`SELECT COALESCE(pg_get_expr(i.indpred, i.indrelid), '') FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = ?`, index).Scan(&preds).Error
		if err != nil || len(preds) != 1 {
			return false, fmt.Errorf("index %s: %d found, %v", index, len(preds), err)
		}
		pred = preds[0]
	} else if !strings.HasPrefix(index, "sqlite_autoindex_") {
		var defs []string
		err := d.reader.Raw(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, index).Scan(&defs).Error
		if err != nil || len(defs) != 1 {
			return false, fmt.Errorf("index %s: %d found, %v", index, len(defs), err)
		}
		if i := strings.Index(strings.ToUpper(defs[0]), " WHERE "); i >= 0 {
			pred = defs[0][i+len(" WHERE "):]
		}
	}
	if pred == "" {
		return true, nil
	}
	var at *time.Time
	if submitted {
		t := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		at = &t
	}
	row := "SELECT CAST(? AS TEXT) AS status, CAST(? AS TIMESTAMP) AS submitted_at"
	if d.dialect == DialectPostgres {
		row = "SELECT CAST(? AS text) AS status, CAST(? AS timestamptz) AS submitted_at"
	}
	var n int64
	err := d.reader.Raw("SELECT COUNT(*) FROM ("+row+") r WHERE "+pred, string(status), at).Scan(&n).Error
	return n == 1, err
}

// explainPlan returns SQLite's query plan for sql, one step per " | ".
func explainPlan(g *gorm.DB, sql string, vars ...any) (string, error) {
	var plan []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := g.Raw("EXPLAIN QUERY PLAN "+sql, vars...).Scan(&plan).Error; err != nil {
		return "", err
	}
	details := make([]string, len(plan))
	for i, p := range plan {
		details[i] = p.Detail
	}
	return strings.Join(details, " | "), nil
}

// ExplainAuditEventsForTest explains the very SQL AuditEvents runs for f,
// one step per " | ": SQLite's query plan, or PostgreSQL's with sequential
// scans, bitmap scans and sorts priced out, so that on a small test table
// the plan still shows whether an index can serve the filter and the order
// (a sort left in the plan says none can).
func (d *DB) ExplainAuditEventsForTest(ctx context.Context, f domain.AuditFilter) (string, error) {
	g := d.reader.WithContext(ctx)
	return d.explainPriced(g, g.ToSQL(func(tx *gorm.DB) *gorm.DB { return auditEventsQuery(tx, f).Limit(51).Find(&[]auditRow{}) }))
}

// ExplainHistoryForTest explains the very SQL ListHistory runs for f, as
// ExplainAuditEventsForTest does: on PostgreSQL with sequential scans,
// bitmap scans and sorts priced out.
func (d *DB) ExplainHistoryForTest(ctx context.Context, f domain.HistoryFilter) (string, error) {
	g := d.reader.WithContext(ctx)
	return d.explainPriced(g, g.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return historyQuery(tx, f).Limit(domain.MaxHistoryPage + 1).Find(&[]auditRow{})
	}))
}

// explainPriced is SQLite's plan of sql, or PostgreSQL's with sequential
// scans, bitmap scans and sorts priced out, one step per " | ".
func (d *DB) explainPriced(g *gorm.DB, sql string) (string, error) {
	if d.dialect != DialectPostgres {
		return explainPlan(g, sql)
	}
	var plan []string
	err := g.Transaction(func(tx *gorm.DB) error {
		for _, off := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
			if err := tx.Exec("SET LOCAL " + off + " = off").Error; err != nil {
				return err
			}
		}
		return tx.Raw("EXPLAIN " + sql).Scan(&plan).Error
	})
	return strings.Join(plan, " | "), err
}

// DecodeAuditEntryForTest decodes stored canonical entry bytes.
func DecodeAuditEntryForTest(b []byte) (domain.AuditEntry, error) { return decodeAuditEntry(b) }

// SetScheduleLimitForTest lowers the reminder sweep's limit of each
// candidate query, so a test can store a backlog larger than it.
func (d *DB) SetScheduleLimitForTest(n int) { d.scheduleLimit = n }

// ExplainStageQueriesForTest explains, on SQLite, the very SQL of the
// reminder sweep's stage queries at now, by kind of notice.
func (d *DB) ExplainStageQueriesForTest(now time.Time) (map[string]string, error) {
	out := map[string]string{}
	for _, q := range stageQueries(domain.ScheduleWindowAt(now)) {
		sql := d.reader.ToSQL(func(tx *gorm.DB) *gorm.DB { return q.find(tx, scheduleLimit).Scan(&[]stageCandidateRow{}) })
		plan, err := explainPlan(d.reader, sql)
		if err != nil {
			return nil, err
		}
		out[q.kind] = plan
	}
	return out, nil
}

// ExplainWithdrawForTest is SQLite's plan of WithdrawQueuedDeliveries's
// update.
func (d *DB) ExplainWithdrawForTest() (string, error) {
	g := d.reader
	return explainPlan(g, g.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return withdrawQuery(tx, "reason", time.Now(), queuedTo("u", domain.ChannelEmail, domain.ChannelWebhook))
	}))
}

// ExplainWithdrawDelegationForTest is SQLite's plan of
// WithdrawDelegationNotices's update.
func (d *DB) ExplainWithdrawDelegationForTest() (string, error) {
	g := d.reader
	return explainPlan(g, g.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return withdrawQuery(tx, "reason", time.Now(), queuedAbout("u", "d1"))
	}))
}

// ExplainReaddressForTest explains ReaddressQueuedMail's UPDATE (SQLite).
func (d *DB) ExplainReaddressForTest() (string, error) {
	g := d.reader
	return explainPlan(g, g.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return tx.Model(&notificationRow{}).Where(queuedTo("u", domain.ChannelEmail)).Update("address", "new@example.org")
	}))
}

// SignInMisses sums the refused sign-ins of unknown names.
func (d *DB) SignInMisses(ctx context.Context) (int64, error) {
	var n int64
	err := d.reader.WithContext(ctx).Raw(`SELECT COALESCE(SUM(misses), 0) FROM signin_misses`).Scan(&n).Error
	return n, translate(err, "sign-in misses")
}

// HasRoleForTest runs hasRole, as this database's dialect writes it, on
// one roles column.
func (d *DB) HasRoleForTest(roles string, r domain.Role) (bool, error) {
	var n int
	err := d.reader.Raw("SELECT count(*) FROM (SELECT CAST(? AS TEXT) AS roles) AS t WHERE "+hasRole(d.dialect),
		roles, roleElement(r)).Row().Scan(&n)
	return n > 0, err
}

// HoldsRoleForTest is the directory's test of the same roles column.
func HoldsRoleForTest(roles string, r domain.Role) bool {
	d := &directory{users: []*dirUser{{roles: roles}}, holders: map[domain.Role][]*dirUser{}}
	return len(d.holdersOf(r)) == 1
}

// DelegationEndMicrosForTest is a delegation's ends_at as the reminder
// sweep's SQL reads it into a notice key (unixMicros).
func (d *DB) DelegationEndMicrosForTest(ctx context.Context, id string) (int64, error) {
	var n int64
	err := d.reader.WithContext(ctx).Raw("SELECT "+unixMicros(d.dialect, "ends_at")+" FROM delegations WHERE id = ?", id).
		Row().Scan(&n)
	return n, err
}

// SetExportShortcutForTest makes an export's check take the whole-table
// shortcut from ranges of n entries, until the returned function is called.
func SetExportShortcutForTest(n int64) func() {
	old := shortcutFrom
	shortcutFrom = n
	return func() { shortcutFrom = old }
}

// RunMigrationForTest runs migration version's SQL again on a migrated
// database, over rows a test stored as the schema before it left them.
func (d *DB) RunMigrationForTest(ctx context.Context, version int) error {
	all, err := d.migrations()
	if err != nil {
		return err
	}
	return d.writer.WithContext(ctx).Exec(all[version-1].sql).Error
}

// SetSyncBackupDirForTest replaces the directory sync of Backup until the
// returned function restores it.
func SetSyncBackupDirForTest(f func(string) error) (restore func()) {
	old := syncBackupDir
	syncBackupDir = f
	return func() { syncBackupDir = old }
}

// MigrateToForTest applies the migrations up to version only, as an older
// binary left the database, so that a test can write rows of that schema
// and see what a later migration makes of them.
func (d *DB) MigrateToForTest(ctx context.Context, version int) error {
	all, err := d.migrations()
	if err != nil {
		return err
	}
	if err := d.lockedTx(ctx, createMigrationsTable); err != nil {
		return err
	}
	for _, m := range all {
		if m.version > version {
			break
		}
		if err := d.lockedTx(ctx, m.apply); err != nil {
			return err
		}
	}
	return nil
}
