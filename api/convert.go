package api

import (
	"errors"
	"slices"
	"time"

	"exaccess/domain"
)

// toDomainDetails converts the input, naming every date or time that does
// not parse. Everything else is checked by domain.ValidateDetails.
func toDomainDetails(in requestInput) (domain.Details, []domain.FieldError) {
	p := &dateParser{}
	d := domain.Details{
		ExerciseName: in.ExerciseName, Purpose: in.Purpose, FrameworkID: in.FrameworkID,
		Unit:      domain.Unit{Designation: in.Unit.Designation, ParentFormation: in.Unit.ParentFormation, Commander: in.Unit.Commander},
		Period:    domain.Period{Start: p.calendarDay("period.start", in.Period.Start), End: p.calendarDay("period.end", in.Period.End)},
		Personnel: domain.Personnel{Military: in.Personnel.Military, Civilian: in.Personnel.Civilian, Contractors: in.Personnel.Contractors},
		Weapons:   domain.Weapons{LiveFire: in.Weapons.LiveFire, Systems: in.Weapons.Systems},
		Contact:   domain.Contact{Name: in.Contact.Name, Email: in.Contact.Email, Phone: in.Contact.Phone},
	}
	for _, v := range in.Vehicles {
		d.Vehicles = append(d.Vehicles, domain.Vehicle{Category: v.Category, Kind: v.Kind, Count: v.Count})
	}
	for _, a := range in.Aircraft {
		d.Aircraft = append(d.Aircraft, domain.Aircraft{Type: a.Type, Count: a.Count, Armed: a.Armed, EWEquipment: a.EWEquipment, Cameras: a.Cameras})
	}
	for _, v := range in.Vessels {
		d.Vessels = append(d.Vessels, domain.Vessel{Name: v.Name, Kind: v.Kind, Crew: v.Crew})
	}
	for _, g := range in.DangerousGoods {
		d.DangerousGoods = append(d.DangerousGoods, domain.DangerousGood{UNNumber: g.UNNumber, Class: g.Class, NetExplosiveKg: g.NetExplosiveKg, Description: g.Description})
	}
	for i, m := range in.Movements {
		d.Movements = append(d.Movements, domain.Movement{Direction: m.Direction, EntryPoint: m.EntryPoint, Mode: m.Mode,
			At: p.calendarTime(indexed("movements", i, "at"), m.At)})
	}
	for i, a := range in.TrainingAreas {
		d.TrainingAreas = append(d.TrainingAreas, domain.AreaBooking{Area: a.Area,
			From: p.calendarDay(indexed("training_areas", i, "from"), a.From), To: p.calendarDay(indexed("training_areas", i, "to"), a.To)})
	}
	return d, p.errs
}

// detailsFrom converts the input to domain details. When a date or time
// does not parse, the caller still learns about every other bad field: the
// domain's validation runs too, and its errors for fields the parser has not
// already named are added. wrong holds the body's members of the wrong JSON
// type (decodeTyped), named first: the errors they account for are left out
// (withoutWrongTypes), and with any of them the input is refused even when
// the rest is valid.
func detailsFrom(in requestInput, wrong []domain.FieldError, ref domain.Reference) (domain.Details, error) {
	d, fe := toDomainDetails(in)
	if len(fe) == 0 && len(wrong) == 0 {
		return d, nil
	}
	named := map[string]bool{}
	for _, f := range fe {
		named[f.Field] = true
	}
	var de *domain.Error
	if errors.As(domain.ValidateDetails(d, ref), &de) {
		for _, f := range de.Fields {
			if !named[f.Field] {
				fe = append(fe, f)
			}
		}
	}
	fe = append(slices.Clip(wrong), withoutWrongTypes(fe, wrong)...)
	return d, &domain.Error{Code: domain.CodeInvalid, Message: "the request has invalid fields", Fields: fe}
}

// toRequestInput renders domain details in the input shape, the base that a
// PATCH body is merged onto.
func toRequestInput(d domain.Details) requestInput {
	in := requestInput{
		ExerciseName: d.ExerciseName, Purpose: d.Purpose, FrameworkID: d.FrameworkID,
		Unit:      unitJSON{d.Unit.Designation, d.Unit.ParentFormation, d.Unit.Commander},
		Period:    periodJSON{domain.DateString(d.Period.Start), domain.DateString(d.Period.End)},
		Personnel: personnelJSON{d.Personnel.Military, d.Personnel.Civilian, d.Personnel.Contractors},
		Weapons:   weaponsJSON{d.Weapons.LiveFire, nonNil(d.Weapons.Systems)},
		Contact:   contactJSON{d.Contact.Name, d.Contact.Email, d.Contact.Phone},
		Vehicles:  []vehicleJSON{}, Aircraft: []aircraftJSON{}, Vessels: []vesselJSON{},
		DangerousGoods: []dangerousGoodJSON{}, Movements: []movementJSON{}, TrainingAreas: []areaJSON{},
	}
	for _, v := range d.Vehicles {
		in.Vehicles = append(in.Vehicles, vehicleJSON{v.Category, v.Kind, v.Count})
	}
	for _, a := range d.Aircraft {
		in.Aircraft = append(in.Aircraft, aircraftJSON{a.Type, a.Count, a.Armed, a.EWEquipment, a.Cameras})
	}
	for _, v := range d.Vessels {
		in.Vessels = append(in.Vessels, vesselJSON{v.Name, v.Kind, v.Crew})
	}
	for _, g := range d.DangerousGoods {
		in.DangerousGoods = append(in.DangerousGoods, dangerousGoodJSON{g.UNNumber, g.Class, g.NetExplosiveKg, g.Description})
	}
	for _, m := range d.Movements {
		in.Movements = append(in.Movements, movementJSON{m.Direction, m.EntryPoint, m.At.UTC().Format(time.RFC3339), m.Mode})
	}
	for _, a := range d.TrainingAreas {
		in.TrainingAreas = append(in.TrainingAreas, areaJSON{a.Area, domain.DateString(a.From), domain.DateString(a.To)})
	}
	return in
}

