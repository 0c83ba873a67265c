package storage

import "exaccess/domain"

// Converters between domain values and the JSON documents of documents.go.
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
		Decisions: mapSlice(s.Decisions, newDecisionDoc)}
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
		Decisions: mapSlice(s.Decisions, toDomainDecision)}
}

func newWarningDocs(ws []domain.Warning) []warningDoc {
	return mapSlice(ws, func(w domain.Warning) warningDoc { return warningDoc(w) })
}

func toDomainWarnings(ws []warningDoc) []domain.Warning {
	return mapSlice(ws, func(w warningDoc) domain.Warning { return domain.Warning(w) })
}
