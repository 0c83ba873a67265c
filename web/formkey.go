package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// A new-request form carries a one-off key, made afresh for each rendering
// (formKey) and kept while the same form comes back with errors, a dry run
// or a row added. Creating the request passes it as the API's
// Idempotency-Key: the domain stores it, scoped to the signed-in user
// (the key table's primary key is the user and the key), with the
// created request's id and a hash of what was sent (formSent), in the same
// transaction as the request. A second post of the key then creates
// nothing. When it sends the same form — a double click, the back button
// and submit again — the console answers with the first request. When it
// sends another form — Back, an edit, then "Save and submit" — the form
// comes back with everything typed, a fresh key and the request the key
// already made: the edits are neither dropped nor sent to that request
// unseen. There is no second mechanism: a key lives as long as the API's
// (domain.IdempotencyTTL).

// formKeyPrefix keeps the console's keys apart from those API clients
// choose; the constant fingerprint keeps them from being replayed there
// (the API's fingerprints hash a method, path and body). The hash of the
// form is kept in the stored answer instead of the fingerprint, so that a
// different form finds the request its key made (the domain refuses a
// different fingerprint without naming it).
const (
	formKeyPrefix      = "console-form-"
	formKeyFingerprint = "console POST /requests/new"
)

// formKeyWords are the words of a key sent again with another form.
var formKeyWords = map[string]string{
	"form.keyused":    "This form was already sent, before your changes, and created request",
	"form.keyusednew": "Nothing was created now and what you typed is kept below: saving it makes a new request. To change the first request instead, open it and amend it.",
}

func init() {
	for k, v := range formKeyWords {
		english[k] = v
	}
}

// formKey is a fresh key for one rendering of the new-request form.
func formKey() string { return formKeyPrefix + randomToken() }

// validFormKey reports whether key is one the console made; a form with
// none or another (an older page) creates without a key.
func validFormKey(key string) bool {
	rest, ok := strings.CutPrefix(key, formKeyPrefix)
	return ok && len(key) <= 255 && rest != "" && !strings.ContainsFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	})
}

// formSent is the hash of a new-request form as it was sent: the parsed
// details and the button (save or submit). Only a form with the same hash
// is the same form sent again.
func formSent(action string, d domain.Details) (string, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("web: hash the form: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(action + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// formIdempotency is the key the form was posted with as the domain takes
// it, nil when the form had none or a key the console did not make. sent is
// formSent's hash. first runs inside the creating transaction once the key
// is found new, before the key is stored; its error creates nothing. The
// form takes its rate-limit tokens there, so that a form sent again costs
// none.
func formIdempotency(key, sent string, first func() error) *domain.Idempotency {
	if !validFormKey(key) {
		return nil
	}
	done := false // a transaction tried again must not take the tokens twice
	return &domain.Idempotency{Key: key, Fingerprint: formKeyFingerprint, Render: func(r *domain.Request) ([]byte, error) {
		if !done {
			if err := first(); err != nil {
				return nil, err
			}
			done = true
		}
		return json.Marshal(formFirst{ID: r.ID, Sent: sent})
	}}
}

// formFirst is what the key remembers of the request it created: its id,
// and the hash of the form that created it ("" for a key stored before the
// hash was kept: no form matches it).
type formFirst struct {
	ID   string `json:"id"`
	Sent string `json:"sent,omitempty"`
}

// formReplay reads what a key already created. Only the console stores
// under its fingerprint, so anything unreadable is a fault.
func formReplay(replay []byte) (formFirst, error) {
	var first formFirst
	if err := json.Unmarshal(replay, &first); err != nil || first.ID == "" {
		return first, fmt.Errorf("web: the stored first answer of a form key is not readable: %q", replay)
	}
	return first, nil
}

// formResent answers a form whose key already created a request: the same
// form goes to that request; another comes back as typed, with a fresh
// key and a link to the request the key made.
func (c *Console) formResent(ec echo.Context, v formView, sent string, replay []byte) error {
	first, err := formReplay(replay)
	if err != nil {
		return err
	}
	if first.Sent == sent {
		return ec.Redirect(http.StatusSeeOther, "/requests/"+first.ID+"?done=resent")
	}
	v.Key, v.SentBefore = "", first.ID // renderForm makes a fresh key
	return c.renderForm(ec, http.StatusOK, v)
}
