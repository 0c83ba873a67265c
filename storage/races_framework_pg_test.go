package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/storage"
)

// Races between a write that decides by a framework agreement whether it
// covers a request (a submission on its fast track, a final approval) and
// an administrator's change of that agreement, on PostgreSQL (READ
// COMMITTED). Serially one of the two always sees the other: a submission
// before a suspension is told (framework.no_longer_covered), one after it
// takes the normal route; an approval before it stands, one after it is
// refused (framework_not_applicable). The tests hold one transaction open
// right after its read of the agreement (pauseStore) while the other runs.
// Both now lock the agreement's row — the readers FOR KEY SHARE
// (Tx.GetFramework), the change FOR UPDATE (Tx.GetFrameworkForUpdate)
// before it lists the requests in review — so the one that reads second
// waits for the other's commit.

// frameworkRace is a database with lo-no and hns, a Norwegian agreement
// that covers raceDetails (ravlunda, storlien, live fire, 2027), and the
// services of the races on ps, so that their transactions can be paused.
// The serial orders run on SQLite too (onDatabasesOf); the paused ones on
// PostgreSQL only.
type frameworkRace struct {
	db        *storage.DB
	ps        *pauseStore
	reqs      *domain.RequestService
	approvals *domain.ApprovalService
	fws       *domain.FrameworkService
	fw        *domain.Framework
}

func newFrameworkRace(t *testing.T, db *storage.DB) frameworkRace {
	t.Helper()
	ctx := context.Background()
	ps := &pauseStore{DB: db}
	s := newRaceServices(t, db, ps)
	ref, err := db.Reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC) }
	us := domain.NewUserService(db, ref, now, uuid.NewString)
	if _, err := us.CreateUser(ctx, domain.SystemActor, domain.User{Username: "hns", Roles: []domain.Role{domain.RoleHNS},
		Email: "hns@example.org"}, "x"); err != nil {
		t.Fatal(err)
	}
	fw, err := s.fw.Create(ctx, raceAdmin, domain.FrameworkTerms{Nation: "NO", Name: "Norwegian units", Reference: "FA-NO-2027-01",
		ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"), TrainingAreas: []string{"ravlunda"},
		EntryPoints: []string{"storlien"}, PersonnelCeiling: 800, LiveFire: true})
	if err != nil {
		t.Fatal(err)
	}
	return frameworkRace{db: db, ps: ps, reqs: s.reqs, fw: fw, fws: domain.NewFrameworkService(ps, ref, now, uuid.NewString),
		approvals: domain.NewApprovalService(ps, ref, now, uuid.NewString)}
}

// change makes the agreement, at the version it was created with, stop
// covering raceDetails: "suspend" suspends it, "narrow" leaves ravlunda
// out of its areas, "move" gives it to Germany. A suspension or a
// narrowing keeps the row's key (its UPDATE alone takes only FOR NO KEY
// UPDATE); a move changes it (FOR UPDATE).
func (f frameworkRace) change(kind string) func() error {
	return func() error {
		terms := f.fw.FrameworkTerms
		switch kind {
		case "suspend":
			terms.Suspended = true
		case "narrow":
			terms.TrainingAreas = []string{"kilen"}
		case "move":
			terms.Nation = "DE"
		default:
			panic("no change " + kind)
		}
		_, err := f.fws.Update(context.Background(), raceAdmin, f.fw.ID, f.fw.Version, terms)
		return err
	}
}

func (f frameworkRace) suspend() func() error { return f.change("suspend") }

// onDatabasesOf runs test on every configured database when mode is a
// serial order (no transaction paused: "a-then-b"), and on PostgreSQL only
// otherwise (postgresOnly: SQLite's single writer cannot interleave two
// transactions).
func onDatabasesOf(t *testing.T, mode string, test func(t *testing.T, db *storage.DB)) {
	t.Helper()
	if strings.Contains(mode, "-then-") {
		forEachDB(t, test)
		return
	}
	test(t, postgresOnly(t))
}

