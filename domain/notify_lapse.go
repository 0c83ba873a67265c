package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A fast track the agreement no longer covers. An administrator who changes
// a framework agreement so that it stops covering requests in review that
// took its fast track (suspends it, ends it before their period, moves it
// to another nation, narrows its envelope) tells them, in the transaction
// of the change (FrameworkService.Update): the liaison officers of each
// such request's nation, and the holders (and delegates) of the roles of
// its active stages — the audience of area.closed, the other change of an
// administrator that reaches requests of several nations. Each notice
// names one request, the agreement's reference, why it no longer covers
// that request (frameworkLapse, areas and entry points by name) and what
// happens now, and nothing of any other request.
//
// A request is told once, when a change makes the agreement stop covering
// it: a later change of the same agreement that still leaves it uncovered
// (suspended, then also ended earlier) tells nobody again, since nothing
// the officer or the approvers must do has changed, and the approvers'
// page of the request shows the reasons as they are now. An agreement
// that covers the request again and then stops once more tells it again:
// between the two, its final approval was no longer refused.

// NotifyFrameworkLapsed is the kind of those notices.
const NotifyFrameworkLapsed = "framework.no_longer_covered"

// FrameworkLapsedNotifications are the notices to request r, in review,
// that agreement f, on which its route took the fast track, no longer
// covers it for reasons: one to its nation's liaison officers, one to the
// role of each of its active stages. None when r is not in review or
// there are no reasons.
//
// known is the reference the agreement had before the change, the one
// r's nation knew it by. The approvers, who read every nation's
// agreements, are told the agreement as it is now and every reason. The
// officers are told so too while it stays with their nation (they can
// read it); an agreement that went to another nation is one they can no
// longer read, so their notice names it by known and gives the one reason
// FrameworkUnavailableReason, as FrameworkUnavailableWarning tells nothing
// of where it went: not its new reference, nation or terms.
func FrameworkLapsedNotifications(known string, f *Framework, reasons []string, r *Request) []NotificationEvent {
	if r == nil || r.Status != StatusInReview || r.Route == nil || len(reasons) == 0 {
		return nil
	}
	base := NotificationEvent{Kind: NotifyFrameworkLapsed, RequestID: r.ID, Reference: r.Reference, ExerciseName: r.ExerciseName,
		Status: r.Status, Framework: f.Reference, Reasons: reasons}
	ev := base
	ev.Audience = Audience{Nation: r.Nation}
	if f.Nation != r.Nation {
		ev.Framework, ev.Reasons = known, []string{FrameworkUnavailableReason}
	}
	out := []NotificationEvent{ev}
	for _, s := range r.Route.Stages {
		if s.Status == StageActive {
			ev := base
			ev.Audience, ev.Stage = Audience{Role: s.Role, Barred: BarredFrom(r, s.ID)}, s.ID
			out = append(out, ev)
		}
	}
	return out
}

// FrameworkUnavailableReason is the one reason a liaison officer is given
// when the agreement the request took the fast track on went to another
// nation.
const FrameworkUnavailableReason = "the framework agreement is no longer available to your nation"

// FrameworkLapsedKey is the key base of the i-th notice of an agreement's
// change to version about request id: unique, since every change of an
// agreement raises its version.
func FrameworkLapsedKey(framework string, version int, requestID string, i int) string {
	return NotifyFrameworkLapsed + ":" + framework + ":" + strconv.Itoa(version) + ":" + requestID + ":" + strconv.Itoa(i)
}

// notifyFrameworkLapsed tells the requests in review that took the fast
// track on f and that f, as just saved, no longer covers while f as it was
// (was) still covered them (FrameworkLapsedNotifications), in the
// transaction of the change.
func notifyFrameworkLapsed(tx Tx, ref Reference, was FrameworkTerms, f *Framework, at time.Time) error {
	rs, err := tx.RequestsInReviewNaming(f.ID)
	if err != nil {
		return err
	}
	before := &Framework{ID: f.ID, FrameworkTerms: was}
	for i := range rs {
		r := &rs[i]
		if r.FrameworkID != f.ID {
			continue
		}
		if _, why, _ := frameworkLapse(func(string) (*Framework, error) { return before, nil }, ref, r); len(why) > 0 {
			continue // no longer covered before this change: told when it stopped
		}
		_, why, _ := frameworkLapse(func(string) (*Framework, error) { return f, nil }, ref, r)
		for j, ev := range FrameworkLapsedNotifications(was.Reference, f, why, r) {
			if err := tx.Notify(ev, at, FrameworkLapsedKey(f.ID, f.Version, r.ID, j)); err != nil {
				return err
			}
		}
	}
	return nil
}

// renderFrameworkLapsed is the subject and body of a
// framework.no_longer_covered notice, less its status and link lines.
func renderFrameworkLapsed(ev NotificationEvent, ref string) (subject, body string) {
	var b strings.Builder
	agreement := strings.Join(strings.Fields(ev.Framework), " ")
	subject = "Fast track no longer covered: " + ref
	if ev.Audience.Role != "" {
		fmt.Fprintf(&b, "Framework agreement %s, on which request %s took the fast track, no longer covers it. "+
			"The request is waiting for your role's decision in %s.\n", agreement, ref, StageWords(ev.Stage, ev.Audience.Role))
	} else {
		fmt.Fprintf(&b, "Framework agreement %s, on which your request %s took the fast track, no longer covers it.\n", agreement, ref)
	}
	b.WriteString("\nWhy:\n")
	for _, r := range ev.Reasons {
		fmt.Fprintf(&b, "  - %s\n", strings.Join(strings.Fields(r), " "))
	}
	b.WriteString("\n")
	if ev.Audience.Role != "" {
		b.WriteString("While the agreement does not cover it, its final approval will be refused: " +
			"request changes, and the resubmission is routed again, on the fast track only if the agreement covers it then.\n")
	} else {
		b.WriteString("While the agreement does not cover it, it cannot be approved on the fast track: its final approval will be refused. " +
			"An approver will request changes, and your resubmission is routed again, on the normal route unless the agreement covers it then; " +
			"or you may withdraw the request.\n")
	}
	return subject, b.String()
}
