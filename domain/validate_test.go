package domain

import (
	"strings"
	"testing"
	"time"
)

func testReference() *ReferenceData {
	natoFrom := date("1949-08-24")
	return NewReferenceData(
		[]Nation{{Code: "NO", Name: "Norway", NATOFrom: &natoFrom}},
		[]TrainingArea{{Code: "ravlunda", CapacityPersonnel: 1200}},
		[]EntryPoint{{Code: "storlien", Mode: "road"}},
	)
}

// validDetails is a complete, valid request; each test case breaks one part.
func validDetails() Details {
	at, _ := time.Parse(time.RFC3339, "2027-03-02T08:00:00Z")
	return Details{
		ExerciseName: "Cold Response", Purpose: "Winter training",
		Unit:          Unit{Designation: "Telemark Battalion"},
		Period:        Period{Start: date("2027-03-02"), End: date("2027-03-20")},
		Personnel:     Personnel{Military: 400},
		Vehicles:      []Vehicle{{Category: VehicleCombat, Kind: VehicleTracked, Count: 12}},
		Weapons:       Weapons{LiveFire: true, Systems: []string{"CV90"}},
		Movements:     []Movement{{Direction: DirectionEntry, EntryPoint: "storlien", At: at, Mode: "road"}},
		TrainingAreas: []AreaBooking{{Area: "ravlunda", From: date("2027-03-05"), To: date("2027-03-10")}},
		Contact:       Contact{Name: "Maj. Berg", Email: "berg@mil.no"},
	}
}

func TestValidateDetails(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Details)
		fields []string // every field that must be named; nil means valid
	}{
		{"valid", func(d *Details) {}, nil},
		{"everything missing", func(d *Details) { *d = Details{} },
			[]string{"exercise_name", "purpose", "unit.designation", "period.start", "personnel", "movements", "contact.name", "contact.email"}},
		{"name too long", func(d *Details) { d.ExerciseName = strings.Repeat("x", 201) }, []string{"exercise_name"}},
		{"purpose at limit", func(d *Details) { d.Purpose = strings.Repeat("ö", 4000) }, nil},
		{"purpose too long", func(d *Details) { d.Purpose = strings.Repeat("x", 4001) }, []string{"purpose"}},
		{"control character", func(d *Details) { d.ExerciseName = "a\x00b" }, []string{"exercise_name"}},
		{"C1 control character", func(d *Details) { d.Purpose = "a\u0085b" }, []string{"purpose"}},
		{"right-to-left override", func(d *Details) { d.Contact.Name = "Maj. \u202eGREB" }, []string{"contact.name"}},
		{"bidi isolates", func(d *Details) { d.Unit.Designation = "\u2066Telemark\u2069"; d.ExerciseName = "x\u2067y" }, []string{"unit.designation", "exercise_name"}},
		{"zero-width space", func(d *Details) { d.ExerciseName = "Cold\u200bResponse" }, []string{"exercise_name"}},
		{"byte order mark", func(d *Details) { d.Purpose = "\ufeffWinter" }, []string{"purpose"}},
		{"left-to-right mark", func(d *Details) { d.Contact.Name = "Berg\u200e" }, []string{"contact.name"}},
		{"visible non-Latin text", func(d *Details) { d.Purpose = "Övning på Gotland — Ελλάδα, العربية" }, nil},
		{"end before start", func(d *Details) { d.Period.End = date("2027-03-01") }, []string{"period.end"}},
		{"181 days", func(d *Details) { d.Period.End = d.Period.Start.AddDate(0, 0, 180); d.TrainingAreas = nil }, []string{"period.end"}},
		{"180 days", func(d *Details) { d.Period.End = d.Period.Start.AddDate(0, 0, 179) }, nil},
		{"negative personnel", func(d *Details) { d.Personnel.Civilian = -1 }, []string{"personnel.civilian"}},
		{"zero personnel", func(d *Details) { d.Personnel = Personnel{} }, []string{"personnel"}},
		{"bad vehicle", func(d *Details) { d.Vehicles[0] = Vehicle{Category: "tank", Kind: "hover", Count: 0} },
			[]string{"vehicles[0].category", "vehicles[0].kind", "vehicles[0].count"}},
		{"bad vessel", func(d *Details) { d.Vessels = []Vessel{{Kind: "submarine"}} }, []string{"vessels[0].name", "vessels[0].kind"}},
		{"aircraft without type", func(d *Details) { d.Aircraft = []Aircraft{{Count: 2}} }, []string{"aircraft[0].type"}},
		{"UN number not 4 digits", func(d *Details) { d.DangerousGoods = []DangerousGood{{UNNumber: "12", Class: "1.1D"}} }, []string{"dangerous_goods[0].un_number"}},
		{"UN number with sign", func(d *Details) { d.DangerousGoods = []DangerousGood{{UNNumber: "+123", Class: "1"}} }, []string{"dangerous_goods[0].un_number"}},
		{"good UN number", func(d *Details) {
			d.DangerousGoods = []DangerousGood{{UNNumber: "0012", Class: "1.4S", NetExplosiveKg: 3.5}}
		}, nil},
		{"only exits", func(d *Details) { d.Movements[0].Direction = DirectionExit }, []string{"movements"}},
		{"unknown entry point", func(d *Details) { d.Movements[0].EntryPoint = "narnia" }, []string{"movements[0].entry_point"}},
		{"bad mode", func(d *Details) { d.Movements[0].Mode = "teleport" }, []string{"movements[0].mode"}},
		{"movement without time", func(d *Details) { d.Movements[0].At = time.Time{} }, []string{"movements[0].at"}},
		{"unknown area", func(d *Details) { d.TrainingAreas[0].Area = "mordor" }, []string{"training_areas[0].area"}},
		{"area outside period", func(d *Details) { d.TrainingAreas[0].To = date("2027-04-01") }, []string{"training_areas[0]"}},
		{"area to before from", func(d *Details) { d.TrainingAreas[0].To = date("2027-03-04") }, []string{"training_areas[0].to"}},
		{"bad email", func(d *Details) { d.Contact.Email = "not an address" }, []string{"contact.email"}},
		{"framework id too long", func(d *Details) { d.FrameworkID = strings.Repeat("f", 65) }, []string{"framework_id"}},
		{"too many vehicles", func(d *Details) { d.Vehicles = make([]Vehicle, MaxListItems+1) }, []string{"vehicles"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDetails()
			tt.change(&d)
			err := ValidateDetails(d, testReference())
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeInvalid {
				t.Fatalf("want invalid error, got %v", err)
			}
			named := map[string]bool{}
			for _, f := range e.Fields {
				named[f.Field] = true
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Field)
				}
			}
			for _, f := range tt.fields {
				if !named[f] {
					t.Errorf("field %q not named; got %+v", f, e.Fields)
				}
			}
		})
	}
}

