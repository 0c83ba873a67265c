package storage

import (
	"time"

	"exaccess/domain"
)

// The JSON columns of requests hold documents, never marshalled domain
// structs: a renamed Go field must not silently change the
// stored format. Names are snake_case and stable; a change of shape is a
// migration. Lists are written as given: nil as null, empty as [], so a
// request reads back exactly as it was stored.

// requests.details holds domain.DetailsDoc, the one rendering of a request's
// details that the audit entries use too. Its exercise_name and period repeat
// the columns of those names, which are what is read back (rows written
// before the document carried them lack them).

// routeDoc is requests.route, NULL before the first submission.
type routeDoc struct {
	PolicyVersion string     `json:"policy_version"`
	FastTrack     bool       `json:"fast_track"`
	Stages        []stageDoc `json:"stages"`
	Reasons       []string   `json:"reasons"`
	// Earlier are the decisions of earlier review rounds (who decided which
	// stage), kept for separation of duties over the request's whole life.
	Earlier []decisionDoc `json:"earlier_decisions,omitempty"`
}

type stageDoc struct {
	ID                string        `json:"id"`
	Role              string        `json:"role"`
	Order             int           `json:"order"`
	Status            string        `json:"status"`
	ApprovalsRequired int           `json:"approvals_required"`
	SLAWorkingDays    int           `json:"sla_working_days"`
	Reason            string        `json:"reason"`
	ActivatedAt       *time.Time    `json:"activated_at"`
	DueAt             *time.Time    `json:"due_at"`
	Decisions         []decisionDoc `json:"decisions"`
	// Escalation is the policy's, kept with the stage so that the reminder
	// sweep knows whom an overdue stage escalates to; left out when none
	// (and in routes stored before it existed).
	Escalation *escalationDoc `json:"escalation,omitempty"`
}

type escalationDoc struct {
	Role             string `json:"role"`
	AfterWorkingDays int    `json:"after_working_days"`
}

type decisionDoc struct {
	ID         string    `json:"id"`
	Stage      string    `json:"stage"`
	By         string    `json:"by"`
	ActingFor  string    `json:"acting_for"`
	Outcome    string    `json:"outcome"`
	Comment    string    `json:"comment"`
	Conditions []string  `json:"conditions"`
	At         time.Time `json:"at"`
}

// warningDoc is one element of requests.warnings.
type warningDoc struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Audience string `json:"audience,omitempty"`
}

// Converters between domain values and the JSON documents above.
// Timestamps go through dbTime so that documents and columns agree.

func newRouteDoc(r *domain.Route) *routeDoc {
	if r == nil {
		return nil
	}
	return &routeDoc{PolicyVersion: r.PolicyVersion, FastTrack: r.FastTrack,
		Stages: mapSlice(r.Stages, newStageDoc), Reasons: cloneStrings(r.Reasons),
		Earlier: mapSlice(r.Earlier, newDecisionDoc)}
}

func newDecisionDoc(d domain.Decision) decisionDoc {
	return decisionDoc{ID: d.ID, Stage: d.Stage, By: d.By, ActingFor: d.ActingFor, Outcome: d.Outcome,
		Comment: d.Comment, Conditions: cloneStrings(d.Conditions), At: dbTime(d.At)}
}

func toDomainDecision(d decisionDoc) domain.Decision {
	return domain.Decision{ID: d.ID, Stage: d.Stage, By: d.By, ActingFor: d.ActingFor, Outcome: d.Outcome,
		Comment: d.Comment, Conditions: cloneStrings(d.Conditions), At: d.At.UTC()}
}

func newStageDoc(s domain.Stage) stageDoc {
	return stageDoc{ID: s.ID, Role: string(s.Role), Order: s.Order, Status: string(s.Status),
		ApprovalsRequired: s.ApprovalsRequired, SLAWorkingDays: s.SLAWorkingDays, Reason: s.Reason,
		ActivatedAt: dbTimePtr(s.ActivatedAt), DueAt: dbTimePtr(s.DueAt),
		Decisions: mapSlice(s.Decisions, newDecisionDoc), Escalation: newEscalationDoc(s.Escalation)}
}

func newEscalationDoc(e *domain.Escalation) *escalationDoc {
	if e == nil {
		return nil
	}
	return &escalationDoc{Role: string(e.Role), AfterWorkingDays: e.AfterWorkingDays}
}

func toDomainEscalation(e *escalationDoc) *domain.Escalation {
	if e == nil {
		return nil
	}
	return &domain.Escalation{Role: domain.Role(e.Role), AfterWorkingDays: e.AfterWorkingDays}
}

func toDomainRoute(doc *routeDoc) *domain.Route {
	if doc == nil {
		return nil
	}
	return &domain.Route{PolicyVersion: doc.PolicyVersion, FastTrack: doc.FastTrack,
		Stages: mapSlice(doc.Stages, toDomainStage), Reasons: cloneStrings(doc.Reasons),
		Earlier: mapSlice(doc.Earlier, toDomainDecision)}
}

func toDomainStage(s stageDoc) domain.Stage {
	return domain.Stage{ID: s.ID, Role: domain.Role(s.Role), Order: s.Order, Status: domain.StageStatus(s.Status),
		ApprovalsRequired: s.ApprovalsRequired, SLAWorkingDays: s.SLAWorkingDays, Reason: s.Reason,
		ActivatedAt: utcPtr(s.ActivatedAt), DueAt: utcPtr(s.DueAt),
		Decisions: mapSlice(s.Decisions, toDomainDecision), Escalation: toDomainEscalation(s.Escalation)}
}

func newWarningDocs(ws []domain.Warning) []warningDoc {
	return mapSlice(ws, func(w domain.Warning) warningDoc { return warningDoc(w) })
}

func toDomainWarnings(ws []warningDoc) []domain.Warning {
	return mapSlice(ws, func(w warningDoc) domain.Warning { return domain.Warning(w) })
}
