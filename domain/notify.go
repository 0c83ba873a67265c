package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Notification kinds: what a notification tells its recipient.
const (
	NotifySubmitted        = "request.submitted"
	NotifyChangesRequested = "request.changes_requested"
	NotifyApproved         = "request.approved"
	NotifyRejected         = "request.rejected"
	NotifyRevoked          = "request.revoked"
	NotifyWithdrawn        = "request.withdrawn"
	NotifyStageActive      = "stage.active"
	// Scheduled notices (notify_schedule.go), written by the reminder
	// sweep rather than by a change.
	NotifyStageDueSoon      = "stage.due_soon"
	NotifyStageOverdue      = "stage.overdue"
	NotifyStageEscalated    = "stage.escalated"
	NotifyRequestExpiring   = "request.expiring"
	NotifyDelegationStarted = "delegation.started"
	NotifyDelegationEnding  = "delegation.ending"
)

// Delivery channels. The inbox is the web console's list of a user's
// notifications; its rows are delivered when they commit.
const (
	ChannelEmail   = "email"
	ChannelInbox   = "inbox"
	ChannelWebhook = "webhook"
)

// Delivery states of an outbox row.
const (
	DeliveryQueued        = "queued"        // waiting for (another) attempt
	DeliverySent          = "sent"          // handed to the channel
	DeliveryFailed        = "failed"        // gave up after the last attempt
	DeliveryUndeliverable = "undeliverable" // no channel configured or no address
)

// Audience is who a notification event is for: the liaison officers of a
// nation, the holders of a role with its active delegates, or one account
// (User, a username). Exactly one field is set.
type Audience struct {
	Nation string
	Role   Role
	User   string
}

// NotificationEvent is what one change tells one audience. It carries only
// the request's own reference, status and decision text, never data of any
// other request or nation.
type NotificationEvent struct {
	Kind       string
	Audience   Audience
	RequestID  string
	Reference  string
	Status     Status
	Comment    string
	Conditions []string
	Stage      string
	DueAt      *time.Time
	Reminder   *Reminder // what a scheduled notice is about (notify_schedule.go)
}

// Notification is one row of the outbox: one event for one recipient on one
// channel. Key is the idempotency key a receiver may use to drop a repeat
// delivery (delivery is at least once).
type Notification struct {
	ID, Key, Kind string
	Recipient     string // user id; "" for a delivery to a role's webhook
	WebhookID     string // the webhook of a ChannelWebhook row
	Channel       string
	Address       string // e-mail address; "" when the account has none
	RequestID     string
	Subject, Body string
	Status        string
	Attempts      int
	CreatedAt     time.Time
	NextAttemptAt time.Time
	SentAt        *time.Time
	LastError     string
	ReadAt        *time.Time // when an inbox row was marked read
}

// Outbox is the port of the delivery worker: claim due rows, record the
// outcome of each attempt, and report the backlog.
type Outbox interface {
	// ClaimNotifications leases up to limit due queued rows until now+lease
	// and counts the attempt; a row claimed by one worker is not claimed by
	// another until its lease ends (a crashed worker's rows come back).
	ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Notification, error)
	// FinishNotification records the outcome of an attempt: status is
	// DeliverySent, DeliveryFailed, DeliveryUndeliverable, or DeliveryQueued
	// with next as the time of the next attempt.
	FinishNotification(ctx context.Context, id, status, lastError string, at, next time.Time) error
	// OutboxBacklog counts queued rows and gives the creation time of the
	// oldest one (zero when none).
	OutboxBacklog(ctx context.Context) (queued int64, oldest time.Time, err error)
}

// NotifiesOn reports whether an audit action may cause notifications, so
// that storage reads the request only for those.
func NotifiesOn(action string) bool {
	switch action {
	case AuditRequestSubmitted, AuditRequestDecided, AuditRequestRevoked, AuditRequestWithdrawn:
		return true
	}
	return false
}

// NotificationsFor derives the notifications of one audit entry from the
// request as it stands after the change, in the same transaction: the
// liaison officers of the request's nation hear of submission, decisions,
// revocation and withdrawal; the holders of a role hear that a stage of
// theirs became active.
func NotificationsFor(e AuditEntry, r *Request) []NotificationEvent {
	if r == nil || !NotifiesOn(e.Action) {
		return nil
	}
	base := NotificationEvent{Audience: Audience{Nation: r.Nation}, RequestID: r.ID, Reference: r.Reference,
		Status: r.Status, DueAt: r.DueAt}
	var out []NotificationEvent
	if kind := liaisonKind(e.Action, r.Status); kind != "" {
		ev := base
		ev.Kind = kind
		if e.Action == AuditRequestDecided {
			if d := latestDecision(r); d != nil {
				ev.Comment = d.Comment
			}
			if kind == NotifyApproved {
				ev.Conditions = slices.Clone(r.Conditions)
			}
		}
		out = append(out, ev)
	}
	return append(out, stagesActivated(e.At, r)...)
}

