package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// keptFixture drives the reminder sweep over stages of requests in review
// whose roles nobody holds at first.
type keptFixture struct {
	t   *testing.T
	db  *storage.DB
	ctx context.Context
}

// stage stores request n in review with one active stage of role,
// activated and due at the given instants.
func (f keptFixture) stage(n int, role domain.Role, activated, due time.Time) *domain.Request {
	f.t.Helper()
	r := newDraft(testID(f.t, n), "NO")
	r.Status, r.Reference, r.Version = domain.StatusInReview, fmt.Sprintf("SE-2026-EXA-%06d", n), 1
	r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "range_safety", Role: role,
		Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &activated, DueAt: &due}}}
	if err := f.db.InTx(f.ctx, func(tx domain.Tx) error { return tx.CreateRequest(r) }); err != nil {
		f.t.Fatal(err)
	}
	return r
}

// approve marks r's stage approved, as a decision would.
func (f keptFixture) approve(r *domain.Request) {
	f.t.Helper()
	r.Route.Stages[0].Status = domain.StageApproved
	r.Version++
	if err := f.db.InTx(f.ctx, func(tx domain.Tx) error { return tx.UpdateRequest(r, r.Version-1) }); err != nil {
		f.t.Fatal(err)
	}
}

// user gives account n the role.
func (f keptFixture) user(n int, name string, role domain.Role) {
	f.t.Helper()
	u := domain.User{ID: testID(f.t, n), Username: name, Email: name + "@example.org", Roles: []domain.Role{role},
		CreatedAt: fixedNow, UpdatedAt: fixedNow}
	if err := f.db.InTx(f.ctx, func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f keptFixture) sweep(at time.Time, want int) {
	f.t.Helper()
	if n, err := f.db.ScheduleNotifications(f.ctx, at); err != nil || n != want {
		f.t.Fatalf("the sweep at %v wrote %d notices (%v), want %d", at, n, err, want)
	}
}

// emails are r's e-mail rows, as kind→address: count.
func (f keptFixture) emails(r *domain.Request) string {
	f.t.Helper()
	rows, err := f.db.Notifications(f.ctx, r.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	got := map[string]int{}
	for _, n := range rows {
		if n.Channel == domain.ChannelEmail {
			got[n.Kind+"→"+n.Address]++
		}
	}
	return fmt.Sprint(got)
}

// kept is how many notices are kept about r.
func (f keptFixture) kept(r *domain.Request) int {
	f.t.Helper()
	var n int
	if err := f.db.WriterForTest().Raw("SELECT COUNT(*) FROM unheard_notices WHERE request_id = ?", r.ID).Scan(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

func endOfDay(t *testing.T, m time.Month, d int) time.Time {
	return stockholmAt(t, 2026, m, d, 0).Add(24*time.Hour - time.Second)
}

// TestKeptOverdueNoticeIsForgottenByConditionNotAge: range_officer is
// vacant from Tuesday 3 March 2026, when two of its stages are overdue;
// both notices are kept. One stage is decided: the next sweep more than an
// hour later drops its kept notice though its role is still vacant. The
// other stays undecided; on 10 April, 38 days later, a sweep with the role
// still vacant keeps it, and once an account gets the role it hears of the
// overdue stage.
func TestKeptOverdueNoticeIsForgottenByConditionNotAge(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := keptFixture{t, db, context.Background()}
		now := stockholmAt(t, 2026, 3, 3, 10)
		waiting := f.stage(1, domain.RoleRange, stockholmAt(t, 2026, 2, 25, 9), endOfDay(t, 2, 27))
		decided := f.stage(2, domain.RoleRange, stockholmAt(t, 2026, 2, 25, 9), endOfDay(t, 2, 27))
		f.sweep(now, 0)
		if f.kept(waiting) != 1 || f.kept(decided) != 1 {
			t.Fatalf("kept %d and %d notices, want 1 each", f.kept(waiting), f.kept(decided))
		}

		f.approve(decided)
		f.sweep(now.Add(2*time.Hour), 0)
		if n := f.kept(decided); n != 0 {
			t.Errorf("the decided stage's notice is still kept (%d) while its role is vacant", n)
		}

		later := stockholmAt(t, 2026, 4, 10, 10)
		f.sweep(later, 0)
		if n := f.kept(waiting); n != 1 {
			t.Fatalf("the overdue stage's notice is kept %d times after 38 days, want 1", n)
		}
		f.user(101, "range", domain.RoleRange)
		f.sweep(later.Add(time.Hour), 1)
		if got, want := f.emails(waiting), "map[stage.overdue→range@example.org:1]"; got != want {
			t.Errorf("e-mails %s, want %s", got, want)
		}
		if got := f.emails(decided); got != "map[]" {
			t.Errorf("the decided stage's e-mails %s, want none", got)
		}
	})
}

// TestKeptDueSoonNoticeWaitsForTheWorkingDay: on Friday 6 March 2026 two
// stages due by the end of Monday are due soon, of range_officer and of
// operations_approver, both vacant. range_officer gets an account on
// Saturday: nothing is said on the weekend, the due-soon notice on Monday,
// the overdue one on Tuesday. operations_approver gets one only on
// Tuesday, after the deadline: it hears of the overdue stage alone, not
// also that it was due soon.
func TestKeptDueSoonNoticeWaitsForTheWorkingDay(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := keptFixture{t, db, context.Background()}
		activated, due := stockholmAt(t, 2026, 3, 4, 9), endOfDay(t, 3, 9)
		weekend := f.stage(1, domain.RoleRange, activated, due)
		late := f.stage(2, domain.RoleOperations, activated, due)
		f.sweep(stockholmAt(t, 2026, 3, 6, 10), 0)

		f.user(101, "range", domain.RoleRange)
		f.sweep(stockholmAt(t, 2026, 3, 7, 10), 0)
		f.sweep(stockholmAt(t, 2026, 3, 8, 10), 0)
		if got := f.emails(weekend); got != "map[]" {
			t.Fatalf("e-mails %s on the weekend, want none", got)
		}
		f.sweep(stockholmAt(t, 2026, 3, 9, 9), 1)
		f.sweep(stockholmAt(t, 2026, 3, 9, 10), 0)
		if got, want := f.emails(weekend), "map[stage.due_soon→range@example.org:1]"; got != want {
			t.Fatalf("e-mails %s on Monday, want %s", got, want)
		}

		f.user(102, "ops", domain.RoleOperations)
		f.sweep(stockholmAt(t, 2026, 3, 10, 9), 2)
		if got, want := f.emails(weekend), "map[stage.due_soon→range@example.org:1 stage.overdue→range@example.org:1]"; got != want {
			t.Errorf("e-mails %s, want %s", got, want)
		}
		if got, want := f.emails(late), "map[stage.overdue→ops@example.org:1]"; got != want {
			t.Errorf("e-mails %s after the deadline, want %s", got, want)
		}
		if n := f.kept(weekend) + f.kept(late); n != 0 {
			t.Errorf("%d notices still kept, want none", n)
		}
	})
}