// TestChoiceMessages: a choice left empty "is required", as any missing
// field is (the console reads it "choose Wheeled or Tracked"); one given
// but not allowed "must be one of" the allowed values.
func TestChoiceMessages(t *testing.T) {
	d := validDetails()
	d.Vehicles[0].Kind = ""
	d.Vehicles[0].Category = "tank"
	d.Vessels = []Vessel{{Name: "KNM Fridtjof Nansen", Crew: 120}}
	d.Movements[0].Mode = ""
	got := map[string]string{}
	if e, ok := ValidateDetails(d, testReference()).(*Error); ok {
		for _, f := range e.Fields {
			got[f.Field] = f.Message
		}
	}
	want := map[string]string{
		"vehicles[0].kind":     "is required",
		"vehicles[0].category": "must be one of combat, non_combat",
		"vessels[0].kind":      "is required",
		"movements[0].mode":    "is required",
	}
	for f, m := range want {
		if got[f] != m {
			t.Errorf("%s: %q, want %q", f, got[f], m)
		}
	}
	e, _ := ValidateDecision(DecisionInput{Stage: "intake"}).(*Error)
	if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "outcome" || e.Fields[0].Message != "is required" {
		t.Errorf("a decision without an outcome: %v", e)
	}
}

func TestValidateUser(t *testing.T) {
	ref := testReference()
	tests := []struct {
		name string
		u    User
		ok   bool
	}{
		{"liaison", User{Username: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}, true},
		{"approver", User{Username: "gov2", Roles: []Role{RoleMinistry}}, true},
		{"liaison without nation", User{Username: "lo", Roles: []Role{RoleLiaison}}, false},
		{"liaison of unknown nation", User{Username: "lo", Roles: []Role{RoleLiaison}, Nation: "XX"}, false},
		{"approver with nation", User{Username: "ops", Roles: []Role{RoleOperations}, Nation: "NO"}, false},
		{"liaison and approver", User{Username: "x", Roles: []Role{RoleLiaison, RoleHNS}, Nation: "NO"}, false},
		{"unknown role", User{Username: "x", Roles: []Role{"king"}}, false},
		{"no role", User{Username: "x"}, false},
		{"bad username", User{Username: "Robert'); DROP", Roles: []Role{RoleAdmin}}, false},
	}
	for _, tt := range tests {
		if err := ValidateUser(tt.u, ref); (err == nil) != tt.ok {
			t.Errorf("%s: ValidateUser = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestNationMembership(t *testing.T) {
	eu, until, nato := date("1973-01-01"), date("2020-01-31"), date("1949-08-24")
	gb := Nation{Code: "GB", EUFrom: &eu, EUUntil: &until, NATOFrom: &nato}
	if !gb.EUMemberOn(date("2020-01-30")) || gb.EUMemberOn(date("2020-01-31")) {
		t.Error("GB left the EU on 2020-01-31")
	}
	if !gb.NATOMemberOn(date("2027-01-01")) {
		t.Error("GB is in NATO")
	}
	for in, want := range map[string]string{"el": "GR", " UK ": "GB", "no": "NO"} {
		if got := NormalizeNation(in); got != want {
			t.Errorf("NormalizeNation(%q) = %q, want %q", in, got, want)
		}
	}
	if n, ok := testReference().Nation("no"); !ok || n.Code != "NO" {
		t.Error("lookup by lower-case code fails")
	}
}

func TestValidateTiming(t *testing.T) {
	today := date("2026-11-27")
	for _, tc := range []struct {
		start, end string
		field      string
	}{
		{"2027-03-02", "2027-03-20", ""},
		{"2026-11-01", "2026-11-27", ""}, // ends today: still running
		{"2026-11-01", "2026-11-26", "period.end"},
		{"2028-11-27", "2028-12-01", ""},
		{"2028-11-28", "2028-12-01", "period.start"},
	} {
		d := validDetails()
		d.Period = Period{Start: date(tc.start), End: date(tc.end)}
		err := ValidateTiming(d, today)
		e, _ := err.(*Error)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s..%s: %v", tc.start, tc.end, err)
		case tc.field != "" && (e == nil || e.Fields[0].Field != tc.field):
			t.Errorf("%s..%s: err = %v, want %s named", tc.start, tc.end, err, tc.field)
		}
	}
}
