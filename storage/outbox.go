package storage

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"exaccess/domain"
)

// The notification outbox (migration 0010). Rows are written by
// enqueueNotifications inside the transaction of the audit entry that
// causes them, and read by the delivery worker through domain.Outbox.

var _ domain.Outbox = (*DB)(nil)

type notificationRow struct {
	ID             string     `gorm:"column:id;primaryKey"`
	IdempotencyKey string     `gorm:"column:idempotency_key"`
	Kind           string     `gorm:"column:kind"`
	Recipient      *string    `gorm:"column:recipient"`
	WebhookID      *string    `gorm:"column:webhook_id"`
	Channel        string     `gorm:"column:channel"`
	Address        string     `gorm:"column:address"`
	RequestID      string     `gorm:"column:request_id"`
	Subject        string     `gorm:"column:subject"`
	Body           string     `gorm:"column:body"`
	Status         string     `gorm:"column:status"`
	Attempts       int        `gorm:"column:attempts"`
	CreatedAt      time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	NextAttemptAt  time.Time  `gorm:"column:next_attempt_at"`
	SentAt         *time.Time `gorm:"column:sent_at"`
	LastError      string     `gorm:"column:last_error"`
	ReadAt         *time.Time `gorm:"column:read_at"`
	// AudienceRole is the role the row's event was addressed to (its
	// holders and delegates), "" for a nation's or one account's event
	// (migration 0020): a revoked delegation withdraws its delegate's
	// queued rows of the delegated role (outbox_access.go).
	AudienceRole string `gorm:"column:audience_role"`
}

func (notificationRow) TableName() string { return "notifications" }

func (r notificationRow) domain() domain.Notification {
	return domain.Notification{ID: r.ID, Key: r.IdempotencyKey, Kind: r.Kind, Recipient: derefString(r.Recipient),
		WebhookID: derefString(r.WebhookID), Channel: r.Channel, Address: r.Address, RequestID: r.RequestID, Subject: r.Subject, Body: r.Body,
		Status: r.Status, Attempts: r.Attempts, CreatedAt: utc(r.CreatedAt), NextAttemptAt: utc(r.NextAttemptAt),
		SentAt: utcPtr(r.SentAt), LastError: r.LastError, ReadAt: utcPtr(r.ReadAt), AudienceRole: domain.Role(r.AudienceRole)}
}

// enqueueNotifications writes the outbox rows that audit entry e causes
// (notifyEvent). It runs in e's transaction, so the rows commit or roll
// back with the change.
func (t *tx) enqueueNotifications(e *domain.AuditEntry) error {
	if e.RequestID == "" || !domain.NotifiesOn(e.Action) {
		return nil
	}
	// The change stored the request just before its entry: use it rather
	// than read and decode it again; anything else is read.
	r := t.last
	var err error
	if r == nil || r.ID != e.RequestID || r.Version != e.RequestVersion {
		r, err = getRequest(t.g, e.RequestID)
	}
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil // an entry about a request that is not stored has no audience
	} else if err != nil {
		return err
	}
	events := domain.NotificationsFor(*e, r)
	if len(events) == 0 {
		return nil
	}
	// One source for all the entry's events: between them only outbox rows
	// are written, which change no audience.
	src, err := t.audienceSource()
	if err != nil {
		return err
	}
	// The keys are made of the entry's index in the audit log, unique and
	// increasing: the rows' keys land at the end of their unique index.
	for i, ev := range events {
		if err := t.notifyFrom(src, ev, e.At, entryKeyBase(e.Index, i)); err != nil {
			return err
		}
	}
	return nil
}

// entryKeyBase is the key base of the i-th event of audit entry index:
// "a<index>.<i>".
func entryKeyBase(index int64, i int) string {
	b := make([]byte, 0, 24)
	b = strconv.AppendInt(append(b, 'a'), index, 10)
	return string(strconv.AppendInt(append(b, '.'), int64(i), 10))
}

// audienceReader answers what an event's fan-out reads: the tables (tx)
// or the SQLite committer's directory (directory.go), with the same
// answers.
type audienceReader interface {
	// audience is the enabled accounts an event for a is addressed to at at.
	audience(a domain.Audience, at time.Time) ([]userRow, error)
	// channelsFor tells, for the accounts of one event of kind, what each takes.
	channelsFor(users []userRow, kind string) (func(u userRow) []delivery, error)
	// roleWebhooks are the active webhooks registered for role, in id order.
	roleWebhooks(role domain.Role) ([]webhookRow, error)
}

