package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"
	"exaccess/internal/afterstatus"

	"github.com/labstack/echo/v4"
)

// auditRow is one entry of the log as the auditor reads it.
type auditRow struct {
	Index                             int64
	At                                time.Time
	Actor, ActingFor, Action, Request string
	// Reference is the request's human reference, "" when it has none
	// (a draft) or the entry names no request.
	Reference string
	// Data is the entry's data as JSON, in parts (dataParts).
	Data []dataPart
}

// dataPart is a stretch of an entry's data as the audit page shows it:
// JSON text, or a string of the data that is a timestamp.
type dataPart struct {
	// Text is JSON text, shown as it is.
	Text string
	// Exact is a timestamp's value as the entry holds it ("" for text),
	// kept as the title of the time shown; DateTime is it in the form
	// the datetime attribute takes (UTC, at most milliseconds).
	Exact, DateTime string
	// Shown is the timestamp in the console's Stockholm time, as other
	// pages show it.
	Shown string
}

// auditView is the data of the audit page.
type auditView struct {
	Actor, Action, Request, From, To string
	// XFrom and XTo are the export form's dates: the search's, or what
	// was typed into the export form when it came back with an error.
	XFrom, XTo string
	Actions    []string // every action an entry can have, for the action select
	Orders     []string // auditOrders, for the order select
	Searched   bool     // a search ran (no error stopped it): Rows are its answer
	Rows       []auditRow
	// Order is "newest" (the default: the latest activity first) or
	// "oldest".
	Order string
	// NewerQuery and OlderQuery are the links to the next page of newer
	// and of older entries, "" when there is none.
	NewerQuery, OlderQuery string
	Checkpoint             domain.AuditCheckpoint
	Errors                 []fieldErr
	// NotExported are the labels (message keys) of the search's filters
	// the export does not apply: it is an unbroken stretch of the log
	// between two dates, since only such a stretch can be verified.
	NotExported []string
}

// auditPageSize is how many entries the audit page shows at once.
const auditPageSize = 50

// auditOrders are the orders the search offers, the default first.
var auditOrders = []string{"newest", "oldest"}

// At is the error linked to the element with id anchor: the search and the
// export form both have a "from" and a "to".
func (v auditView) At(anchor string) string { return errorAt(v.Errors, anchor) }

// In is the text input with id of one of the page's forms, with its error.
func (v auditView) In(id, name, label, value string) idField {
	return idField{ID: id, Name: name, Label: label, Value: value, Err: v.At(id)}
}

// auditActions are the actions an entry can have (the closed set the API
// also checks a filter against), sorted.
var auditActions = slices.Sorted(maps.Keys(domain.AuditDataTypes))

// auditDates reads from and to (YYYY-MM-DD, Stockholm days) as instants;
// each error is linked to the input whose id is prefix followed by the
// field's name ("f-from" in the search, "x-from" in the export form).
func auditDates(from, to, prefix string) (*time.Time, *time.Time, []fieldErr) {
	var errs []fieldErr
	day := func(field, s string) *time.Time {
		if s == "" {
			return nil
		}
		t, err := time.ParseInLocation(time.DateOnly, s, stockholm)
		if err != nil {
			errs = append(errs, fieldErr{Field: field, Message: msg("form.notdate"), Anchor: prefix + field})
			return nil
		}
		t = t.UTC()
		return &t
	}
	f, t := day("from", from), day("to", to)
	if f != nil && t != nil && !t.After(*f) { // "To" is exclusive: the window would be empty
		errs = append(errs, fieldErr{Field: "to", Message: msg("audit.tonotafter"), Anchor: prefix + "to"})
	}
	return f, t, errs
}