// lapseNotices counts the framework.no_longer_covered rows about request id.
func (f frameworkRace) lapseNotices(t *testing.T, id string) int {
	t.Helper()
	rows, err := f.db.Notifications(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, row := range rows {
		if row.Kind == domain.NotifyFrameworkLapsed {
			n++
		}
	}
	return n
}

// TestRaceSubmitVersusFrameworkChange: a liaison officer submits a
// request on an agreement's fast track while an administrator suspends
// the agreement (or leaves the request's area out of it, or moves it to
// another nation). Submitted first, the request is in review on the fast
// track and the change tells it (framework.no_longer_covered); changed
// first, the submission takes the normal route (or, the agreement now
// another nation's, is refused). At once on PostgreSQL the submission
// read the agreement as it was, the change listed the requests in review
// without it (not committed yet), and the request ended on the fast track
// of an agreement that no longer covered it, told nothing: its
// eligibility judged on terms changed before it committed. The change
// now waits for the submission's lock on the agreement and lists it; a
// submission that reads the agreement while a change holds it waits, and
// reads it changed.
func TestRaceSubmitVersusFrameworkChange(t *testing.T) {
	for _, c := range []struct{ mode, change string }{
		{"submit-then-suspend", "suspend"}, {"suspend-then-submit", "suspend"},
		{"submission-paused", "suspend"}, {"suspension-paused", "suspend"},
		{"submission-paused", "narrow"}, {"submission-paused", "move"},
		{"suspension-paused", "narrow"}, {"suspension-paused", "move"},
	} {
		mode := c.mode
		t.Run(c.mode+"/"+c.change, func(t *testing.T) {
			onDatabasesOf(t, c.mode, func(t *testing.T, db *storage.DB) {
				f := newFrameworkRace(t, db)
				ctx := context.Background()
				d := raceDetails("Cold Response", 100)
				d.FrameworkID = f.fw.ID
				r, _, err := f.reqs.CreateRequest(ctx, raceLiaison, d, nil)
				if err != nil {
					t.Fatal(err)
				}
				submit := func() error { _, err := f.reqs.Submit(ctx, raceLiaison, r.ID, r.Version); return err }
				suspend := f.change(c.change)
				var errs [2]error
				switch mode {
				case "submit-then-suspend":
					errs = [2]error{submit(), suspend()}
				case "suspend-then-submit":
					errs = [2]error{suspend(), submit()}
				case "submission-paused":
					// The submission pauses once it has read the agreement
					// (not suspended yet); the suspension runs meanwhile.
					var suspendFirst bool
					errs[0], errs[1], suspendFirst = runAgainst(t, f.db, f.ps, "GetFramework", submit, suspend)
					t.Logf("the change ended before the submission: %v", suspendFirst)
					if suspendFirst {
						t.Error("the change did not wait for the submission that read the agreement")
					}
				case "suspension-paused":
					// The change pauses once it has read (and locked) the
					// agreement; the submission runs meanwhile.
					var submitFirst bool
					errs[1], errs[0], submitFirst = runAgainst(t, f.db, f.ps, "GetFrameworkForUpdate", suspend, submit)
					t.Logf("the submission ended before the change: %v", submitFirst)
					if submitFirst {
						t.Error("the submission did not wait for the change that locked the agreement")
					}
				}
				if c.mode == "suspension-paused" && c.change == "move" {
					// A first submission naming another nation's agreement is
					// refused, as it is after the move serially.
					if errs[1] != nil {
						t.Fatal(errs[1])
					}
					wantCode(t, errs[0], domain.CodeInvalid)
					if got, err := f.db.GetRequest(ctx, r.ID); err != nil || got.Status != domain.StatusDraft {
						t.Fatalf("the refused submission left the request %v (%v)", got.Status, err)
					}
					return
				}
				if errs[0] != nil || errs[1] != nil {
					t.Fatal(errs)
				}
				got, err := f.db.GetRequest(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				fw, err := f.db.GetFramework(ctx, f.fw.ID)
				if err != nil {
					t.Fatal(err)
				}
				fast, told := got.Route != nil && got.Route.FastTrack, f.lapseNotices(t, r.ID)
				covers, why := domain.Fit(fw, got.Nation, got.Details)
				t.Logf("%s/%s: request %s, fast track %v, agreement covers it %v %v, framework.no_longer_covered notices %d",
					mode, c.change, got.Status, fast, covers, why, told)
				if got.Status != domain.StatusInReview || covers {
					t.Fatalf("request %s, the agreement covers it %v: want in review and no longer covered", got.Status, covers)
				}
				if fast && told == 0 {
					t.Errorf("request %s is in review on the fast track of agreement %s, which no longer covers it (%v), and was told nothing",
						got.Reference, fw.Reference, why)
				}
				if want := mode == "submit-then-suspend" || mode == "submission-paused"; fast != want {
					t.Errorf("fast track %v, want %v", fast, want)
				}
			})
		})
	}
}

// TestRaceFinalApprovalVersusFrameworkSuspension: an approver gives the
// final approval of a request on an agreement's fast track while an
// administrator suspends the agreement. Approved first, the request
// stands approved and the suspension tells nobody (it is no longer in
// review); suspended first, the approval is refused (409
// framework_not_applicable) and the request is told. At once on
// PostgreSQL the approval read the agreement unsuspended, the suspension
// read the request still in review and told it that its final approval
// would be refused, and the approval then committed: approved on a
// suspended agreement, with a notice saying it could not be. The
// suspension now waits for the approval's lock on the agreement and finds
// the request approved; an approval that reads the agreement while a
// suspension holds it waits, reads it suspended and is refused.
func TestRaceFinalApprovalVersusFrameworkSuspension(t *testing.T) {
	for _, mode := range []string{"approve-then-suspend", "suspend-then-approve", "approval-paused", "suspension-paused"} {
		t.Run(mode, func(t *testing.T) {
			onDatabasesOf(t, mode, func(t *testing.T, db *storage.DB) {
				f := newFrameworkRace(t, db)
				ctx := context.Background()
				at := time.Date(2026, 1, 19, 9, 0, 0, 0, time.UTC)
				due := at.Add(72 * time.Hour)
				r := &domain.Request{ID: uuid.NewString(), Status: domain.StatusInReview, Version: 1, Nation: "NO",
					Reference: "SE-2026-EXA-000901", CreatedBy: "lo-no", CreatedAt: at, UpdatedAt: at, SubmittedAt: &at,
					Details: raceDetails("Bravo", 100),
					Route: &domain.Route{PolicyVersion: "test", FastTrack: true, Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS,
						Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}}
				r.FrameworkID = f.fw.ID
				createRequest(t, f.db, r)
				approve := func() error {
					_, err := f.approvals.Decide(ctx, raceApprover, r.ID, r.Version,
						domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
					return err
				}
				suspend := f.suspend()
				var errApprove, errSuspend error
				switch mode {
				case "approve-then-suspend":
					errApprove, errSuspend = approve(), suspend()
				case "suspend-then-approve":
					errSuspend, errApprove = suspend(), approve()
				case "approval-paused":
					// The approval pauses once it has read the agreement
					// (not suspended yet); the suspension runs meanwhile.
					var suspendFirst bool
					errApprove, errSuspend, suspendFirst = runAgainst(t, f.db, f.ps, "GetFramework", approve, suspend)
					t.Logf("the suspension ended before the approval: %v", suspendFirst)
					if suspendFirst {
						t.Error("the suspension did not wait for the approval that read the agreement")
					}
				case "suspension-paused":
					// The suspension pauses once it has read (and locked) the
					// agreement; the approval runs meanwhile.
					var approveFirst bool
					errSuspend, errApprove, approveFirst = runAgainst(t, f.db, f.ps, "GetFrameworkForUpdate", suspend, approve)
					t.Logf("the approval ended before the suspension: %v", approveFirst)
					if approveFirst {
						t.Error("the approval did not wait for the suspension that locked the agreement")
					}
				}
				if errSuspend != nil {
					t.Fatal(errSuspend)
				}
				if errApprove != nil && domain.ErrorCode(errApprove) != domain.CodeFrameworkNotApplicable {
					t.Fatal(errApprove)
				}
				got, err := f.db.GetRequest(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				told := f.lapseNotices(t, r.ID)
				t.Logf("%s: request %s (approval error %v), framework.no_longer_covered notices %d", mode, got.Status, errApprove, told)
				switch {
				case got.Status == domain.StatusApproved && told > 0:
					t.Errorf("request %s was approved on the fast track and told that its final approval will be refused (%d notices)",
						got.Reference, told)
				case got.Status == domain.StatusInReview && (told == 0 || errApprove == nil):
					t.Errorf("request %s in review, approval error %v, %d notices: want refused and told", got.Reference, errApprove, told)
				case got.Status != domain.StatusApproved && got.Status != domain.StatusInReview:
					t.Errorf("request %s is %s", got.Reference, got.Status)
				}
				if want := mode == "approve-then-suspend" || mode == "approval-paused"; (got.Status == domain.StatusApproved) != want {
					t.Errorf("approved %v, want %v", got.Status == domain.StatusApproved, want)
				}
			})
		})
	}
}

// TestRaceFrameworkChangesDoNotDeadlock: a fast-track submission and a
// fast-track final approval on one agreement and on ravlunda, a change of
// the agreement and a save of ravlunda run at once, round after round.
// Each locks the agreement (if at all) before anything else — the area,
// the counters, the request's row, the load rows, the audit counter — and
// the change locks nothing else before the audit counter, so they queue
// and none deadlocks: no caller sees an error, and PostgreSQL aborts none
// of them (every transaction runs once).
func TestRaceFrameworkChangesDoNotDeadlock(t *testing.T) {
	f := newFrameworkRace(t, postgresOnly(t))
	ctx := context.Background()
	const rounds = 10
	for i := range rounds {
		d := raceDetails(fmt.Sprintf("Alpha %d", i), 100)
		d.FrameworkID = f.fw.ID
		a, _, err := f.reqs.CreateRequest(ctx, raceLiaison, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 1, 19, 9, 0, 0, 0, time.UTC)
		due := at.Add(72 * time.Hour)
		b := &domain.Request{ID: uuid.NewString(), Status: domain.StatusInReview, Version: 1, Nation: "NO",
			Reference: fmt.Sprintf("SE-2026-EXA-%06d", 900+i), CreatedBy: "lo-no", CreatedAt: at, UpdatedAt: at, SubmittedAt: &at,
			Details: d, Route: &domain.Route{PolicyVersion: "test", FastTrack: true, Stages: []domain.Stage{{ID: "intake",
				Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}}
		b.ExerciseName = fmt.Sprintf("Bravo %d", i)
		createRequest(t, f.db, b)
		fw, err := f.db.GetFramework(ctx, f.fw.ID)
		if err != nil {
			t.Fatal(err)
		}
		area, err := f.fws.TrainingArea(ctx, "ravlunda")
		if err != nil {
			t.Fatal(err)
		}
		ops := map[string]func() error{
			"submit": func() error { _, err := f.reqs.Submit(ctx, raceLiaison, a.ID, a.Version); return err },
			"final approval": func() error {
				_, err := f.approvals.Decide(ctx, raceApprover, b.ID, b.Version, domain.DecisionInput{Stage: "intake",
					Outcome: domain.OutcomeApprove, OverrideReason: "the range officer agreed to share the area"})
				return err
			},
			"agreement change": func() error {
				terms := fw.FrameworkTerms
				terms.Notes = fmt.Sprintf("round %d", i)
				_, err := f.fws.Update(ctx, raceAdmin, fw.ID, fw.Version, terms)
				return err
			},
			"area save": func() error {
				_, err := f.fws.SaveTrainingArea(ctx, raceAdmin, "ravlunda", area.Version, domain.AreaEdit{
					CapacityPersonnel: area.CapacityPersonnel - 1, BlackoutDays: area.BlackoutDays})
				return err
			},
		}
		before := f.ps.runs.Load()
		runTogether(t, i, ops)
		if runs := f.ps.runs.Load() - before; runs != int64(len(ops)) {
			t.Errorf("round %d: %d transaction attempts for %d changes: PostgreSQL aborted one (a deadlock) and InTx ran it again",
				i, runs, len(ops))
		}
	}
}
