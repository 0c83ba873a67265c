package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"exaccess/domain"
)

type frameworkRow struct {
	ID               string    `gorm:"column:id;primaryKey"`
	Nation           string    `gorm:"column:nation"`
	Name             string    `gorm:"column:name"`
	Reference        string    `gorm:"column:reference"`
	ReferenceKey     string    `gorm:"column:reference_key"`
	ValidFrom        sqlDate   `gorm:"column:valid_from"`
	ValidUntil       sqlDate   `gorm:"column:valid_until"`
	TrainingAreas    string    `gorm:"column:training_areas"`
	EntryPoints      string    `gorm:"column:entry_points"`
	PersonnelCeiling int       `gorm:"column:personnel_ceiling"`
	LiveFire         bool      `gorm:"column:live_fire"`
	DangerousGoods   bool      `gorm:"column:dangerous_goods"`
	Notes            string    `gorm:"column:notes"`
	Suspended        bool      `gorm:"column:suspended"`
	Version          int       `gorm:"column:version"`
	CreatedAt        time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (frameworkRow) TableName() string { return "frameworks" }

func newFrameworkRow(f *domain.Framework) (frameworkRow, error) {
	areas, err1 := json.Marshal(nonNilStrings(f.TrainingAreas))
	points, err2 := json.Marshal(nonNilStrings(f.EntryPoints))
	if err1 != nil || err2 != nil {
		return frameworkRow{}, fmt.Errorf("storage: encode framework lists")
	}
	return frameworkRow{ID: f.ID, Nation: f.Nation, Name: f.Name, Reference: f.Reference, ReferenceKey: domain.ReferenceKey(f.Reference),
		ValidFrom: newSQLDate(f.ValidFrom), ValidUntil: newSQLDate(f.ValidUntil), TrainingAreas: string(areas),
		EntryPoints: string(points), PersonnelCeiling: f.PersonnelCeiling, LiveFire: f.LiveFire,
		DangerousGoods: f.DangerousGoods, Notes: f.Notes, Suspended: f.Suspended, Version: f.Version,
		CreatedAt: dbTime(f.CreatedAt), UpdatedAt: dbTime(f.UpdatedAt)}, nil
}

func toDomainFramework(row frameworkRow) (*domain.Framework, error) {
	f := &domain.Framework{ID: row.ID, Version: row.Version, CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
		FrameworkTerms: domain.FrameworkTerms{Nation: row.Nation, Name: row.Name, Reference: row.Reference,
			ValidFrom: row.ValidFrom.Time, ValidUntil: row.ValidUntil.Time, PersonnelCeiling: row.PersonnelCeiling,
			LiveFire: row.LiveFire, DangerousGoods: row.DangerousGoods, Notes: row.Notes, Suspended: row.Suspended}}
	if err := json.Unmarshal([]byte(row.TrainingAreas), &f.TrainingAreas); err != nil {
		return nil, fmt.Errorf("storage: framework %s: training areas: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.EntryPoints), &f.EntryPoints); err != nil {
		return nil, fmt.Errorf("storage: framework %s: entry points: %w", row.ID, err)
	}
	return f, nil
}

// The row locks of a framework agreement on PostgreSQL (READ COMMITTED),
// held until commit; SQLite's single writer runs one write after the
// other and takes none. A write that decides by the agreement whether it
// covers a request (a submission or resubmission choosing the fast track,
// a final approval checking it still covers the request) and the
// administrator's change of the agreement, which tells the requests in
// review it stops covering (domain.notifyFrameworkLapsed), must see each
// other: unlocked, the change could list the requests in review before a
// submission that read the old terms committed, and that request would be
// on the fast track of, say, a suspended agreement, told nothing
// (TestRaceSubmitVersusFrameworkSuspension,
// TestRaceFinalApprovalVersusFrameworkSuspension).
//
// The readers take FOR KEY SHARE, the change FOR UPDATE, the one lock that
// KEY SHARE waits for (and that waits for it). KEY SHARE is the weakest
// row lock: every fast-track submission takes it, and submissions and
// approvals on one agreement never wait for each other. The change takes
// FOR UPDATE explicitly, at its first read of the row: its UPDATE alone
// takes only FOR NO KEY UPDATE when the agreement keeps its id, nation and
// reference (a suspension, an end, a narrowing), which KEY SHARE does not
// wait for. FOR UPDATE costs nothing else here: no foreign key references
// an agreement, so nothing else takes KEY SHARE on its row, and changes of
// one agreement take turns as their compare-and-set on version made them
// anyway. (FOR SHARE with FOR NO KEY UPDATE would conflict too, but put
// the stronger lock on every submission rather than on the rare change.)
// Read with FOR UPDATE, the change also reads the row as it is after a
// change it waited for, so its version check and the terms it compares
// against are current.
//
// Lock order (docs/architecture.md, "Concurrency"): a transaction locks at
// most one agreement, before anything else it locks — the training areas,
// the counters, the request's row, the load rows, the audit counter last.
// The change locks nothing else before the audit counter. So no
// transaction holding something a reader or the change waits for ever
// waits for an agreement, and none deadlocks on one.
const (
	frameworkReadLock   = "KEY SHARE"
	frameworkChangeLock = "UPDATE"
)

// getFramework reads agreement id; with lock (frameworkReadLock,
// frameworkChangeLock), on PostgreSQL, it takes the row's lock.
func getFramework(g *gorm.DB, id string, lock string) (*domain.Framework, error) {
	q := g.Where("id = ?", id)
	if lock != "" && g.Dialector.Name() == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: lock})
	}
	var row frameworkRow
	if err := q.Take(&row).Error; err != nil {
		return nil, translate(err, "framework agreement")
	}
	return toDomainFramework(row)
}