// handleAudit searches the log with paging and shows the current checkpoint.
func (c *Console) handleAudit(ec echo.Context) error {
	q := ec.QueryParams()
	v := auditView{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Request: strings.TrimSpace(q.Get("request")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Order: cmp.Or(q.Get("order"), auditOrders[0])}
	v.XFrom, v.XTo = v.From, v.To
	from, to, errs := auditDates(v.From, v.To, "f-")
	if domain.UnknownAuditAction(v.Action) {
		errs = append(errs, fieldErr{Field: "action", Message: fmt.Sprintf(msg("audit.badaction"), strconv.Quote(v.Action)), Anchor: fieldID("action")})
	}
	if !slices.Contains(auditOrders, v.Order) {
		errs = append(errs, fieldErr{Field: "order", Message: msg("audit.badorder"), Anchor: fieldID("order")})
	}
	f := domain.AuditFilter{From: from, To: to, Actor: v.Actor, Action: v.Action, RequestID: v.Request, Limit: auditPageSize}
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
	for _, name := range []string{"after", "before"} {
		if a := q.Get(name); a != "" {
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil || f.After != nil {
				return badPageParam(name, "is not a position this console wrote")
			}
			f.After, f.Before = &n, nil
			if name == "before" {
				f.After, f.Before = nil, &n
			}
		}
	}
	if len(errs) > 0 {
		v.Errors = errs
		return c.renderAudit(ec, http.StatusUnprocessableEntity, v)
	}
	items, err := c.auditPage(ec, f, &v)
	if err != nil {
		return err
	}
	v.Searched = true
	for _, it := range items {
		v.Rows = append(v.Rows, auditRowOf(it))
	}
	if err := c.auditReferences(ec, v.Rows); err != nil {
		return err
	}
	return c.renderAudit(ec, http.StatusOK, v)
}

// auditPage reads one page of the search f (its cursor, if any, set) in
// the view's order and sets the view's links to newer and older entries.
// The index is the keyset either way: a page in the view's order is read in
// that order from the cursor; a page back towards the start (newer entries
// of a newest-first list, older ones of an oldest-first list) is read the
// other way from the page's first entry and turned round, and when it
// reaches the start the first page is shown instead, so that page is always
// full.
func (c *Console) auditPage(ec echo.Context, f domain.AuditFilter, v *auditView) ([]domain.AuditRecord, error) {
	ctx := ec.Request().Context()
	newest := v.Order == "newest"
	back := newest && f.After != nil || !newest && f.Before != nil // towards the start of the list
	cursor := f.After != nil || f.Before != nil
	f.Newest = newest != back
	page, err := c.Audit.Events(ctx, f)
	if err != nil {
		return nil, err
	}
	more := page.NextAfter != nil || page.NextBefore != nil
	if back && !more {
		f.After, f.Before, f.Newest = nil, nil, newest
		if page, err = c.Audit.Events(ctx, f); err != nil {
			return nil, err
		}
		back, cursor, more = false, false, page.NextAfter != nil || page.NextBefore != nil
	}
	items := page.Items
	if back {
		slices.Reverse(items)
	}
	if len(items) == 0 {
		return items, nil
	}
	// Onwards: more entries in the list's order, or, having come back,
	// the page we came from. Back: the page came through a cursor, or
	// more entries lie towards the start.
	onwards, backwards := more || back, cursor && !back || back && more
	first, last := items[0].Index, items[len(items)-1].Index
	link := func(name string, n int64) string {
		qs := url.Values{"actor": {v.Actor}, "action": {v.Action}, "request": {v.Request}, "from": {v.From}, "to": {v.To},
			"order": {v.Order}, name: {strconv.FormatInt(n, 10)}}
		return "?" + qs.Encode()
	}
	switch {
	case newest:
		if onwards {
			v.OlderQuery = link("before", last)
		}
		if backwards {
			v.NewerQuery = link("after", first)
		}
	default:
		if onwards {
			v.NewerQuery = link("after", last)
		}
		if backwards {
			v.OlderQuery = link("before", first)
		}
	}
	return items, nil
}

// auditReferences sets the reference of each row's request that has one,
// with one query for the page: the search takes a reference, so the
// table shows it rather than the id.
func (c *Console) auditReferences(ec echo.Context, rows []auditRow) error {
	var ids []string
	for _, r := range rows {
		if r.Request != "" && !slices.Contains(ids, r.Request) {
			ids = append(ids, r.Request)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	page, err := c.Requests.ListRequests(ec.Request().Context(), principalOf(ec),
		domain.RequestFilter{IDs: ids, Limit: len(ids), Summary: true})
	if err != nil {
		return err
	}
	refs := make(map[string]string, len(page.Items))
	for _, r := range page.Items {
		refs[r.ID] = r.Reference
	}
	for i := range rows {
		rows[i].Reference = refs[rows[i].Request]
	}
	return nil
}

// renderAudit writes the audit page with the current checkpoint.
func (c *Console) renderAudit(ec echo.Context, status int, v auditView) error {
	cp, err := c.Audit.Checkpoint(ec.Request().Context())
	if err != nil {
		return err
	}
	v.Checkpoint, v.Actions, v.Orders = cp, auditActions, auditOrders
	for _, f := range []struct{ value, label string }{{v.Actor, "audit.actor"}, {v.Action, "audit.action"}, {v.Request, "audit.reference"}} {
		if f.value != "" {
			v.NotExported = append(v.NotExported, f.label)
		}
	}
	v.Errors = auditLabels.named(v.Errors) // the summary names the fields as the page does
	return c.render(ec, status, "audit", msg("audit.title"), v)
}

func auditRowOf(rec domain.AuditRecord) auditRow {
	var e struct {
		At        time.Time       `json:"at"`
		Actor     string          `json:"actor"`
		ActingFor string          `json:"acting_for"`
		Action    string          `json:"action"`
		RequestID string          `json:"request_id"`
		Data      json.RawMessage `json:"data"`
	}
	row := auditRow{Index: rec.Index}
	if err := json.Unmarshal(rec.Entry, &e); err != nil {
		row.Data = []dataPart{{Text: string(rec.Entry)}}
		return row
	}
	row.At, row.Actor, row.ActingFor, row.Action, row.Request = e.At, e.Actor, e.ActingFor, e.Action, e.RequestID
	var data map[string]any // the numbers as written (json.Number)
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.UseNumber()
	switch {
	case len(e.Data) == 0:
	case dec.Decode(&data) != nil: // not an object: as it is
		row.Data = []dataPart{{Text: string(e.Data)}}
	case len(data) > 0:
		row.Data = dataParts(data)
	}
	return row
}

// dataParts writes data as compact JSON with its keys sorted (as
// json.Marshal writes a map), but with every string that is a timestamp
// (RFC 3339, as the domain writes them: UTC, "2026-12-20T23:00:00Z") a
// part of its own, which the page shows in Stockholm time, as the other
// pages do, keeping the exact value in the time element (its title and
// datetime); the export has the entry as stored. An "ends" is the end of
// a delegation, shown as the delegations page shows it ("2026-12-20 24:00
// CET"). Put back in place of their Shown, the parts are the JSON text.
func dataParts(data map[string]any) []dataPart {
	var out []dataPart
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			out = append(out, dataPart{Text: text.String()})
			text.Reset()
		}
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			text.WriteByte('{')
			for i, k := range slices.Sorted(maps.Keys(v)) {
				if i > 0 {
					text.WriteByte(',')
				}
				b, _ := json.Marshal(k)
				text.Write(b)
				text.WriteByte(':')
				walk(k, v[k])
			}
			text.WriteByte('}')
		case []any:
			text.WriteByte('[')
			for i, x := range v {
				if i > 0 {
					text.WriteByte(',')
				}
				walk("", x)
			}
			text.WriteByte(']')
		case string:
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				shown := stockholmTime(t)
				if key == "ends" {
					shown = untilTime(t)
				}
				text.WriteByte('"')
				flush()
				out = append(out, dataPart{Exact: v, DateTime: t.UTC().Format("2006-01-02T15:04:05.999Z07:00"), Shown: shown})
				text.WriteByte('"')
				return
			}
			b, _ := json.Marshal(v)
			text.Write(b)
		default: // json.Number, bool, nil
			b, _ := json.Marshal(v)
			text.Write(b)
		}
	}
	walk("", data)
	flush()
	return out
}

