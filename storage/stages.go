package storage

import (
	"slices"
	"time"

	"exaccess/domain"
)

type stageRow struct {
	RequestID         string     `gorm:"column:request_id;primaryKey"`
	StageID           string     `gorm:"column:stage_id;primaryKey"`
	Role              string     `gorm:"column:role"`
	StageOrder        int        `gorm:"column:stage_order"`
	Status            string     `gorm:"column:status"`
	ApprovalsRequired int        `gorm:"column:approvals_required"`
	Approvals         int        `gorm:"column:approvals"`
	ActivatedAt       *time.Time `gorm:"column:activated_at"`
	DueAt             *time.Time `gorm:"column:due_at"`
	// EscalateAt is when the reminder sweep escalates the stage if it is
	// still active (migration 0015); the sweep sets it NULL once done.
	EscalateAt *time.Time `gorm:"column:escalate_at"`
}

func (stageRow) TableName() string { return "request_stages" }

type decisionRow struct {
	ID        string    `gorm:"column:id;primaryKey"`
	RequestID string    `gorm:"column:request_id"`
	StageID   string    `gorm:"column:stage_id"`
	DecidedBy string    `gorm:"column:decided_by"`
	ActingFor string    `gorm:"column:acting_for"`
	Outcome   string    `gorm:"column:outcome"`
	At        time.Time `gorm:"column:at"`
	Earlier   bool      `gorm:"column:earlier"` // a decision of an earlier review round
}

func (decisionRow) TableName() string { return "request_decisions" }

// newStageRows projects the request's route into rows: the current route's
// stages and decisions, and the decisions of earlier review rounds (marked
// earlier), which separation of duties still counts.
func newStageRows(r *domain.Request) ([]stageRow, []decisionRow) {
	if r.Route == nil {
		return nil, nil
	}
	var stages []stageRow
	var decisions []decisionRow
	row := func(d domain.Decision, stage string, earlier bool) decisionRow {
		return decisionRow{ID: d.ID, RequestID: r.ID, StageID: stage, DecidedBy: d.By,
			ActingFor: d.ActingFor, Outcome: d.Outcome, At: dbTime(d.At), Earlier: earlier}
	}
	for _, d := range r.Route.Earlier {
		decisions = append(decisions, row(d, d.Stage, true))
	}
	for _, s := range r.Route.Stages {
		for _, d := range s.Decisions {
			decisions = append(decisions, row(d, s.ID, false))
		}
		row := stageRow{RequestID: r.ID, StageID: s.ID, Role: string(s.Role), StageOrder: s.Order,
			Status: string(s.Status), ApprovalsRequired: s.ApprovalsRequired, Approvals: s.Approvals(),
			ActivatedAt: dbTimePtr(s.ActivatedAt), DueAt: dbTimePtr(s.DueAt)}
		if at, ok := s.EscalationAt(); ok {
			row.EscalateAt = dbTimePtr(&at)
		}
		stages = append(stages, row)
	}
	return stages, decisions
}

// writeStages brings the request's stage and decision rows from old to
// new inside the caller's transaction. A route with the same stages gets
// only its changed stage rows updated and its new decisions inserted (a
// decision touches one or two stages and adds one row), and a kept
// decision that moved to an earlier round (a resubmission) its earlier
// flag; a new route is written afresh.
func (t *tx) writeStages(id string, old, new *stored) error {
	if sameStageIDs(old.stages, new.stages) {
		for i := range new.stages {
			st := new.stages[i]
			if o := old.stages[i]; !sameTime(o.ActivatedAt, st.ActivatedAt) || !sameTime(o.DueAt, st.DueAt) {
				// A new activation or deadline: the reminder sweep's marks
				// (migration 0015) start again, and its notices have new
				// keys (domain.StageNoticeKey), so they are told afresh.
				if err := t.exec(`UPDATE request_stages SET role = ?, stage_order = ?, status = ?, approvals_required = ?,
					approvals = ?, activated_at = ?, due_at = ?, escalate_at = ?, due_soon_at = NULL, overdue_at = NULL
					WHERE request_id = ? AND stage_id = ?`,
					st.Role, int64(st.StageOrder), st.Status, int64(st.ApprovalsRequired), int64(st.Approvals),
					timeArg(st.ActivatedAt), timeArg(st.DueAt), timeArg(st.EscalateAt), id, st.StageID); err != nil {
					return translate(err, "request stages")
				}
			} else if !sameStage(old.stages[i], st) {
				if err := t.exec(`UPDATE request_stages SET role = ?, stage_order = ?, status = ?, approvals_required = ?,
					approvals = ?, activated_at = ?, due_at = ? WHERE request_id = ? AND stage_id = ?`,
					st.Role, int64(st.StageOrder), st.Status, int64(st.ApprovalsRequired), int64(st.Approvals),
					timeArg(st.ActivatedAt), timeArg(st.DueAt), id, st.StageID); err != nil {
					return translate(err, "request stages")
				}
			}
		}
	} else {
		if len(old.stages) > 0 {
			if err := t.exec("DELETE FROM request_stages WHERE request_id = ?", id); err != nil {
				return translate(err, "request stages")
			}
		}
		if err := t.insertStages(new.stages); err != nil {
			return err
		}
	}
	if added, flipped, ok := appended(old.decisions, new.decisions); ok {
		if err := t.markEarlier(flipped); err != nil {
			return err
		}
		return t.insertDecisions(added)
	}
	if len(old.decisions) > 0 {
		if err := t.exec("DELETE FROM request_decisions WHERE request_id = ?", id); err != nil {
			return translate(err, "request decisions")
		}
	}
	return t.insertDecisions(new.decisions)
}

