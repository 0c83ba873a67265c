package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Scheduled notices are the notifications no change causes: the passing of
// time does. A sweep (storage's ScheduleNotifications, run by the delivery
// worker) reads the candidates inside the windows of ScheduleWindowAt and
// asks ScheduledNotices which are due now. Each notice has a key derived
// from what it is about, never from when the sweep ran, so that a notice
// written twice — by two replicas, or by the next sweep — is stored once.
//
// Who hears what:
//   - the holders of a stage's role (and their delegates): the stage is due
//     today or on the next working day (on a working day, for a stage active
//     since before today: the activation notice already gave its deadline),
//     and when it is overdue;
//   - the holders of the stage's escalation role (policy, per stage): the
//     stage is still undecided Escalation.AfterWorkingDays working days
//     after its deadline;
//   - the liaison officers of the request's nation: their approved request's
//     permit expires within ExpiryNoticeDays days (its period ends);
//   - a delegate: a delegation to them has started, or ends within a day.

// ScheduleLookback is how far back a sweep looks for overdue stages and
// started delegations. A sweep runs every minute or so; the lookback only
// has to cover a server that was down, and the latest escalation
// (MaxEscalationWorkingDays working days after a deadline, holidays
// included).
const ScheduleLookback = 14 * 24 * time.Hour

// ExpiryNoticeDays is how many days before a permit expires its nation's
// liaison officers are told.
const ExpiryNoticeDays = 7

// DelegationEndingNotice is how long before a delegation ends its delegate
// is told.
const DelegationEndingNotice = 24 * time.Hour

// Reminder is what a scheduled notice says beyond the request's reference,
// stage and due date.
type Reminder struct {
	Role  Role      // the overdue stage's role (escalation), or the delegated role
	From  string    // the delegator (delegation notices)
	Until time.Time // the delegation's end (delegation notices)
	// ValidTo is the last day of an expiring permit's period (a date).
	ValidTo time.Time
}

// ScheduleWindow bounds what a sweep at Now reads, so that every query is a
// range on an index.
type ScheduleWindow struct {
	Now time.Time
	// Active stages with StagesDueAfter < due_at <= StagesDueUntil.
	StagesDueAfter, StagesDueUntil time.Time
	// Approved requests whose period ends on a day from ExpiryFrom to
	// ExpiryUntil (dates, both included).
	ExpiryFrom, ExpiryUntil time.Time
	// Delegations not revoked that started after DelegationsStartedAfter
	// and have not ended, or end after Now and by DelegationsEndUntil.
	DelegationsStartedAfter, DelegationsEndUntil time.Time
}

// ScheduleWindowAt is the window of a sweep at now.
func ScheduleWindowAt(now time.Time) ScheduleWindow {
	today := StockholmDate(now)
	return ScheduleWindow{Now: now,
		StagesDueAfter: now.Add(-ScheduleLookback), StagesDueUntil: AddWorkingDays(now, 1),
		ExpiryFrom: today, ExpiryUntil: today.AddDate(0, 0, ExpiryNoticeDays-1),
		DelegationsStartedAfter: now.Add(-ScheduleLookback), DelegationsEndUntil: now.Add(DelegationEndingNotice)}
}

// StageCandidate is an active stage of a request, as the sweep read it.
type StageCandidate struct {
	RequestID, Reference string
	Status               Status // the request's
	Stage                Stage
}

// ExpiryCandidate is an approved request whose period ends soon.
type ExpiryCandidate struct {
	RequestID, Reference, Nation string
	Status                       Status
	PeriodEnd                    time.Time // the last day (a date)
}

// ScheduleCandidates are what a sweep read inside its window.
type ScheduleCandidates struct {
	Stages      []StageCandidate
	Expiring    []ExpiryCandidate
	Delegations []Delegation
}

// ScheduledNotice is one notice due now: Key is the deterministic base of
// its rows' idempotency keys.
type ScheduledNotice struct {
	Key   string
	Event NotificationEvent
}

// ScheduledNotices decides which notices are due at now for the
// candidates, in the order of the candidates. It does not know which were
// already sent: the keys make a repeat harmless.
func ScheduledNotices(now time.Time, c ScheduleCandidates) []ScheduledNotice {
	var out []ScheduledNotice
	for _, sc := range c.Stages {
		out = append(out, stageNotices(now, sc)...)
	}
	for _, ec := range c.Expiring {
		if n, ok := expiryNotice(now, ec); ok {
			out = append(out, n)
		}
	}
	for _, d := range c.Delegations {
		out = append(out, delegationNotices(now, d)...)
	}
	return out
}