// audienceSource is the committer's directory, checked against its version
// in this transaction, when there is one and it can be used; else the
// tables.
func (t *tx) audienceSource() (audienceReader, error) {
	if t.dir == nil {
		return t, nil
	}
	d, err := t.dir.get(t)
	if err != nil || d == nil {
		return t, err
	}
	return d, nil
}

// roleWebhooks reads the active webhooks of role.
func (t *tx) roleWebhooks(role domain.Role) ([]webhookRow, error) { return t.activeWebhooks(nil, role) }

// Notify writes the outbox rows of ev at at (domain.NotificationTx): a
// notice a change causes that no request's audit entry derives, such as
// days closed on a booked area.
func (t *tx) Notify(ev domain.NotificationEvent, at time.Time, keyBase string) error {
	return t.notifyEvent(ev, at, keyBase)
}

// notifyEvent writes the outbox rows of one event: for each enabled account
// of its audience, one row per channel that account takes for the event's
// kind (channelsFor: inbox, e-mail, and one row per active webhook of the
// account, less the channels it turned off); and for an event whose
// audience is a role, one row per active webhook registered for that role
// (no recipient). Each row's idempotency key is keyBase:recipient:channel,
// keyBase:recipient:webhook:<id> or keyBase:role:<role>:webhook:<id>; a row
// whose key is already stored is skipped, so a scheduled event (a reminder,
// with a key derived from what it is about) written twice, by two replicas
// or after a restart, is stored once.
func (t *tx) notifyEvent(ev domain.NotificationEvent, at time.Time, keyBase string) error {
	src, err := t.audienceSource()
	if err != nil {
		return err
	}
	return t.notifyFrom(src, ev, at, keyBase)
}

// notifyFrom is notifyEvent with the audience read from src.
func (t *tx) notifyFrom(src audienceReader, ev domain.NotificationEvent, at time.Time, keyBase string) error {
	out, err := fanOut(src, ev, at, keyBase)
	if err != nil {
		return err
	}
	return t.insertNotifications(notificationRows(ev, out, at))
}

// notificationRows are the outbox rows of event ev addressed to out, at at.
func notificationRows(ev domain.NotificationEvent, out []addressed, at time.Time) []notificationRow {
	subject, body := domain.RenderNotification(ev)
	at = dbTime(at)
	rows := make([]notificationRow, len(out))
	for i, o := range out {
		row := notificationRow{ID: orderedID(), IdempotencyKey: o.key, Kind: ev.Kind, Recipient: o.recipient, Channel: o.d.Channel,
			Address: o.d.Address, RequestID: ev.RequestID, Subject: subject, Body: body, Status: domain.DeliveryQueued,
			CreatedAt: at, NextAttemptAt: at, AudienceRole: string(ev.Audience.Role)}
		if o.d.WebhookID != "" {
			row.WebhookID = &o.d.WebhookID
		}
		if o.d.Channel == domain.ChannelInbox {
			row.Address, row.Status, row.SentAt = "", domain.DeliverySent, &at // delivered by committing
		}
		rows[i] = row
	}
	return rows
}

// droppedRole reports whether a is a role's audience whose role is no
// approver role now: a role of the routing policy that the policy loaded
// no longer names (a stage of it in a route made before). Nobody may
// decide its stages (domain.authorityDelegation), so nobody — neither the
// accounts that still hold it, nor its delegates, nor its webhooks — is
// told of them.
func droppedRole(a domain.Audience) bool {
	return a.Role != "" && a.Nation == "" && a.User == "" && !a.Role.IsApprover()
}

// addressed is one outbox row of an event before rendering: its key, its
// recipient (nil for a role's webhook) and its channel.
type addressed struct {
	key       string
	recipient *string
	d         delivery
}

