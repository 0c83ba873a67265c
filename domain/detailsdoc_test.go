package domain

import (
	"encoding/json"
	"reflect"
	"testing"

	"exaccess/domain/domaintest"
)

// TestDetailsDocRoundTrip: every field of Details, filled by reflection,
// survives Details → DetailsDoc → JSON → DetailsDoc → Details, and appears
// in the audit data. A field added to Details but forgotten in DetailsDoc or
// one of its converters fails here.
func TestDetailsDocRoundTrip(t *testing.T) {
	var d Details
	domaintest.Fill(&d)
	b, err := json.Marshal(NewDetailsDoc(d))
	if err != nil {
		t.Fatal(err)
	}
	var doc DetailsDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	back, err := doc.Details()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("lost on the way (got ≠ want): %v", domaintest.Diff(back, d))
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	domaintest.NoZeroLeaves(t, "details document", generic)

	audit, err := json.Marshal(DetailsData(d))
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, audit, b) {
		t.Errorf("the audit data is not the stored document:\naudit %s\n  doc %s", audit, b)
	}
	if changed := ChangedDetails(Details{}, d); len(changed) != reflect.TypeFor[DetailsDoc]().NumField() {
		t.Errorf("ChangedDetails from nothing names %d fields, want all %d", len(changed), reflect.TypeFor[DetailsDoc]().NumField())
	}
}

// TestDetailsDocKeepsNilAndEmpty: a list read back is nil or empty as it
// was written; the audit data shows both as [].
func TestDetailsDocKeepsNilAndEmpty(t *testing.T) {
	for _, d := range []Details{{}, {Vehicles: []Vehicle{}, Weapons: Weapons{Systems: []string{}}}} {
		b, _ := json.Marshal(NewDetailsDoc(d))
		var doc DetailsDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if back, err := doc.Details(); err != nil || !reflect.DeepEqual(back, d) {
			t.Errorf("%s read back as %+v, %v", b, back, err)
		}
	}
	audit, _ := json.Marshal(DetailsData(Details{}))
	want := `{"aircraft":[],"contact":{"email":"","name":"","phone":""},"dangerous_goods":[],"exercise_name":"","framework_id":"",` +
		`"movements":[],"period":{"end":"","start":""},"personnel":{"civilian":0,"contractors":0,"military":0},"purpose":"",` +
		`"training_areas":[],"unit":{"commander":"","designation":"","parent_formation":""},"vehicles":[],"vessels":[],` +
		`"weapons":{"live_fire":false,"systems":[]}}`
	if !sameJSON(t, audit, []byte(want)) {
		t.Errorf("audit data of empty details:\n got %s\nwant %s", audit, want)
	}
}

// TestDetailsDocRefusesDamagedDates: a stored date that does not parse is an
// error, not a zero date.
func TestDetailsDocRefusesDamagedDates(t *testing.T) {
	for _, doc := range []DetailsDoc{
		{Period: PeriodDoc{Start: "2 March"}},
		{Movements: []MovementDoc{{At: "tomorrow"}}},
		{TrainingAreas: []AreaBookingDoc{{From: "2027-03-01", To: "2027-13-01"}}},
	} {
		if _, err := doc.Details(); err == nil {
			t.Errorf("%+v read back without an error", doc)
		}
	}
}

// sameJSON reports whether a and b are the same JSON value, whatever the
// order of object keys.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}
