package api

import (
	"net/http"
	"slices"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// evaluateInput is an unsaved request for the dry run. A liaison officer's
// nation comes from the token; other callers name the nation to evaluate for.
type evaluateInput struct {
	requestInput
	Nation string `json:"nation"`
}

type ruleJSON struct {
	Rule   string `json:"rule"`
	Passed bool   `json:"passed"`
	Reason string `json:"reason"`
}

type evaluateResponse struct {
	PolicyVersion string        `json:"policy_version"`
	Nation        string        `json:"nation"`
	Eligible      bool          `json:"eligible"`
	Eligibility   []ruleJSON    `json:"eligibility"`
	Refusals      []string      `json:"refusals"`
	FastTrack     bool          `json:"fast_track"`
	Route         *routeJSON    `json:"route"`
	DueAt         *time.Time    `json:"due_at"`
	Warnings      []warningJSON `json:"warnings"`
}

// handlePolicyEvaluate runs the routing policy on an unsaved request and
// explains the outcome, storing nothing.
func (s *Server) handlePolicyEvaluate(c echo.Context) error {
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	p := principal(c)
	// Only a liaison officer's nation is fixed by the token; other callers
	// name the nation they evaluate for.
	readOnly := readOnlyFields
	if !p.IsLiaison() {
		readOnly = slices.DeleteFunc(slices.Clone(readOnlyFields), func(f string) bool { return f == "nation" })
	}
	var in evaluateInput
	wrong, err := decodeTyped(body, &in, readOnly)
	if err != nil {
		return err
	}
	nation := domain.NormalizeNation(in.Nation)
	if p.IsLiaison() {
		nation = p.Nation
	} else if nation == "" {
		missing := domain.FieldError{Field: "nation", Message: "is required"}
		if len(wrong) == 0 {
			return &domain.Error{Code: domain.CodeInvalid, Message: "name the nation to evaluate for",
				Fields: []domain.FieldError{missing}}
		}
		// With members of the wrong type, the missing nation is named
		// with them and with the rest of the body's errors, unless the
		// nation is one of them.
		if len(withoutWrongTypes([]domain.FieldError{missing}, wrong)) > 0 {
			wrong = append(wrong, missing)
		}
	}
	d, err := detailsFrom(in.requestInput, wrong, s.Reference)
	if err != nil {
		return err
	}
	ev, err := s.Requests.Evaluate(c.Request().Context(), p, d, nation)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toEvaluateResponse(nation, ev))
}

func toEvaluateResponse(nation string, ev domain.Evaluation) evaluateResponse {
	res := ev.Result
	out := evaluateResponse{PolicyVersion: res.PolicyVersion, Nation: nation, Eligible: res.Eligible,
		Eligibility: []ruleJSON{}, Refusals: nonNil(res.Refusals()), FastTrack: res.FastTrack,
		Route: toRouteJSON(ev.Route), DueAt: ev.DueAt, Warnings: toWarningsJSON(res.Warnings)}
	for _, e := range res.Eligibility {
		out.Eligibility = append(out.Eligibility, ruleJSON{Rule: e.Rule, Passed: e.Passed, Reason: e.Reason})
	}
	return out
}
