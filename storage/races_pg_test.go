package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/policies"
	"exaccess/storage"
)

// Check-then-act races on PostgreSQL (READ COMMITTED), each shown by
// holding one transaction open right after a read (pauseStore) while
// another runs: serially the two always meet, at once they must too.
// SQLite's single writer runs transactions one after the other, so these
// tests run on PostgreSQL only (postgresOnly).

// TestRaceLiaisonNoticeAfterAccountChange: an approver's decision on a
// Norwegian request queues its outcome e-mail to Norway's liaison
// officers while an administrator disables lo-no, moves them to Germany or
// gives them a new address. Serially lo-no never gets it at the old
// powers (disable first: not in the audience; decision first: the
// change's withdrawal or readdressing reaches the row). At once on
// PostgreSQL the change's withdrawal cannot see the decision's row, not
// yet committed: the delivery worker's check (domain.StillAddressed)
// keeps it from a disabled account or one of another nation, and sends it
// to the account's address at delivery.
func TestRaceLiaisonNoticeAfterAccountChange(t *testing.T) {
	for _, c := range []struct{ name, change string }{
		{"serial-disable", "disable"}, {"concurrent-disable", "disable"}, {"concurrent-move-to-DE", "move"},
		{"concurrent-new-address", "email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := postgresOnly(t)
			ctx := context.Background()
			f := seedSchedule(t, db)
			at := f.now.Add(time.Minute)
			r := newDraft(testID(t, 5), "NO")
			r.Status, r.Reference, r.Version = domain.StatusInReview, "SE-2026-EXA-000005", 1
			due := at.Add(72 * time.Hour)
			r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
				Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
			createRequest(t, db, r)
			ref, err := db.Reference(ctx)
			if err != nil {
				t.Fatal(err)
			}
			lo, err := db.GetUserByUsername(ctx, "lo-no")
			if err != nil {
				t.Fatal(err)
			}
			us := domain.NewUserService(db, ref, func() time.Time { return at.Add(time.Second) }, func() string { return testID(t, 902) })
			change := func() error {
				var err error
				switch c.change {
				case "email":
					e := "new-lo-no@example.org"
					_, err = us.Change(ctx, "admin", lo.ID, lo.Version, domain.UserChange{Email: &e, Reason: "old address belongs to someone else"})
				case "move":
					de := "DE"
					_, err = us.Change(ctx, "admin", lo.ID, lo.Version, domain.UserChange{Nation: &de, Reason: "moved to the German cell"})
				default:
					_, err = us.SetDisabled(ctx, "admin", lo.ID, true, "left the unit")
				}
				return err
			}
			ps := &pauseStore{DB: db}
			svc := domain.NewApprovalService(ps, ref, func() time.Time { return at }, func() string { return testID(t, 903) })
			decide := func() error {
				_, err := svc.Decide(ctx, domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, r.ID, r.Version,
					domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
				return err
			}
			if c.name == "serial-disable" {
				if err := decide(); err != nil {
					t.Fatal(err)
				}
				if err := change(); err != nil {
					t.Fatal(err)
				}
			} else {
				// The decision pauses once its audit entry and outbox rows
				// are written, not committed; the change withdraws (seeing
				// nothing), then waits for the audit counter.
				errDecide, errChange, _ := runAgainst(t, db, ps, "AppendAudit", decide, change)
				if errDecide != nil || errChange != nil {
					t.Fatal(errDecide, errChange)
				}
			}
			after, err := db.GetUserByUsername(ctx, "lo-no")
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var sent []string
			w := &notify.Worker{Outbox: db, Now: func() time.Time { return at.Add(2 * time.Second) },
				Email: senderFunc(func(_ context.Context, n domain.Notification) error {
					mu.Lock()
					defer mu.Unlock()
					sent = append(sent, n.Kind+"→"+n.Address)
					return nil
				})}
			for {
				k, err := w.RunOnce(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if k == 0 {
					break
				}
			}
			rows, err := db.Notifications(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, n := range rows {
				if n.Recipient != lo.ID || n.Channel != domain.ChannelEmail || n.Kind != domain.NotifyApproved {
					continue
				}
				seen++
				t.Logf("lo-no's %s e-mail to %s: %s %q", n.Kind, n.Address, n.Status, n.LastError)
				switch {
				case after.Disabled() || after.Nation != "NO":
					if n.Status == domain.DeliverySent {
						t.Errorf("%s e-mail about Norwegian request %s sent to lo-no (disabled %v, nation %s)",
							n.Kind, r.Reference, after.Disabled(), after.Nation)
					}
				case n.Status != domain.DeliverySent || n.Address != after.Email:
					t.Errorf("%s e-mail %s to %s, want sent to lo-no's address now, %s", n.Kind, n.Status, n.Address, after.Email)
				}
			}
			if seen != 1 {
				t.Errorf("%d request.approved e-mails to lo-no, want 1", seen)
			}
			t.Logf("sent %v", sent)
		})
	}
}

// raceDetails are the details of a Norwegian request of personnel that
// books ravlunda from 5 to 10 March 2027.
func raceDetails(name string, personnel int) domain.Details {
	at := time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC)
	return domain.Details{
		ExerciseName: name, Purpose: "Winter training",
		Unit:          domain.Unit{Designation: "Telemark Battalion"},
		Period:        domain.Period{Start: day("2027-03-02"), End: day("2027-03-20")},
		Personnel:     domain.Personnel{Military: personnel},
		Vehicles:      []domain.Vehicle{{Category: domain.VehicleCombat, Kind: domain.VehicleTracked, Count: 12}},
		Weapons:       domain.Weapons{LiveFire: true, Systems: []string{"CV90"}},
		Movements:     []domain.Movement{{Direction: domain.DirectionEntry, EntryPoint: "storlien", At: at, Mode: "road"}},
		TrainingAreas: []domain.AreaBooking{{Area: "ravlunda", From: day("2027-03-05"), To: day("2027-03-10")}},
		Contact:       domain.Contact{Name: "Maj. Berg", Email: "berg@mil.no"},
	}
}

var (
	raceLiaison  = domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
	raceAdmin    = domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	raceApprover = domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}
)

