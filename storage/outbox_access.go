package storage

import (
	"time"

	"exaccess/domain"
)

// A change of an account's powers withdraws what was queued to it: an
// e-mail or webhook row was rendered for the nation and roles the account
// had when the row was written, and sending it after the account moved to
// another nation, lost a role or was disabled would deliver what its
// holder may no longer read. The inbox needs no such step: it shows only
// what the reader may open now (inbox.go).

// WithdrawQueuedDeliveries marks every queued e-mail and webhook row of
// the account userID undeliverable with domain.AccessChangedError, in the
// caller's transaction (the account change), and returns how many it
// marked. Rows already sent, failed or undeliverable keep their outcome;
// inbox rows are delivered when written and are not touched.
func (t *tx) WithdrawQueuedDeliveries(userID string, at time.Time) (int64, error) {
	return t.withdrawQueued(domain.AccessChangedError, at, "recipient = ? AND channel IN ?", userID,
		[]string{domain.ChannelEmail, domain.ChannelWebhook})
}

// ReaddressQueuedMail sends the account's queued e-mails to its new address
// email; with none, it marks them undeliverable as the worker would.
func (t *tx) ReaddressQueuedMail(userID, email string, at time.Time) (int64, error) {
	const mine = "recipient = ? AND channel = ?"
	if email == "" {
		return t.withdrawQueued(domain.NoAddressError, at, mine, userID, domain.ChannelEmail)
	}
	res := t.g.Model(&notificationRow{}).Where(isQueued+" AND "+mine, userID, domain.ChannelEmail).
		Update("address", email)
	return res.RowsAffected, translate(res.Error, "notifications")
}

// withdrawQueued marks the queued rows that where selects undeliverable,
// with reason as their last error, and returns how many it marked.
func (t *tx) withdrawQueued(reason string, at time.Time, where string, args ...any) (int64, error) {
	res := t.g.Model(&notificationRow{}).Where(isQueued).Where(where, args...).
		Updates(map[string]any{"status": domain.DeliveryUndeliverable, "last_error": reason, "next_attempt_at": dbTime(at)})
	return res.RowsAffected, translate(res.Error, "notifications")
}
