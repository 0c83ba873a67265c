package storage

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"

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

// RequestHead reads a request's head inside the transaction. A request
// read ahead is not read again: its version is checked, as GetRequest
// would check it (takeAhead), and its head answered from what was read.
func (t *tx) RequestHead(id string) (*domain.RequestHead, error) {
	if a := t.checkAhead(id); a != nil {
		return a.r.Head(), nil
	}
	return getRequestHead(t.g, id)
}

// GetRequest reads a request inside the transaction, so it sees the
// transaction's own writes.
func (t *tx) GetRequest(id string) (*domain.Request, error) {
	if a := t.takeAhead(id); a != nil {
		t.remember(a.r, &a.row)
		return a.r, nil
	}
	row, err := getRequestRow(t.g, id)
	if err != nil {
		return nil, err
	}
	r, err := toDomainRequest(row)
	if err != nil {
		return nil, err
	}
	t.remember(r, &row)
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
	if err := t.exec("INSERT INTO requests ("+requestColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		row.ID, stringArg(row.Reference), row.Nation, row.Status, int64(row.Version), row.CreatedBy, row.CreatedAt,
		row.UpdatedAt, timeArg(row.SubmittedAt), timeArg(row.DueAt), timeArg(row.DecidedAt), row.ExerciseName,
		dateArg(row.PeriodStart), dateArg(row.PeriodEnd), row.Details, stringArg(row.Route), row.Conditions,
		row.Warnings, row.Authors); err != nil {
		return translate(err, "request")
	}
	if err := t.writeProjections(r.ID, &stored{}, storedOf(r, &row)); err != nil {
		return err
	}
	t.last = r
	return nil
}

// UpdateRequest stores r if the stored version is still expectedVersion: one
// conditional UPDATE, so of two concurrent writers exactly one matches the
// row (PostgreSQL re-checks the WHERE after waiting for the row lock). Then
// it writes only the projections (bookings, stages, decisions, day loads)
// that differ from what the request held before.
func (t *tx) UpdateRequest(r *domain.Request, expectedVersion int) error {
	t.ahead = nil // what was read ahead is no longer what is stored
	row, err := newRequestRow(r)
	if err != nil {
		return err
	}
	old, err := t.prior(r.ID)
	if err != nil {
		return err
	}
	known := old.row
	if known != nil && known.Version != expectedVersion {
		known = nil // not the row the compare-and-set expects: set every column
	}
	query, args := updateRequestSQL(known, &row, expectedVersion)
	n, err := t.execRows(query, args...)
	if err != nil {
		return translate(err, "request")
	}
	if n == 0 {
		return t.missedUpdate(r.ID, expectedVersion)
	}
	if err := t.writeProjections(r.ID, old, storedOf(r, &row)); err != nil {
		return err
	}
	t.last = r
	return nil
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
			args = append(args, a.RequestID, int64(a.Position), a.Area, dateArg(a.FromDate), dateArg(a.ToDate), int64(a.Personnel))
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
	return t.nextCounter("reference-"+strconv.Itoa(year), 1)
}

// stored is what a request's rows held when this transaction first read or
// wrote them: enough to write only what a change alters.
type stored struct {
	row       *requestRow // the request's row as stored
	status    string
	areas     []requestAreaRow
	stages    []stageRow
	decisions []decisionRow
}

func storedOf(r *domain.Request, row *requestRow) *stored {
	stages, decisions := newStageRows(r)
	return &stored{row: row, status: string(r.Status), areas: newRequestAreaRows(r), stages: stages, decisions: decisions}
}

// remember notes r's rows, row its request row, as stored in this transaction.
func (t *tx) remember(r *domain.Request, row *requestRow) { t.note(r.ID, storedOf(r, row)) }

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
	if _, err := t.GetRequest(id); err != nil {
		return nil, err
	}
	return t.seen[id], nil
}