// raceServices are the services of the area races, the request service on
// ps (so that its transactions can be paused), on a database with lo-no.
type raceServices struct {
	reqs *domain.RequestService
	fw   *domain.FrameworkService
}

func newRaceServices(t *testing.T, db *storage.DB, ps *pauseStore) raceServices {
	t.Helper()
	ctx := context.Background()
	ref, err := db.Reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC) }
	us := domain.NewUserService(db, ref, now, uuid.NewString)
	if _, err := us.CreateUser(ctx, domain.SystemActor, domain.User{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison},
		Nation: "NO", Email: "lo@no.example"}, "x"); err != nil {
		t.Fatal(err)
	}
	return raceServices{reqs: domain.NewRequestService(ps, policy, ref, now, uuid.NewString),
		fw: domain.NewFrameworkService(db, ref, now, uuid.NewString)}
}

func hasWarning(r *domain.Request, code string) bool {
	return slices.ContainsFunc(r.Warnings, func(w domain.Warning) bool { return w.Code == code })
}

// TestRaceSubmitVersusBlackout: an administrator closes a day of an area
// while a liaison officer submits a request booking that day. Serially one
// of the two always tells: submit first, the save's area.closed notice;
// save first, the submission's area_blackout warning. At once on
// PostgreSQL neither did: the submission read the area unlocked. It now
// locks it (txConflicts), so the save waits for the submission and sees
// its booking.
func TestRaceSubmitVersusBlackout(t *testing.T) {
	for _, mode := range []string{"submit-then-save", "save-then-submit", "concurrent"} {
		t.Run(mode, func(t *testing.T) {
			db := postgresOnly(t)
			ctx := context.Background()
			ps := &pauseStore{DB: db}
			s := newRaceServices(t, db, ps)
			r, _, err := s.reqs.CreateRequest(ctx, raceLiaison, raceDetails("Cold Response", 100), nil)
			if err != nil {
				t.Fatal(err)
			}
			area, err := s.fw.TrainingArea(ctx, "ravlunda")
			if err != nil {
				t.Fatal(err)
			}
			save := func() error {
				_, err := s.fw.SaveTrainingArea(ctx, raceAdmin, "ravlunda", area.Version,
					domain.AreaEdit{CapacityPersonnel: area.CapacityPersonnel, BlackoutDays: append(area.BlackoutDays, day("2027-03-07"))})
				return err
			}
			submit := func() error { _, err := s.reqs.Submit(ctx, raceLiaison, r.ID, r.Version); return err }
			var errs [2]error
			switch mode {
			case "submit-then-save":
				errs = [2]error{submit(), save()}
			case "save-then-submit":
				errs = [2]error{save(), submit()}
			case "concurrent":
				// The submission pauses once it has read the area (no
				// blackout yet); the save runs meanwhile.
				var saveFirst bool
				errs[0], errs[1], saveFirst = runAgainst(t, db, ps, "TrainingAreas", submit, save)
				t.Logf("the save ended before the submission: %v", saveFirst)
			}
			if errs[0] != nil || errs[1] != nil {
				t.Fatal(errs)
			}
			got, err := db.GetRequest(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			ns, err := db.Notifications(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			closed := 0
			for _, n := range ns {
				if n.Kind == domain.NotifyAreaClosed {
					closed++
				}
			}
			warned := hasWarning(got, "area_blackout")
			t.Logf("%s: status %s, area_blackout warning %v, area.closed notices %d", mode, got.Status, warned, closed)
			if got.Status != domain.StatusInReview || !warned && closed == 0 {
				t.Errorf("request %s is %s booking a blackout day of ravlunda, with no blackout warning and no area.closed notice",
					got.Reference, got.Status)
			}
		})
	}
}

// TestRaceTwoSubmissionsOverCapacity: two requests that together exceed
// an area's capacity are submitted at once. Serially the second one is
// warned (area_capacity); at once on PostgreSQL neither was, each reading
// the load without the other's booking. The second now waits for the
// first's lock on the area.
func TestRaceTwoSubmissionsOverCapacity(t *testing.T) {
	for _, mode := range []string{"serial", "concurrent"} {
		t.Run(mode, func(t *testing.T) {
			db := postgresOnly(t)
			ctx := context.Background()
			ps := &pauseStore{DB: db}
			s := newRaceServices(t, db, ps)
			area, err := s.fw.TrainingArea(ctx, "ravlunda")
			if err != nil {
				t.Fatal(err)
			}
			each := area.CapacityPersonnel*6/10 + 1 // two of them exceed the capacity
			a, _, err := s.reqs.CreateRequest(ctx, raceLiaison, raceDetails("Alpha", each), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := s.reqs.CreateRequest(ctx, raceLiaison, raceDetails("Bravo", each), nil)
			if err != nil {
				t.Fatal(err)
			}
			submit := func(r *domain.Request) func() error {
				return func() error { _, err := s.reqs.Submit(ctx, raceLiaison, r.ID, r.Version); return err }
			}
			var errs [2]error
			if mode == "serial" {
				errs = [2]error{submit(a)(), submit(b)()}
			} else {
				var secondFirst bool
				errs[0], errs[1], secondFirst = runAgainst(t, db, ps, "AreaDayLoads", submit(a), submit(b))
				t.Logf("the second submission ended before the first: %v", secondFirst)
			}
			if errs[0] != nil || errs[1] != nil {
				t.Fatal(errs)
			}
			warned := 0
			for _, r := range []*domain.Request{a, b} {
				got, err := db.GetRequest(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if hasWarning(got, "area_capacity") {
					warned++
				}
				t.Logf("%s %s: status %s, area_capacity warning %v", mode, got.ExerciseName, got.Status, hasWarning(got, "area_capacity"))
			}
			if warned != 1 {
				t.Errorf("two requests of %d each are in review on ravlunda (capacity %d), and %d of them were warned, want 1",
					each, area.CapacityPersonnel, warned)
			}
		})
	}
}

// TestRaceCapacityCutVersusSubmit: an administrator lowers an area's
// capacity while a request is submitted onto it. The save's report
// (AreaSaved.Over), read in its transaction, names the days that the
// request in review takes over the new capacity when the submission came
// first; at once on PostgreSQL it named none. The save now waits for the
// submission's lock on the area.
func TestRaceCapacityCutVersusSubmit(t *testing.T) {
	for _, mode := range []string{"serial", "concurrent"} {
		t.Run(mode, func(t *testing.T) {
			db := postgresOnly(t)
			ctx := context.Background()
			ps := &pauseStore{DB: db}
			s := newRaceServices(t, db, ps)
			area, err := s.fw.TrainingArea(ctx, "ravlunda")
			if err != nil {
				t.Fatal(err)
			}
			r, _, err := s.reqs.CreateRequest(ctx, raceLiaison, raceDetails("Alpha", 200), nil)
			if err != nil {
				t.Fatal(err)
			}
			var over domain.OverCapacity
			cut := func() error {
				saved, err := s.fw.SaveTrainingArea(ctx, raceAdmin, "ravlunda", area.Version,
					domain.AreaEdit{CapacityPersonnel: 100, BlackoutDays: area.BlackoutDays})
				over = saved.Over
				return err
			}
			submit := func() error { _, err := s.reqs.Submit(ctx, raceLiaison, r.ID, r.Version); return err }
			var errs [2]error
			if mode == "serial" {
				errs = [2]error{submit(), cut()}
			} else {
				errs[0], errs[1], _ = runAgainst(t, db, ps, "AreaDayLoads", submit, cut)
			}
			if errs[0] != nil || errs[1] != nil {
				t.Fatal(errs)
			}
			got, err := db.GetRequest(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: request %s, the cut reports %d days over capacity with requests in review", mode, got.Status, len(over.WithInReview))
			if got.Status != domain.StatusInReview || len(over.WithInReview) != 6 {
				t.Errorf("the cut to 100 reported %d days over capacity, want the 6 that the request of 200 in review books", len(over.WithInReview))
			}
		})
	}
}

// TestRaceAreaChangesDoNotDeadlock: a submission, a final approval, a
// withdrawal and an area save, all on ravlunda, run at once, round after
// round. Each takes the area's lock (the withdrawal excepted) before the
// reference counter, the request's row, the load rows and the audit
// counter, in that order, so they queue on the area instead of
// deadlocking; and a deadlock PostgreSQL did break would be retried by
// InTx (storage.retryable), not reach the caller. No caller sees an error.
func TestRaceAreaChangesDoNotDeadlock(t *testing.T) {
	db := postgresOnly(t)
	ctx := context.Background()
	s := newRaceServices(t, db, &pauseStore{DB: db})
	ref, err := db.Reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC) }
	approvals := domain.NewApprovalService(db, ref, now, uuid.NewString)
	const rounds = 12
	for i := range rounds {
		// a is a draft to submit; b is in review at its last stage, to
		// approve; c is in review, to withdraw.
		a, _, err := s.reqs.CreateRequest(ctx, raceLiaison, raceDetails(fmt.Sprintf("Alpha %d", i), 300), nil)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := s.reqs.CreateRequest(ctx, raceLiaison, raceDetails(fmt.Sprintf("Charlie %d", i), 300), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c, err = s.reqs.Submit(ctx, raceLiaison, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		activated, due := now(), now().Add(72*time.Hour)
		b := &domain.Request{ID: uuid.NewString(), Status: domain.StatusInReview, Version: 1, Nation: "NO",
			Reference: fmt.Sprintf("SE-2026-EXA-%06d", 900+i), CreatedBy: "lo-no", CreatedAt: now(), UpdatedAt: now(),
			SubmittedAt: &activated, Details: raceDetails(fmt.Sprintf("Bravo %d", i), 300),
			Route: &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
				Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &activated, DueAt: &due}}}}
		createRequest(t, db, b)
		area, err := s.fw.TrainingArea(ctx, "ravlunda")
		if err != nil {
			t.Fatal(err)
		}
		ops := map[string]func() error{
			"submit": func() error { _, err := s.reqs.Submit(ctx, raceLiaison, a.ID, a.Version); return err },
			"final approval": func() error {
				_, err := approvals.Decide(ctx, raceApprover, b.ID, b.Version, domain.DecisionInput{Stage: "intake",
					Outcome: domain.OutcomeApprove, OverrideReason: "the range officer agreed to share the area"})
				return err
			},
			"withdrawal": func() error { _, err := s.reqs.Withdraw(ctx, raceLiaison, c.ID, c.Version, "cancelled"); return err },
			"area save": func() error {
				_, err := s.fw.SaveTrainingArea(ctx, raceAdmin, "ravlunda", area.Version, domain.AreaEdit{
					CapacityPersonnel: area.CapacityPersonnel - 1, BlackoutDays: append(area.BlackoutDays, day("2027-03-06").AddDate(0, 0, i%4))})
				return err
			},
		}
		runTogether(t, i, ops)
	}
}

// TestRaceTwoRevocationsLeaveRoleNotices: the deputy receives hns by two
// delegations (from hns and from hns2). Each revocation withdraws the
// deputy's queued hns notices unless another delegation still gives the
// role. Revoked one after the other, the second withdraws them; revoked
// at once on PostgreSQL, each read the other as still running and neither
// did. A revocation now reads the delegate's account with its lock
// (withdrawDelegatedNotices), so the second reads the delegations after
// the first committed.
func TestRaceTwoRevocationsLeaveRoleNotices(t *testing.T) {
	for _, mode := range []string{"serial", "concurrent"} {
		t.Run(mode, func(t *testing.T) {
			db := postgresOnly(t)
			ctx := context.Background()
			f := seedSchedule(t, db)
			at := f.now.Add(time.Minute)
			addHNS2DelegatingToDeputy(t, db, f, 150)
			r := newDraft(testID(t, 5), "NO")
			r.Status, r.Reference, r.Version = domain.StatusInReview, "SE-2026-EXA-000005", 1
			due := at.Add(72 * time.Hour)
			r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
				Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
			err := db.InTx(ctx, func(tx domain.Tx) error {
				if err := tx.CreateRequest(r); err != nil {
					return err
				}
				return tx.AppendAudit(&domain.AuditEntry{At: at, Actor: "lo-no", Action: domain.AuditRequestSubmitted,
					RequestID: r.ID, RequestVersion: r.Version})
			})
			if err != nil {
				t.Fatal(err)
			}
			deputy := userIDOf(t, db, "deputy")
			deputyMail := func() domain.Notification { t.Helper(); return stageEmailTo(t, db, r.ID, deputy) }
			if n := deputyMail(); n.Status != domain.DeliveryQueued {
				t.Fatalf("before the revocations the deputy's e-mail is %s", n.Status)
			}
			page, err := db.ListDelegations(ctx, domain.DelegationFilter{User: "deputy"}, at)
			ds := page.Items
			if err != nil || len(ds) != 2 {
				t.Fatalf("delegations %v %v", ds, err)
			}
			ref, err := db.Reference(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ps := &pauseStore{DB: db}
			svc := domain.NewApprovalService(ps, ref, func() time.Time { return at.Add(time.Second) }, uuid.NewString)
			revoke := func(d domain.ListedDelegation) func() error {
				return func() error {
					_, err := svc.RevokeDelegation(ctx, domain.Principal{Subject: d.From, Roles: []domain.Role{domain.RoleHNS}}, d.ID)
					return err
				}
			}
			var errs [2]error
			if mode == "serial" {
				errs = [2]error{revoke(ds[0])(), revoke(ds[1])()}
			} else {
				// The first revocation pauses once it has read the
				// deputy's delegations: the other still runs.
				var secondFirst bool
				errs[0], errs[1], secondFirst = runAgainst(t, db, ps, "ActiveDelegations", revoke(ds[0]), revoke(ds[1]))
				t.Logf("the second revocation ended before the first: %v", secondFirst)
			}
			if errs[0] != nil || errs[1] != nil {
				t.Fatal(errs)
			}
			n := deputyMail()
			t.Logf("%s: the deputy's hns stage e-mail: %s %q", mode, n.Status, n.LastError)
			if n.Status != domain.DeliveryUndeliverable || n.LastError != domain.DelegationRevokedError {
				t.Errorf("both delegations giving the deputy hns are revoked, and the deputy's hns stage e-mail is %s %q, want withdrawn: %q",
					n.Status, n.LastError, domain.DelegationRevokedError)
			}
		})
	}
}

// TestRaceMutualDelegatesDisabledAtOnce: hns-a delegates hns to range-b,
// and range-b delegates range to hns-a; both accounts are disabled at
// once. Each change locks its own account's row, then (its delegation
// lapses) its delegate's (withdrawDelegatedNotices): a deadlock, which
// PostgreSQL breaks by aborting one of them and InTx runs that one again.
// Neither caller sees an error, and both accounts end disabled.
func TestRaceMutualDelegatesDisabledAtOnce(t *testing.T) {
	db := postgresOnly(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	err := db.InTx(ctx, func(tx domain.Tx) error {
		for i, u := range []domain.User{
			{Username: "hns-a", Roles: []domain.Role{domain.RoleHNS}},
			{Username: "range-b", Roles: []domain.Role{domain.RoleRange}},
		} {
			u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 160+i), u.Username+"@example.org", fixedNow, fixedNow
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		for i, d := range []domain.Delegation{
			{From: "hns-a", To: "range-b", Role: domain.RoleHNS},
			{From: "range-b", To: "hns-a", Role: domain.RoleRange},
		} {
			d.ID, d.Starts, d.Ends, d.CreatedAt = testID(t, 310+i), now.Add(-time.Hour), now.Add(time.Hour), fixedNow
			if err := tx.CreateDelegation(&d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := db.Reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ps := &pauseStore{DB: db}
	us := domain.NewUserService(ps, ref, func() time.Time { return now }, uuid.NewString)
	disable := func(username string) func() error {
		return func() error {
			u, err := db.GetUserByUsername(ctx, username)
			if err != nil {
				return err
			}
			_, err = us.SetDisabled(ctx, "admin", u.ID, true, "left the unit")
			return err
		}
	}
	// hns-a's change pauses once it has written (and so locked) its
	// account; range-b's locks its own and waits for hns-a's.
	errA, errB, _ := runAgainst(t, db, ps, "UpdateUser", disable("hns-a"), disable("range-b"))
	if errA != nil || errB != nil {
		t.Fatalf("hns-a: %v; range-b: %v", errA, errB)
	}
	for _, name := range []string{"hns-a", "range-b"} {
		u, err := db.GetUserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Disabled() {
			t.Errorf("%s is not disabled", name)
		}
	}
	// Two changes, and one run again after PostgreSQL broke the deadlock.
	if runs := ps.runs.Load(); runs != 3 {
		t.Errorf("%d transaction attempts, want 3 (the two changes and the one PostgreSQL aborted, run again): the test no longer reaches the deadlock it is about", runs)
	}
}

// TestRaceRevocationBesideAStageNotice: while a revocation holds the
// delegate's account locked (withdrawDelegatedNotices), a submission
// activates a stage of the role and queues its notice to the delegate,
// who still receives the role by another delegation. The outbox row
// references the account (a foreign key: PostgreSQL takes a KEY SHARE lock
// on the account's row), and the submission queues it holding the audit
// counter, which the revocation takes last. A FOR UPDATE lock on the
// account would make the submission wait for the revocation and the
// revocation for the audit counter: a deadlock, every audited write held
// up until PostgreSQL breaks it a second later. The lock is FOR NO KEY
// UPDATE, which the foreign key's lock does not wait for: both go through
// at once, and neither is aborted.
func TestRaceRevocationBesideAStageNotice(t *testing.T) {
	db := postgresOnly(t)
	ctx := context.Background()
	f := seedSchedule(t, db)
	at := f.now.Add(time.Minute)
	addHNS2DelegatingToDeputy(t, db, f, 150)
	page, err := db.ListDelegations(ctx, domain.DelegationFilter{User: "hns"}, at)
	ds := page.Items
	if err != nil || len(ds) != 1 {
		t.Fatalf("hns's delegations %v %v", ds, err)
	}
	ref, err := db.Reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ps := &pauseStore{DB: db}
	svc := domain.NewApprovalService(ps, ref, func() time.Time { return at }, uuid.NewString)
	revoke := func() error {
		_, err := svc.RevokeDelegation(ctx, domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, ds[0].ID)
		return err
	}
	r := newDraft(testID(t, 5), "NO")
	r.Status, r.Reference, r.Version = domain.StatusInReview, "SE-2026-EXA-000005", 1
	due := at.Add(72 * time.Hour)
	r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
		Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
	submit := func() error {
		return ps.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.CreateRequest(r); err != nil {
				return err
			}
			return tx.AppendAudit(&domain.AuditEntry{At: at, Actor: "lo-no", Action: domain.AuditRequestSubmitted,
				RequestID: r.ID, RequestVersion: r.Version})
		})
	}
	// The revocation pauses once it has locked the deputy's account and
	// read their delegations; the submission runs meanwhile.
	start := time.Now()
	errRevoke, errSubmit, submitFirst := runAgainst(t, db, ps, "ActiveDelegations", revoke, submit)
	took := time.Since(start)
	if errRevoke != nil || errSubmit != nil {
		t.Fatalf("revocation: %v; submission: %v", errRevoke, errSubmit)
	}
	t.Logf("the submission ended while the revocation was paused: %v; both took %v", submitFirst, took)
	if runs := ps.runs.Load(); runs != 2 {
		t.Errorf("%d transaction attempts, want 2: PostgreSQL aborted one (a deadlock) and InTx ran it again", runs)
	}
	if !submitFirst {
		t.Error("the submission waited for the revocation's lock on the deputy's account")
	}
}