// TestKeptNoticesThatWaitDoNotHoldBackOthers: with the sweep's limit at
// 2, two due-soon notices and one overdue notice of range_officer are kept
// on Friday 6 March 2026 (nobody holds the role). The role gets a holder
// on Saturday: the due-soon notices wait for Monday, and the overdue one,
// whose key sorts after theirs, is told at once; the waiting ones do not
// use up the limit.
func TestKeptNoticesThatWaitDoNotHoldBackOthers(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		db.SetScheduleLimitForTest(2)
		f := keptFixture{t, db, context.Background()}
		soonActivated, soonDue := stockholmAt(t, 2026, 3, 4, 9), endOfDay(t, 3, 9)
		f.stage(1, domain.RoleRange, soonActivated, soonDue)
		f.stage(2, domain.RoleRange, soonActivated, soonDue)
		overdue := f.stage(3, domain.RoleRange, stockholmAt(t, 2026, 3, 2, 9), endOfDay(t, 3, 5))
		for m := range 3 { // the limit reads two candidates a query
			f.sweep(stockholmAt(t, 2026, 3, 6, 10).Add(time.Duration(m)*time.Minute), 0)
		}
		if n := f.kept(overdue); n != 1 {
			t.Fatalf("the overdue notice is kept %d times, want 1", n)
		}
		f.user(101, "range", domain.RoleRange)
		f.sweep(stockholmAt(t, 2026, 3, 7, 10), 1)
		if got, want := f.emails(overdue), "map[stage.overdue→range@example.org:1]"; got != want {
			t.Errorf("e-mails %s on Saturday, want %s", got, want)
		}
	})
}

