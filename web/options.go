package web

import (
	"slices"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// option is one choice of a select.
type option struct{ Value, Label string }

// options are the choices of the request form's selects.
type options struct {
	Areas, Points, Frameworks      []option
	Categories, Kinds, VesselKinds []option
	Directions, Modes              []option
}

// choices are the fixed choices of the forms by the field they are made
// in (a row's field without its index): the options of the selects and
// radios, the words a request's page shows for a stored code, and the
// words of a "must be one of" error.
var choices = map[string][]option{
	"vehicles.category":   {{domain.VehicleCombat, "Combat"}, {domain.VehicleNonCombat, "Non-combat"}},
	"vehicles.kind":       {{domain.VehicleWheeled, "Wheeled"}, {domain.VehicleTracked, "Tracked"}},
	"vessels.kind":        {{domain.VesselWarship, "Warship"}, {domain.VesselAuxiliary, "Auxiliary"}, {domain.VesselOther, "Other"}},
	"movements.direction": {{domain.DirectionEntry, "Entry into Sweden"}, {domain.DirectionExit, "Exit from Sweden"}},
	"movements.mode":      modeChoices(),
	"outcome": {{domain.OutcomeApprove, msg("decide.approve")}, {domain.OutcomeRequestChanges, msg("decide.changes")},
		{domain.OutcomeReject, msg("decide.reject")}},
}

func modeChoices() []option {
	var out []option
	for _, m := range domain.MovementModes {
		out = append(out, option{m, msg("mode." + m)})
	}
	return out
}

// nationChoices are the nations of ref as a select offers them: by the
// name shown, in English, not by the ISO code the reference data is kept
// in (which runs "Canada, Switzerland, Cyprus"). Names compare by code
// point, case aside, which orders the English names as a reader expects
// ("Türkiye" among the T's).
func nationChoices(ref *domain.ReferenceData) []option {
	out := make([]option, 0, len(ref.Nations))
	for _, n := range ref.Nations {
		out = append(out, option{n.Code, n.Name})
	}
	sortByLabel(out)
	return out
}

// sendingNationChoices are nationChoices without the host nation, which no
// liaison officer is bound to and no framework agreement is made with
// (domain.HostNation) — unless keep, the stored value the form shows, is
// it: an account or agreement stored before that rule keeps its nation
// visible, not silently replaced by the select's first choice.
func sendingNationChoices(ref *domain.ReferenceData, keep string) []option {
	return slices.DeleteFunc(nationChoices(ref), func(o option) bool {
		return o.Value == domain.HostNation && keep != domain.HostNation
	})
}

// areaChoices are the training areas of ref by name, as the form, the
// request list's filter and a framework's checkboxes offer them; the
// reference data keeps them north to south. Code-point order puts
// "Älvdalens skjutfält" last, where a Swedish reader looks for it.
func areaChoices(ref *domain.ReferenceData) []option {
	out := make([]option, 0, len(ref.TrainingAreas))
	for _, a := range ref.TrainingAreas {
		out = append(out, option{a.Code, a.Name})
	}
	sortByLabel(out)
	return out
}

// sortByLabel orders choices by the words shown, case aside, by code point.
func sortByLabel(opts []option) {
	slices.SortStableFunc(opts, func(a, b option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
}

// choice is the words of code among the choices of field ("vehicles.kind",
// "outcome"), or the code itself when it is none of them.
func choice(field, code string) string {
	for _, o := range choices[field] {
		if o.Value == code {
			return o.Label
		}
	}
	return code
}

// options are the request form's choices; the framework agreements are
// those of the caller's nation, each marked when not in force
// (frameworkLabel).
func (c *Console) options(ec echo.Context) (options, error) {
	o := options{Categories: choices["vehicles.category"], Kinds: choices["vehicles.kind"], VesselKinds: choices["vessels.kind"],
		Directions: choices["movements.direction"], Modes: choices["movements.mode"]}
	o.Areas = areaChoices(c.Reference)
	for _, p := range c.Reference.EntryPoints {
		o.Points = append(o.Points, option{p.Code, p.Name + " (" + p.Mode + ")"})
	}
	sortByLabel(o.Points) // by name, as the nations: the codes run "esdf, esgg, …, storlien"
	p := principalOf(ec)
	fws, err := c.Frameworks.List(ec.Request().Context(), p, p.Nation)
	if err != nil {
		return o, err
	}
	now := c.Now()
	for i := range fws {
		o.Frameworks = append(o.Frameworks, option{fws[i].ID, frameworkLabel(&fws[i], now)})
	}
	return o, nil
}

// frameworkLabel names an agreement as the request form's select and a
// request's page do: its name and reference, marked "(ended)" once its
// validity is over at now (domain.Framework.Ended) or else "(suspended)"
// while it is suspended, since either way it gives no fast track.
func frameworkLabel(f *domain.Framework, now time.Time) string {
	label := f.Name + " (" + f.Reference + ")"
	switch {
	case f.Ended(now):
		label += " " + msg("fw.ended")
	case f.Suspended:
		label += " " + msg("fw.suspendedmark")
	}
	return label
}
