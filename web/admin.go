package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// adminView is the data of the administration start page.
type adminView struct {
	Frameworks []domain.Framework
	Areas      []domain.TrainingArea
	Notice     string // what was just saved
	// Closes are the requests in review or approved whose bookings the
	// blackout days just added to an area cover, one sentence each.
	Closes []string
	// Over are the days a save that lowered an area's capacity left over
	// it, as sentences (capacityOver).
	Over []string
	// Uncovered are the references of the requests in review on the fast
	// track of the agreement just saved that it no longer covers
	// (domain.FrameworkService.Lapsed).
	Uncovered []string
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
	v := adminView{Frameworks: fws, Areas: areas}
	v.Notice = savedNotice(ec, fws, areas)
	if v.Closes, err = c.blackoutCloses(ec); err != nil {
		return err
	}
	v.Over = capacityOver(ec, areas)
	if v.Uncovered, err = c.uncovered(ec, fws); err != nil {
		return err
	}
	return c.render(ec, http.StatusOK, "admin", msg("admin.title"), v)
}

// blackoutCloses names, after an area was saved with new blackout days
// (?saved_area=<code>&closed=<day>,<day>), the requests in review or
// approved whose bookings those days cover. Only days that are blackout
// days of the area now count (domain.BlackoutHits), so the address cannot
// make this a view of the bookings calendar; a day that does not parse is
// left out.
func (c *Console) blackoutCloses(ec echo.Context) ([]string, error) {
	code, closed := ec.QueryParam("saved_area"), ec.QueryParam("closed")
	if code == "" || closed == "" {
		return nil, nil
	}
	var days []time.Time
	for _, s := range strings.Split(closed, ",") {
		if d, err := domain.ParseCalendarDay(s); err == nil && !d.IsZero() {
			days = append(days, d)
		}
	}
	hits, err := c.Frameworks.BlackoutHits(ec.Request().Context(), principalOf(ec), code, days)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, h := range hits {
		var ds []string
		for _, d := range h.Days {
			ds = append(ds, dateISO(d))
		}
		out = append(out, fmt.Sprintf(msg("admin.closes"), h.Reference, msg("status."+string(h.Status)), strings.Join(ds, ", ")))
	}
	return out, nil
}

// capacityOver words, after a save that lowered an area's capacity
// (?saved_area=<code>&over=<days>&over_review=<days>, the days as
// dayRangesISO writes them), the days the save found over the new
// capacity: approved requests alone (over), and only together with
// requests in review (over_review). The days are the save's answer
// (domain.AreaSaved), carried by the address; the address only words
// dates, and only for an area that exists.
func capacityOver(ec echo.Context, areas []domain.TrainingArea) []string {
	code := ec.QueryParam("saved_area")
	if code == "" || !slices.ContainsFunc(areas, func(a domain.TrainingArea) bool { return a.Code == code }) {
		return nil
	}
	var out []string
	for _, k := range []struct{ param, key string }{{"over", "admin.overapproved"}, {"over_review", "admin.overreview"}} {
		if days := parseDayRangesISO(ec.QueryParam(k.param)); len(days) > 0 {
			out = append(out, fmt.Sprintf(msg(k.key), domain.DayRangesLong(days)))
		}
	}
	return out
}