// TestKeptNoticeWithoutCheckedTimeIsDecided: a row kept by a binary from
// before the checked_at column (a rolling upgrade) has none; it is decided
// by the next sweep like any other, and dropped once its stage is decided.
func TestKeptNoticeWithoutCheckedTimeIsDecided(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := keptFixture{t, db, context.Background()}
		now := stockholmAt(t, 2026, 3, 3, 10)
		r := f.stage(1, domain.RoleRange, stockholmAt(t, 2026, 2, 25, 9), endOfDay(t, 2, 27))
		f.sweep(now, 0)
		if err := db.WriterForTest().Exec("UPDATE unheard_notices SET checked_at = NULL").Error; err != nil {
			t.Fatal(err)
		}
		f.approve(r)
		f.sweep(now.Add(2*time.Hour), 0)
		if n := f.kept(r); n != 0 {
			t.Errorf("the decided stage's notice without a checked time is still kept (%d)", n)
		}
	})
}

// captureLog gives db a logger that writes to a buffer.
func captureLog(db *storage.DB) *bytes.Buffer {
	var buf bytes.Buffer
	db.SetLog(slog.New(slog.NewTextHandler(&buf, nil)))
	return &buf
}

// TestKeptNoticeThatCannotBeDecidedIsDropped: two overdue stages of a
// vacant role are kept; the route of one's request is then damaged. Once
// the role has a holder, the sweep still succeeds: it tells the other
// stage, drops the damaged one's notice and logs it once at ERROR with its
// key.
func TestKeptNoticeThatCannotBeDecidedIsDropped(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		f := keptFixture{t, db, context.Background()}
		now := stockholmAt(t, 2026, 3, 3, 10)
		damaged := f.stage(1, domain.RoleRange, stockholmAt(t, 2026, 2, 25, 9), endOfDay(t, 2, 27))
		sound := f.stage(2, domain.RoleRange, stockholmAt(t, 2026, 2, 25, 9), endOfDay(t, 2, 27))
		f.sweep(now, 0)
		if err := db.WriterForTest().Exec("UPDATE requests SET route = '{' WHERE id = ?", damaged.ID).Error; err != nil {
			t.Fatal(err)
		}
		f.user(101, "range", domain.RoleRange)
		buf := captureLog(db)
		f.sweep(now.Add(time.Minute), 1)
		f.sweep(now.Add(2*time.Minute), 0)
		f.sweep(now.Add(2*time.Hour), 0)
		if got, want := f.emails(sound), "map[stage.overdue→range@example.org:1]"; got != want {
			t.Errorf("e-mails %s, want %s", got, want)
		}
		if n := f.kept(damaged); n != 0 {
			t.Errorf("the damaged notice is still kept (%d)", n)
		}
		logged := buf.String()
		key := "stage.overdue:" + damaged.ID + ":range_safety:"
		if strings.Count(logged, "level=ERROR") != 1 || !strings.Contains(logged, key) {
			t.Errorf("log %q, want one ERROR naming %s", logged, key)
		}
	})
}
