package domain

import "time"

// Kept notices. A scheduled notice whose audience was empty when it fell
// due (a vacant role, a nation without a liaison officer) is kept by
// storage (unheard_notices) and decided afresh by later sweeps with
// DecideKept: told once someone can hear it if it is still due, kept while
// it may still be, and forgotten once it never can be. What decides is the
// notice's condition, never its age: a stage stays overdue, however long
// its role stays vacant, until it is decided.

// KeptVerdict is what a sweep does with a kept notice.
type KeptVerdict int

const (
	// KeptDrop: the notice can never be due again (its stage was decided,
	// activated afresh or given another deadline, its request left review,
	// its permit ended or was withdrawn, or what it is about is gone):
	// forget it.
	KeptDrop KeptVerdict = iota
	// KeptWait: not due now but may still be — a stage due soon on a day
	// that is not a working day and still before its deadline (told on the
	// next working day, or superseded by its overdue notice when the
	// deadline passes). A stage whose deadline was moved is not waited
	// for: the kept notice named the old deadline (its key,
	// StageNoticeKey) and is dropped, and the new deadline gets notices of
	// its own from the sweep, kept afresh if still nobody hears them.
	KeptWait
	// KeptTell: due now; the notice is to be written to its audience.
	KeptTell
)

// DecideKept decides the kept notice of key at now against what it is
// about as read now: c holds its stage (an active stage of a request) or
// its permit (an approved request), or nothing when there is no such
// stage or request any more. For KeptTell it returns the notice, with the
// same key, as ScheduledNotices makes it at now.
//
// A due-soon notice and the same stage's overdue notice are never both
// told at one now: the first is due only up to the deadline, the second
// only after it.
func DecideKept(now time.Time, key string, c ScheduleCandidates) (ScheduledNotice, KeptVerdict) {
	for _, n := range ScheduledNotices(now, c) {
		if n.Key == key {
			return n, KeptTell
		}
	}
	for _, sc := range c.Stages {
		s := sc.Stage
		if sc.Status != StatusInReview || s.Status != StageActive || s.DueAt == nil {
			continue
		}
		// The same activation and deadline, or the key names others. An
		// overdue or escalation notice of them not due now is one this
		// sweep's clock puts before its time (a replica's clock behind the
		// one that kept it): it waits.
		switch key {
		case StageNoticeKey(NotifyStageOverdue, sc):
			return ScheduledNotice{}, KeptWait
		case StageNoticeKey(NotifyStageEscalated, sc):
			if _, ok := s.EscalationAt(); ok {
				return ScheduledNotice{}, KeptWait
			}
		case StageNoticeKey(NotifyStageDueSoon, sc):
			if !s.DueAt.Before(now) {
				return ScheduledNotice{}, KeptWait
			}
		}
	}
	// An expiring permit's key names its last day: a notice not due now is
	// one whose day has passed, or whose request is no longer approved.
	return ScheduledNotice{}, KeptDrop
}