// dayRangesISO writes sorted days for an address, consecutive days as one
// range: "2027-03-01..2027-03-10,2027-03-12".
func dayRangesISO(days []time.Time) string {
	var parts []string
	for _, r := range domain.DayRuns(days) {
		p := dateISO(r[0])
		if !r[1].Equal(r[0]) {
			p += ".." + dateISO(r[1])
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}

// maxAddressDays bounds the days parseDayRangesISO reads from an address:
// the calendar's days, about a hundred years.
const maxAddressDays = 366 * 100

// parseDayRangesISO reads dayRangesISO's text back into sorted days, each
// once; a part that does not parse, lies outside the calendar or runs
// backwards is left out.
func parseDayRangesISO(s string) []time.Time {
	var days []time.Time
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(part, "..")
		if !isRange {
			b = a
		}
		from, err1 := domain.ParseCalendarDay(a)
		to, err2 := domain.ParseCalendarDay(b)
		if err1 != nil || err2 != nil || !domain.InCalendar(from) || !domain.InCalendar(to) || to.Before(from) {
			continue
		}
		for d := from; !d.After(to) && len(days) < maxAddressDays; d = d.AddDate(0, 0, 1) {
			days = append(days, d)
		}
	}
	slices.SortFunc(days, time.Time.Compare)
	return slices.CompactFunc(days, time.Time.Equal)
}

// uncovered names, after an agreement was saved (?saved_fw=<id>), the
// requests in review that took its fast track and that it no longer
// covers, as it is now: their final approval is refused until changes are
// requested. An id that names no agreement names none. The agreement is
// the one the page lists (fws), read again only when the list does not
// hold it.
func (c *Console) uncovered(ec echo.Context, fws []domain.Framework) ([]string, error) {
	id := ec.QueryParam("saved_fw")
	if id == "" {
		return nil, nil
	}
	ctx, p := ec.Request().Context(), principalOf(ec)
	var f *domain.Framework
	if i := slices.IndexFunc(fws, func(f domain.Framework) bool { return f.ID == id }); i >= 0 {
		f = &fws[i]
	} else {
		got, err := c.Frameworks.Get(ctx, p, id)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		f = got
	}
	lapsed, err := c.Frameworks.Lapsed(ctx, p, f)
	var out []string
	for _, l := range lapsed {
		out = append(out, l.Reference)
	}
	return out, err
}

// addedDays are the days of after that are not in before
// (domain.AddedDays), as the address of the save notice carries them
// ("2027-03-05,2027-03-06").
func addedDays(before, after []time.Time) string {
	var out []string
	for _, d := range domain.AddedDays(before, after) {
		out = append(out, dateISO(d))
	}
	return strings.Join(out, ",")
}

// savedNotice confirms a save that came back here (?saved_fw=<id>,
// ?saved_area=<code>), naming what was saved as the list shows it: the
// name is looked up, never taken from the address.
func savedNotice(ec echo.Context, fws []domain.Framework, areas []domain.TrainingArea) string {
	if id := ec.QueryParam("saved_fw"); id != "" {
		if i := slices.IndexFunc(fws, func(f domain.Framework) bool { return f.ID == id }); i >= 0 {
			return fmt.Sprintf(msg("admin.fwsaved"), fws[i].Name)
		}
	}
	if code := ec.QueryParam("saved_area"); code != "" {
		if i := slices.IndexFunc(areas, func(a domain.TrainingArea) bool { return a.Code == code }); i >= 0 {
			return fmt.Sprintf(msg("admin.areasaved"), areas[i].Name)
		}
	}
	return ""
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
	Form          fwForm
	Errors        []fieldErr
	Stale         *staleNotice // the form was of an older version
	Nations       []option
	Areas, Points []option
}

// E is the error of one field (a list's items included).
func (v fwView) E(field string) string { return errorOf(v.Errors, field) }

// F is a text-like input of the form, with its error.
func (v fwView) F(typ, name, label, value string) field {
	return field{Type: typ, Name: name, Label: label, Value: value, Err: v.E(name)}
}

// S is a select of the form, with its error.
func (v fwView) S(name, label, value string, opts []option) field {
	return field{Name: name, Label: label, Value: value, Err: v.E(name), Opts: opts}
}

// checkGroup is a group of checkboxes, for the "checkgroup" template.
type checkGroup struct {
	Name, Label, Err string
	Opts             []option
	On               []string // the values ticked
}

// Holds reports whether the box of value is ticked.
func (g checkGroup) Holds(value string) bool { return slices.Contains(g.On, value) }

// G is a group of checkboxes of the form, with its error (an item's too).
func (v fwView) G(name, label string, opts []option, on []string) checkGroup {
	return checkGroup{Name: name, Label: label, Err: v.E(name), Opts: opts, On: on}
}

func (c *Console) fwOptions(v fwView) fwView {
	v.Nations = sendingNationChoices(c.Reference, v.Form.Nation)
	v.Areas = areaChoices(c.Reference)
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
	return c.render(ec, http.StatusOK, "framework", f.Name, c.fwOptions(fwView{Form: fwFormOf(f)}))
}

// fwFormOf is the form of a stored agreement, at its version.
func fwFormOf(f *domain.Framework) fwForm {
	t := f.FrameworkTerms
	return fwForm{ID: f.ID, Version: f.Version, Nation: t.Nation, Name: t.Name, Reference: t.Reference,
		From: dateISO(t.ValidFrom), Until: dateISO(t.ValidUntil), Ceiling: strconv.Itoa(t.PersonnelCeiling), Notes: t.Notes,
		Areas: t.TrainingAreas, Points: t.EntryPoints, LiveFire: t.LiveFire, DG: t.DangerousGoods, Suspended: t.Suspended}
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

// saveFramework creates an agreement (id "") or changes one at the version
// its form was made from. A field's error is shown beside the field, with
// what was typed and the version sent, so a second save is checked against
// that version too. A stale form shows the agreement as it is now, at its
// current version, with what the user typed listed in the notice.
func (c *Console) saveFramework(ec echo.Context, id string) error {
	ctx, p := ec.Request().Context(), principalOf(ec)
	f, t, errs := readFwForm(ec)
	f.ID = id
	var err error
	var saved *domain.Framework
	switch {
	case len(errs) > 0:
		err = c.fwInvalid(ctx, p, id, t, errs)
	case id == "":
		saved, err = c.Frameworks.Create(ctx, p, t)
	default:
		saved, err = c.Frameworks.Update(ctx, p, id, f.Version, t)
	}
	if err == nil {
		return ec.Redirect(http.StatusSeeOther, "/admin?saved_fw="+url.QueryEscape(saved.ID))
	}
	title := msg("admin.newfw")
	if id != "" {
		now, gerr := c.Frameworks.Get(ctx, p, id)
		if gerr != nil {
			return gerr
		}
		if domain.ErrorCode(err) == domain.CodePreconditionFailed {
			v := c.fwOptions(fwView{Form: fwFormOf(now), Stale: c.fwStale(f, fwFormOf(now))})
			return c.render(ec, http.StatusConflict, "framework", now.Name, v)
		}
		title = now.Name
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid || len(de.Fields) == 0 {
		return err
	}
	v := c.fwOptions(fwView{Form: f, Errors: frameworkLabels.errs(de.Fields)})
	return c.render(ec, http.StatusUnprocessableEntity, "framework", title, v)
}

// fwInvalid is the refusal of terms some of whose fields did not convert
// (conv), with the domain's errors of the other fields: its check of the
// terms with those left zero, as Create or Update would make it (a change
// keeps a stored date outside the calendar).
func (c *Console) fwInvalid(ctx context.Context, p domain.Principal, id string, t domain.FrameworkTerms, conv []domain.FieldError) error {
	const message = "the agreement is not valid"
	if id == "" {
		return convInvalid(message, conv, domain.ValidateFramework(t, c.Reference))
	}
	stored, err := c.Frameworks.Get(ctx, p, id)
	if err != nil {
		return err
	}
	return convInvalid(message, conv, domain.ValidateFrameworkChange(t, stored.FrameworkTerms, c.Reference))
}

// fwStale is the notice of a stale agreement form: the fields typed
// differently from the agreement as it is now.
func (c *Console) fwStale(typed, now fwForm) *staleNotice {
	n := &staleNotice{Title: msg("admin.fwstale"), Help: msg("admin.stalehelp")}
	names := func(codes []string, name func(string) string) string {
		out := make([]string, len(codes))
		for i, code := range codes {
			out[i] = name(code)
		}
		return strings.Join(out, ", ")
	}
	yes := func(b bool) string { return map[bool]string{true: msg("yes"), false: msg("no")}[b] }
	n.differs("fw.nation", c.nationName(typed.Nation), c.nationName(now.Nation))
	n.differs("fw.name", typed.Name, now.Name)
	n.differs("fw.reference", typed.Reference, now.Reference)
	n.differs("fw.from", typed.From, now.From)
	n.differs("fw.until", typed.Until, now.Until)
	n.differs("fw.ceiling", typed.Ceiling, now.Ceiling)
	n.differs("fw.areas", names(typed.Areas, c.areaName), names(now.Areas, c.areaName))
	n.differs("fw.points", names(typed.Points, c.pointName), names(now.Points, c.pointName))
	n.differs("fw.livefire", yes(typed.LiveFire), yes(now.LiveFire))
	n.differs("fw.dg", yes(typed.DG), yes(now.DG))
	n.differs("fw.suspended", yes(typed.Suspended), yes(now.Suspended))
	n.differs("fw.notes", typed.Notes, now.Notes)
	return n
}

// areaView is the data of a training area's form.
type areaView struct {
	A        *domain.TrainingArea
	Version  int // the version the form was made from
	Capacity string
	Blackout string
	Errors   []fieldErr
	Stale    *staleNotice // the form was of an older version
}

// E is the error of one field (a list's items included).
func (v areaView) E(field string) string { return errorOf(v.Errors, field) }

// F is a text-like input of the form, with its error.
func (v areaView) F(typ, name, label, value string) field {
	return field{Type: typ, Name: name, Label: label, Value: value, Err: v.E(name)}
}

// areaViewOf is the form of an area as stored, at its version.
func areaViewOf(a *domain.TrainingArea) areaView {
	days := make([]string, 0, len(a.BlackoutDays))
	for _, d := range a.BlackoutDays {
		days = append(days, dateISO(d))
	}
	return areaView{A: a, Version: a.Version, Capacity: strconv.Itoa(a.CapacityPersonnel), Blackout: strings.Join(days, "\n")}
}

func (c *Console) handleAreaEdit(ec echo.Context) error {
	a, err := c.Frameworks.TrainingArea(ec.Request().Context(), ec.Param("code"))
	if err != nil {
		return err
	}
	return c.render(ec, http.StatusOK, "area", a.Name, areaViewOf(a))
}

// handleAreaUpdate sets an area's capacity and blackout days at the version
// the form was made from. A field's error keeps what was typed and the
// version sent; a stale form shows the area as it is now, at its current
// version, with what the user typed listed in the notice: saving that page
// again unchanged stores nothing over the other administrator's change.
func (c *Console) handleAreaUpdate(ec echo.Context) error {
	ctx, code := ec.Request().Context(), ec.Param("code")
	v := areaView{Capacity: strings.TrimSpace(ec.FormValue("capacity_personnel")), Blackout: ec.FormValue("blackout_days")}
	v.Version, _ = strconv.Atoi(ec.FormValue("version"))
	var conv converter
	edit := domain.AreaEdit{CapacityPersonnel: conv.int("capacity_personnel", v.Capacity)}
	for i, l := range lines(v.Blackout) {
		edit.BlackoutDays = append(edit.BlackoutDays, conv.date(idx("blackout_days", i), l))
	}
	// The area as the form was made from it, if still current: the days the
	// save adds are those the save notice checks the bookings of.
	before, err := c.Frameworks.TrainingArea(ctx, code)
	if err != nil {
		return err
	}
	saved, err := c.Frameworks.SaveTrainingArea(ctx, principalOf(ec), code, v.Version, edit)
	if len(conv.errs) > 0 {
		// A field that did not convert is zero, which the domain refuses
		// (a capacity below 1, a blackout day not given) before it reads or
		// stores anything: its answer is the other fields' errors.
		err = convInvalid("the training area is not valid", conv.errs, err)
	}
	if err == nil {
		to := "/admin?saved_area=" + url.QueryEscape(code)
		if before.Version == v.Version { // else another save came between: the days are not told
			if added := addedDays(before.BlackoutDays, saved.Area.BlackoutDays); added != "" {
				to += "&closed=" + url.QueryEscape(added)
			}
		}
		if len(saved.Over.Approved) > 0 {
			to += "&over=" + url.QueryEscape(dayRangesISO(saved.Over.Approved))
		}
		if only := saved.Over.InReviewOnly(); len(only) > 0 {
			to += "&over_review=" + url.QueryEscape(dayRangesISO(only))
		}
		return ec.Redirect(http.StatusSeeOther, to)
	}
	a, aerr := c.Frameworks.TrainingArea(ctx, code)
	if aerr != nil {
		return aerr
	}
	if domain.ErrorCode(err) == domain.CodePreconditionFailed {
		now := areaViewOf(a)
		now.Stale = &staleNotice{Title: msg("admin.areastale"), Help: msg("admin.stalehelp")}
		now.Stale.differs("admin.capacity", v.Capacity, now.Capacity)
		now.Stale.differs("admin.blackout", strings.Join(lines(v.Blackout), ", "), strings.Join(lines(now.Blackout), ", "))
		return c.render(ec, http.StatusConflict, "area", a.Name, now)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid || len(de.Fields) == 0 {
		return err
	}
	v.A, v.Errors = a, areaLabels.errs(de.Fields)
	return c.render(ec, http.StatusUnprocessableEntity, "area", a.Name, v)
}
