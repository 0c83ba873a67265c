package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type nationJSON struct {
	Code           string  `json:"code"`
	Alpha3         string  `json:"alpha3"`
	Name           string  `json:"name"`
	EUMemberFrom   *string `json:"eu_member_from"`
	EUMemberUntil  *string `json:"eu_member_until"`
	NATOMemberFrom *string `json:"nato_member_from"`
	Notes          string  `json:"notes"`
}

type entryPointJSON struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Mode       string `json:"mode"`
	Identifier string `json:"identifier"`
	Neighbour  string `json:"neighbour"`
	Notes      string `json:"notes"`
}

// The reference lists are small and the same for everyone: whole lists, no paging.

func (s *Server) handleNationList(c echo.Context) error {
	out := listResponse[nationJSON]{Items: []nationJSON{}}
	for _, n := range s.Reference.Nations {
		out.Items = append(out.Items, nationJSON{Code: n.Code, Alpha3: n.Alpha3, Name: n.Name,
			EUMemberFrom: optionalDate(n.EUFrom), EUMemberUntil: optionalDate(n.EUUntil),
			NATOMemberFrom: optionalDate(n.NATOFrom), Notes: n.Notes})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) handleEntryPointList(c echo.Context) error {
	out := listResponse[entryPointJSON]{Items: []entryPointJSON{}}
	for _, p := range s.Reference.EntryPoints {
		out.Items = append(out.Items, entryPointJSON{p.Code, p.Name, p.Mode, p.Identifier, p.Neighbour, p.Notes})
	}
	return c.JSON(http.StatusOK, out)
}

func optionalDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}
