package web

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"exaccess/domain"
)

// Rows of the repeatable parts of a request form, holding exactly what the
// user typed so that nothing is lost when the page comes back with errors.
type (
	vehicleRow  struct{ Category, Kind, Count string }
	aircraftRow struct {
		Type, Count        string
		Armed, EW, Cameras bool
	}
	vesselRow   struct{ Name, Kind, Crew string }
	goodsRow    struct{ UNNumber, Class, NetExplosiveKg, Description string }
	movementRow struct{ Direction, EntryPoint, At, Mode string }
	areaRow     struct{ Area, From, To string }
)

// requestForm is a request form as typed. Input names are the field paths
// of the domain's validation ("vehicles[0].count"), so every field error
// lands beside its own input.
type requestForm struct {
	ExerciseName, Purpose                   string
	Designation, ParentFormation, Commander string
	Start, End                              string
	Military, Civilian, Contractors         string
	LiveFire                                bool
	Systems                                 string // one per line
	FrameworkID                             string
	ContactName, ContactEmail, ContactPhone string
	Vehicles                                []vehicleRow
	Aircraft                                []aircraftRow
	Vessels                                 []vesselRow
	Goods                                   []goodsRow
	Movements                               []movementRow
	Areas                                   []areaRow
	// Focus is the control the page comes back focused on (autofocus)
	// after "Add a row" or "Remove row": the new row's first field, or the
	// section's "Add a row" button ("add:vehicles"), so a keyboard or
	// screen reader user goes on where they were instead of at the top.
	Focus string
}

// firstField is the first control of a row of each repeatable part.
var firstField = map[string]string{"vehicles": "category", "aircraft": "type", "vessels": "name",
	"dangerous_goods": "un_number", "movements": "direction", "training_areas": "area"}

// rows returns, for a repeatable part named prefix, the submitted rows in
// index order, each as its field → value map.
func rows(f url.Values, prefix string) []map[string]string {
	byIndex := map[int]map[string]string{}
	for k, vs := range f {
		rest, ok := strings.CutPrefix(k, prefix+"[")
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, "].")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i > 500 {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = map[string]string{}
		}
		byIndex[i][field] = strings.TrimSpace(vs[0])
	}
	keys := make([]int, 0, len(byIndex))
	for i := range byIndex {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	out := make([]map[string]string, 0, len(keys))
	for _, i := range keys {
		out = append(out, byIndex[i])
	}
	return out
}

// parseForm reads a submitted request form.
func parseForm(f url.Values) requestForm {
	g := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	r := requestForm{ExerciseName: g("exercise_name"), Purpose: g("purpose"),
		Designation: g("unit.designation"), ParentFormation: g("unit.parent_formation"), Commander: g("unit.commander"),
		Start: g("period.start"), End: g("period.end"),
		Military: g("personnel.military"), Civilian: g("personnel.civilian"), Contractors: g("personnel.contractors"),
		LiveFire: f.Get("weapons.live_fire") == "on", Systems: f.Get("weapons.systems"), FrameworkID: g("framework_id"),
		ContactName: g("contact.name"), ContactEmail: g("contact.email"), ContactPhone: g("contact.phone")}
	for _, m := range rows(f, "vehicles") {
		r.Vehicles = append(r.Vehicles, vehicleRow{m["category"], m["kind"], m["count"]})
	}
	for _, m := range rows(f, "aircraft") {
		r.Aircraft = append(r.Aircraft, aircraftRow{m["type"], m["count"], m["armed"] == "on", m["ew_equipment"] == "on", m["cameras"] == "on"})
	}
	for _, m := range rows(f, "vessels") {
		r.Vessels = append(r.Vessels, vesselRow{m["name"], m["kind"], m["crew"]})
	}
	for _, m := range rows(f, "dangerous_goods") {
		r.Goods = append(r.Goods, goodsRow{m["un_number"], m["class"], m["net_explosive_kg"], m["description"]})
	}
	for _, m := range rows(f, "movements") {
		r.Movements = append(r.Movements, movementRow{m["direction"], m["entry_point"], m["at"], m["mode"]})
	}
	for _, m := range rows(f, "training_areas") {
		r.Areas = append(r.Areas, areaRow{m["area"], m["from"], m["to"]})
	}
	return r
}

