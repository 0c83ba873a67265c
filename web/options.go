package web

import (
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

func (c *Console) options(ec echo.Context) options {
	o := options{
		Categories:  []option{{domain.VehicleCombat, "Combat"}, {domain.VehicleNonCombat, "Non-combat"}},
		Kinds:       []option{{domain.VehicleWheeled, "Wheeled"}, {domain.VehicleTracked, "Tracked"}},
		VesselKinds: []option{{domain.VesselWarship, "Warship"}, {domain.VesselAuxiliary, "Auxiliary"}, {domain.VesselOther, "Other"}},
		Directions:  []option{{domain.DirectionEntry, "Entry into Sweden"}, {domain.DirectionExit, "Exit from Sweden"}},
	}
	for _, m := range domain.MovementModes {
		o.Modes = append(o.Modes, option{m, msg("mode." + m)})
	}
	for _, a := range c.Reference.TrainingAreas {
		o.Areas = append(o.Areas, option{a.Code, a.Name})
	}
	for _, p := range c.Reference.EntryPoints {
		o.Points = append(o.Points, option{p.Code, p.Name + " (" + p.Mode + ")"})
	}
	p := principalOf(ec)
	if fws, err := c.Frameworks.List(ec.Request().Context(), p, p.Nation); err == nil {
		for _, f := range fws {
			o.Frameworks = append(o.Frameworks, option{f.ID, f.Name + " (" + f.Reference + ")"})
		}
	}
	return o
}