func toRequestResponse(r *domain.Request) requestResponse {
	authorized, notice := movementStatus(r)
	return requestResponse{
		ID: r.ID, Reference: optional(r.Reference), Status: string(r.Status), Version: r.Version, Nation: r.Nation,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		requestInput: toRequestInput(r.Details), Route: toRouteJSON(r.Route),
		SubmittedAt: r.SubmittedAt, DueAt: r.DueAt, DecidedAt: r.DecidedAt,
		Conditions: nonNil(r.Conditions), Warnings: toWarningsJSON(r.Warnings),
		MovementAuthorized: authorized, MovementNotice: notice,
	}
}

func toRequestSummary(r *domain.Request) requestSummary {
	authorized, _ := movementStatus(r)
	return requestSummary{ID: r.ID, Reference: optional(r.Reference), Status: string(r.Status), Version: r.Version,
		Nation: r.Nation, ExerciseName: r.ExerciseName, PersonnelTotal: r.Personnel.Total(), DueAt: r.DueAt,
		Period:    periodJSON{domain.DateString(r.Period.Start), domain.DateString(r.Period.End)},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, MovementAuthorized: authorized}
}

// movementStatus says, unmistakably, whether the unit may move: only an
// approved request authorizes it, and then only within its conditions.
func movementStatus(r *domain.Request) (bool, string) {
	if r.Status.AuthorizesMovement() {
		return true, "AUTHORIZED: the unit may enter Sweden for the approved period, subject to the conditions listed."
	}
	return false, "NOT AUTHORIZED: this request is " + statusWords[r.Status] + "; the unit must not enter Sweden under it."
}

var statusWords = map[domain.Status]string{
	domain.StatusDraft: "a draft", domain.StatusInReview: "in review", domain.StatusChangesRequested: "returned for changes",
	domain.StatusRejected: "rejected", domain.StatusWithdrawn: "withdrawn", domain.StatusRevoked: "revoked", domain.StatusExpired: "expired",
}

func toRouteJSON(r *domain.Route) *routeJSON {
	if r == nil {
		return nil
	}
	out := &routeJSON{PolicyVersion: r.PolicyVersion, FastTrack: r.FastTrack, Reasons: nonNil(r.Reasons), Stages: []stageJSON{}}
	for _, s := range r.Stages {
		st := stageJSON{ID: s.ID, Role: string(s.Role), Order: s.Order, Status: string(s.Status),
			ApprovalsRequired: s.ApprovalsRequired, SLAWorkingDays: s.SLAWorkingDays, Reason: s.Reason,
			ActivatedAt: s.ActivatedAt, DueAt: s.DueAt, Decisions: []decisionJSON{}}
		for _, d := range s.Decisions {
			st.Decisions = append(st.Decisions, decisionJSON{ID: d.ID, By: d.By, ActingFor: d.ActingFor, Outcome: d.Outcome,
				Comment: d.Comment, Conditions: nonNil(d.Conditions), At: d.At})
		}
		out.Stages = append(out.Stages, st)
	}
	return out
}

func toWarningsJSON(ws []domain.Warning) []warningJSON {
	out := []warningJSON{}
	for _, w := range ws {
		out = append(out, warningJSON{w.Code, w.Message})
	}
	return out
}

// dateParser parses dates and instants, collecting a field error for each
// one that does not parse instead of stopping at the first.
type dateParser struct{ errs []domain.FieldError }

// notADate is the API's word for a day that does not parse.
const notADate = "must be a date like 2027-03-02"

func (p *dateParser) date(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.errs = append(p.errs, domain.FieldError{Field: field, Message: notADate})
	}
	return t
}

// calendarDay is date for a day that must lie in the service's calendar
// (domain.ParseCalendarDay, which the console reads its days with too): a
// framework agreement's validity, a request's period and bookings.
func (p *dateParser) calendarDay(field, s string) time.Time {
	t, err := domain.ParseCalendarDay(s)
	switch {
	case errors.Is(err, domain.ErrNotADay):
		p.errs = append(p.errs, domain.FieldError{Field: field, Message: notADate})
	case err != nil:
		p.errs = append(p.errs, domain.FieldError{Field: field, Message: err.Error()})
	}
	return t
}

// notATime is the API's word for a time that does not parse.
const notATime = "must be an RFC 3339 time like 2027-03-01T08:00:00Z"

func (p *dateParser) instant(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		p.errs = append(p.errs, domain.FieldError{Field: field, Message: notATime})
	}
	return t.UTC()
}

// calendarTime is instant for a time that must lie on a day of the
// service's calendar (domain.ParseCalendarTime): a given
// 0001-01-01T00:00:00Z is outside it, not missing.
func (p *dateParser) calendarTime(field, s string) time.Time {
	t, err := domain.ParseCalendarTime(s)
	switch {
	case errors.Is(err, domain.ErrNotATime):
		p.errs = append(p.errs, domain.FieldError{Field: field, Message: notATime})
	case err != nil:
		p.errs = append(p.errs, domain.FieldError{Field: field, Message: err.Error()})
	}
	return t
}

func indexed(list string, i int, field string) string {
	return list + "[" + itoa(i) + "]." + field
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
