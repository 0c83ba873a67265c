package domain

import (
	"fmt"
	"time"
)

// DetailsDoc is the one rendering of a request's details below the API: the
// document storage keeps in the requests.details column and the data of the
// request.created and request.updated audit entries. Names are snake_case and
// stable (the json tags are the format; a renamed Go field changes nothing),
// dates are "YYYY-MM-DD" and movement times RFC 3339 in UTC (fractions of a
// second only when there are any).
// Lists keep nil as null and empty as [] so that a request reads back
// exactly as it was stored; DetailsData renders both as [].
//
// A field added to Details must be added here and to its two converters,
// NewDetailsDoc and Details; TestDetailsDocRoundTrip fills every field of
// Details by reflection and fails when one is lost on the way.
type DetailsDoc struct {
	ExerciseName   string             `json:"exercise_name"`
	Purpose        string             `json:"purpose"`
	Unit           UnitDoc            `json:"unit"`
	Period         PeriodDoc          `json:"period"`
	Personnel      PersonnelDoc       `json:"personnel"`
	Vehicles       []VehicleDoc       `json:"vehicles"`
	Aircraft       []AircraftDoc      `json:"aircraft"`
	Vessels        []VesselDoc        `json:"vessels"`
	Weapons        WeaponsDoc         `json:"weapons"`
	DangerousGoods []DangerousGoodDoc `json:"dangerous_goods"`
	Movements      []MovementDoc      `json:"movements"`
	TrainingAreas  []AreaBookingDoc   `json:"training_areas"`
	FrameworkID    string             `json:"framework_id"`
	Contact        ContactDoc         `json:"contact"`
}

// UnitDoc is Unit in a DetailsDoc.
type UnitDoc struct {
	Designation     string `json:"designation"`
	ParentFormation string `json:"parent_formation"`
	Commander       string `json:"commander"`
}

// PeriodDoc is Period in a DetailsDoc.
type PeriodDoc struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// PersonnelDoc is Personnel in a DetailsDoc.
type PersonnelDoc struct {
	Military    int `json:"military"`
	Civilian    int `json:"civilian"`
	Contractors int `json:"contractors"`
}

// VehicleDoc is Vehicle in a DetailsDoc.
type VehicleDoc struct {
	Category string `json:"category"`
	Kind     string `json:"kind"`
	Count    int    `json:"count"`
}

// AircraftDoc is Aircraft in a DetailsDoc.
type AircraftDoc struct {
	Type        string `json:"type"`
	Count       int    `json:"count"`
	Armed       bool   `json:"armed"`
	EWEquipment bool   `json:"ew_equipment"`
	Cameras     bool   `json:"cameras"`
}

// VesselDoc is Vessel in a DetailsDoc.
type VesselDoc struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Crew int    `json:"crew"`
}

// WeaponsDoc is Weapons in a DetailsDoc.
type WeaponsDoc struct {
	LiveFire bool     `json:"live_fire"`
	Systems  []string `json:"systems"`
}

// DangerousGoodDoc is DangerousGood in a DetailsDoc.
type DangerousGoodDoc struct {
	UNNumber       string  `json:"un_number"`
	Class          string  `json:"class"`
	NetExplosiveKg float64 `json:"net_explosive_kg"`
	Description    string  `json:"description"`
}

// MovementDoc is Movement in a DetailsDoc.
type MovementDoc struct {
	Direction  string `json:"direction"`
	EntryPoint string `json:"entry_point"`
	At         string `json:"at"`
	Mode       string `json:"mode"`
}

// AreaBookingDoc is AreaBooking in a DetailsDoc.
type AreaBookingDoc struct {
	Area string `json:"area"`
	From string `json:"from"`
	To   string `json:"to"`
}

// ContactDoc is Contact in a DetailsDoc.
type ContactDoc struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// NewDetailsDoc renders d.
func NewDetailsDoc(d Details) DetailsDoc {
	return DetailsDoc{
		ExerciseName: d.ExerciseName, Purpose: d.Purpose, FrameworkID: d.FrameworkID,
		Unit:      UnitDoc(d.Unit),
		Period:    PeriodDoc{DateString(d.Period.Start), DateString(d.Period.End)},
		Personnel: PersonnelDoc(d.Personnel),
		Vehicles:  mapList(d.Vehicles, func(v Vehicle) VehicleDoc { return VehicleDoc(v) }),
		Aircraft:  mapList(d.Aircraft, func(a Aircraft) AircraftDoc { return AircraftDoc(a) }),
		Vessels:   mapList(d.Vessels, func(v Vessel) VesselDoc { return VesselDoc(v) }),
		Weapons:   WeaponsDoc{d.Weapons.LiveFire, mapList(d.Weapons.Systems, same[string])},
		DangerousGoods: mapList(d.DangerousGoods, func(g DangerousGood) DangerousGoodDoc {
			return DangerousGoodDoc(g)
		}),
		Movements: mapList(d.Movements, func(m Movement) MovementDoc {
			return MovementDoc{m.Direction, m.EntryPoint, instantString(m.At), m.Mode}
		}),
		TrainingAreas: mapList(d.TrainingAreas, func(a AreaBooking) AreaBookingDoc {
			return AreaBookingDoc{a.Area, DateString(a.From), DateString(a.To)}
		}),
		Contact: ContactDoc(d.Contact),
	}
}

// Details reads the document back. Only a date or time that does not parse
// (a damaged document) is an error.
func (doc DetailsDoc) Details() (Details, error) {
	p := &docParser{}
	d := Details{
		ExerciseName: doc.ExerciseName, Purpose: doc.Purpose, FrameworkID: doc.FrameworkID,
		Unit:      Unit(doc.Unit),
		Period:    Period{p.date(doc.Period.Start), p.date(doc.Period.End)},
		Personnel: Personnel(doc.Personnel),
		Vehicles:  mapList(doc.Vehicles, func(v VehicleDoc) Vehicle { return Vehicle(v) }),
		Aircraft:  mapList(doc.Aircraft, func(a AircraftDoc) Aircraft { return Aircraft(a) }),
		Vessels:   mapList(doc.Vessels, func(v VesselDoc) Vessel { return Vessel(v) }),
		Weapons:   Weapons{doc.Weapons.LiveFire, mapList(doc.Weapons.Systems, same[string])},
		DangerousGoods: mapList(doc.DangerousGoods, func(g DangerousGoodDoc) DangerousGood {
			return DangerousGood(g)
		}),
		Movements: mapList(doc.Movements, func(m MovementDoc) Movement {
			return Movement{m.Direction, m.EntryPoint, p.instant(m.At), m.Mode}
		}),
		TrainingAreas: mapList(doc.TrainingAreas, func(a AreaBookingDoc) AreaBooking {
			return AreaBooking{a.Area, p.date(a.From), p.date(a.To)}
		}),
		Contact: Contact(doc.Contact),
	}
	return d, p.err
}

// docParser parses the dates and times of a document, keeping the first error.
type docParser struct{ err error }

func (p *docParser) date(s string) time.Time    { return p.parse(time.DateOnly, s) }
func (p *docParser) instant(s string) time.Time { return p.parse(time.RFC3339, s).UTC() }

func (p *docParser) parse(layout, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(layout, s)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("details document: %w", err)
	}
	return t
}

// instantString renders a movement time, and the zero time as "".
func instantString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// mapList converts each element, keeping nil as nil and empty as empty.
func mapList[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func same[T any](v T) T { return v }