// fanOut lists the rows of one event, in the order they are written. An
// event addressed to a role that is no approver role now (droppedRole)
// reaches nobody.
func fanOut(src audienceReader, ev domain.NotificationEvent, at time.Time, keyBase string) ([]addressed, error) {
	if droppedRole(ev.Audience) {
		return nil, nil
	}
	users, err := src.audience(ev.Audience, at)
	if err != nil {
		return nil, err
	}
	channels, err := src.channelsFor(users, ev.Kind)
	if err != nil {
		return nil, err
	}
	var out []addressed
	for _, u := range users {
		recipient := u.ID
		for _, d := range channels(u) {
			key := keyBase + ":" + u.ID + ":" + d.Channel
			if d.WebhookID != "" {
				key += ":" + d.WebhookID
			}
			out = append(out, addressed{key, &recipient, d})
		}
	}
	// A role's webhooks hear only of events addressed to the role (a stage
	// of theirs became active, is due or overdue, was escalated; the
	// approvers' copy of area.closed or framework.no_longer_covered), never
	// of a nation's: what a liaison officer is told does not leave to a
	// role's endpoint.
	if ev.Audience.Role != "" && ev.Audience.Nation == "" && ev.Audience.User == "" {
		hooks, err := src.roleWebhooks(ev.Audience.Role)
		if err != nil {
			return nil, err
		}
		for _, h := range hooks {
			d := delivery{Channel: domain.ChannelWebhook, Address: h.URL, WebhookID: h.ID}
			out = append(out, addressed{keyBase + ":role:" + string(ev.Audience.Role) + ":webhook:" + h.ID, nil, d})
		}
	}
	return out, nil
}

// notificationColumns are the columns insertNotifications writes, in
// order; notificationWidth is their number.
const (
	notificationColumns = "id, idempotency_key, kind, recipient, webhook_id, channel, address, request_id, subject, body, " +
		"status, attempts, created_at, next_attempt_at, sent_at, last_error, audience_role"
	notificationWidth = 17
)

// insertNotifications writes rows with multi-row INSERTs (a few hundred
// rows each, under SQLite's limit of bound variables), skipping a row
// whose idempotency key is already stored.
func (t *tx) insertNotifications(rows []notificationRow) error {
	const perStatement = 200
	for len(rows) > 0 {
		n := min(len(rows), perStatement)
		query, args := notificationInsert(rows[:n])
		if err := t.exec(query, args...); err != nil {
			return translate(err, "notification")
		}
		rows = rows[n:]
	}
	return nil
}

// notificationInsert is the statement and arguments that insert rows.
// The rows of one event share most of their values (kind, request,
// subject, body, times): each is put into an argument's interface once,
// for the first row, and that interface reused for the rows with the same
// value, since each boxing of a string or a time is an allocation. The
// numbers are the columns' positions in notificationColumns; the value is
// compared before it is reused, so a wrong one would only lose the saving.
func notificationInsert(rows []notificationRow) (string, []any) {
	args := make([]any, 0, len(rows)*notificationWidth)
	var first []any // the first row's arguments
	for _, r := range rows {
		args = append(args, r.ID, r.IdempotencyKey, sharedString(first, 2, r.Kind), stringArg(r.Recipient),
			stringArg(r.WebhookID), sharedString(first, 5, r.Channel), r.Address, sharedString(first, 7, r.RequestID),
			sharedString(first, 8, r.Subject), sharedString(first, 9, r.Body), sharedString(first, 10, r.Status),
			int64(r.Attempts), sharedTime(first, 12, r.CreatedAt), sharedTime(first, 13, r.NextAttemptAt),
			timeArg(r.SentAt), r.LastError, sharedString(first, 16, r.AudienceRole))
		first = args[:notificationWidth]
	}
	return notificationInsertSQL(len(rows)), args
}

// sharedString is s, as first[i] when that holds the same string.
func sharedString(first []any, i int, s string) any {
	if first != nil {
		if f, ok := first[i].(string); ok && f == s {
			return first[i]
		}
	}
	return s
}

// sharedTime is t, as first[i] when that holds the same time (the same
// instant in the same location, so the same text).
func sharedTime(first []any, i int, t time.Time) any {
	if first != nil {
		if f, ok := first[i].(time.Time); ok && f == t {
			return first[i]
		}
	}
	return t
}

// notificationInserts are the INSERT statements of up to 16 rows, built
// once: most events have a few recipients.
var notificationInserts = func() []string {
	out := make([]string, 17)
	for n := range out {
		out[n] = buildNotificationInsert(n)
	}
	return out
}()

// notificationInsertSQL is the INSERT statement of n rows.
func notificationInsertSQL(n int) string {
	if n < len(notificationInserts) {
		return notificationInserts[n]
	}
	return buildNotificationInsert(n)
}

