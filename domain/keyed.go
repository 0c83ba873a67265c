package domain

import "time"

// Keyed is an Idempotency-Key on a creating call other than a request's
// creation — a framework agreement, a delegation, a decision. Within
// IdempotencyTTL a retry with the same key and body gets the first response
// and changes nothing; the same key with another body is invalid. Keys are
// per user and shared by every route: the fingerprint covers the method and
// path, so a key used on one route is "another body" on any other. The
// first response is stored in the transaction of what it created.
type Keyed struct {
	Key, Fingerprint string
	// Render makes the response to store from what was created, inside the
	// transaction (a *Framework, a *ListedDelegation, the decided *Request).
	Render func(created any) ([]byte, error)
	// Replay is set when the call was a retry: the first response, to send
	// again; nothing was done.
	Replay []byte
}

// replayed looks the key up inside tx: true when this call is a retry, with
// k.Replay set; an error when the key came with another body.
func (k *Keyed) replayed(tx Tx, p Principal, now time.Time) (bool, error) {
	if k == nil {
		return false, nil
	}
	body, err := firstResponse(tx, p, &Idempotency{Key: k.Key, Fingerprint: k.Fingerprint}, now)
	k.Replay = body
	return body != nil, err
}

// remember stores the first response to the key inside tx. id is the
// request the call was about, or "".
func (k *Keyed) remember(tx Tx, p Principal, now time.Time, created any, id string) error {
	if k == nil {
		return nil
	}
	body, err := k.Render(created)
	if err != nil {
		return err
	}
	if err := tx.DeleteIdempotencyBefore(p.Subject, now.Add(-IdempotencyTTL)); err != nil {
		return err
	}
	return tx.PutIdempotency(IdempotencyRecord{Principal: p.Subject, Key: k.Key, Fingerprint: k.Fingerprint,
		RequestID: id, Response: body, CreatedAt: now})
}
