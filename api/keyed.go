package api

import (
	"encoding/json"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// storedResponse is the first response to a keyed create other than a
// request's: status, the headers a client acts on, and the body.
type storedResponse struct {
	Status   int             `json:"status"`
	Location string          `json:"location,omitempty"`
	ETag     string          `json:"etag,omitempty"`
	Body     json.RawMessage `json:"body"`
}

// keyedCreate reads the Idempotency-Key of a creating POST (nil without
// one). render turns what the service created into the response, which is
// stored in the same transaction and replayed to a retry.
func keyedCreate(c echo.Context, body []byte, render func(created any) (storedResponse, error)) (*domain.Keyed, error) {
	idem, err := idempotency(c, body)
	if err != nil || idem == nil {
		return nil, err
	}
	return &domain.Keyed{Key: idem.Key, Fingerprint: idem.Fingerprint, Render: func(created any) ([]byte, error) {
		r, err := render(created)
		if err != nil {
			return nil, err
		}
		return json.Marshal(r)
	}}, nil
}

// writeStored answers with a stored first response, marked as replayed.
func writeStored(c echo.Context, stored []byte) error {
	var r storedResponse
	if err := json.Unmarshal(stored, &r); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Idempotent-Replayed", "true")
	if r.Location != "" {
		h.Set(echo.HeaderLocation, r.Location)
	}
	if r.ETag != "" {
		h.Set("ETag", r.ETag)
	}
	return c.JSONBlob(r.Status, r.Body)
}

// writeResponse answers with a response as it would be stored.
func writeResponse(c echo.Context, r storedResponse) error {
	if r.Location != "" {
		c.Response().Header().Set(echo.HeaderLocation, r.Location)
	}
	if r.ETag != "" {
		c.Response().Header().Set("ETag", r.ETag)
	}
	return c.JSONBlob(r.Status, r.Body)
}

// jsonResponse is a storedResponse of v.
func jsonResponse(status int, location, etag string, v any) (storedResponse, error) {
	b, err := json.Marshal(v)
	return storedResponse{Status: status, Location: location, ETag: etag, Body: b}, err
}
