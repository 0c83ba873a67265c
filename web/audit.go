package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// auditRow is one entry of the log as the auditor reads it.
type auditRow struct {
	Index                             int64
	At                                time.Time
	Actor, ActingFor, Action, Request string
	Data                              string
}

// auditView is the data of the audit page.
type auditView struct {
	Actor, Action, Request, From, To string
	Rows                             []auditRow
	NextQuery                        string
	Checkpoint                       domain.AuditCheckpoint
	Errors                           []fieldErr
}

// E is the error of one field.
func (v auditView) E(field string) string {
	for _, e := range v.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// auditDates reads from and to (YYYY-MM-DD, Stockholm days) as instants.
func auditDates(from, to string) (*time.Time, *time.Time, []domain.FieldError) {
	var errs []domain.FieldError
	day := func(field, s string) *time.Time {
		if s == "" {
			return nil
		}
		t, err := time.ParseInLocation(time.DateOnly, s, stockholm)
		if err != nil {
			errs = append(errs, domain.FieldError{Field: field, Message: msg("form.notdate")})
			return nil
		}
		t = t.UTC()
		return &t
	}
	return day("from", from), day("to", to), errs
}

// handleAudit searches the log with paging and shows the current checkpoint.
func (c *Console) handleAudit(ec echo.Context) error {
	q := ec.QueryParams()
	v := auditView{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Request: strings.TrimSpace(q.Get("request")), From: q.Get("from"), To: q.Get("to")}
	from, to, errs := auditDates(v.From, v.To)
	f := domain.AuditFilter{From: from, To: to, Actor: v.Actor, Action: v.Action, RequestID: v.Request, Limit: 50}
	if ref := strings.ToUpper(v.Request); strings.HasPrefix(ref, "SE-") { // a reference: find its request
		page, err := c.Requests.ListRequests(ec.Request().Context(), principalOf(ec), domain.RequestFilter{Reference: ref, Limit: 1})
		if err != nil {
			return err
		}
		f.RequestID = "none" // an unknown reference finds nothing
		if len(page.Items) == 1 {
			f.RequestID = page.Items[0].ID
		}
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return badPageParam("after", "is not a position this console wrote")
		}
		f.After = &n
	}
	ctx := ec.Request().Context()
	status := http.StatusOK
	if len(errs) > 0 {
		v.Errors, status = toFieldErrs(errs), http.StatusUnprocessableEntity
	} else {
		page, err := c.Audit.Events(ctx, f)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			v.Rows = append(v.Rows, auditRowOf(it))
		}
		if page.NextAfter != nil {
			qs := url.Values{"actor": {v.Actor}, "action": {v.Action}, "request": {v.Request}, "from": {v.From}, "to": {v.To},
				"after": {strconv.FormatInt(*page.NextAfter, 10)}}
			v.NextQuery = "?" + qs.Encode()
		}
	}
	cp, err := c.Audit.Checkpoint(ctx)
	if err != nil {
		return err
	}
	v.Checkpoint = cp
	return c.render(ec, status, "audit", msg("audit.title"), v)
}

func auditRowOf(rec domain.AuditRecord) auditRow {
	var e struct {
		At        time.Time      `json:"at"`
		Actor     string         `json:"actor"`
		ActingFor string         `json:"acting_for"`
		Action    string         `json:"action"`
		RequestID string         `json:"request_id"`
		Data      map[string]any `json:"data"`
	}
	row := auditRow{Index: rec.Index}
	if err := json.Unmarshal(rec.Entry, &e); err != nil {
		row.Data = string(rec.Entry)
		return row
	}
	row.At, row.Actor, row.ActingFor, row.Action, row.Request = e.At, e.Actor, e.ActingFor, e.Action, e.RequestID
	if len(e.Data) > 0 {
		b, _ := json.Marshal(e.Data)
		row.Data = string(b)
	}
	return row
}

// handleAuditExport streams an export. It is a POST (with the form's CSRF
// token) because an export is itself written to the audit log.
func (c *Console) handleAuditExport(ec echo.Context) error {
	format := ec.FormValue("format")
	if format != domain.AuditFormatNDJSON && format != domain.AuditFormatCSV {
		return domain.Errorf(domain.CodeBadRequest, "the export format must be ndjson or csv")
	}
	from, to, errs := auditDates(ec.FormValue("from"), ec.FormValue("to"))
	if len(errs) > 0 {
		return &domain.Error{Code: domain.CodeBadRequest, Message: "the export dates must be YYYY-MM-DD"}
	}
	exp, err := c.Audit.StartExport(ec.Request().Context(), principalOf(ec), domain.AuditExportRequest{Format: format, From: from, To: to})
	if err != nil {
		return err
	}
	info := exp.Info()
	ctype := map[string]string{domain.AuditFormatNDJSON: "application/x-ndjson", domain.AuditFormatCSV: "text/csv; charset=utf-8"}[format]
	h := ec.Response().Header()
	h.Set(echo.HeaderContentType, ctype)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="exaccess-audit-%d-%d.%s"`, info.First, info.First+info.Count, format))
	ec.Response().WriteHeader(http.StatusOK)
	return exp.Write(ec.Request().Context(), ec.Response())
}
