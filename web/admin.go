package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// adminView is the data of the administration start page.
type adminView struct {
	Frameworks []domain.Framework
	Areas      []domain.TrainingArea
}

func (c *Console) handleAdmin(ec echo.Context) error {
	ctx := ec.Request().Context()
	fws, err := c.Frameworks.List(ctx, principalOf(ec), "")
	if err != nil {
		return err
	}
	areas, err := c.Frameworks.TrainingAreas(ctx)
	if err != nil {
		return err
	}
	return c.render(ec, http.StatusOK, "admin", msg("admin.title"), adminView{Frameworks: fws, Areas: areas})
}

// fwForm is a framework agreement's form, as typed.
type fwForm struct {
	ID, Nation, Name, Reference, From, Until, Ceiling, Notes string
	Areas, Points                                            []string
	LiveFire, DG, Suspended                                  bool
	Version                                                  int
}

// fwView is the data of the framework form.
type fwView struct {
	F             fwForm
	Errors        []fieldErr
	Nations       []option
	Areas, Points []option
}

// E is the error of one field (a list's items included).
func (v fwView) E(field string) string {
	for _, e := range v.Errors {
		if e.Field == field || strings.HasPrefix(e.Field, field+"[") {
			return e.Message
		}
	}
	return ""
}

// Has reports whether a multi-select holds code.
func (fwForm) Has(list []string, code string) bool {
	for _, x := range list {
		if x == code {
			return true
		}
	}
	return false
}

func (c *Console) fwOptions(v fwView) fwView {
	for _, n := range c.Reference.Nations {
		v.Nations = append(v.Nations, option{n.Code, n.Name})
	}
	for _, a := range c.Reference.TrainingAreas {
		v.Areas = append(v.Areas, option{a.Code, a.Name})
	}
	for _, p := range c.Reference.EntryPoints {
		v.Points = append(v.Points, option{p.Code, p.Name})
	}
	return v
}

func (c *Console) handleFrameworkNew(ec echo.Context) error {
	return c.render(ec, http.StatusOK, "framework", msg("admin.newfw"), c.fwOptions(fwView{}))
}

func (c *Console) handleFrameworkEdit(ec echo.Context) error {
	f, err := c.Frameworks.Get(ec.Request().Context(), principalOf(ec), ec.Param("id"))
	if err != nil {
		return err
	}
	t := f.FrameworkTerms
	form := fwForm{ID: f.ID, Version: f.Version, Nation: t.Nation, Name: t.Name, Reference: t.Reference,
		From: dateISO(t.ValidFrom), Until: dateISO(t.ValidUntil), Ceiling: strconv.Itoa(t.PersonnelCeiling), Notes: t.Notes,
		Areas: t.TrainingAreas, Points: t.EntryPoints, LiveFire: t.LiveFire, DG: t.DangerousGoods, Suspended: t.Suspended}
	return c.render(ec, http.StatusOK, "framework", t.Name, c.fwOptions(fwView{F: form}))
}

func readFwForm(ec echo.Context) (fwForm, domain.FrameworkTerms, []domain.FieldError) {
	form, _ := ec.FormParams()
	f := fwForm{Nation: form.Get("nation"), Name: strings.TrimSpace(form.Get("name")), Reference: strings.TrimSpace(form.Get("reference")),
		From: strings.TrimSpace(form.Get("valid_from")), Until: strings.TrimSpace(form.Get("valid_until")),
		Ceiling: strings.TrimSpace(form.Get("personnel_ceiling")), Notes: form.Get("notes"),
		Areas: form["training_areas"], Points: form["entry_points"],
		LiveFire: form.Get("live_fire") == "on", DG: form.Get("dangerous_goods") == "on", Suspended: form.Get("suspended") == "on"}
	f.Version, _ = strconv.Atoi(form.Get("version"))
	var conv converter
	t := domain.FrameworkTerms{Nation: f.Nation, Name: f.Name, Reference: f.Reference,
		ValidFrom: conv.calendarDay("valid_from", f.From), ValidUntil: conv.calendarDay("valid_until", f.Until),
		TrainingAreas: f.Areas, EntryPoints: f.Points, PersonnelCeiling: conv.int("personnel_ceiling", f.Ceiling),
		LiveFire: f.LiveFire, DangerousGoods: f.DG, Notes: f.Notes, Suspended: f.Suspended}
	return f, t, conv.errs
}

