package storage

import (
	"fmt"
	"slices"

	"exaccess/domain"
)

// nextCounter increments a named counter and returns its new value; a
// missing counter starts at first. One statement on both dialects: the
// upsert takes the row's write lock, so on PostgreSQL concurrent
// transactions queue on it and each sees the value the previous committed.
// Because the counter moves inside the caller's transaction, a rollback
// takes the number back: the sequence stays dense.
func (t *tx) nextCounter(name string, first int64) (int64, error) {
	const q = `INSERT INTO counters (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
		RETURNING value`
	var v int64
	var err error
	if t.g.Dialector.Name() == DialectPostgres {
		err = t.g.Raw(q, name, first).Scan(&v).Error
	} else {
		err = t.g.Statement.ConnPool.QueryRowContext(t.ctx(), q, name, first).Scan(&v)
	}
	if err != nil {
		return 0, translate(err, "counter "+name)
	}
	return v, nil
}

// GetRequest reads a request inside the transaction, so it sees the
// transaction's own writes.
func (t *tx) GetRequest(id string) (*domain.Request, error) {
	r, err := getRequest(t.g, id)
	if err != nil {
		return nil, err
	}
	t.remember(r)
	return r, nil
}

// CreateRequest inserts r, its training-area rows and stage projection, and
// adds its bookings to the load table. A duplicate id or reference is a
// conflict.
func (t *tx) CreateRequest(r *domain.Request) error {
	row, err := newRequestRow(r)
	if err != nil {
		return err
	}
	if err := t.exec("INSERT INTO requests ("+requestColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		row.ID, row.Reference, row.Nation, row.Status, row.Version, row.CreatedBy, row.CreatedAt, row.UpdatedAt,
		row.SubmittedAt, row.DueAt, row.DecidedAt, row.ExerciseName, row.PeriodStart, row.PeriodEnd, row.Details,
		row.Route, row.Conditions, row.Warnings); err != nil {
		return translate(err, "request")
	}
	return t.writeProjections(r.ID, &stored{}, storedOf(r))
}

// UpdateRequest stores r if the stored version is still expectedVersion: one
// conditional UPDATE, so of two concurrent writers exactly one matches the
// row (PostgreSQL re-checks the WHERE after waiting for the row lock). Then
// it writes only the projections (bookings, stages, decisions, day loads)
// that differ from what the request held before.
func (t *tx) UpdateRequest(r *domain.Request, expectedVersion int) error {
	row, err := newRequestRow(r)
	if err != nil {
		return err
	}
	old, err := t.prior(r.ID)
	if err != nil {
		return err
	}
	n, err := t.execRows(updateRequestSQL, row.Reference, row.Status, row.Version, row.UpdatedAt, row.SubmittedAt,
		row.DueAt, row.DecidedAt, row.ExerciseName, row.PeriodStart, row.PeriodEnd, row.Details, row.Route,
		row.Conditions, row.Warnings, r.ID, expectedVersion)
	if err != nil {
		return translate(err, "request")
	}
	if n == 0 {
		return t.missedUpdate(r.ID, expectedVersion)
	}
	return t.writeProjections(r.ID, old, storedOf(r))
}

// missedUpdate tells apart a request that is gone from one that moved on.
func (t *tx) missedUpdate(id string, expectedVersion int) error {
	var n int64
	if err := t.g.Model(&requestRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return translate(err, "request")
	}
	if n == 0 {
		return domain.ErrNotFound("request")
	}
	return domain.Errorf(domain.CodePreconditionFailed,
		"the request has changed since version %d", expectedVersion)
}

// writeProjections brings the rows that mirror a request for queries from
// old to new: its training-area bookings, its stages and decisions, and the
// day loads of its bookings. Unchanged ones are not touched.
func (t *tx) writeProjections(id string, old, new *stored) error {
	if !slices.Equal(old.areas, new.areas) {
		if len(old.areas) > 0 {
			if err := t.exec("DELETE FROM request_areas WHERE request_id = ?", id); err != nil {
				return translate(err, "request areas")
			}
		}
		args := make([]any, 0, 6*len(new.areas))
		for _, a := range new.areas {
			args = append(args, a.RequestID, a.Position, a.Area, a.FromDate, a.ToDate, a.Personnel)
		}
		if err := t.insertMany("request_areas", "request_id, position, area, from_date, to_date, personnel", 6, args); err != nil {
			return translate(err, "training area booking")
		}
	}
	if err := t.writeStages(id, old, new); err != nil {
		return err
	}
	if delta := loadDelta(shareOf(old.status, old.areas), shareOf(new.status, new.areas)); len(delta) > 0 {
		if err := t.applyLoads(delta); err != nil {
			return err
		}
	}
	t.note(id, new)
	return nil
}

// NextReference returns the next running number of year, starting at 1.
func (t *tx) NextReference(year int) (int64, error) {
	return t.nextCounter(fmt.Sprintf("reference-%d", year), 1)
}

// stored is what a request's rows held when this transaction first read or
// wrote them: enough to write only what a change alters.
type stored struct {
	status    string
	areas     []requestAreaRow
	stages    []stageRow
	decisions []decisionRow
}

func storedOf(r *domain.Request) *stored {
	stages, decisions := newStageRows(r)
	return &stored{status: string(r.Status), areas: newRequestAreaRows(r), stages: stages, decisions: decisions}
}

// remember notes r's rows as stored in this transaction.
func (t *tx) remember(r *domain.Request) { t.note(r.ID, storedOf(r)) }

func (t *tx) note(id string, s *stored) {
	if t.seen == nil {
		t.seen = map[string]*stored{}
	}
	t.seen[id] = s
}

// prior is what the request's rows hold now in this transaction: from
// memory when the transaction read or wrote it, else read.
func (t *tx) prior(id string) (*stored, error) {
	if s, ok := t.seen[id]; ok {
		return s, nil
	}
	r, err := getRequest(t.g, id)
	if err != nil {
		return nil, err
	}
	t.remember(r)
	return t.seen[id], nil
}

// updateRequestSQL is UpdateRequest's compare-and-set: it rewrites all
// columns but the identity and the creation facts, which never change.
// Plain SQL rather than GORM's Updates: it runs on every change, and building
// it by reflection each time cost more than running it.
const updateRequestSQL = `UPDATE requests SET reference = ?, status = ?, version = ?, updated_at = ?,
	submitted_at = ?, due_at = ?, decided_at = ?, exercise_name = ?, period_start = ?, period_end = ?,
	details = ?, route = ?, conditions = ?, warnings = ? WHERE id = ? AND version = ?`