func buildNotificationInsert(n int) string {
	return multiRowInsert("notifications", notificationColumns, notificationWidth, n) + " ON CONFLICT (idempotency_key) DO NOTHING"
}

// orderedID is a UUIDv7: unique, and increasing with time, so new outbox
// rows are appended to the end of the primary key's index rather than
// scattered over it.
func orderedID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// delivery is one row's channel and where it goes: an e-mail address, a
// webhook (its id and URL), or nothing for the inbox.
type delivery struct {
	Channel, Address, WebhookID string
}

// channelsFor reads, for the accounts of one event of kind, what each
// takes: the console inbox, e-mail, and each of its active webhooks — less
// the channels the account turned off for kind (notification_optouts). Two
// reads for the whole audience, whatever its size.
func (t *tx) channelsFor(users []userRow, kind string) (func(u userRow) []delivery, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	off, err := t.optedOut(ids, kind)
	if err != nil {
		return nil, err
	}
	hooks, err := t.activeWebhooks(ids, "")
	if err != nil {
		return nil, err
	}
	byUser := map[string][]webhookRow{}
	for _, h := range hooks {
		byUser[derefString(h.UserID)] = append(byUser[derefString(h.UserID)], h)
	}
	return func(u userRow) []delivery {
		var out []delivery
		if !off[u.ID][domain.ChannelInbox] {
			out = append(out, delivery{Channel: domain.ChannelInbox})
		}
		if !off[u.ID][domain.ChannelEmail] {
			out = append(out, delivery{Channel: domain.ChannelEmail, Address: u.Email})
		}
		if !off[u.ID][domain.ChannelWebhook] {
			for _, h := range byUser[u.ID] {
				out = append(out, delivery{Channel: domain.ChannelWebhook, Address: h.URL, WebhookID: h.ID})
			}
		}
		return out
	}, nil
}

// isQueued and isInbox are the conditions of the partial indexes
// notifications_queued and notifications_inbox(_list) (migration 0018),
// with literal values: a query with a bound value instead cannot use them.
const (
	isQueued = "status = '" + domain.DeliveryQueued + "'"
	isInbox  = "channel = '" + domain.ChannelInbox + "'"
	// isWebhook is the claim's channel condition (ClaimScope.Channels).
	isWebhook = "channel = '" + domain.ChannelWebhook + "'"
)

// ClaimNotifications leases due queued rows. On PostgreSQL the SELECT takes
// the rows' locks with SKIP LOCKED, so concurrent workers claim disjoint
// rows; on SQLite the one writer connection serializes claims.
func (d *DB) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration, scope domain.ClaimScope) ([]domain.Notification, error) {
	now = dbTime(now)
	var rows []claimedRow
	err := d.writer.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		q := claimQuery(g, now, limit, scope)
		if d.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i := range rows {
			rows[i].Row.Attempts++
			rows[i].Row.NextAttemptAt = now.Add(lease)
			ids[i] = rows[i].Row.ID
		}
		return g.Model(&notificationRow{}).Where("id IN ?", ids).
			Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "next_attempt_at": now.Add(lease)}).Error
	})
	if err != nil {
		return nil, translate(err, "notifications")
	}
	out := make([]domain.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.Row.domain()
		out[i].Outlived = domain.StageNoticeOutlived(r.Row.Kind, domain.Role(r.Row.AudienceRole),
			domain.Status(derefString(r.RequestStatus)), r.StageOpen)
	}
	return out, nil
}

// claimedRow is a claimed outbox row with what tells whether a stage
// notice is outlived, read by the claim itself: its request's status now
// and whether its stage is still active (the inbox's stageOpen).
type claimedRow struct {
	Row           notificationRow `gorm:"embedded"`
	RequestStatus *string         `gorm:"column:request_status"`
	StageOpen     bool            `gorm:"column:stage_open"`
}

