package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// The console inbox: the outbox's rows on the inbox channel (outbox.go
// writes them), read and marked read by their recipient only. Every query
// names the recipient by a subquery on the unique username, so a caller
// can reach no other account's rows and needs no extra round trip for its
// id.

var _ domain.Inbox = (*DB)(nil)

// ownInbox restricts a query on notifications to username's inbox rows.
func ownInbox(g *gorm.DB, username string) *gorm.DB {
	return g.Where("notifications.recipient = (SELECT id FROM users WHERE username = ?) AND notifications."+isInbox, username)
}

// withinReach keeps, of a query joined to requests (LEFT JOIN on
// request_id), the rows about a request the reader may open now, and the
// rows about no request. A row about a request of another nation, or about
// any request once the reader holds no role that reads requests, is left
// out entirely: what it said was written for powers the reader no longer
// has. (A row addressed to one approver role the reader lost, while
// another role still reads requests, stays listed, marked
// domain.InboxItem.RoleGone, but is not unread: stillAddressed.)
func withinReach(q *gorm.DB, reach domain.RequestReach) *gorm.DB {
	switch {
	case reach.All:
		return q.Where("(notifications.request_id = '' OR requests.id IS NOT NULL)")
	case reach.Nation != "":
		return q.Where("(notifications.request_id = '' OR requests.nation = ?)", reach.Nation)
	}
	return q.Where("notifications.request_id = ''")
}

// reachExists is withinReach for an UPDATE, which takes no join: the
// same rows, found by a correlated subquery on the request's key.
func reachExists(q *gorm.DB, reach domain.RequestReach) *gorm.DB {
	switch {
	case reach.All:
		return q.Where("(notifications.request_id = '' OR EXISTS (SELECT 1 FROM requests WHERE requests.id = notifications.request_id))")
	case reach.Nation != "":
		return q.Where("(notifications.request_id = '' OR EXISTS (SELECT 1 FROM requests WHERE requests.id = notifications.request_id AND requests.nation = ?))",
			reach.Nation)
	}
	return q.Where("notifications.request_id = ''")
}

// stillAddressed keeps, of a query on unread rows, those addressed to no
// role or to one of roles (domain.ReceivedRoles): an unread row addressed
// to a role the reader no longer receives is not counted, nor listed
// under "unread only".
func stillAddressed(q *gorm.DB, roles []domain.Role) *gorm.DB {
	if len(roles) == 0 {
		return q.Where("notifications.audience_role = ''")
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return q.Where("(notifications.audience_role = '' OR notifications.audience_role IN ?)", names)
}

const joinRequests = "LEFT JOIN requests ON requests.id = notifications.request_id"

// inboxRow is an inbox row with the nation of its request (LEFT JOIN: a
// notification outlives nothing, but the join must not drop a row).
type inboxRow struct {
	ID           string
	Kind         string
	RequestID    string
	Subject      string
	Body         string
	CreatedAt    time.Time
	ReadAt       *time.Time
	Nation       *string
	Status       *string
	StageOpen    bool
	AudienceRole string
}

// ListInbox is a keyset walk of the notifications_inbox_list index
// (recipient, created_at, id; inbox rows only), newest first, from the cursor on:
// no OFFSET, no COUNT, at most domain.MaxInboxPage rows.
func (d *DB) ListInbox(ctx context.Context, f domain.InboxFilter) (domain.InboxPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = domain.DefaultInboxPage
	}
	limit = min(limit, domain.MaxInboxPage)
	var rows []inboxRow
	err := inboxQuery(d.reader.WithContext(ctx), f, limit).Scan(&rows).Error
	if err != nil {
		return domain.InboxPage{}, translate(err, "inbox")
	}
	var page domain.InboxPage
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.Next = &domain.InboxCursor{CreatedAt: utc(last.CreatedAt), ID: last.ID}
	}
	page.Items = make([]domain.InboxItem, len(rows))
	for i, r := range rows {
		page.Items[i] = domain.InboxItem{ID: r.ID, Kind: r.Kind, RequestID: r.RequestID, Subject: r.Subject,
			Body: r.Body, CreatedAt: utc(r.CreatedAt), ReadAt: utcPtr(r.ReadAt), RequestNation: derefString(r.Nation),
			RequestStatus: domain.Status(derefString(r.Status)), StageOpen: r.StageOpen,
			AudienceRole: domain.Role(r.AudienceRole)}
	}
	return page, nil
}

// inboxQuery is the page query of ListInbox, limit+1 rows (the extra one
// says whether there is a next page).
func inboxQuery(g *gorm.DB, f domain.InboxFilter, limit int) *gorm.DB {
	q := withinReach(ownInbox(g.Table("notifications"), f.Username), f.Reach)
	if f.UnreadOnly {
		q = stillAddressed(q.Where("notifications.read_at IS NULL"), f.Roles)
	}
	if f.After != nil {
		at := dbTime(f.After.CreatedAt)
		q = q.Where("(notifications.created_at < ? OR (notifications.created_at = ? AND notifications.id < ?))",
			at, at, f.After.ID)
	}
	return q.Select("notifications.id, notifications.kind, notifications.request_id, notifications.subject, " +
		"notifications.body, notifications.created_at, notifications.read_at, notifications.audience_role, " +
		"requests.nation, requests.status, " +
		stageOpen).
		Joins(joinRequests).
		Order("notifications.created_at DESC, notifications.id DESC").Limit(limit + 1)
}