// markEarlier sets the earlier flag of decision rows kept by a change that
// moves them to another round: a resubmission makes the current round's
// decisions earlier ones. One UPDATE by primary key per value set (in
// practice one, true); none when no flag changes, as on a decision.
func (t *tx) markEarlier(rows []decisionRow) error {
	for _, earlier := range []bool{true, false} {
		args := []any{earlier}
		for _, d := range rows {
			if d.Earlier == earlier {
				args = append(args, d.ID)
			}
		}
		if len(args) == 1 {
			continue
		}
		if err := t.exec("UPDATE request_decisions SET earlier = ? WHERE id IN ("+placeholders(len(args)-1)+")",
			args...); err != nil {
			return translate(err, "request decisions")
		}
	}
	return nil
}

// insertStages inserts stage rows with one statement (none for no rows).
func (t *tx) insertStages(rows []stageRow) error {
	args := make([]any, 0, 10*len(rows))
	for _, st := range rows {
		args = append(args, st.RequestID, st.StageID, st.Role, int64(st.StageOrder), st.Status, int64(st.ApprovalsRequired),
			int64(st.Approvals), timeArg(st.ActivatedAt), timeArg(st.DueAt), timeArg(st.EscalateAt))
	}
	return translate(t.insertMany("request_stages",
		"request_id, stage_id, role, stage_order, status, approvals_required, approvals, activated_at, due_at, escalate_at",
		10, args), "request stages")
}

// insertDecisions inserts decision rows with one statement (none for no rows).
func (t *tx) insertDecisions(rows []decisionRow) error {
	args := make([]any, 0, 8*len(rows))
	for _, d := range rows {
		args = append(args, d.ID, d.RequestID, d.StageID, d.DecidedBy, d.ActingFor, d.Outcome, d.At, d.Earlier)
	}
	return translate(t.insertMany("request_decisions",
		"id, request_id, stage_id, decided_by, acting_for, outcome, at, earlier", 8, args), "request decisions")
}

func sameStageIDs(a, b []stageRow) bool {
	return len(a) > 0 && slices.EqualFunc(a, b, func(x, y stageRow) bool { return x.StageID == y.StageID })
}

func sameStage(a, b stageRow) bool {
	return a.Role == b.Role && a.StageOrder == b.StageOrder && a.Status == b.Status &&
		a.ApprovalsRequired == b.ApprovalsRequired && a.Approvals == b.Approvals &&
		sameTime(a.ActivatedAt, b.ActivatedAt) && sameTime(a.DueAt, b.DueAt)
}

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// appended returns the decisions of new after old's when new only adds to
// old, and those of old's that new keeps but moves to another round (their
// Earlier flag changed; new's rows): a resubmission keeps every decision,
// as one of an earlier round.
func appended(old, new []decisionRow) (added, flipped []decisionRow, ok bool) {
	if len(new) < len(old) {
		return nil, nil, false
	}
	byID := map[string]decisionRow{}
	for _, d := range new {
		byID[d.ID] = d
	}
	for _, d := range old {
		n, ok := byID[d.ID]
		if !ok || !sameDecision(d, n) {
			return nil, nil, false
		}
		if n.Earlier != d.Earlier {
			flipped = append(flipped, n)
		}
		delete(byID, d.ID)
	}
	for _, d := range new {
		if _, ok := byID[d.ID]; ok {
			added = append(added, d)
		}
	}
	return added, flipped, true
}

// sameDecision is whether a and b are one decision's row but for its round
// (Earlier), which appended compares apart.
func sameDecision(a, b decisionRow) bool {
	return a.RequestID == b.RequestID && a.StageID == b.StageID && a.DecidedBy == b.DecidedBy &&
		a.ActingFor == b.ActingFor && a.Outcome == b.Outcome && a.At.Equal(b.At)
}