// rowChange applies an "add:vehicles" or "remove:vehicles:2" button.
func (r *requestForm) rowChange(action string) bool {
	parts := strings.Split(action, ":")
	if len(parts) < 2 || (parts[0] != "add" && parts[0] != "remove") {
		return false
	}
	i := -1
	if parts[0] == "remove" && len(parts) == 3 {
		i, _ = strconv.Atoi(parts[2])
	}
	switch parts[1] {
	case "vehicles":
		r.Vehicles = edit(r.Vehicles, i)
	case "aircraft":
		r.Aircraft = edit(r.Aircraft, i)
	case "vessels":
		r.Vessels = edit(r.Vessels, i)
	case "dangerous_goods":
		r.Goods = edit(r.Goods, i)
	case "movements":
		r.Movements = edit(r.Movements, i)
	case "training_areas":
		r.Areas = edit(r.Areas, i)
	default:
		return false
	}
	r.Focus = "add:" + parts[1]
	if i < 0 {
		r.Focus = fmt.Sprintf("%s[%d].%s", parts[1], r.rowCount(parts[1])-1, firstField[parts[1]])
	}
	return true
}

// rowCount is the number of rows of a repeatable part.
func (r *requestForm) rowCount(part string) int {
	return map[string]int{"vehicles": len(r.Vehicles), "aircraft": len(r.Aircraft), "vessels": len(r.Vessels),
		"dangerous_goods": len(r.Goods), "movements": len(r.Movements), "training_areas": len(r.Areas)}[part]
}

// edit adds an empty row (i < 0) or removes row i.
func edit[T any](xs []T, i int) []T {
	if i < 0 {
		var zero T
		return append(xs, zero)
	}
	if i < len(xs) {
		return append(xs[:i:i], xs[i+1:]...)
	}
	return xs
}

// fromDetails fills a form from a stored request.
func fromDetails(d domain.Details) requestForm {
	n := strconv.Itoa
	r := requestForm{ExerciseName: d.ExerciseName, Purpose: d.Purpose, Designation: d.Unit.Designation,
		ParentFormation: d.Unit.ParentFormation, Commander: d.Unit.Commander,
		Start: dateISO(d.Period.Start), End: dateISO(d.Period.End),
		Military: n(d.Personnel.Military), Civilian: n(d.Personnel.Civilian), Contractors: n(d.Personnel.Contractors),
		LiveFire: d.Weapons.LiveFire, Systems: strings.Join(d.Weapons.Systems, "\n"), FrameworkID: d.FrameworkID,
		ContactName: d.Contact.Name, ContactEmail: d.Contact.Email, ContactPhone: d.Contact.Phone}
	for _, v := range d.Vehicles {
		r.Vehicles = append(r.Vehicles, vehicleRow{v.Category, v.Kind, n(v.Count)})
	}
	for _, a := range d.Aircraft {
		r.Aircraft = append(r.Aircraft, aircraftRow{a.Type, n(a.Count), a.Armed, a.EWEquipment, a.Cameras})
	}
	for _, v := range d.Vessels {
		r.Vessels = append(r.Vessels, vesselRow{v.Name, v.Kind, n(v.Crew)})
	}
	for _, g := range d.DangerousGoods {
		r.Goods = append(r.Goods, goodsRow{g.UNNumber, g.Class, strconv.FormatFloat(g.NetExplosiveKg, 'f', -1, 64), g.Description})
	}
	for _, m := range d.Movements {
		r.Movements = append(r.Movements, movementRow{m.Direction, m.EntryPoint, m.At.In(stockholm).Format(localMinute), m.Mode})
	}
	for _, a := range d.TrainingAreas {
		r.Areas = append(r.Areas, areaRow{a.Area, dateISO(a.From), dateISO(a.To)})
	}
	return r
}

// localMinute is how a crossing's time is shown and typed: ISO date and
// time of day, Stockholm time ("2027-03-01 09:00"). The form also takes the
// "T" form of <input type="datetime-local">.
const localMinute = "2006-01-02 15:04"