func liaisonKind(action string, to Status) string {
	switch action {
	case AuditRequestSubmitted:
		return NotifySubmitted
	case AuditRequestRevoked:
		return NotifyRevoked
	case AuditRequestWithdrawn:
		return NotifyWithdrawn
	case AuditRequestDecided:
		switch to {
		case StatusApproved:
			return NotifyApproved
		case StatusRejected:
			return NotifyRejected
		case StatusChangesRequested:
			return NotifyChangesRequested
		}
	}
	return ""
}

// latestDecision is the decision the change recorded: the newest one.
func latestDecision(r *Request) *Decision {
	var out *Decision
	if r.Route == nil {
		return nil
	}
	for i := range r.Route.Stages {
		for j := range r.Route.Stages[i].Decisions {
			d := &r.Route.Stages[i].Decisions[j]
			if out == nil || !d.At.Before(out.At) {
				out = d
			}
		}
	}
	return out
}

// stagesActivated are the stages the change made active: active ones
// activated at the instant of the entry.
func stagesActivated(at time.Time, r *Request) []NotificationEvent {
	if r.Route == nil || r.Status != StatusInReview {
		return nil
	}
	var out []NotificationEvent
	for _, s := range r.Route.Stages {
		if s.Status == StageActive && s.ActivatedAt != nil && s.ActivatedAt.Equal(at) {
			out = append(out, NotificationEvent{Kind: NotifyStageActive, Audience: Audience{Role: s.Role},
				RequestID: r.ID, Reference: r.Reference, Status: r.Status, Stage: s.ID, DueAt: s.DueAt})
		}
	}
	return out
}

// RenderNotification writes the subject and plain-text body of ev for one
// recipient. It uses only the fields of ev, which name one request.
func RenderNotification(ev NotificationEvent) (subject, body string) {
	ref := ev.Reference
	if ref == "" {
		ref = ev.RequestID
	}
	var b strings.Builder
	switch ev.Kind {
	case NotifySubmitted:
		subject = "Request " + ref + " received"
		fmt.Fprintf(&b, "Your request %s was submitted and is in review.\n", ref)
	case NotifyChangesRequested:
		subject = "Changes requested on " + ref
		fmt.Fprintf(&b, "An approver returned request %s for changes.\n", ref)
	case NotifyApproved:
		subject = "Request " + ref + " approved"
		fmt.Fprintf(&b, "Request %s is approved. The permit is at /api/v1/requests/%s/permit.\n", ref, ev.RequestID)
	case NotifyRejected:
		subject = "Request " + ref + " rejected"
		fmt.Fprintf(&b, "Request %s was rejected.\n", ref)
	case NotifyRevoked:
		subject = "Permit " + ref + " revoked"
		fmt.Fprintf(&b, "The approval of request %s was revoked.\n", ref)
	case NotifyWithdrawn:
		subject = "Request " + ref + " withdrawn"
		fmt.Fprintf(&b, "Request %s was withdrawn.\n", ref)
	case NotifyStageActive:
		subject = "Review needed: " + ref
		fmt.Fprintf(&b, "Stage %s of request %s is waiting for your role's decision.\n", ev.Stage, ref)
	default:
		if subject, body, ok := renderScheduled(ev, ref); ok {
			return subject, body
		}
		subject = "Request " + ref
	}
	writeDetails(&b, ev)
	return subject, b.String()
}

func writeDetails(b *strings.Builder, ev NotificationEvent) {
	if ev.Comment != "" {
		fmt.Fprintf(b, "\nComment: %s\n", ev.Comment)
	}
	if len(ev.Conditions) > 0 {
		b.WriteString("\nConditions:\n")
		for _, c := range ev.Conditions {
			fmt.Fprintf(b, "- %s\n", c)
		}
	}
	if ev.DueAt != nil && !ev.Status.Terminal() && ev.Status != StatusApproved {
		fmt.Fprintf(b, "\nDue: %s\n", ev.DueAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	fmt.Fprintf(b, "\nStatus: %s\n", ev.Status)
}

// RetryDelay is the exponential back-off before attempt n+1 after n failed
// attempts: 30 s, 1 min, 2 min, … capped at six hours.
func RetryDelay(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// MaxDeliveryAttempts is how many attempts a notification gets before it is
// marked failed.
const MaxDeliveryAttempts = 10