// updateRequestSQL is UpdateRequest's compare-and-set: it sets the version
// and update time, and of the other columns only those whose value differs
// from the stored row old. When that row is not known, or is not at
// expectedVersion (only at that version is it the row the UPDATE can match,
// since every write moves the version on), old is nil and every column is
// set: the row the UPDATE matches may hold anything, a due time the new
// row clears included. An UPDATE
// rewrites the entries of every index on a column it sets, whether or not
// the value changed: a decision that leaves status and reference as they
// were no longer rewrites the status and reference indexes. The identity
// and creation facts never change. Plain SQL rather than GORM's Updates: it
// runs on every change, and building it by reflection cost more than
// running it. The text of each set of columns is built once
// (updateRequestText), and only the columns set are put into arguments.
func updateRequestSQL(old, row *requestRow, expectedVersion int) (string, []any) {
	var set uint16 // bit i: updatableColumns[i] is set
	for i, c := range updatableColumns {
		if old == nil || c.changed(old, row) {
			set |= 1 << i
		}
	}
	args := make([]any, 0, 4+bits.OnesCount16(set))
	args = append(args, int64(row.Version), row.UpdatedAt)
	for i, c := range updatableColumns {
		if set&(1<<i) != 0 {
			args = append(args, c.arg(row))
		}
	}
	return updateRequestText(set), append(args, row.ID, int64(expectedVersion))
}

// updatableColumns are the columns updateRequestSQL sets when they change,
// in the order it sets them: when each differs, and its argument.
var updatableColumns = []struct {
	name    string
	changed func(old, row *requestRow) bool
	arg     func(row *requestRow) any
}{
	{"reference", func(o, r *requestRow) bool { return !sameString(o.Reference, r.Reference) },
		func(r *requestRow) any { return stringArg(r.Reference) }},
	{"status", func(o, r *requestRow) bool { return o.Status != r.Status }, func(r *requestRow) any { return r.Status }},
	{"submitted_at", func(o, r *requestRow) bool { return !sameTime(o.SubmittedAt, r.SubmittedAt) },
		func(r *requestRow) any { return timeArg(r.SubmittedAt) }},
	{"due_at", func(o, r *requestRow) bool { return !sameTime(o.DueAt, r.DueAt) },
		func(r *requestRow) any { return timeArg(r.DueAt) }},
	{"decided_at", func(o, r *requestRow) bool { return !sameTime(o.DecidedAt, r.DecidedAt) },
		func(r *requestRow) any { return timeArg(r.DecidedAt) }},
	{"exercise_name", func(o, r *requestRow) bool { return o.ExerciseName != r.ExerciseName },
		func(r *requestRow) any { return r.ExerciseName }},
	{"period_start", func(o, r *requestRow) bool { return !o.PeriodStart.Equal(r.PeriodStart.Time) },
		func(r *requestRow) any { return dateArg(r.PeriodStart) }},
	{"period_end", func(o, r *requestRow) bool { return !o.PeriodEnd.Equal(r.PeriodEnd.Time) },
		func(r *requestRow) any { return dateArg(r.PeriodEnd) }},
	{"details", func(o, r *requestRow) bool { return o.Details != r.Details }, func(r *requestRow) any { return r.Details }},
	{"route", func(o, r *requestRow) bool { return !sameString(o.Route, r.Route) },
		func(r *requestRow) any { return stringArg(r.Route) }},
	{"conditions", func(o, r *requestRow) bool { return o.Conditions != r.Conditions },
		func(r *requestRow) any { return r.Conditions }},
	{"warnings", func(o, r *requestRow) bool { return o.Warnings != r.Warnings }, func(r *requestRow) any { return r.Warnings }},
	// A new author (a liaison officer writing the request for the first
	// time) sets it in the same statement; most changes leave it.
	{"authors", func(o, r *requestRow) bool { return o.Authors != r.Authors }, func(r *requestRow) any { return r.Authors }},
}

// updateTexts holds the UPDATE statement of each set of columns built so
// far (a uint16 bit set of updatableColumns → string).
var updateTexts sync.Map

// updateRequestText is the UPDATE statement that sets the version, the
// update time and the columns of set.
func updateRequestText(set uint16) string {
	if q, ok := updateTexts.Load(set); ok {
		return q.(string)
	}
	var sb strings.Builder
	sb.WriteString("UPDATE requests SET version = ?, updated_at = ?")
	for i, c := range updatableColumns {
		if set&(1<<i) != 0 {
			sb.WriteString(", " + c.name + " = ?")
		}
	}
	sb.WriteString(" WHERE id = ? AND version = ?")
	updateTexts.Store(set, sb.String())
	return sb.String()
}

func sameString(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}
