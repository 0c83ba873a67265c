package api

import (
	"encoding/base64"
	"strconv"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

const auditCursorPrefix = "a1:"

// auditFilter reads the query of GET /api/v1/audit/events.
func auditFilter(c echo.Context) (domain.AuditFilter, error) {
	q := newQuery(c)
	f := domain.AuditFilter{Limit: q.limit(), From: q.time("from"), To: q.time("to"),
		RequestID: q.values.Get("request"), Actor: q.values.Get("actor"), Action: q.values.Get("action")}
	q.window(f.From, f.To)
	if domain.UnknownAuditAction(f.Action) {
		q.bad("action", "unknown action "+strconv.Quote(f.Action)+"; docs/audit.md lists the actions")
	}
	if after, ok := cursor(q, decodeAuditCursor); ok {
		f.After = &after
	}
	return f, q.err()
}

// exportRequest reads the query of GET /api/v1/audit/export.
func exportRequest(c echo.Context) (domain.AuditExportRequest, error) {
	q := newQuery(c)
	req := domain.AuditExportRequest{Format: q.values.Get("format"), From: q.time("from"), To: q.time("to")}
	q.window(req.From, req.To) // before anything is signed or audited
	switch req.Format {
	case "":
		req.Format = domain.AuditFormatNDJSON
	case domain.AuditFormatNDJSON, domain.AuditFormatCSV:
	default:
		q.bad("format", "must be ndjson or csv")
	}
	return req, q.err()
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
