package storage

import (
	"context"
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
		stages = append(stages, stageRow{RequestID: r.ID, StageID: s.ID, Role: string(s.Role), StageOrder: s.Order,
			Status: string(s.Status), ApprovalsRequired: s.ApprovalsRequired, Approvals: s.Approvals(),
			ActivatedAt: dbTimePtr(s.ActivatedAt), DueAt: dbTimePtr(s.DueAt)})
	}
	return stages, decisions
}

// writeStages rewrites the request's stage and decision rows from its route,
// inside the caller's transaction.
func (t *tx) writeStages(r *domain.Request) error {
	if err := t.g.Where("request_id = ?", r.ID).Delete(&stageRow{}).Error; err != nil {
		return translate(err, "request stages")
	}
	if err := t.g.Where("request_id = ?", r.ID).Delete(&decisionRow{}).Error; err != nil {
		return translate(err, "request decisions")
	}
	stages, decisions := newStageRows(r)
	if len(stages) > 0 {
		if err := t.g.Create(&stages).Error; err != nil {
			return translate(err, "request stages")
		}
	}
	if len(decisions) > 0 {
		if err := t.g.Create(&decisions).Error; err != nil {
			return translate(err, "request decisions")
		}
	}
	return nil
}

// ListExpired returns ids of approved requests whose period ended before day.
func (d *DB) ListExpired(ctx context.Context, day time.Time, limit int) ([]string, error) {
	var ids []string
	err := d.reader.WithContext(ctx).Model(&requestRow{}).
		Where("status = ? AND period_end < ?", string(domain.StatusApproved), newSQLDate(day)).
		Order("period_end").Limit(limit).Pluck("id", &ids).Error
	return ids, translate(err, "expired requests")
}
