package domain

import (
	"context"
	"fmt"
	"net/url"
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
// (User, a username). Exactly one of those is set.
type Audience struct {
	Nation string
	Role   Role
	User   string
	// Barred, with Role, are the people separation of duties keeps from
	// deciding the stage the event is about (BarredFrom): neither they nor
	// a delegate acting for one of them is told of a stage they could not
	// act on.
	Barred []string
}

// NotificationEvent is what one change tells one audience. It carries only
// the request's own reference, exercise name, status and decision text,
// never data of any other request or nation.
type NotificationEvent struct {
	Kind      string
	Audience  Audience
	RequestID string
	Reference string
	// ExerciseName names the request while it has no reference (a draft,
	// before its first submission); see requestName.
	ExerciseName string
	Status       Status
	Comment      string
	Conditions   []string
	// Stage is the id of the stage a stage notice is about. Its role is
	// Audience.Role (active, due soon, overdue: told to the stage's own
	// role) or Reminder.Role (escalated); the notice names the stage in
	// words by both (StageWords), never by its id alone.
	Stage    string
	DueAt    *time.Time
	Reminder *Reminder // what a scheduled notice is about (notify_schedule.go)
	// Reason is the reason given for a revocation or withdrawal.
	Reason string
	// Deadlines are the due dates of the stages active after the change,
	// for a submission's receipt.
	Deadlines []StageDeadline
	// Area and Closed are, for an area.closed notice, the name of the
	// training area and the days of the request's bookings there that
	// became blackout days (notify_area.go).
	Area   string
	Closed []time.Time
	// Framework and Reasons are, for a framework.no_longer_covered
	// notice, the reference of the agreement the request took the fast
	// track on and why it no longer covers the request (notify_lapse.go).
	Framework string
	Reasons   []string
	// DueEstimated says that DueAt, the whole review's date, is still an
	// estimate: some stage of the route has not started, and its deadline
	// is counted from when it starts (Route.Deadline), for a receipt.
	DueEstimated bool
}

// StageDeadline is when one active stage's decision is due.
type StageDeadline struct {
	Stage string
	Role  Role
	DueAt time.Time
}

// Notification is one row of the outbox: one event for one recipient on one
// channel. ID, the same on every attempt, is what a receiver is told to
// drop a repeat delivery by (delivery is at least once). Key is the
// idempotency key that keeps an event from being stored twice; it stays
// on the server, since an event's key starts with the index of its audit
// entry, a place in the whole log that a liaison officer must not learn.
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
	// AudienceRole is the role the event was addressed to, its holders and
	// delegates ("" for a nation's liaison officers or one account): what
	// a revoked delegation withdraws (RevokeDelegation).
	AudienceRole Role
	// Outlived is set by ClaimNotifications: when the row was claimed, it
	// was a stage notice whose stage no longer needed a decision
	// (StageNoticeOutlived, the inbox's rule), and the worker does not send
	// it (DecisionNoLongerNeededError).
	Outlived bool
}

// Outbox is the port of the delivery worker: claim due rows, record the
// outcome of each attempt, and report the backlog.
type Outbox interface {
	// ClaimNotifications leases up to limit due queued rows in scope until
	// now+lease and counts the attempt; a row claimed by one worker is not
	// claimed by another until its lease ends (a crashed worker's rows come
	// back).
	ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration, scope ClaimScope) ([]Notification, error)
	// FinishNotification records the outcome of an attempt: status is
	// DeliverySent, DeliveryFailed, DeliveryUndeliverable, or DeliveryQueued
	// with next as the time of the next attempt. A row withdrawn while it
	// was being sent (no longer queued) keeps its status.
	FinishNotification(ctx context.Context, id, status, lastError string, at, next time.Time) error
}

