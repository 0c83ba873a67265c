package api

import (
	"net/http"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// frameworkInput is what an administrator sends to create an agreement, and
// the base a PATCH is merged onto.
type frameworkInput struct {
	Nation           string   `json:"nation"`
	Name             string   `json:"name"`
	Reference        string   `json:"reference"`
	ValidFrom        string   `json:"valid_from"`
	ValidUntil       string   `json:"valid_until"`
	TrainingAreas    []string `json:"training_areas"`
	EntryPoints      []string `json:"entry_points"`
	PersonnelCeiling int      `json:"personnel_ceiling"`
	LiveFire         bool     `json:"live_fire"`
	DangerousGoods   bool     `json:"dangerous_goods"`
	Notes            string   `json:"notes"`
	Suspended        bool     `json:"suspended"`
}

type frameworkJSON struct {
	ID        string    `json:"id"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	frameworkInput
}

var frameworkReadOnly = []string{"id", "version", "created_at", "updated_at"}

func toFrameworkInput(t domain.FrameworkTerms) frameworkInput {
	return frameworkInput{Nation: t.Nation, Name: t.Name, Reference: t.Reference, ValidFrom: domain.DateString(t.ValidFrom),
		ValidUntil: domain.DateString(t.ValidUntil), TrainingAreas: nonNil(t.TrainingAreas), EntryPoints: nonNil(t.EntryPoints),
		PersonnelCeiling: t.PersonnelCeiling, LiveFire: t.LiveFire, DangerousGoods: t.DangerousGoods,
		Notes: t.Notes, Suspended: t.Suspended}
}

func toFrameworkTerms(in frameworkInput) (domain.FrameworkTerms, error) {
	p := &dateParser{}
	t := domain.FrameworkTerms{Nation: in.Nation, Name: in.Name, Reference: in.Reference,
		ValidFrom: p.calendarDay("valid_from", in.ValidFrom), ValidUntil: p.calendarDay("valid_until", in.ValidUntil),
		TrainingAreas: in.TrainingAreas, EntryPoints: in.EntryPoints, PersonnelCeiling: in.PersonnelCeiling,
		LiveFire: in.LiveFire, DangerousGoods: in.DangerousGoods, Notes: in.Notes, Suspended: in.Suspended}
	if len(p.errs) > 0 {
		return t, &domain.Error{Code: domain.CodeInvalid, Message: "the framework agreement has invalid fields", Fields: p.errs}
	}
	return t, nil
}

func toFrameworkJSON(f *domain.Framework) frameworkJSON {
	return frameworkJSON{ID: f.ID, Version: f.Version, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		frameworkInput: toFrameworkInput(f.FrameworkTerms)}
}

func (s *Server) handleFrameworkCreate(c echo.Context) error {
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	var in frameworkInput
	if err := decodeStrict(body, &in, frameworkReadOnly); err != nil {
		return err
	}
	t, err := toFrameworkTerms(in)
	if err != nil {
		return err
	}
	render := func(created any) (storedResponse, error) {
		f := created.(*domain.Framework)
		return jsonResponse(http.StatusCreated, "/api/v1/frameworks/"+f.ID, etag(f.Version), toFrameworkJSON(f))
	}
	key, err := keyedCreate(c, body, render)
	if err != nil {
		return err
	}
	f, err := s.Frameworks.CreateKeyed(c.Request().Context(), principal(c), t, key)
	if err != nil {
		return err
	}
	if key != nil && key.Replay != nil {
		return writeStored(c, key.Replay)
	}
	out, err := render(f)
	if err != nil {
		return err
	}
	return writeResponse(c, out)
}

func (s *Server) handleFrameworkList(c echo.Context) error {
	q := newQuery(c)
	nation := q.nation(s.Reference)
	if err := q.err(); err != nil {
		return err
	}
	fs, err := s.Frameworks.List(c.Request().Context(), principal(c), nation)
	if err != nil {
		return err
	}
	out := listResponse[frameworkJSON]{Items: []frameworkJSON{}}
	for i := range fs {
		out.Items = append(out.Items, toFrameworkJSON(&fs[i]))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) handleFrameworkGet(c echo.Context) error {
	f, err := s.Frameworks.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(f.Version))
	return c.JSON(http.StatusOK, toFrameworkJSON(f))
}

// handleFrameworkPatch applies a JSON merge patch to an agreement's terms;
// `{"suspended": true}` suspends it.
func (s *Server) handleFrameworkPatch(c echo.Context) error {
	version, body, err := readChange(c)
	if err != nil {
		return err
	}
	ctx, p := c.Request().Context(), principal(c)
	current, err := s.Frameworks.Get(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	var merged frameworkInput
	if err := mergeInto(toFrameworkInput(current.FrameworkTerms), body, frameworkReadOnly, &merged); err != nil {
		return err
	}
	t, err := toFrameworkTerms(merged)
	if err != nil {
		return err
	}
	f, err := s.Frameworks.Update(ctx, p, current.ID, version, t)
	if err != nil {
		return err
	}
	lapsed, err := s.Frameworks.Lapsed(ctx, p, f)
	if err != nil {
		return err
	}
	out := frameworkPatchedJSON{frameworkJSON: toFrameworkJSON(f), NoLongerCovered: []requestRefJSON{}}
	for _, l := range lapsed {
		out.NoLongerCovered = append(out.NoLongerCovered, requestRefJSON{ID: l.RequestID, Reference: l.Reference})
	}
	c.Response().Header().Set("ETag", etag(f.Version))
	return c.JSON(http.StatusOK, out)
}

// frameworkPatchedJSON is the answer to a PATCH: the agreement, and the
// requests in review on its fast track that it no longer covers
// (domain.FrameworkService.Lapsed), whose final approval is refused until
// changes are requested.
type frameworkPatchedJSON struct {
	frameworkJSON
	NoLongerCovered []requestRefJSON `json:"no_longer_covered"`
}

// requestRefJSON names a request by its id and reference only.
type requestRefJSON struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
}
