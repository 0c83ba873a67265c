package storage

import (
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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
	return t.withdrawQueued(domain.AccessChangedError, at, queuedTo(userID, domain.ChannelEmail, domain.ChannelWebhook))
}

// WithdrawRoleNotices marks the queued e-mail and webhook rows of the
// account userID that were addressed to role (audience_role, migration
// 0020) undeliverable with reason, in the caller's transaction (a
// delegation of role to the account was revoked, or its delegator was
// disabled or lost the role, or the account was disabled or lost its last
// approver role), and returns how many it marked. The caller
// decides that the account no longer holds role, directly or by another
// delegation (domain withdrawDelegatedNotices): then every such row reached
// it through a delegation, and it may not be told of the role's stages any
// more. Rows addressed to the account in its own right (its nation's
// requests, its own roles, its delegations) keep theirs. Only
// notifications rows change: the directory (directory.go) holds none of
// them, and the change that ends the delegation bumps its version.
func (t *tx) WithdrawRoleNotices(userID string, role domain.Role, reason string, at time.Time) (int64, error) {
	return t.withdrawQueued(reason, at, gorm.Expr(isQueued+" AND recipient = ? AND channel IN ? AND audience_role = ?",
		userID, []string{domain.ChannelEmail, domain.ChannelWebhook}, string(role)))
}

// WithdrawDelegationNotices marks the queued e-mail and webhook rows of
// the account userID about the delegation delegationID — that it started,
// that it ends soon — undeliverable with reason, in the caller's
// transaction (the delegation was revoked, or its delegator was disabled
// or lost the role, or its delegate, userID, was disabled or lost their
// last approver role), and returns how many it marked. Such a row names its
// delegation only in its idempotency key (domain.DelegationNoticeKeyPrefixes),
// matched here by its exact first characters (substr, not LIKE, whose
// case and wildcards differ between the dialects), among the account's
// queued rows (the partial index notifications_queued_recipient): the
// rows about the account's other delegations keep theirs.
func (t *tx) WithdrawDelegationNotices(userID, delegationID, reason string, at time.Time) (int64, error) {
	return t.withdrawQueued(reason, at, queuedAbout(userID, delegationID))
}

// queuedAbout is the condition on the queued e-mail and webhook rows of
// the account userID about the delegation delegationID.
func queuedAbout(userID, delegationID string) clause.Expr {
	prefixes := domain.DelegationNoticeKeyPrefixes(delegationID)
	about := make([]string, len(prefixes))
	args := []any{userID, []string{domain.ChannelEmail, domain.ChannelWebhook}}
	for i, p := range prefixes {
		about[i] = "substr(idempotency_key, 1, ?) = ?"
		args = append(args, len(p), p)
	}
	return gorm.Expr(isQueued+" AND recipient = ? AND channel IN ? AND ("+strings.Join(about, " OR ")+")", args...)
}

// queuedTo is the condition on the queued rows of the account userID on
// channels, which the partial index notifications_queued_recipient serves.
func queuedTo(userID string, channels ...string) clause.Expr {
	return gorm.Expr(isQueued+" AND recipient = ? AND channel IN ?", userID, channels)
}

// ReaddressQueuedMail sends the account's queued e-mails to its new address
// email; with none, it marks them undeliverable as the worker would.
func (t *tx) ReaddressQueuedMail(userID, email string, at time.Time) (int64, error) {
	mine := queuedTo(userID, domain.ChannelEmail)
	if email == "" {
		return t.withdrawQueued(domain.NoAddressError, at, mine)
	}
	res := t.g.Model(&notificationRow{}).Where(mine).Update("address", email)
	return res.RowsAffected, translate(res.Error, "notifications")
}

// withdrawQueued marks the rows that which selects undeliverable, with
// reason as their last error, and returns how many it marked. which must
// select queued rows only (isQueued).
func (t *tx) withdrawQueued(reason string, at time.Time, which clause.Expr) (int64, error) {
	res := withdrawQuery(t.g, reason, at, which)
	return res.RowsAffected, translate(res.Error, "notifications")
}

func withdrawQuery(g *gorm.DB, reason string, at time.Time, which clause.Expr) *gorm.DB {
	return g.Model(&notificationRow{}).Where(which).
		Updates(map[string]any{"status": domain.DeliveryUndeliverable, "last_error": reason, "next_attempt_at": dbTime(at)})
}