func (c *Console) handleFrameworkCreate(ec echo.Context) error { return c.saveFramework(ec, "") }

func (c *Console) handleFrameworkUpdate(ec echo.Context) error {
	return c.saveFramework(ec, ec.Param("id"))
}

func (c *Console) saveFramework(ec echo.Context, id string) error {
	f, t, errs := readFwForm(ec)
	f.ID = id
	var err error
	switch {
	case len(errs) > 0:
		err = &domain.Error{Code: domain.CodeInvalid, Message: "the agreement is not valid", Fields: errs}
	case id == "":
		_, err = c.Frameworks.Create(ec.Request().Context(), principalOf(ec), t)
	default:
		_, err = c.Frameworks.Update(ec.Request().Context(), principalOf(ec), id, f.Version, t)
	}
	if err == nil {
		return ec.Redirect(http.StatusSeeOther, "/admin")
	}
	var de *domain.Error
	if !errors.As(err, &de) || (de.Code != domain.CodeInvalid && de.Code != domain.CodePreconditionFailed) {
		return err
	}
	v := c.fwOptions(fwView{F: f, Errors: toFieldErrs(de.Fields)})
	if len(v.Errors) == 0 {
		v.Errors = []fieldErr{{Field: "name", Message: de.Message, Anchor: fieldID("name")}}
	}
	return c.render(ec, http.StatusUnprocessableEntity, "framework", msg("admin.frameworks"), v)
}

// areaView is the data of a training area's form.
type areaView struct {
	A        *domain.TrainingArea
	Capacity string
	Blackout string
	Errors   []fieldErr
}

// E is the error of one field (a list's items included).
func (v areaView) E(field string) string {
	for _, e := range v.Errors {
		if e.Field == field || strings.HasPrefix(e.Field, field+"[") {
			return e.Message
		}
	}
	return ""
}

func (c *Console) handleAreaEdit(ec echo.Context) error {
	a, err := c.Frameworks.TrainingArea(ec.Request().Context(), ec.Param("code"))
	if err != nil {
		return err
	}
	days := make([]string, 0, len(a.BlackoutDays))
	for _, d := range a.BlackoutDays {
		days = append(days, dateISO(d))
	}
	v := areaView{A: a, Capacity: strconv.Itoa(a.CapacityPersonnel), Blackout: strings.Join(days, "\n")}
	return c.render(ec, http.StatusOK, "area", a.Name, v)
}

func (c *Console) handleAreaUpdate(ec echo.Context) error {
	ctx := ec.Request().Context()
	a, err := c.Frameworks.TrainingArea(ctx, ec.Param("code"))
	if err != nil {
		return err
	}
	v := areaView{A: a, Capacity: strings.TrimSpace(ec.FormValue("capacity_personnel")), Blackout: ec.FormValue("blackout_days")}
	version, _ := strconv.Atoi(ec.FormValue("version"))
	var conv converter
	edit := domain.AreaEdit{CapacityPersonnel: conv.int("capacity_personnel", v.Capacity)}
	for i, l := range lines(v.Blackout) {
		edit.BlackoutDays = append(edit.BlackoutDays, conv.date(idx("blackout_days", i), l))
	}
	if len(conv.errs) == 0 {
		_, err = c.Frameworks.UpdateTrainingArea(ctx, principalOf(ec), a.Code, version, edit)
	} else {
		err = &domain.Error{Code: domain.CodeInvalid, Message: "the training area is not valid", Fields: conv.errs}
	}
	if err == nil {
		return ec.Redirect(http.StatusSeeOther, "/admin")
	}
	var de *domain.Error
	if !errors.As(err, &de) || (de.Code != domain.CodeInvalid && de.Code != domain.CodePreconditionFailed) {
		return err
	}
	v.Errors = toFieldErrs(de.Fields)
	if len(v.Errors) == 0 {
		v.Errors = []fieldErr{{Field: "capacity_personnel", Message: de.Message, Anchor: fieldID("capacity_personnel")}}
	}
	for i := range v.Errors {
		if strings.HasPrefix(v.Errors[i].Field, "blackout_days") {
			v.Errors[i].Anchor = fieldID("blackout_days")
		}
	}
	return c.render(ec, http.StatusUnprocessableEntity, "area", a.Name, v)
}