// GetFramework reads one framework agreement.
func (d *DB) GetFramework(ctx context.Context, id string) (*domain.Framework, error) {
	return getFramework(d.reader.WithContext(ctx), id, "")
}

// ListFrameworks returns the agreements of nation (all when ""), newest first.
func (d *DB) ListFrameworks(ctx context.Context, nation string) ([]domain.Framework, error) {
	q := d.reader.WithContext(ctx).Model(&frameworkRow{})
	if nation != "" {
		q = q.Where("nation = ?", nation)
	}
	var rows []frameworkRow
	if err := q.Order("id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, translate(err, "framework agreements")
	}
	out := make([]domain.Framework, 0, len(rows))
	for _, row := range rows {
		f, err := toDomainFramework(row)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, nil
}

// GetFramework reads one agreement inside the transaction, for a write
// that decides by it whether it covers a request: FOR KEY SHARE on
// PostgreSQL (frameworkReadLock), so that a change of the agreement waits
// for the write to commit, and the write for a change under way.
func (t *tx) GetFramework(id string) (*domain.Framework, error) {
	return getFramework(t.g, id, frameworkReadLock)
}

// GetFrameworkForUpdate reads one agreement inside the transaction that
// changes it: FOR UPDATE on PostgreSQL (frameworkChangeLock), taken before
// the change lists the requests in review it may stop covering.
func (t *tx) GetFrameworkForUpdate(id string) (*domain.Framework, error) {
	return getFramework(t.g, id, frameworkChangeLock)
}

// CreateFramework inserts f, with its reference_key (domain.ReferenceKey)
// and dup_seq 0 (the column's default): a key another agreement of the
// nation holds with 0 is a conflict (the unique index
// frameworks_nation_reference, migration 0030).
func (t *tx) CreateFramework(f *domain.Framework) error {
	row, err := newFrameworkRow(f)
	if err != nil {
		return err
	}
	return translate(t.g.Create(&row).Error, "framework agreement")
}

// FrameworksWithReference returns the ids of nation's agreements whose
// reference is reference: whose reference, as stored, has the
// domain.ReferenceKey of reference. The keys are compared here, in Go, as
// the nation's agreements (a few rows) are read, not by the stored
// reference_key, so that an agreement a binary older than migration 0030
// stored or renamed without the key, during a rolling upgrade, is found
// too; the unique index compares the stored keys.
func (t *tx) FrameworksWithReference(nation, reference string) ([]string, error) {
	var rows []struct{ ID, Reference string }
	if err := t.g.Model(&frameworkRow{}).Select("id", "reference").Where("nation = ?", nation).Order("id").
		Scan(&rows).Error; err != nil {
		return nil, translate(err, "framework agreements")
	}
	key := domain.ReferenceKey(reference)
	var ids []string
	for _, r := range rows {
		if domain.ReferenceKey(r.Reference) == key {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// UpdateFramework stores f if the stored version is still expectedVersion.
// An agreement whose nation or reference_key (domain.ReferenceKey) changes
// gets dup_seq 0, so the unique index frameworks_nation_reference
// (migration 0030) holds its new reference; one that keeps them keeps its
// dup_seq, so an agreement stored twice under one reference before the
// index can still be amended. The CASE reads the row as it was: SQL
// evaluates every SET expression before assigning any.
func (t *tx) UpdateFramework(f *domain.Framework, expectedVersion int) error {
	row, err := newFrameworkRow(f)
	if err != nil {
		return err
	}
	res := t.g.Model(&frameworkRow{}).Where("id = ? AND version = ?", f.ID, expectedVersion).
		Updates(map[string]any{"nation": row.Nation, "name": row.Name, "reference": row.Reference,
			"reference_key": row.ReferenceKey,
			"valid_from":    row.ValidFrom, "valid_until": row.ValidUntil, "training_areas": row.TrainingAreas,
			"entry_points": row.EntryPoints, "personnel_ceiling": row.PersonnelCeiling, "live_fire": row.LiveFire,
			"dangerous_goods": row.DangerousGoods, "notes": row.Notes, "suspended": row.Suspended,
			"version": row.Version, "updated_at": row.UpdatedAt,
			"dup_seq": gorm.Expr("CASE WHEN nation = ? AND reference_key = ? THEN dup_seq ELSE 0 END",
				row.Nation, row.ReferenceKey)})
	if res.Error != nil {
		return translate(res.Error, "framework agreement")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.CodePreconditionFailed, "the framework agreement has changed since version %d", expectedVersion)
	}
	return nil
}

// keyFrameworkReferences gives every agreement whose reference_key is not
// domain.ReferenceKey of its reference (NULL, or stale) that key, with the
// first dup_seq free within its nation and key; agreements whose key is
// right keep theirs. It is migration 0030's step in Go, run in its
// transaction after its SQL: there every key is NULL, so the agreements of
// a nation that share a key are numbered by id (ids are time-ordered), the
// first 0 and each later one 1, 2, ... It runs again after every Migrate
// (a few rows), for the agreements a binary older than 0030, still running
// beside a migrated one, stored or changed without the key. Computed here
// rather than in SQL, whose lower() and trim() differ between SQLite and
// PostgreSQL and from Go's, so the agreements stored before are held by
// exactly the rule of the ones stored after. The references themselves
// are kept as they were stored.
func keyFrameworkReferences(g *gorm.DB) error {
	var rows []struct {
		ID, Nation, Reference string
		ReferenceKey          *string
		DupSeq                int
	}
	// With their locks on PostgreSQL: a rename a running server has not
	// committed yet is waited for and read, not overwritten with a key
	// computed from the reference before it.
	q := "SELECT id, nation, reference, reference_key, dup_seq FROM frameworks ORDER BY id"
	if g.Dialector.Name() == DialectPostgres {
		q += " FOR UPDATE"
	}
	if err := g.Raw(q).Scan(&rows).Error; err != nil {
		return err
	}
	type held struct {
		nation, key string
		seq         int
	}
	taken := map[held]bool{}
	for _, r := range rows {
		if r.ReferenceKey != nil && *r.ReferenceKey == domain.ReferenceKey(r.Reference) {
			taken[held{r.Nation, *r.ReferenceKey, r.DupSeq}] = true
		}
	}
	// A stale key still holds its old slot in the unique index: let go of
	// every one first, or a row given that slot below would collide with
	// it (and every start would fail on it).
	for _, r := range rows {
		if r.ReferenceKey != nil && *r.ReferenceKey != domain.ReferenceKey(r.Reference) {
			if err := g.Exec("UPDATE frameworks SET reference_key = NULL WHERE id = ?", r.ID).Error; err != nil {
				return err
			}
		}
	}
	for _, r := range rows {
		key := domain.ReferenceKey(r.Reference)
		if r.ReferenceKey != nil && *r.ReferenceKey == key {
			continue
		}
		h := held{r.Nation, key, 0}
		for taken[h] {
			h.seq++
		}
		taken[h] = true
		if err := g.Exec("UPDATE frameworks SET reference_key = ?, dup_seq = ? WHERE id = ?", key, h.seq, r.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// RequestsInReviewNaming reads, inside the transaction, the requests in
// review whose details name framework agreement id: those a change of the
// agreement may stop covering (domain.notifyFrameworkLapsed). No column
// holds the agreement a request names; an id of letters, digits and
// hyphens (as the service makes them) narrows the requests in review to
// those whose details hold its text, and the caller checks FrameworkID.
func (t *tx) RequestsInReviewNaming(id string) ([]domain.Request, error) {
	q := "SELECT " + requestColumns + " FROM requests WHERE status = ?"
	args := []any{string(domain.StatusInReview)}
	if plainID(id) {
		q += " AND details LIKE ?"
		args = append(args, "%"+id+"%")
	}
	rs, err := t.query(q+" ORDER BY id", args...)
	if err != nil {
		return nil, translate(err, "requests in review")
	}
	defer rs.Close()
	var rows []requestRow
	for rs.Next() {
		var row requestRow
		if err := scanRequestRow(rs, &row); err != nil {
			return nil, translate(err, "requests in review")
		}
		rows = append(rows, row)
	}
	if err := rs.Err(); err != nil {
		return nil, translate(err, "requests in review")
	}
	out := make([]domain.Request, 0, len(rows))
	for _, row := range rows {
		r, err := toDomainRequest(row)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// plainID reports whether id holds only ASCII letters, digits and hyphens:
// text that JSON writes as it is and that LIKE reads literally.
func plainID(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
