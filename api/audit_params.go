package api

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

const auditCursorPrefix = "a1:"

// intParams reads required whole-number query parameters, naming every
// missing or malformed one.
func intParams(c echo.Context, names ...string) (map[string]int64, error) {
	out := map[string]int64{}
	var fe []domain.FieldError
	for _, name := range names {
		v := c.QueryParam(name)
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case v == "":
			fe = append(fe, domain.FieldError{Field: name, Message: "is required"})
		case err != nil:
			fe = append(fe, domain.FieldError{Field: name, Message: "must be a whole number"})
		default:
			out[name] = n
		}
	}
	if len(fe) > 0 {
		return nil, &domain.Error{Code: domain.CodeInvalid, Message: "bad query parameters", Fields: fe}
	}
	return out, nil
}

// paramErrors collects bad query parameters.
type paramErrors []domain.FieldError

func (p *paramErrors) bad(field, msg string) {
	*p = append(*p, domain.FieldError{Field: field, Message: msg})
}

func (p paramErrors) err() error {
	if len(p) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: "bad query parameters", Fields: p}
}

// timeParam reads an optional RFC 3339 time.
func (p *paramErrors) timeParam(c echo.Context, name string) *time.Time {
	v := c.QueryParam(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		p.bad(name, "must be an RFC 3339 time such as 2026-11-23T09:00:00Z")
		return nil
	}
	return &t
}

// auditFilter reads the query of GET /api/v1/audit/events.
func auditFilter(c echo.Context) (domain.AuditFilter, error) {
	var pe paramErrors
	f := domain.AuditFilter{Limit: defaultLimit, From: pe.timeParam(c, "from"), To: pe.timeParam(c, "to"),
		RequestID: c.QueryParam("request"), Actor: c.QueryParam("actor"), Action: c.QueryParam("action")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			pe.bad("limit", "must be a whole number from 1 to 200")
		}
		f.Limit = min(max(n, 1), maxLimit)
	}
	if v := c.QueryParam("cursor"); v != "" {
		after, ok := decodeAuditCursor(v)
		if !ok {
			pe.bad("cursor", "is not a cursor this server issued; start again without it")
		}
		f.After = &after
	}
	return f, pe.err()
}

// exportRequest reads the query of GET /api/v1/audit/export.
func exportRequest(c echo.Context) (domain.AuditExportRequest, error) {
	var pe paramErrors
	req := domain.AuditExportRequest{Format: c.QueryParam("format"), From: pe.timeParam(c, "from"), To: pe.timeParam(c, "to")}
	switch req.Format {
	case "":
		req.Format = domain.AuditFormatNDJSON
	case domain.AuditFormatNDJSON, domain.AuditFormatCSV:
	default:
		pe.bad("format", "must be ndjson or csv")
	}
	return req, pe.err()
}

// An audit cursor is the index of the last entry seen; the filters are
// applied again on every page.
func encodeAuditCursor(last int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(auditCursorPrefix + strconv.FormatInt(last, 10)))
}

func decodeAuditCursor(s string) (int64, bool) {
	if len(s) > 64 {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), auditCursorPrefix)
	n, err := strconv.ParseInt(v, 10, 64)
	return n, ok && err == nil && n >= 0
}
