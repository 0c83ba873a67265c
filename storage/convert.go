package storage

import "exaccess/domain"

// Converters between domain values and the JSON documents of documents.go.
// Timestamps go through dbTime so that documents and columns agree.

func newDetailsDoc(d domain.Details) detailsDoc {
	return detailsDoc{
		Purpose:   d.Purpose,
		Unit:      unitDoc{d.Unit.Designation, d.Unit.ParentFormation, d.Unit.Commander},
		Personnel: personnelDoc{d.Personnel.Military, d.Personnel.Civilian, d.Personnel.Contractors},
		Vehicles:  mapSlice(d.Vehicles, func(v domain.Vehicle) vehicleDoc { return vehicleDoc{v.Category, v.Kind, v.Count} }),
		Aircraft: mapSlice(d.Aircraft, func(a domain.Aircraft) aircraftDoc {
			return aircraftDoc{a.Type, a.Count, a.Armed, a.EWEquipment, a.Cameras}
		}),
		Vessels: mapSlice(d.Vessels, func(v domain.Vessel) vesselDoc { return vesselDoc{v.Name, v.Kind, v.Crew} }),
		Weapons: weaponsDoc{d.Weapons.LiveFire, cloneStrings(d.Weapons.Systems)},
		DangerousGoods: mapSlice(d.DangerousGoods, func(g domain.DangerousGood) dangerousGoodDoc {
			return dangerousGoodDoc{g.UNNumber, g.Class, g.NetExplosiveKg, g.Description}
		}),
		Movements: mapSlice(d.Movements, func(m domain.Movement) movementDoc {
			return movementDoc{m.Direction, m.EntryPoint, dbTime(m.At), m.Mode}
		}),
		TrainingAreas: mapSlice(d.TrainingAreas, func(a domain.AreaBooking) areaBookingDoc {
			return areaBookingDoc{a.Area, a.From.Format(dateLayout), a.To.Format(dateLayout)}
		}),
		FrameworkID: d.FrameworkID,
		Contact:     contactDoc{d.Contact.Name, d.Contact.Email, d.Contact.Phone},
	}
}

// toDomainDetails fills everything but ExerciseName and Period, which live in
// columns of their own.
func toDomainDetails(doc detailsDoc) (domain.Details, error) {
	areas, err := toDomainAreas(doc.TrainingAreas)
	if err != nil {
		return domain.Details{}, err
	}
	return domain.Details{
		Purpose:   doc.Purpose,
		Unit:      domain.Unit{Designation: doc.Unit.Designation, ParentFormation: doc.Unit.ParentFormation, Commander: doc.Unit.Commander},
		Personnel: domain.Personnel{Military: doc.Personnel.Military, Civilian: doc.Personnel.Civilian, Contractors: doc.Personnel.Contractors},
		Vehicles: mapSlice(doc.Vehicles, func(v vehicleDoc) domain.Vehicle {
			return domain.Vehicle{Category: v.Category, Kind: v.Kind, Count: v.Count}
		}),
		Aircraft: mapSlice(doc.Aircraft, func(a aircraftDoc) domain.Aircraft {
			return domain.Aircraft{Type: a.Type, Count: a.Count, Armed: a.Armed, EWEquipment: a.EWEquipment, Cameras: a.Cameras}
		}),
		Vessels: mapSlice(doc.Vessels, func(v vesselDoc) domain.Vessel { return domain.Vessel{Name: v.Name, Kind: v.Kind, Crew: v.Crew} }),
		Weapons: domain.Weapons{LiveFire: doc.Weapons.LiveFire, Systems: cloneStrings(doc.Weapons.Systems)},
		DangerousGoods: mapSlice(doc.DangerousGoods, func(g dangerousGoodDoc) domain.DangerousGood {
			return domain.DangerousGood{UNNumber: g.UNNumber, Class: g.Class, NetExplosiveKg: g.NetExplosiveKg, Description: g.Description}
		}),
		Movements: mapSlice(doc.Movements, func(m movementDoc) domain.Movement {
			return domain.Movement{Direction: m.Direction, EntryPoint: m.EntryPoint, At: m.At.UTC(), Mode: m.Mode}
		}),
		TrainingAreas: areas,
		FrameworkID:   doc.FrameworkID,
		Contact:       domain.Contact{Name: doc.Contact.Name, Email: doc.Contact.Email, Phone: doc.Contact.Phone},
	}, nil
}

func toDomainAreas(docs []areaBookingDoc) ([]domain.AreaBooking, error) {
	if docs == nil {
		return nil, nil
	}
	out := make([]domain.AreaBooking, len(docs))
	for i, a := range docs {
		var from, to sqlDate
		if err := from.parse(a.From); err != nil {
			return nil, err
		}
		if err := to.parse(a.To); err != nil {
			return nil, err
		}
		out[i] = domain.AreaBooking{Area: a.Area, From: from.Time, To: to.Time}
	}
	return out, nil
}

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
