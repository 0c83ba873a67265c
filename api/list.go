package api

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// List paging (docs/product.md, "Limits").
const (
	defaultLimit = 50
	maxLimit     = 200
	cursorPrefix = "r1:"
)

// query reads query parameters, collecting a field error for each bad one
// instead of stopping at the first.
type query struct {
	values url.Values
	errs   []domain.FieldError
}

func newQuery(c echo.Context) *query { return &query{values: c.QueryParams()} }

func (q *query) bad(field, msg string) {
	q.errs = append(q.errs, domain.FieldError{Field: field, Message: msg})
}

// limit is the page size: default 50; larger asks are clamped to 200, not
// refused, however large: a whole number too large for an int is clamped too.
func (q *query) limit() int {
	v := q.values.Get("limit")
	if v == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(v)
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !strings.HasPrefix(v, "-") {
		return maxLimit
	}
	if err != nil || n < 1 {
		q.bad("limit", "must be a whole number, 1 or more (more than 200 is read as 200)")
		return defaultLimit
	}
	return min(n, maxLimit)
}

// nation is the ISO code of the nation filter (aliases accepted), or "".
func (q *query) nation(ref domain.Reference) string {
	v := q.values.Get("nation")
	if v == "" {
		return ""
	}
	n, ok := ref.Nation(v)
	if !ok {
		q.bad("nation", "unknown nation "+strconv.Quote(v))
	}
	return n.Code
}

// time reads an optional RFC 3339 time.
func (q *query) time(name string) *time.Time {
	v := q.values.Get(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.bad(name, "must be an RFC 3339 time such as 2026-11-23T09:00:00Z")
		return nil
	}
	return &t
}

// window refuses a to before from: the window they bound (from
// inclusive, to exclusive) would be empty however many entries there are,
// and an answer with none would read as a log without any. A to equal to
// from is an empty window too, but one spelt as such.
func (q *query) window(from, to *time.Time) {
	if from != nil && to != nil && to.Before(*from) {
		q.bad("to", "must be on or after from")
	}
}

// count reads a required whole number, zero or more.
func (q *query) count(name string) int64 {
	v := q.values.Get(name)
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case v == "":
		q.bad(name, "is required")
	case err != nil || n < 0:
		q.bad(name, "must be a whole number, zero or more")
	}
	return n
}

func (q *query) err() error {
	if len(q.errs) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "bad query parameters", Fields: q.errs}
	}
	return nil
}

const badCursor = "is not a cursor this server issued; start again without it"

// cursor reads the paging parameter "cursor" of a list with decode (each
// list has its own kind), naming the parameter when the value is not one
// this server issued. ok is false when there is none, or a bad one. Every
// list reads its cursor here.
func cursor[T any](q *query, decode func(string) (T, bool)) (c T, ok bool) {
	v := q.values.Get("cursor")
	if v == "" {
		return c, false
	}
	if c, ok = decode(v); !ok {
		q.bad("cursor", badCursor)
	}
	return c, ok
}

// listFilter reads the list query parameters, naming each bad one.
func listFilter(c echo.Context, ref domain.Reference) (domain.RequestFilter, error) {
	q := newQuery(c)
	f := domain.RequestFilter{Limit: q.limit(), Nation: q.nation(ref)}
	if v := q.values.Get("status"); v != "" {
		st, ok := domain.ParseStatus(v)
		if !ok {
			q.bad("status", "unknown status "+strconv.Quote(v))
		}
		f.Status = st
	}
	if v := q.values.Get("area"); v != "" {
		if _, ok := ref.TrainingArea(v); !ok {
			q.bad("area", "unknown training area "+strconv.Quote(v))
		}
		f.Area = v
	}
	if v := q.values.Get("reference"); v != "" {
		if !domain.IsReference(v) {
			q.bad("reference", "must be a reference like SE-2026-EXA-000123")
		}
		f.Reference = v
	}
	f.After, _ = cursor(q, decodeCursor)
	return f, q.err()
}

// A cursor is opaque to clients. It holds only the id of the last item seen;
// the filters (and the caller's nation) are applied again on every page, so
// a tampered cursor can skip ahead but never reveal another nation's request.
func encodeCursor(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + lastID))
}

func decodeCursor(s string) (string, bool) {
	if len(s) > 128 {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", false
	}
	id, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok || id == "" || !domain.CursorPart(id) {
		return "", false
	}
	return id, true
}

const queueCursorPrefix = "q1|"

// A queue cursor holds the keyset position (due_at, request id, stage id) of
// the last item seen; the caller's roles and filters are applied afresh.
func encodeQueueCursor(c domain.QueueCursor) string {
	raw := queueCursorPrefix + c.DueAt.UTC().Format(time.RFC3339Nano) + "|" + c.RequestID + "|" + c.StageID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeQueueCursor(s string) (*domain.QueueCursor, bool) {
	if len(s) > 256 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	rest, ok := strings.CutPrefix(string(b), queueCursorPrefix)
	parts := strings.Split(rest, "|")
	if !ok || len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return nil, false
	}
	due, ok := domain.CursorTime(parts[0])
	if !ok {
		return nil, false // a time this server could never have written
	}
	return &domain.QueueCursor{DueAt: due, RequestID: parts[1], StageID: parts[2]}, true
}