func stageNotices(now time.Time, sc StageCandidate) []ScheduledNotice {
	s := sc.Stage
	if sc.Status != StatusInReview || s.Status != StageActive || s.DueAt == nil {
		return nil
	}
	due := *s.DueAt
	activated := due
	if s.ActivatedAt != nil {
		activated = *s.ActivatedAt
	}
	ev := NotificationEvent{Audience: Audience{Role: s.Role}, RequestID: sc.RequestID, Reference: sc.Reference,
		Status: sc.Status, Stage: s.ID, DueAt: &due}
	var out []ScheduledNotice
	add := func(kind string, ev NotificationEvent) {
		ev.Kind = kind
		out = append(out, ScheduledNotice{Key: StageNoticeKey(kind, sc), Event: ev})
	}
	switch {
	case due.Before(now):
		add(NotifyStageOverdue, ev)
		if e := s.Escalation; e != nil && e.Role != "" && !now.Before(escalateAt(due, e.AfterWorkingDays)) {
			esc := ev
			esc.Audience = Audience{Role: e.Role}
			esc.Reminder = &Reminder{Role: s.Role}
			add(NotifyStageEscalated, esc)
		}
	case dueSoon(now, due, activated):
		add(NotifyStageDueSoon, ev)
	}
	return out
}

// StageNoticeKey is the key of the stage notice of kind (due soon,
// overdue, escalated) about sc: the kind, then stageNoticeID. Storage's
// stageOpen (storage/inbox.go) reads the stage id out of this layout
// ("<kind>:<request>:<stage>:…"): change it only together with that.
func StageNoticeKey(kind string, sc StageCandidate) string { return kind + ":" + stageNoticeID(sc) }

// stageNoticeID is what a stage notice's key names after its kind: one
// deadline of one activation of one stage. A resubmission activates the
// stage afresh and gets reminders of its own; so does a deadline moved
// within an activation (later or earlier): a notice told about the old
// deadline says nothing about the new one, and the same deadline never
// gets the same notice twice. A stage never activated is keyed by its
// deadline as its activation. Keys written before the deadline was part
// of them (migration 0024) named the activation alone.
func stageNoticeID(sc StageCandidate) string {
	s := sc.Stage
	var due time.Time
	if s.DueAt != nil {
		due = *s.DueAt
	}
	activated := due
	if s.ActivatedAt != nil {
		activated = *s.ActivatedAt
	}
	return fmt.Sprintf("%s:%s:%d:%d", sc.RequestID, s.ID, activated.UnixMicro(), due.UnixMicro())
}

// dueSoon: on a working day, the deadline is the end of today or of the
// next working day, and the stage was active before today.
func dueSoon(now, due, activated time.Time) bool {
	today := StockholmDate(now)
	return IsWorkingDay(today) && !due.After(AddWorkingDays(now, 1)) && StockholmDate(activated).Before(today)
}

// EscalationAt is when the stage, if it stays undecided, is escalated;
// ok is false for a stage without a deadline or an escalation role.
func (s Stage) EscalationAt() (at time.Time, ok bool) {
	if s.DueAt == nil || s.Escalation == nil || s.Escalation.Role == "" {
		return time.Time{}, false
	}
	return escalateAt(*s.DueAt, s.Escalation.AfterWorkingDays), true
}

// escalateAt is when an overdue stage is escalated: n working days after
// its deadline, which is the end of a working day.
func escalateAt(due time.Time, n int) time.Time {
	if n <= 0 {
		return due
	}
	return AddWorkingDays(due, n)
}

func expiryNotice(now time.Time, ec ExpiryCandidate) (ScheduledNotice, bool) {
	today := StockholmDate(now)
	end := StockholmDate(ec.PeriodEnd)
	if ec.Status != StatusApproved || ec.Nation == "" || end.Before(today) ||
		!end.Before(today.AddDate(0, 0, ExpiryNoticeDays)) {
		return ScheduledNotice{}, false
	}
	ev := NotificationEvent{Kind: NotifyRequestExpiring, Audience: Audience{Nation: ec.Nation},
		RequestID: ec.RequestID, Reference: ec.Reference, Status: ec.Status, Reminder: &Reminder{ValidTo: end}}
	return ScheduledNotice{Key: fmt.Sprintf("%s:%s:%s", NotifyRequestExpiring, ec.RequestID, DateString(end)), Event: ev}, true
}

func delegationNotices(now time.Time, d Delegation) []ScheduledNotice {
	if d.RevokedAt != nil || d.To == "" || !now.Before(d.Ends) {
		return nil
	}
	ev := NotificationEvent{Audience: Audience{User: d.To}, Reminder: &Reminder{Role: d.Role, From: d.From, Until: d.Ends}}
	var out []ScheduledNotice
	// Started within the lookback only: a notice's key is kept for twice
	// the lookback, and a delegation may run a year, so one that started
	// long ago and is read again as ending soon must not be told it started.
	if d.Runs(now) && d.Starts.After(now.Add(-ScheduleLookback)) {
		ev.Kind = NotifyDelegationStarted
		out = append(out, ScheduledNotice{Key: NotifyDelegationStarted + ":" + d.ID, Event: ev})
	}
	if !d.Ends.After(now.Add(DelegationEndingNotice)) {
		ev.Kind = NotifyDelegationEnding
		out = append(out, ScheduledNotice{Key: fmt.Sprintf("%s:%s:%d", NotifyDelegationEnding, d.ID, d.Ends.UnixMicro()), Event: ev})
	}
	return out
}