// ClaimScope narrows a claim of due rows (Outbox.ClaimNotifications); the
// zero value claims any due row. The delivery worker claims e-mails and
// webhook rows apart, so that neither waits for the other, and passes the
// webhooks it is still delivering to, so that a webhook that answers slowly
// or not at all holds no more of its rows than the one claim it is working
// through.
type ClaimScope struct {
	Channels ClaimChannels
	// BusyWebhooks are webhooks whose rows are left unclaimed.
	BusyWebhooks []string
}

// ClaimChannels says which channels' rows a claim takes.
type ClaimChannels int

const (
	// ClaimAnyChannel takes rows of every channel.
	ClaimAnyChannel ClaimChannels = iota
	// ClaimWebhookRows takes only ChannelWebhook rows.
	ClaimWebhookRows
	// ClaimOtherRows takes every row but ChannelWebhook rows (e-mails).
	ClaimOtherRows
)

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
// theirs became active. Besides the request, only the reason of a
// revocation or withdrawal is taken from the entry's data.
func NotificationsFor(e AuditEntry, r *Request) []NotificationEvent {
	if r == nil || !NotifiesOn(e.Action) {
		return nil
	}
	base := NotificationEvent{Audience: Audience{Nation: r.Nation}, RequestID: r.ID, Reference: r.Reference,
		ExerciseName: r.ExerciseName, Status: r.Status, DueAt: r.DueAt}
	var out []NotificationEvent
	if kind := liaisonKind(e.Action, r.Status); kind != "" {
		ev := base
		ev.Kind = kind
		switch e.Action {
		case AuditRequestSubmitted:
			ev.Deadlines, ev.DueEstimated = activeDeadlines(r), r.Route != nil &&
				slices.ContainsFunc(r.Route.Stages, func(s Stage) bool { return s.Status == StagePending })
		case AuditRequestRevoked, AuditRequestWithdrawn:
			ev.Reason, _ = e.Data["reason"].(string) // ReasonedTransitionData
		case AuditRequestDecided:
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

// activeDeadlines are the due dates of r's active stages.
func activeDeadlines(r *Request) []StageDeadline {
	if r.Route == nil {
		return nil
	}
	var out []StageDeadline
	for _, s := range r.Route.Stages {
		if s.Status == StageActive && s.DueAt != nil {
			out = append(out, StageDeadline{Stage: s.ID, Role: s.Role, DueAt: *s.DueAt})
		}
	}
	return out
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
			out = append(out, NotificationEvent{Kind: NotifyStageActive, Audience: Audience{Role: s.Role, Barred: BarredFrom(r, s.ID)},
				RequestID: r.ID, Reference: r.Reference, ExerciseName: r.ExerciseName, Status: r.Status, Stage: s.ID, DueAt: s.DueAt})
		}
	}
	return out
}

// RenderNotification writes the subject and plain-text body of ev for one
// recipient. It uses only the fields of ev, which name one request. Text
// that people wrote (comments, reasons, conditions) is indented under its
// label, so it can never pass for a line the service wrote, such as a link
// line (NotificationLink). Links are console paths; the e-mail sender makes
// them absolute with the server's public URL (NotificationLinks).
func RenderNotification(ev NotificationEvent) (subject, body string) {
	ref := requestName(ev)
	var b strings.Builder
	switch ev.Kind {
	case NotifySubmitted:
		subject = "Request " + ref + " received"
		fmt.Fprintf(&b, "Receipt: your request %s was submitted and is in review.\n", ref)
		writeDeadlines(&b, ev)
	case NotifyChangesRequested:
		subject = "Changes requested on " + ref
		fmt.Fprintf(&b, "An approver returned request %s for changes. Amend the request and choose “Save and resubmit”.\n", ref)
		writeText(&b, "Requested changes", ev.Comment)
	case NotifyApproved:
		subject = "Request " + ref + " approved"
		fmt.Fprintf(&b, "Request %s is approved.\n", ref)
		writeConditions(&b, ev.Conditions)
		writeText(&b, "Comment", ev.Comment)
		writePermitLink(&b, ev)
	case NotifyRejected:
		subject = "Request " + ref + " rejected"
		fmt.Fprintf(&b, "Request %s was rejected.\n", ref)
		writeText(&b, "Reason", ev.Comment)
	case NotifyRevoked:
		subject = "Permit " + ref + " revoked"
		fmt.Fprintf(&b, "The approval of request %s was revoked: its permit is no longer valid.\n", ref)
		writeText(&b, "Reason", ev.Reason)
	case NotifyWithdrawn:
		subject = "Request " + ref + " withdrawn"
		fmt.Fprintf(&b, "Request %s was withdrawn.\n", ref)
		writeText(&b, "Reason", ev.Reason)
	case NotifyStageActive:
		subject = "Review needed: " + ref
		fmt.Fprintf(&b, "Request %s is waiting for your role's decision in %s.\n", ref, StageWords(ev.Stage, ev.Audience.Role))
		if ev.DueAt != nil {
			fmt.Fprintf(&b, "\nDue: %s\n", StockholmTime(*ev.DueAt))
		}
	case NotifyAreaClosed:
		var text string
		subject, text = renderAreaClosed(ev, ref)
		b.WriteString(text)
		if ev.Status == StatusApproved && ev.Audience.Nation != "" {
			writePermitLink(&b, ev)
		}
	case NotifyFrameworkLapsed:
		var text string
		subject, text = renderFrameworkLapsed(ev, ref)
		b.WriteString(text)
	default:
		if subject, body, ok := renderScheduled(ev, ref); ok {
			return subject, body
		}
		subject = "Request " + ref // a kind without wording of its own: its status
	}
	writeStatusAndRequestLink(&b, ev)
	return subject, b.String()
}

// writePermitLink writes the link line to the permit of ev's request,
// after a blank line.
func writePermitLink(b *strings.Builder, ev NotificationEvent) {
	fmt.Fprintf(b, "\n%s%s\n", linkPermit, PermitPath(ev.RequestID))
}

// writeStatusAndRequestLink ends the notice of a request: after a blank
// line, its status line and the link line to the request's page.
func writeStatusAndRequestLink(b *strings.Builder, ev NotificationEvent) {
	fmt.Fprintf(b, "\n%s%s\n", NotificationStatusLabel, ev.Status)
	fmt.Fprintf(b, "%s%s\n", linkRequest, RequestPath(ev.RequestID))
}

// requestName is how a notice names its request: by its reference; before
// the first submission assigned one (a draft that is withdrawn), by its
// exercise name in quotes, which is how its officers know a draft — on one
// line, every run of white space (line breaks included) one space, so that
// it can neither break the subject nor start a line of the body; by its id
// only when the event carries neither.
func requestName(ev NotificationEvent) string {
	if ev.Reference != "" {
		return ev.Reference
	}
	if name := strings.Join(strings.Fields(ev.ExerciseName), " "); name != "" {
		return `"` + name + `"`
	}
	return ev.RequestID
}

// The labels of the lines that link to console pages. The e-mail sender
// finds them with NotificationLink.
const (
	linkRequest = "Request page: "
	linkPermit  = "Permit page: "
)

// NotificationStatusLabel starts a rendered notification's status line,
// which names the request's status by its code ("Status: in_review"); the
// console's inbox names it in words.
const NotificationStatusLabel = "Status: "

// RequestPath and PermitPath are the console pages of a request and of its
// permit, relative to the server's public URL.
func RequestPath(id string) string { return "/requests/" + url.PathEscape(id) }
func PermitPath(id string) string  { return RequestPath(id) + "/permit" }

// NotificationLink reports whether line is a link line of a rendered
// notification, with its label ("Request page") and target (a console
// path, or an absolute URL after NotificationLinks).
func NotificationLink(line string) (label, target string, ok bool) {
	for _, l := range []string{linkRequest, linkPermit} {
		if t, found := strings.CutPrefix(line, l); found && t != "" && !strings.ContainsAny(t, " \t") {
			return strings.TrimSuffix(l, ": "), t, true
		}
	}
	return "", "", false
}

// NotificationLinks makes the link lines of body absolute under publicURL
// (an absolute http(s) URL, checked at start); with none, body keeps the
// console paths.
func NotificationLinks(body, publicURL string) string {
	if publicURL == "" {
		return body
	}
	base := strings.TrimSuffix(publicURL, "/")
	lines := strings.Split(body, "\n")
	for i, line := range lines {
		if label, target, ok := NotificationLink(line); ok && strings.HasPrefix(target, "/") {
			lines[i] = label + ": " + base + target
		}
	}
	return strings.Join(lines, "\n")
}

// lineBreaks turns every character sequence that some reader of a
// notification shows as a line break into "\n": CR LF, a lone CR (which
// the e-mail's quoted-printable encoding turns into CR LF), vertical tab,
// form feed, NEL, and the Unicode line and paragraph separators. Text
// stored before validation refused the stray ones is still rendered.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\v", "\n", "\f", "\n",
	"\u0085", "\n", "\u2028", "\n", "\u2029", "\n")

