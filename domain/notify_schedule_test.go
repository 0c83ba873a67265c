package domain

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sthlm is an instant of Stockholm wall-clock time.
func sthlm(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, stockholm).UTC()
}

// endOf is the deadline at the end of a Stockholm day.
func endOf(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, stockholm).UTC()
}

func TestScheduledStageNotices(t *testing.T) {
	mon := sthlm(2026, 3, 2, 11, 0) // Monday 2 March 2026
	thuBeforeEaster := sthlm(2026, 4, 2, 11, 0)
	stage := func(status StageStatus, activated, due time.Time, esc *Escalation) Stage {
		return Stage{ID: "intake", Role: RoleHNS, Status: status, ActivatedAt: &activated, DueAt: &due, Escalation: esc}
	}
	cand := func(st Status, s Stage) StageCandidate {
		return StageCandidate{RequestID: "r1", Reference: "SE-2026-EXA-000001", Status: st, Stage: s}
	}
	toOps := func(days int) *Escalation { return &Escalation{Role: RoleOperations, AfterWorkingDays: days} }
	cases := []struct {
		name string
		now  time.Time
		c    StageCandidate
		want []string // kind>audience
	}{
		{"due on the next working day", mon,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 27, 9, 0), endOf(2026, 3, 3), nil)),
			[]string{"stage.due_soon>hns_officer"}},
		{"due today", mon,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 27, 9, 0), endOf(2026, 3, 2), nil)),
			[]string{"stage.due_soon>hns_officer"}},
		{"due in two working days: not yet", mon,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 27, 9, 0), endOf(2026, 3, 4), nil)), nil},
		{"activated today: its activation notice gave the deadline", mon,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 3, 2, 8, 0), endOf(2026, 3, 3), nil)), nil},
		{"not on a Saturday", sthlm(2026, 2, 28, 11, 0),
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 26, 9, 0), endOf(2026, 3, 2), nil)), nil},
		{"Maundy Thursday: the next working day is Easter Tuesday", thuBeforeEaster,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 3, 31, 9, 0), endOf(2026, 4, 7), nil)),
			[]string{"stage.due_soon>hns_officer"}},
		{"Maundy Thursday: due the Wednesday after Easter is not soon", thuBeforeEaster,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 3, 31, 9, 0), endOf(2026, 4, 8), nil)), nil},
		{"overdue, no escalation", mon,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27), nil)),
			[]string{"stage.overdue>hns_officer"}},
		{"overdue, escalated at once", mon,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27), toOps(0))),
			[]string{"stage.overdue>hns_officer", "stage.escalated>operations_approver"}},
		{"overdue, escalation after one working day: not before Monday ends", mon,
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27), toOps(1))),
			[]string{"stage.overdue>hns_officer"}},
		{"overdue, escalation after one working day: on Tuesday", sthlm(2026, 3, 3, 0, 1),
			cand(StatusInReview, stage(StageActive, sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27), toOps(1))),
			[]string{"stage.overdue>hns_officer", "stage.escalated>operations_approver"}},
		{"a decided stage is never overdue", mon,
			cand(StatusInReview, stage(StageApproved, sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27), toOps(0))), nil},
		{"a pending stage is not due", mon,
			cand(StatusInReview, stage(StagePending, sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27), nil)), nil},
		{"a request out of review has no reminders", mon,
			cand(StatusChangesRequested, stage(StageActive, sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27), toOps(0))), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := summarize(ScheduledNotices(c.now, ScheduleCandidates{Stages: []StageCandidate{c.c}}))
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestScheduledExpiryNotices(t *testing.T) {
	mon := sthlm(2026, 3, 2, 11, 0)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		name   string
		status Status
		end    time.Time
		want   []string
	}{
		{"ends today: expires tonight", StatusApproved, day(2), []string{"request.expiring>NO"}},
		{"ends in six days: expires in seven", StatusApproved, day(8), []string{"request.expiring>NO"}},
		{"ends in seven days: not yet", StatusApproved, day(9), nil},
		{"ended yesterday: the sweep expires it", StatusApproved, day(1), nil},
		{"not approved", StatusInReview, day(5), nil},
		{"revoked", StatusRevoked, day(5), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ec := ExpiryCandidate{RequestID: "r1", Reference: "SE-2026-EXA-000001", Nation: "NO", Status: c.status, PeriodEnd: c.end}
			got := summarize(ScheduledNotices(mon, ScheduleCandidates{Expiring: []ExpiryCandidate{ec}}))
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestScheduledDelegationNotices(t *testing.T) {
	now := sthlm(2026, 3, 2, 11, 0)
	revoked := now.Add(-time.Minute)
	cases := []struct {
		name string
		d    Delegation
		want []string
	}{
		{"started", Delegation{Starts: now.Add(-time.Hour), Ends: now.AddDate(0, 0, 5)}, []string{"delegation.started>ops2"}},
		{"starts later", Delegation{Starts: now.Add(time.Hour), Ends: now.AddDate(0, 0, 5)}, nil},
		{"started and ends within a day", Delegation{Starts: now.Add(-time.Hour), Ends: now.Add(23 * time.Hour)},
			[]string{"delegation.started>ops2", "delegation.ending>ops2"}},
		{"ends tomorrow, starting later today", Delegation{Starts: now.Add(time.Hour), Ends: now.Add(24 * time.Hour)},
			[]string{"delegation.ending>ops2"}},
		{"ends in more than a day", Delegation{Starts: now.Add(-time.Hour), Ends: now.Add(25 * time.Hour)},
			[]string{"delegation.started>ops2"}},
		{"revoked", Delegation{Starts: now.Add(-time.Hour), Ends: now.Add(time.Hour), RevokedAt: &revoked}, nil},
		{"ended", Delegation{Starts: now.Add(-48 * time.Hour), Ends: now}, nil},
		// Started 60 days ago, ending in 12 hours: its start was told long
		// ago (and its key forgotten after twice the lookback), so only its
		// end is told now.
		{"started long ago, ends within a day", Delegation{Starts: now.AddDate(0, 0, -60), Ends: now.Add(12 * time.Hour)},
			[]string{"delegation.ending>ops2"}},
		{"started just inside the lookback", Delegation{Starts: now.Add(-ScheduleLookback + time.Minute), Ends: now.AddDate(0, 0, 5)},
			[]string{"delegation.started>ops2"}},
		{"started just before the lookback", Delegation{Starts: now.Add(-ScheduleLookback), Ends: now.AddDate(0, 0, 5)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.d.ID, c.d.From, c.d.To, c.d.Role = "d1", "ops", "ops2", RoleOperations
			got := summarize(ScheduledNotices(now, ScheduleCandidates{Delegations: []Delegation{c.d}}))
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestScheduledNoticeKeys: a notice's key names what it is about, not when
// the sweep ran, so that the next sweep writes the same key (stored once);
// a new activation of the stage (a resubmission) has keys of its own.
func TestScheduledNoticeKeys(t *testing.T) {
	due := endOf(2026, 2, 27)
	act := sthlm(2026, 2, 25, 9, 0)
	c := func(activated time.Time) ScheduleCandidates {
		return ScheduleCandidates{Stages: []StageCandidate{{RequestID: "r1", Status: StatusInReview,
			Stage: Stage{ID: "intake", Role: RoleHNS, Status: StageActive, ActivatedAt: &activated, DueAt: &due,
				Escalation: &Escalation{Role: RoleOperations}}}}}
	}
	keys := func(ns []ScheduledNotice) string {
		var k []string
		for _, n := range ns {
			k = append(k, n.Key)
		}
		return strings.Join(k, ",")
	}
	first := keys(ScheduledNotices(sthlm(2026, 3, 2, 11, 0), c(act)))
	if again := keys(ScheduledNotices(sthlm(2026, 3, 2, 11, 1), c(act))); again != first {
		t.Fatalf("the next sweep's keys %q differ from %q", again, first)
	}
	if other := keys(ScheduledNotices(sthlm(2026, 3, 2, 11, 1), c(act.Add(time.Hour)))); other == first {
		t.Fatalf("a new activation reused the keys %q", first)
	}
	id := strconv.FormatInt(act.UnixMicro(), 10) + ":" + strconv.FormatInt(due.UnixMicro(), 10)
	want := "stage.overdue:r1:intake:" + id + ",stage.escalated:r1:intake:" + id
	if first != want {
		t.Fatalf("keys %q, want %q", first, want)
	}
}

// TestStageNoticeKeysNameTheDeadline: a stage notice's key names the
// stage, its activation and its deadline, so that a deadline moved within
// one activation gets notices of its own and an unchanged one never gets
// the same notice twice.
func TestStageNoticeKeysNameTheDeadline(t *testing.T) {
	act, due := sthlm(2026, 2, 25, 9, 0), endOf(2026, 2, 27)
	cand := func(id string, activated, due *time.Time) StageCandidate {
		return StageCandidate{RequestID: "r1", Status: StatusInReview,
			Stage: Stage{ID: id, Role: RoleHNS, Status: StageActive, ActivatedAt: activated, DueAt: due}}
	}
	ptr := func(t time.Time) *time.Time { return &t }
	told := cand("intake", &act, &due)
	cases := []struct {
		name string
		c    StageCandidate
		same bool
	}{
		{"the same deadline read again", cand("intake", ptr(act), ptr(due)), true},
		{"the same instant in another zone", cand("intake", ptr(act.In(stockholm)), ptr(due.In(stockholm))), true},
		{"the deadline moved later", cand("intake", &act, ptr(endOf(2026, 3, 6))), false},
		{"the deadline moved a microsecond later", cand("intake", &act, ptr(due.Add(time.Microsecond))), false},
		{"the deadline moved earlier", cand("intake", &act, ptr(endOf(2026, 2, 26))), false},
		{"activated afresh, the same deadline", cand("intake", ptr(act.Add(time.Hour)), &due), false},
		{"another stage", cand("range_safety", &act, &due), false},
	}
	for _, kind := range []string{NotifyStageDueSoon, NotifyStageOverdue, NotifyStageEscalated} {
		for _, c := range cases {
			t.Run(kind+"/"+c.name, func(t *testing.T) {
				a, b := StageNoticeKey(kind, told), StageNoticeKey(kind, c.c)
				if (a == b) != c.same {
					t.Fatalf("keys %q and %q: same %v, want %v", a, b, a == b, c.same)
				}
			})
		}
	}
	// A stage never activated is keyed by its deadline as its activation.
	if got, want := StageNoticeKey(NotifyStageOverdue, cand("intake", nil, &due)),
		"stage.overdue:r1:intake:"+strconv.FormatInt(due.UnixMicro(), 10)+":"+strconv.FormatInt(due.UnixMicro(), 10); got != want {
		t.Fatalf("key %q, want %q", got, want)
	}
}

func TestRenderScheduledNotices(t *testing.T) {
	due := endOf(2026, 3, 3)
	until := sthlm(2026, 3, 3, 17, 0)
	cases := []struct {
		ev      NotificationEvent
		subject string
		body    []string
		links   []string // the link lines' targets, in order
	}{
		{NotificationEvent{Kind: NotifyStageDueSoon, Audience: Audience{Role: RoleHNS}, RequestID: "r1", Reference: "SE-2026-EXA-000001", Stage: "intake",
			DueAt: &due, Status: StatusInReview},
			"Due soon: SE-2026-EXA-000001", []string{"Request SE-2026-EXA-000001 is waiting for your role's decision in the intake review by " +
				"the Swedish Armed Forces' host-nation support desk, due by 2026-03-03 23:59 CET (Stockholm).\n",
				"\n\nStatus: in_review\nRequest page: /requests/r1\n"}, []string{"/requests/r1"}},
		{NotificationEvent{Kind: NotifyStageOverdue, Audience: Audience{Role: RoleRange}, RequestID: "r1", Reference: "SE-2026-EXA-000001", Stage: "range_safety",
			DueAt: &due, Status: StatusInReview},
			"Overdue: SE-2026-EXA-000001", []string{"Request SE-2026-EXA-000001 is still waiting for your role's decision in the range safety review by " +
				"the Swedish Armed Forces' range and training-area officer, which was due by 2026-03-03 23:59 CET (Stockholm).\n",
				"\n\nStatus: in_review\nRequest page: /requests/r1\n"}, []string{"/requests/r1"}},
		{NotificationEvent{Kind: NotifyStageEscalated, Audience: Audience{Role: RoleOperations}, RequestID: "r1", Reference: "SE-2026-EXA-000001", Stage: "intake",
			DueAt: &due, Status: StatusInReview, Reminder: &Reminder{Role: RoleHNS}},
			"Escalated: SE-2026-EXA-000001 is overdue", []string{"Request SE-2026-EXA-000001 is still undecided in the intake review by " +
				"the Swedish Armed Forces' host-nation support desk, which was due by 2026-03-03 23:59 CET (Stockholm).\n", "supervise",
				"\n\nStatus: in_review\nRequest page: /requests/r1\n"}, []string{"/requests/r1"}},
		{NotificationEvent{Kind: NotifyRequestExpiring, RequestID: "r1", Reference: "SE-2026-EXA-000001", Status: StatusApproved,
			Reminder: &Reminder{ValidTo: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)}},
			"Permit SE-2026-EXA-000001 expires soon", []string{"valid until the end of 2026-03-08",
				"\n\nPermit page: /requests/r1/permit\n\nStatus: approved\nRequest page: /requests/r1\n"},
			[]string{"/requests/r1/permit", "/requests/r1"}},
		{NotificationEvent{Kind: NotifyDelegationStarted, Reminder: &Reminder{Role: RoleOperations, From: "ops", Until: until}},
			"Delegation of the role of the Swedish Armed Forces' headquarters to you has started",
			[]string{"ops delegated the role of the Swedish Armed Forces' headquarters (operations_approver) to you until 2026-03-03 17:00"}, nil},
		{NotificationEvent{Kind: NotifyDelegationEnding, Reminder: &Reminder{Role: RoleOperations, From: "ops", Until: until}},
			"Delegation of the role of the Swedish Armed Forces' headquarters to you ends soon",
			[]string{"The delegation of the role of the Swedish Armed Forces' headquarters (operations_approver) from ops to you ends at 2026-03-03 17:00 CET (Stockholm)"}, nil},
		// A delegation whose last day is the 3rd ends at midnight: the
		// end of the 3rd, as the console's delegations page shows it.
		{NotificationEvent{Kind: NotifyDelegationEnding, Reminder: &Reminder{Role: RoleOperations, From: "ops", Until: sthlm(2026, 3, 4, 0, 0)}},
			"Delegation of the role of the Swedish Armed Forces' headquarters to you ends soon",
			[]string{"from ops to you ends at 2026-03-03 24:00 CET (Stockholm).\n"}, nil},
	}
	for _, c := range cases {
		t.Run(c.ev.Kind, func(t *testing.T) {
			subject, body := RenderNotification(c.ev)
			if subject != c.subject {
				t.Fatalf("subject %q, want %q", subject, c.subject)
			}
			for _, part := range c.body {
				if !strings.Contains(body, part) {
					t.Fatalf("body %q lacks %q", body, part)
				}
			}
			// The link lines, as the console's paths and, in an e-mail,
			// absolute under the public URL; a delegation's notice has none.
			for _, base := range []string{"", "https://access.example.se"} {
				var links []string
				for _, line := range strings.Split(NotificationLinks(body, base), "\n") {
					if _, target, ok := NotificationLink(line); ok {
						links = append(links, strings.TrimPrefix(target, base))
						if !strings.HasPrefix(target, base+"/") {
							t.Errorf("base %q: link %q not under it", base, target)
						}
					}
				}
				if !slices.Equal(links, c.links) {
					t.Errorf("base %q: links %q, want %q in\n%s", base, links, c.links, body)
				}
			}
		})
	}
}

func summarize(ns []ScheduledNotice) []string {
	var out []string
	for _, n := range ns {
		a := n.Event.Audience
		out = append(out, n.Event.Kind+">"+a.Nation+string(a.Role)+a.User)
	}
	return out
}