// delegationKinds are the kinds of notice about one delegation, told to
// its delegate.
var delegationKinds = []string{NotifyDelegationStarted, NotifyDelegationEnding}

// DelegationNoticeKeyPrefixes are how the idempotency keys of the outbox
// rows about delegation id begin: a notice's key (delegationNotices) is
// its kind, the delegation's id and, for the ending, the end; storage
// adds ":" and the recipient and channel to it for each row. A revocation
// withdraws the delegate's queued rows with these prefixes
// (Tx.WithdrawDelegationNotices).
func DelegationNoticeKeyPrefixes(id string) []string {
	out := make([]string, len(delegationKinds))
	for i, kind := range delegationKinds {
		out[i] = kind + ":" + id + ":"
	}
	return out
}

// NoticeDelegation reports whether n is a notice about a delegation
// (started, ending) and which delegation: its id, read from n's key
// (DelegationNoticeKeyPrefixes); "" when the key names none.
func NoticeDelegation(n Notification) (id string, ok bool) {
	if !slices.Contains(delegationKinds, n.Kind) {
		return "", false
	}
	rest, found := strings.CutPrefix(n.Key, n.Kind+":")
	if id, _, more := strings.Cut(rest, ":"); found && more {
		return id, true
	}
	return "", true
}

// renderScheduled writes the subject and body of a scheduled notice; ok is
// false for any other kind. Like RenderNotification it uses only ev: one
// request's reference, stage and due date, or one delegation to the
// recipient.
func renderScheduled(ev NotificationEvent, ref string) (subject, body string, ok bool) {
	var b strings.Builder
	due := ""
	if ev.DueAt != nil {
		due = StockholmTime(*ev.DueAt)
	}
	rem := ev.Reminder
	if rem == nil {
		rem = &Reminder{}
	}
	switch ev.Kind {
	case NotifyStageDueSoon:
		subject = "Due soon: " + ref
		fmt.Fprintf(&b, "Request %s is waiting for your role's decision in %s, due by %s.\n", ref, StageWords(ev.Stage, ev.Audience.Role), due)
	case NotifyStageOverdue:
		subject = "Overdue: " + ref
		fmt.Fprintf(&b, "Request %s is still waiting for your role's decision in %s, which was due by %s.\n", ref, StageWords(ev.Stage, ev.Audience.Role), due)
	case NotifyStageEscalated:
		subject = "Escalated: " + ref + " is overdue"
		fmt.Fprintf(&b, "Request %s is still undecided in %s, which was due by %s.\n", ref, StageWords(ev.Stage, rem.Role), due)
		b.WriteString("You are told as the role the policy names to supervise this stage.\n")
	case NotifyRequestExpiring:
		subject = "Permit " + ref + " expires soon"
		fmt.Fprintf(&b, "The permit of request %s is valid until the end of %s (Stockholm time) and expires then.\n", ref, DateString(rem.ValidTo))
		b.WriteString("A unit that stays longer needs a new request.\n")
	case NotifyDelegationStarted:
		subject = "Delegation of " + delegatedRole(rem.Role) + " to you has started"
		fmt.Fprintf(&b, "%s delegated %s to you until %s. You may decide its stages, acting for %s.\n",
			rem.From, delegatedRoleWithID(rem.Role), StockholmUntil(rem.Until), rem.From)
	case NotifyDelegationEnding:
		subject = "Delegation of " + delegatedRole(rem.Role) + " to you ends soon"
		fmt.Fprintf(&b, "The delegation of %s from %s to you ends at %s.\n", delegatedRoleWithID(rem.Role), rem.From, StockholmUntil(rem.Until))
	default:
		return "", "", false
	}
	switch {
	case ev.RequestID != "":
		// A notice about a request links to its pages, as every notice
		// about a change of the request does (RenderNotification).
		if ev.Kind == NotifyRequestExpiring {
			writePermitLink(&b, ev)
		}
		writeStatusAndRequestLink(&b, ev)
	case ev.Status != "":
		fmt.Fprintf(&b, "\n%s%s\n", NotificationStatusLabel, ev.Status)
	}
	return subject, b.String(), true
}

// delegatedRole names a delegated role in words, as who holds it: "the
// role of the Ministry of Defence" (RoleWords); a role with no words is
// named by its id in quotes.
func delegatedRole(r Role) string {
	if who := RoleWords(r); who != "" {
		return "the role of " + who
	}
	return `the role "` + string(r) + `"`
}

// delegatedRoleWithID is delegatedRole with the role's id after it, as
// the API and the delegations list's filters name it: "the role of the
// Ministry of Defence (ministry)".
func delegatedRoleWithID(r Role) string {
	if RoleWords(r) == "" {
		return delegatedRole(r)
	}
	return delegatedRole(r) + " (" + string(r) + ")"
}