// strayBreaks makes every line break other than "\n" a space (CR LF a
// "\n").
var strayBreaks = strings.NewReplacer("\r\n", "\n", "\r", " ", "\v", " ", "\f", " ",
	"\u0085", " ", "\u2028", " ", "\u2029", " ")

// FlattenStrayBreaks is a stored notification's subject or body as it is
// shown or sent: a line break other than "\n" (a lone CR, which a browser
// and quoted-printable both turn into a real line break, U+2028 …) becomes
// a space. A row rendered before RenderNotification split people's text at
// such breaks may hold one inside an indented line; shown as it is, it
// would start a line of its own that could pass for a link line. Rows
// rendered since hold none, and are unchanged.
func FlattenStrayBreaks(s string) string { return strayBreaks.Replace(s) }

// personLines splits text that a person wrote into lines at every kind of
// line break (lineBreaks), so that each line can be indented.
func personLines(text string) []string {
	return strings.Split(strings.TrimSpace(lineBreaks.Replace(text)), "\n")
}

// writeText writes text that a person wrote under its label, every line
// indented.
func writeText(b *strings.Builder, label, text string) {
	if strings.TrimSpace(lineBreaks.Replace(text)) == "" {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", label)
	for _, line := range personLines(text) {
		fmt.Fprintf(b, "  %s\n", line)
	}
}

func writeConditions(b *strings.Builder, conditions []string) {
	if len(conditions) == 0 {
		return
	}
	b.WriteString("\nConditions:\n")
	for _, c := range conditions {
		for i, line := range personLines(c) {
			if i == 0 {
				fmt.Fprintf(b, "  - %s\n", line)
			} else {
				fmt.Fprintf(b, "    %s\n", line)
			}
		}
	}
}

// writeDeadlines lists when the active stages are due, binding from their
// start, and when the whole review is expected: an estimate while a later
// stage has not started (the request's due date follows the route as its
// stages are approved), for a receipt.
func writeDeadlines(b *strings.Builder, ev NotificationEvent) {
	if len(ev.Deadlines) == 0 && ev.DueAt == nil {
		return
	}
	b.WriteString("\nDeadlines:\n")
	for _, d := range ev.Deadlines {
		fmt.Fprintf(b, "  - %s: decision due %s\n", StageWords(d.Stage, d.Role), StockholmTime(d.DueAt))
	}
	switch {
	case ev.DueAt != nil && ev.DueEstimated:
		fmt.Fprintf(b, "  - the whole review: expected by %s (an estimate: each later stage's deadline is counted from when it starts)\n", StockholmTime(*ev.DueAt))
	case ev.DueAt != nil:
		fmt.Fprintf(b, "  - the whole review: due %s\n", StockholmTime(*ev.DueAt))
	}
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
