package domain

import (
	"context"
	"time"
)

// RequestHead is what need-to-know asks of a stored request: who it
// belongs to and whether it was ever submitted (Visible), with its id,
// reference and version. A store reads it without the request's details,
// route and warnings, so that deciding a request is another nation's costs
// what finding no request costs, however large the request (readVisible).
type RequestHead struct {
	ID          string
	Reference   string
	Nation      string
	Status      Status
	Version     int
	SubmittedAt *time.Time
}

// Head is the head of r.
func (r *Request) Head() *RequestHead {
	return &RequestHead{ID: r.ID, Reference: r.Reference, Nation: r.Nation, Status: r.Status,
		Version: r.Version, SubmittedAt: r.SubmittedAt}
}

// Visible is Request.Visible on the head: the same one rule.
func (h *RequestHead) Visible(p Principal) bool {
	return (&Request{Nation: h.Nation, Status: h.Status, SubmittedAt: h.SubmittedAt}).Visible(p)
}

// readVisible is the one read of a request (by id or reference) on p's
// behalf, for every route on one request: it reads the head, answers a
// request p may not see as not found — exactly as one that does not
// exist, and without reading anything more of it — and only then reads
// the whole request, by its id. Outside a transaction head and full are
// the Store's reads, inside it the Tx's. Visibility only ever grows (a
// nation never changes, a submission is never undone), yet the whole
// request is checked again: what is answered is what was read.
func readVisible(p Principal, id string, head func(string) (*RequestHead, error),
	full func(string) (*Request, error)) (*Request, error) {
	h, err := visibleHead(p, id, head)
	if err != nil {
		return nil, err
	}
	r, err := full(h.ID)
	if err != nil {
		return nil, err
	}
	if !r.Visible(p) {
		return nil, ErrNotFound("request")
	}
	return r, nil
}

// visibleHead is readVisible's first half, for what needs no more of the
// request than its head (its history, a refused attempt, a replay).
func visibleHead(p Principal, id string, head func(string) (*RequestHead, error)) (*RequestHead, error) {
	h, err := head(id)
	if err != nil {
		return nil, err
	}
	if !h.Visible(p) {
		return nil, ErrNotFound("request")
	}
	return h, nil
}

// visibleRequest is readVisible with the Store's reads, outside a transaction.
func visibleRequest(ctx context.Context, s Store, p Principal, id string) (*Request, error) {
	return readVisible(p, id, func(id string) (*RequestHead, error) { return s.RequestHead(ctx, id) },
		func(id string) (*Request, error) { return s.GetRequest(ctx, id) })
}