// handleAuditExport streams an export. It is a POST (with the form's CSRF
// token) because an export is itself written to the audit log. As in the
// API, whatever can fail cleanly (a damaged log among it: StartExport
// checks the range's entries and hashes) fails before the status line; a
// failure after it can only cut the download short, and is logged, since
// no error page can follow a status line.
func (c *Console) handleAuditExport(ec echo.Context) error {
	format := ec.FormValue("format")
	if format != domain.AuditFormatNDJSON && format != domain.AuditFormatCSV {
		return domain.Errorf(domain.CodeBadRequest, "the export format must be ndjson or csv")
	}
	xfrom, xto := strings.TrimSpace(ec.FormValue("from")), strings.TrimSpace(ec.FormValue("to"))
	from, to, errs := auditDates(xfrom, xto, "x-")
	if len(errs) > 0 { // back to the form, the error at the export's date; no search ran
		return c.renderAudit(ec, http.StatusUnprocessableEntity, auditView{XFrom: xfrom, XTo: xto, Errors: errs})
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
	if err := exp.Write(ec.Request().Context(), ec.Response()); err != nil {
		c.Log.Log(ec.Request().Context(), afterstatus.Level(err), "audit export cut short",
			"request_id", ec.Response().Header().Get(echo.HeaderXRequestID),
			"first", info.First, "count", info.Count, "error", err.Error())
	}
	return nil
}