// stageOpen is whether the stage a notification is about is still active
// on its request (domain.InboxItem.StageOpen): a stage of the role the
// notification was addressed to, or, for an escalation (addressed to the
// role that supervises the stage, not to the stage's own), the escalated
// stage itself, named in the notice's key after its kind and request
// (domain.StageNoticeKey: "stage.escalated:<request>:<stage>:…"; substr
// and length, which both dialects have) — and active in the activation
// the notice was written in: a stage activated after the notice (a new
// round, after changes were requested and the request resubmitted) is
// another decision, with a deadline of its own, and an old round's
// reminder or escalation is outlived by it. A stage's "Review needed" is
// written at its activation instant (created_at equals activated_at:
// both are dbTime, the same text on SQLite, the same microsecond on
// PostgreSQL), the sweep's reminders after it. A correlated probe of the
// stages' primary key (request_id, stage_id) within the page's one query,
// so the inbox reads every item's current state without a query per item;
// the delivery worker's claim reads the same (claimQuery), so that the
// inbox and delivery tell an outlived stage notice by one rule
// (domain.StageNoticeOutlived, which also reads the row's audience_role:
// a framework.no_longer_covered notice is a stage notice only in the copy
// addressed to a role).
const stageOpen = "CASE WHEN notifications.audience_role <> '' AND EXISTS (SELECT 1 FROM request_stages " +
	"WHERE request_stages.request_id = notifications.request_id AND request_stages.status = 'active' AND " +
	"(request_stages.activated_at IS NULL OR request_stages.activated_at <= notifications.created_at) AND (" +
	"(notifications.kind <> '" + domain.NotifyStageEscalated + "' AND request_stages.role = notifications.audience_role) OR " +
	"(notifications.kind = '" + domain.NotifyStageEscalated + "' AND substr(notifications.idempotency_key, " +
	"length(notifications.kind) + length(notifications.request_id) + 3, length(request_stages.stage_id) + 1) = " +
	"request_stages.stage_id || ':'))) THEN 1 ELSE 0 END AS stage_open"

// requestStatus is the status of a notification's request now (NULL when
// it is not stored), for a query without the join to requests.
const requestStatus = "(SELECT requests.status FROM requests WHERE requests.id = notifications.request_id) AS request_status"

// CountUnread counts on the notifications_inbox index (recipient, read_at;
// inbox rows only): a range scan of the user's unread rows, each joined to its
// request for the reach, less those addressed to a role not in roles (the
// rows ListInbox shows with UnreadOnly), that stops after
// domain.MaxUnreadCount of them, so that its cost is bounded whatever an
// account left unread. The console shows it on every page
// (docs/performance.md has its cost).
func (d *DB) CountUnread(ctx context.Context, username string, reach domain.RequestReach, roles []domain.Role) (int64, error) {
	var n int64
	err := unreadQuery(d.reader.WithContext(ctx), username, reach, roles).Scan(&n).Error
	return n, translate(err, "inbox")
}

// unreadQuery counts at most domain.MaxUnreadCount unread rows within
// reach and still addressed to the reader.
func unreadQuery(g *gorm.DB, username string, reach domain.RequestReach, roles []domain.Role) *gorm.DB {
	rows := withinReach(ownInbox(g.Session(&gorm.Session{NewDB: true}).Table("notifications"), username), reach).
		Joins(joinRequests).Where("notifications.read_at IS NULL")
	rows = stillAddressed(rows, roles).Select("1").Limit(domain.MaxUnreadCount)
	return g.Table("(?) AS unread", rows).Select("COUNT(*)")
}

// MarkRead sets read_at on one of username's inbox rows within reach,
// keeping an earlier read time. The update matches the row only when it is
// the user's and within reach, so another user's id, a row the user may no
// longer read and an unknown id all match nothing: not found.
func (d *DB) MarkRead(ctx context.Context, username string, reach domain.RequestReach, id string, at time.Time) error {
	res := reachExists(ownInbox(d.writer.WithContext(ctx).Model(&notificationRow{}), username), reach).
		Where("notifications.id = ?", id).
		Update("read_at", gorm.Expr("COALESCE(read_at, ?)", dbTime(at)))
	if res.Error != nil {
		return translate(res.Error, "notification")
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound("notification")
	}
	return nil
}

// MarkAllRead sets read_at on every unread inbox row of username within
// reach (the rows the list shows; the count it returns says nothing of the
// others), and with upto only on those at or after it in the list's order
// (newest first: created_at, then id), the keyset bound of ListInbox's
// paging read from upto's own row, which must be one of username's inbox
// rows (else not found, nothing marked).
func (d *DB) MarkAllRead(ctx context.Context, username string, reach domain.RequestReach, upto string, at time.Time) (int64, error) {
	q := reachExists(ownInbox(d.writer.WithContext(ctx).Model(&notificationRow{}), username), reach).
		Where("notifications.read_at IS NULL")
	if upto != "" {
		var bound []struct {
			ID        string
			CreatedAt time.Time
		}
		err := ownInbox(d.writer.WithContext(ctx).Table("notifications"), username).Where("notifications.id = ?", upto).
			Select("notifications.id, notifications.created_at").Limit(1).Scan(&bound).Error
		if err != nil {
			return 0, translate(err, "notification")
		}
		if len(bound) == 0 {
			return 0, domain.ErrNotFound("notification")
		}
		b := dbTime(utc(bound[0].CreatedAt))
		q = q.Where("(notifications.created_at < ? OR (notifications.created_at = ? AND notifications.id <= ?))", b, b, bound[0].ID)
	}
	res := q.Update("read_at", dbTime(at))
	return res.RowsAffected, translate(res.Error, "notifications")
}
