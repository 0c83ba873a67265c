package api

import (
	"net/http"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type trainingAreaJSON struct {
	Code              string   `json:"code"`
	Name              string   `json:"name"`
	Near              string   `json:"near"`
	County            string   `json:"county"`
	Lat               float64  `json:"lat"`
	Lon               float64  `json:"lon"`
	ResponsibleUnit   string   `json:"responsible_unit"`
	CapacityPersonnel int      `json:"capacity_personnel"`
	BlackoutDays      []string `json:"blackout_days"`
	Notes             string   `json:"notes"`
	Version           int      `json:"version"`
}

// areaEditInput is what an administrator may change on a training area.
type areaEditInput struct {
	CapacityPersonnel int      `json:"capacity_personnel"`
	BlackoutDays      []string `json:"blackout_days"`
}

type bookingJSON struct {
	RequestID string     `json:"request_id"`
	Reference string     `json:"reference"`
	Nation    string     `json:"nation"`
	Status    string     `json:"status"`
	Period    periodJSON `json:"period"`
	Personnel int        `json:"personnel"`
}

type dayLoadJSON struct {
	Date      string `json:"date"`
	Personnel int    `json:"personnel"`
	Blackout  bool   `json:"blackout"`
	Over      bool   `json:"over_capacity"`
}

type bookingsResponse struct {
	Area              string        `json:"area"`
	CapacityPersonnel int           `json:"capacity_personnel"`
	From              string        `json:"from"`
	To                string        `json:"to"`
	Bookings          []bookingJSON `json:"bookings"`
	Days              []dayLoadJSON `json:"days"`
}

func toTrainingAreaJSON(a domain.TrainingArea) trainingAreaJSON {
	days := []string{}
	for _, d := range a.BlackoutDays {
		days = append(days, domain.DateString(d))
	}
	return trainingAreaJSON{a.Code, a.Name, a.Near, a.County, a.Lat, a.Lon, a.ResponsibleUnit, a.CapacityPersonnel, days, a.Notes, a.Version}
}

func (s *Server) handleTrainingAreaList(c echo.Context) error {
	areas, err := s.Frameworks.TrainingAreas(c.Request().Context())
	if err != nil {
		return err
	}
	out := listResponse[trainingAreaJSON]{Items: []trainingAreaJSON{}}
	for _, a := range areas {
		out.Items = append(out.Items, toTrainingAreaJSON(a))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) handleTrainingAreaGet(c echo.Context) error {
	a, err := s.Frameworks.TrainingArea(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(a.Version))
	return c.JSON(http.StatusOK, toTrainingAreaJSON(*a))
}

// handleTrainingAreaPatch sets an area's capacity and blackout days (a merge
// patch over those two fields).
func (s *Server) handleTrainingAreaPatch(c echo.Context) error {
	version, body, err := readChange(c)
	if err != nil {
		return err
	}
	ctx, p := c.Request().Context(), principal(c)
	current, err := s.Frameworks.TrainingArea(ctx, c.Param("code"))
	if err != nil {
		return err
	}
	cur := toTrainingAreaJSON(*current)
	var in areaEditInput
	if err := mergeInto(areaEditInput{cur.CapacityPersonnel, cur.BlackoutDays}, body, nil, &in); err != nil {
		return err
	}
	dp := &dateParser{}
	edit := domain.AreaEdit{CapacityPersonnel: in.CapacityPersonnel}
	for i, d := range in.BlackoutDays {
		edit.BlackoutDays = append(edit.BlackoutDays, dp.date("blackout_days["+itoa(i)+"]", d))
	}
	if len(dp.errs) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "bad blackout days", Fields: dp.errs}
	}
	saved, err := s.Frameworks.SaveTrainingArea(ctx, p, current.Code, version, edit)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(saved.Area.Version))
	return c.JSON(http.StatusOK, toAreaSavedJSON(saved))
}

// areaSavedJSON is the answer to a save: the area, and the days from today
// on that its bookings exceed a capacity the save lowered, as sentences
// (warnings) and as dates.
type areaSavedJSON struct {
	trainingAreaJSON
	Warnings         []string         `json:"warnings"`
	OverCapacityDays overCapacityJSON `json:"over_capacity_days"`
}

type overCapacityJSON struct {
	Approved     []string `json:"approved"`
	WithInReview []string `json:"with_in_review"`
}

func toAreaSavedJSON(s domain.AreaSaved) areaSavedJSON {
	dates := func(ds []time.Time) []string {
		out := []string{}
		for _, d := range ds {
			out = append(out, domain.DateString(d))
		}
		return out
	}
	return areaSavedJSON{toTrainingAreaJSON(*s.Area), nonNil(s.Over.Warnings()),
		overCapacityJSON{dates(s.Over.Approved), dates(s.Over.WithInReview)}}
}

// handleBookingList is an area's calendar: the bookings of requests in review
// or approved between from and to, and the personnel per day; for approvers
// and auditors only (the route table and the domain both say so).
func (s *Server) handleBookingList(c echo.Context) error {
	// A date not given takes its default; a date given is kept as it is, so
	// 0001-01-01 is refused as out of range instead of read as not given.
	dp := &dateParser{}
	fromQ, toQ := c.QueryParam("from"), c.QueryParam("to")
	from, to := dp.date("from", fromQ), dp.date("to", toQ)
	if len(dp.errs) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "bad query parameters", Fields: dp.errs}
	}
	if fromQ == "" {
		from = domain.StockholmDate(s.Approvals.Now())
	}
	if toQ == "" {
		// The default stays inside the calendar, so that a from outside it
		// is the one field refused: the caller gave no to.
		to = from.AddDate(0, 0, 90)
		if to.After(domain.LastCalendarDay) {
			to = domain.LastCalendarDay
		}
		if to.Before(domain.FirstCalendarDay) {
			to = domain.FirstCalendarDay
		}
	}
	a, bs, err := s.Frameworks.Bookings(c.Request().Context(), principal(c), c.Param("code"), from, to)
	if err != nil {
		return err
	}
	out := bookingsResponse{Area: a.Code, CapacityPersonnel: a.CapacityPersonnel, From: domain.DateString(from), To: domain.DateString(to),
		Bookings: []bookingJSON{}, Days: []dayLoadJSON{}}
	for _, b := range bs {
		out.Bookings = append(out.Bookings, bookingJSON{b.RequestID, b.Reference, b.Nation, string(b.Status),
			periodJSON{domain.DateString(b.From), domain.DateString(b.To)}, b.Personnel})
	}
	for _, d := range domain.DayLoads(*a, bs, from, to) {
		out.Days = append(out.Days, dayLoadJSON{domain.DateString(d.Day), d.Personnel, d.Blackout, d.Over})
	}
	return c.JSON(http.StatusOK, out)
}
