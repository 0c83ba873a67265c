package api

import (
	"bytes"
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
	// LineFeed: the body was sent ending with a line feed, as every JSON
	// answer of the API is (c.JSON's encoder writes one). Encoding the
	// record compacts Body and so drops that line feed; the flag puts it
	// back on a replay. Records stored before it were sent without one,
	// and are replayed without one.
	LineFeed bool `json:"line_feed,omitempty"`
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

// writeStored answers with a stored first response, marked as replayed:
// the bytes the first answer had.
func writeStored(c echo.Context, stored []byte) error {
	var r storedResponse
	if err := json.Unmarshal(stored, &r); err != nil {
		return err
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	return writeResponse(c, r)
}

// writeResponse answers with a response as it would be stored.
func writeResponse(c echo.Context, r storedResponse) error {
	if r.Location != "" {
		c.Response().Header().Set(echo.HeaderLocation, r.Location)
	}
	if r.ETag != "" {
		c.Response().Header().Set("ETag", r.ETag)
	}
	body := []byte(r.Body)
	if r.LineFeed {
		body = append(bytes.Clone(body), '\n')
	}
	return c.JSONBlob(r.Status, body)
}

// jsonResponse is a storedResponse of v, to be sent as c.JSON would send v.
func jsonResponse(status int, location, etag string, v any) (storedResponse, error) {
	b, err := json.Marshal(v)
	return storedResponse{Status: status, Location: location, ETag: etag, Body: b, LineFeed: true}, err
}

// jsonBody is v encoded exactly as c.JSON writes it (without ?pretty): the
// encoder's bytes, ending with a line feed. A first answer stored to be
// replayed is encoded here, so that the replay is the same bytes.
func jsonBody(v any) ([]byte, error) {
	var b bytes.Buffer
	err := json.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

// Creating POSTs whose answer holds a secret shown once refuse an
// Idempotency-Key: replaying their first answer would mean keeping the
// secret in the idempotency table, beside the hash or the webhooks row it
// was meant to live in alone. Ignoring the key instead would answer a
// client's retry with a second creation (a second webhook with another
// secret, or 422 on the username the lost first attempt took), so the key
// is refused before anything is read or created, saying what to do instead.
type keylessCreate struct {
	secret  string // what the answer shows once
	instead string // what a client whose answer was lost does
}

var (
	noKeyForUsers = keylessCreate{secret: "the account's one-time password",
		instead: "if an answer was lost, look the account up (GET /api/v1/users) and reset its password (POST /api/v1/users/{id}/reset-password)"}
	noKeyForMyWebhooks = keylessCreate{secret: "the webhook's secret",
		instead: "if an answer was lost, list your webhooks (GET /api/v1/me/webhooks) and revoke the one whose secret you do not have (DELETE /api/v1/me/webhooks/{id})"}
	noKeyForRoleWebhooks = keylessCreate{secret: "the webhook's secret",
		instead: "if an answer was lost, list the role webhooks (GET /api/v1/webhooks) and revoke the one whose secret you do not have (DELETE /api/v1/webhooks/{id})"}
)

// refuseIdempotencyKey is 422 naming Idempotency-Key when the request
// carries one (an empty header is none, as on the routes that replay), and
// nil otherwise. Nothing has been read or created when it answers.
func refuseIdempotencyKey(c echo.Context, k keylessCreate) error {
	if c.Request().Header.Get("Idempotency-Key") == "" {
		return nil
	}
	why := "the answer holds " + k.secret + ", which is shown once and not kept for a replay"
	return &domain.Error{Code: domain.CodeInvalid,
		Message: c.Request().Method + " " + c.Path() + " takes no Idempotency-Key: " + why +
			"; nothing was created: send the request again without the header, and " + k.instead,
		Fields: []domain.FieldError{{Field: "Idempotency-Key", Message: "not accepted on this route: " + why}}}
}