// claimQuery selects the limit queued rows in scope due at now that are due
// longest, in the order of the notifications_queued index, each with its
// request's status and its stage's state (the inbox's probes, by key: two
// lookups per claimed row, in the claim's one query; correlated subqueries
// rather than a join, so that PostgreSQL's FOR UPDATE locks the outbox rows
// alone). The scope's conditions filter the index's due rows; a row without
// a webhook (webhook_id NULL) is never left out by BusyWebhooks.
func claimQuery(g *gorm.DB, now time.Time, limit int, scope domain.ClaimScope) *gorm.DB {
	q := g.Table("notifications").Select("notifications.*, "+requestStatus+", "+stageOpen).
		Where(isQueued+" AND next_attempt_at <= ?", now)
	switch scope.Channels {
	case domain.ClaimWebhookRows:
		q = q.Where(isWebhook)
	case domain.ClaimOtherRows:
		q = q.Where("NOT " + isWebhook)
	}
	if len(scope.BusyWebhooks) > 0 {
		q = q.Where("(webhook_id IS NULL OR webhook_id NOT IN ?)", scope.BusyWebhooks)
	}
	return q.Order("next_attempt_at, id").Limit(limit)
}

// RenewNotification extends the lease of a claimed row to until, just
// before its delivery, if the row is still the caller's: queued, and
// leased until held, the lease the caller's claim (or last renewal) gave
// it. false means another worker claimed it after the caller's lease ran
// out (a long batch): the caller must not send it.
func (d *DB) RenewNotification(ctx context.Context, id string, held, until time.Time) (bool, error) {
	res := d.writer.WithContext(ctx).Model(&notificationRow{}).
		Where("id = ? AND status = ? AND next_attempt_at = ?", id, domain.DeliveryQueued, dbTime(held)).
		Update("next_attempt_at", dbTime(until))
	if res.Error != nil {
		return false, translate(res.Error, "notification")
	}
	return res.RowsAffected == 1, nil
}

// ReaddressNotification records on the queued row id the e-mail address
// it goes to: its recipient's address at delivery, which changed after
// the row was written (domain.StillAddressed). A row no longer queued is
// left as it is.
func (d *DB) ReaddressNotification(ctx context.Context, id, address string) error {
	err := d.writer.WithContext(ctx).Model(&notificationRow{}).Where("id = ? AND status = ?", id, domain.DeliveryQueued).
		Update("address", address).Error
	return translate(err, "notification")
}

// FinishNotification records the outcome of one delivery attempt.
func (d *DB) FinishNotification(ctx context.Context, id, status, lastError string, at, next time.Time) error {
	set := map[string]any{"status": status, "last_error": lastError, "next_attempt_at": dbTime(next)}
	if status == domain.DeliverySent {
		set["sent_at"] = dbTime(at)
	}
	// Only a row still queued (under this worker's lease): a row withdrawn
	// meanwhile (its webhook revoked, its recipient's access changed) keeps
	// its undeliverable status instead of being queued again or marked sent.
	err := d.writer.WithContext(ctx).Model(&notificationRow{}).Where("id = ? AND status = ?", id, domain.DeliveryQueued).
		Updates(set).Error
	return translate(err, "notification")
}

// OutboxChannelBacklog counts the queued rows of one channel ("" for all)
// and finds the oldest one's creation time (read as a row, since SQLite's
// MIN over a timestamp is text). The metrics tell e-mail from webhooks, so
// that one user's failing endpoint does not look like the mail server's
// backlog.
func (d *DB) OutboxChannelBacklog(ctx context.Context, channel string) (int64, time.Time, error) {
	q := func() *gorm.DB {
		q := d.reader.WithContext(ctx).Model(&notificationRow{}).Where(isQueued)
		if channel != "" {
			q = q.Where("channel = ?", channel)
		}
		return q
	}
	var n int64
	if err := q().Count(&n).Error; err != nil {
		return 0, time.Time{}, translate(err, "notifications")
	}
	var oldest []notificationRow
	if err := q().Select("created_at").Order("created_at").Limit(1).Find(&oldest).Error; err != nil {
		return 0, time.Time{}, translate(err, "notifications")
	}
	if len(oldest) == 0 {
		return n, time.Time{}, nil
	}
	return n, utc(oldest[0].CreatedAt), nil
}

// Notifications lists the outbox rows of a request, oldest first (for
// tests and operators).
func (d *DB) Notifications(ctx context.Context, requestID string) ([]domain.Notification, error) {
	var rows []notificationRow
	if err := d.reader.WithContext(ctx).Where("request_id = ?", requestID).Order("created_at, id").
		Find(&rows).Error; err != nil {
		return nil, translate(err, "notifications")
	}
	out := make([]domain.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
