package storage

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// queueRow is one active stage joined with its request's summary columns.
type queueRow struct {
	RequestID         string
	Reference         *string
	Nation            string
	ExerciseName      string
	PeriodStart       sqlDate
	PeriodEnd         sqlDate
	Version           int
	StageID           string
	Role              string
	ApprovalsRequired int
	Approvals         int
	ActivatedAt       *time.Time
	DueAt             time.Time
}

// activeStage is the condition of the stage indexes of migration 0031
// (request_stages_active_queue, request_stages_active_due), which hold
// the active stages only, as their queries write it: with its literal
// value, so that a generic plan of PostgreSQL, or SQLite's plan made
// before the values are bound, can use them (see everSubmitted).
const activeStage = "status = '" + string(domain.StageActive) + "'"

// ListQueue is a keyset walk of the request_stages_active_queue index: active
// stages of the given roles ordered by (due_at, request_id, stage_id), from
// the cursor on, without OFFSET or COUNT. Stages that separation of duties
// refuses the filter's people (QueueFilter.People, per role) are skipped
// through the (request_id, decided_by) index. Each role is its own walk (an IN list would make SQLite sort); the
// walks, each already in order, are merged here.
func (d *DB) ListQueue(ctx context.Context, f domain.QueueFilter) (domain.QueuePage, error) {
	limit := listLimit(f.Limit)
	var rows []queueRow
	for _, role := range f.Roles {
		part, err := scanQueueRows(queueQuery(d.reader.WithContext(ctx), role, f).Limit(limit + 1))
		if err != nil {
			return domain.QueuePage{}, translate(err, "queue")
		}
		rows = append(rows, part...)
	}
	slices.SortFunc(rows, compareQueueRows)
	var page domain.QueuePage
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.Next = &domain.QueueCursor{DueAt: last.DueAt.UTC(), RequestID: last.RequestID, StageID: last.StageID}
	}
	page.Items = make([]domain.QueueItem, len(rows))
	for i, row := range rows {
		page.Items[i] = toDomainQueueItem(row)
	}
	return page, nil
}

// scanQueueRows runs q (queueQuery) and scans its rows in the order of its
// columns, without GORM's reflection.
func scanQueueRows(q *gorm.DB) ([]queueRow, error) {
	rs, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []queueRow
	for rs.Next() {
		var r queueRow
		if err := rs.Scan(&r.RequestID, &r.Reference, &r.Nation, &r.ExerciseName, &r.PeriodStart, &r.PeriodEnd,
			&r.Version, &r.StageID, &r.Role, &r.ApprovalsRequired, &r.Approvals, &r.ActivatedAt, &r.DueAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// compareQueueRows orders as the index does: due_at, request id, stage id.
func compareQueueRows(a, b queueRow) int {
	if c := a.DueAt.Compare(b.DueAt); c != 0 {
		return c
	}
	if c := strings.Compare(a.RequestID, b.RequestID); c != 0 {
		return c
	}
	return strings.Compare(a.StageID, b.StageID)
}

// queueQuery is the filtered, ordered walk of one role's active stages,
// without its limit.
func queueQuery(g *gorm.DB, role domain.Role, f domain.QueueFilter) *gorm.DB {
	q := g.Table("request_stages s").
		Select(`s.request_id, r.reference, r.nation, r.exercise_name, r.period_start, r.period_end, r.version,
			s.stage_id, s.role, s.approvals_required, s.approvals, s.activated_at, s.due_at`).
		Joins("JOIN requests r ON r.id = s.request_id").
		Where("s."+activeStage+" AND s.role = ?", string(role))
	if f.Nation != "" {
		q = q.Where("r.nation = ?", f.Nation)
	}
	if f.OverdueAt != nil {
		q = q.Where("s.due_at < ?", f.OverdueAt.UTC())
	}
	if people := f.People(role); len(people) > 0 {
		// Separation of duties, as domain.CheckSeparationOfDuties says it
		// for these people (the caller, and on a delegated role the person
		// they act for): skip a stage when one of them wrote the request
		// (created it, or is among its authors), or decided (or acted for
		// someone who decided) another stage of it in any round, or this
		// stage in the current round. The request's row is at hand, its
		// authors a short JSON list in it; the decisions are looked up by
		// the (request_id, decided_by) index, one request at a time.
		authors := "SELECT 1 FROM json_each(r.authors) a WHERE a.value IN ?"
		if g.Dialector.Name() == DialectPostgres {
			authors = "SELECT 1 FROM json_array_elements_text(r.authors::json) a (author) WHERE a.author IN ?"
		}
		q = q.Where("r.created_by NOT IN ?", people).
			Where("NOT EXISTS ("+authors+")", people).
			Where(`NOT EXISTS (SELECT 1 FROM request_decisions d WHERE d.request_id = s.request_id
			AND (d.decided_by IN ? OR d.acting_for IN ?) AND (d.stage_id <> s.stage_id OR d.earlier = ?))`,
				people, people, false)
	}
	if c := f.After; c != nil {
		// A row-value comparison: both databases turn it into one range
		// of the index; the same condition spelled out with OR made SQLite
		// re-check far more rows than the page (p99 130 ms at 1M requests).
		q = q.Where("(s.due_at, s.request_id, s.stage_id) > (?, ?, ?)", c.DueAt.UTC(), c.RequestID, c.StageID)
	}
	return q.Order("s.due_at, s.request_id, s.stage_id")
}

func toDomainQueueItem(row queueRow) domain.QueueItem {
	return domain.QueueItem{RequestID: row.RequestID, Reference: derefString(row.Reference), Nation: row.Nation,
		ExerciseName: row.ExerciseName, Period: domain.Period{Start: row.PeriodStart.Time, End: row.PeriodEnd.Time},
		RequestVersion: row.Version, StageID: row.StageID, Role: domain.Role(row.Role),
		ApprovalsRequired: row.ApprovalsRequired, Approvals: row.Approvals,
		ActivatedAt: utcPtr(row.ActivatedAt), DueAt: utc(row.DueAt)}
}

// OverdueStages counts active stages whose deadline has passed at now.
func (d *DB) OverdueStages(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := overdueStagesQuery(d.reader.WithContext(ctx), now).Count(&n).Error
	return n, translate(err, "overdue stages")
}

// overdueStagesQuery is OverdueStages's query, without its count: a range
// of the request_stages_active_due index.
func overdueStagesQuery(g *gorm.DB, now time.Time) *gorm.DB {
	return g.Model(&stageRow{}).Where(activeStage+" AND due_at < ?", now.UTC())
}
