package domain

import (
	"strconv"
	"testing"
	"time"
)

// TestDecideKept: a kept notice is told when due, kept while it may still
// be due, and dropped when it never can be again, by its condition and
// never by its age.
func TestDecideKept(t *testing.T) {
	sat := sthlm(2026, 2, 28, 11, 0) // Saturday 28 February 2026
	mon := sthlm(2026, 3, 2, 11, 0)
	activated := sthlm(2026, 2, 26, 9, 0)
	dueMon := endOf(2026, 3, 2)
	stage := func(status StageStatus, activated, due time.Time, esc *Escalation) Stage {
		return Stage{ID: "intake", Role: RoleHNS, Status: status, ActivatedAt: &activated, DueAt: &due, Escalation: esc}
	}
	cand := func(st Status, s Stage) ScheduleCandidates {
		return ScheduleCandidates{Stages: []StageCandidate{{RequestID: "r1", Reference: "SE-2026-EXA-000001", Status: st, Stage: s}}}
	}
	keyOf := func(kind string, s Stage) string {
		return kind + ":" + stageNoticeID(StageCandidate{RequestID: "r1", Stage: s})
	}
	active := stage(StageActive, activated, dueMon, nil)
	escalating := stage(StageActive, activated, dueMon, &Escalation{Role: RoleOperations, AfterWorkingDays: 1})
	cases := []struct {
		name string
		now  time.Time
		key  string
		c    ScheduleCandidates
		want KeptVerdict
	}{
		{"due soon on a Saturday: waits for the working day", sat, keyOf(NotifyStageDueSoon, active),
			cand(StatusInReview, active), KeptWait},
		{"due soon on Monday: told", mon, keyOf(NotifyStageDueSoon, active), cand(StatusInReview, active), KeptTell},
		{"due soon after the deadline: dropped, the overdue notice follows", sthlm(2026, 3, 3, 11, 0),
			keyOf(NotifyStageDueSoon, active), cand(StatusInReview, active), KeptDrop},
		{"overdue a year on, still active: told", sthlm(2027, 3, 2, 11, 0), keyOf(NotifyStageOverdue, active),
			cand(StatusInReview, active), KeptTell},
		{"overdue, the deadline moved later: dropped, the new deadline gets its own", mon, keyOf(NotifyStageOverdue, active),
			cand(StatusInReview, stage(StageActive, activated, endOf(2026, 3, 20), nil)), KeptDrop},
		{"overdue, the deadline moved later and passed too: dropped, the new deadline gets its own",
			sthlm(2026, 3, 23, 11, 0), keyOf(NotifyStageOverdue, active),
			cand(StatusInReview, stage(StageActive, activated, endOf(2026, 3, 20), nil)), KeptDrop},
		{"overdue, the deadline moved earlier: dropped", sthlm(2026, 3, 4, 11, 0), keyOf(NotifyStageOverdue, active),
			cand(StatusInReview, stage(StageActive, activated, endOf(2026, 2, 27), nil)), KeptDrop},
		{"overdue, the same deadline: told", sthlm(2026, 3, 4, 11, 0), keyOf(NotifyStageOverdue, active),
			cand(StatusInReview, stage(StageActive, activated, dueMon, nil)), KeptTell},
		{"due soon on a Saturday, the deadline moved later: dropped", sat, keyOf(NotifyStageDueSoon, active),
			cand(StatusInReview, stage(StageActive, activated, endOf(2026, 3, 3), nil)), KeptDrop},
		{"escalation, the deadline moved later: dropped", sthlm(2026, 3, 4, 11, 0), keyOf(NotifyStageEscalated, escalating),
			cand(StatusInReview, stage(StageActive, activated, endOf(2026, 3, 20), escalating.Escalation)), KeptDrop},
		{"overdue, kept under a key without its deadline (before migration 0024): dropped", mon,
			NotifyStageOverdue + ":r1:intake:" + strconv.FormatInt(activated.UnixMicro(), 10),
			cand(StatusInReview, active), KeptDrop},
		{"escalation not yet due: waits", sthlm(2026, 3, 3, 11, 0), keyOf(NotifyStageEscalated, escalating),
			cand(StatusInReview, escalating), KeptWait},
		{"escalation due: told", sthlm(2026, 3, 4, 11, 0), keyOf(NotifyStageEscalated, escalating),
			cand(StatusInReview, escalating), KeptTell},
		{"the stage was decided", sthlm(2026, 3, 4, 11, 0), keyOf(NotifyStageOverdue, active),
			cand(StatusInReview, stage(StageApproved, activated, dueMon, nil)), KeptDrop},
		{"the request was withdrawn", sthlm(2026, 3, 4, 11, 0), keyOf(NotifyStageOverdue, active),
			cand(StatusWithdrawn, active), KeptDrop},
		{"the stage was activated afresh", sthlm(2026, 3, 4, 11, 0), keyOf(NotifyStageOverdue, active),
			cand(StatusInReview, stage(StageActive, sthlm(2026, 3, 3, 9, 0), endOf(2026, 3, 3), nil)), KeptDrop},
		{"nothing is left of it", mon, keyOf(NotifyStageOverdue, active), ScheduleCandidates{}, KeptDrop},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, got := DecideKept(c.now, c.key, c.c)
			if got != c.want {
				t.Fatalf("verdict %d, want %d", got, c.want)
			}
			if got == KeptTell && n.Key != c.key {
				t.Fatalf("told %q, want the kept key %q", n.Key, c.key)
			}
		})
	}
}
