package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"exaccess/domain"
)

// A new-request form carries a one-off key, made afresh for each rendering
// (formKey) and kept while the same form comes back with errors, a dry run
// or a row added. Creating the request passes it as the API's
// Idempotency-Key: the domain stores it, scoped to the signed-in user
// (the key table's primary key is the user and the key), with the
// created request's id, in the same transaction as the request. A second
// post of the same form — the back button and submit again, a double click
// — then finds the key and creates nothing: the console answers with the
// first request. There is no second mechanism: a key lives as long as
// the API's (domain.IdempotencyTTL).

// formKeyPrefix keeps the console's keys apart from those API clients
// choose; the constant fingerprint keeps them from being replayed there
// (the API's fingerprints hash a method, path and body).
const (
	formKeyPrefix      = "console-form-"
	formKeyFingerprint = "console POST /requests/new"
)

// formKey is a fresh key for one rendering of the new-request form.
func formKey() string { return formKeyPrefix + randomToken() }

// formIdempotency is the key the form was posted with as the domain takes
// it, nil when the form had none or a key the console did not make (an
// older page): such a form creates as before.
func formIdempotency(key string) *domain.Idempotency {
	rest, ok := strings.CutPrefix(key, formKeyPrefix)
	if !ok || len(key) > 255 || rest == "" || strings.ContainsFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return nil
	}
	return &domain.Idempotency{Key: key, Fingerprint: formKeyFingerprint, Render: formFirstResponse}
}

// formFirst is what the key remembers of the request it created: enough to
// send a second post of the form to it.
type formFirst struct {
	ID string `json:"id"`
}

func formFirstResponse(r *domain.Request) ([]byte, error) { return json.Marshal(formFirst{ID: r.ID}) }

// formReplayID is the id of the request a key already created. Only
// the console stores under its fingerprint, so anything else is a fault.
func formReplayID(replay []byte) (string, error) {
	var first formFirst
	if err := json.Unmarshal(replay, &first); err != nil || first.ID == "" {
		return "", fmt.Errorf("web: the stored first answer of a form key is not readable: %q", replay)
	}
	return first.ID, nil
}
