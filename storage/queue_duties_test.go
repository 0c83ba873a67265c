package storage_test

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestQueueFollowsSeparationOfDuties: the queue shows a stage exactly when
// the domain would let the caller decide it (DecidableStages offers it
// without a refusal, and Decide accepts it), over a matrix of who holds the
// stage's role (directly or by a delegation), who created the request, who
// else wrote it (its authors), and who decided its stages, in this round or an earlier one. A delegate acts
// for their delegator, so what the delegator did counts for them: the queue
// once checked the caller alone and showed a delegate stages Decide then
// refused.
func TestQueueFollowsSeparationOfDuties(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := fixedNow
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, u := range []struct {
				name  string
				roles []domain.Role
			}{
				{"dee", []domain.Role{domain.RoleHNS, domain.RoleRange}}, // the delegator, R1 and R2
				{"ex", []domain.Role{domain.RoleOperations}},             // a delegate for range
				{"both", []domain.Role{domain.RoleOperations, domain.RoleRange}},
				{"rng", []domain.Role{domain.RoleRange}},
			} {
				err := tx.CreateUser(&domain.User{ID: testID(t, 100+i), Username: u.name, Roles: u.roles,
					Email: u.name + "@example.org", CreatedAt: now, UpdatedAt: now})
				if err != nil {
					return err
				}
			}
			for i, to := range []string{"ex", "both"} {
				err := tx.CreateDelegation(&domain.Delegation{ID: testID(t, 200+i), From: "dee", To: to, Role: domain.RoleRange,
					Starts: now.Add(-time.Hour), Ends: now.Add(24 * time.Hour), CreatedAt: now.Add(-time.Hour)})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ex := domain.Principal{Subject: "ex", Roles: []domain.Role{domain.RoleOperations}}
		rng := domain.Principal{Subject: "rng", Roles: []domain.Role{domain.RoleRange}}
		both := domain.Principal{Subject: "both", Roles: []domain.Role{domain.RoleOperations, domain.RoleRange}}
		intake := func(by, actingFor string) domain.Decision {
			return domain.Decision{Stage: "intake", By: by, ActingFor: actingFor, Outcome: domain.OutcomeApprove, At: now.Add(-time.Hour)}
		}
		cases := []struct {
			name      string
			p         domain.Principal
			createdBy string            // "" for a liaison officer
			decided   []domain.Decision // on intake, this round
			earlier   []domain.Decision
			want      bool // range_safety is in the queue, offered, and accepted
		}{
			{"direct role", rng, "", []domain.Decision{intake("hns1", "")}, nil, true},
			{"via delegation", ex, "", []domain.Decision{intake("hns1", "")}, nil, true},
			{"creator, direct role", rng, "rng", []domain.Decision{intake("hns1", "")}, nil, false},
			{"creator is the delegator", ex, "dee", []domain.Decision{intake("hns1", "")}, nil, false},
			{"author, direct role", rng, "", []domain.Decision{intake("hns1", "")}, nil, false},
			{"the delegator is an author", ex, "", []domain.Decision{intake("hns1", "")}, nil, false},
			{"authors are others", rng, "", []domain.Decision{intake("hns1", "")}, nil, true},
			{"decided before, direct role", rng, "", []domain.Decision{intake("rng", "")}, nil, false},
			{"decided before, via delegation", ex, "", []domain.Decision{intake("ex", "")}, nil, false},
			{"acting for someone who decided before", ex, "", []domain.Decision{intake("dee", "")}, nil, false},
			{"acting for someone another delegate acted for", ex, "", []domain.Decision{intake("other", "dee")}, nil, false},
			{"acting for someone who decided another stage in an earlier round", ex, "", []domain.Decision{intake("hns1", "")},
				[]domain.Decision{{Stage: "intake", By: "dee", Outcome: domain.OutcomeApprove, At: now.Add(-48 * time.Hour)}}, false},
			{"acting for someone who decided this stage in an earlier round", ex, "", []domain.Decision{intake("hns1", "")},
				[]domain.Decision{{Stage: "range_safety", By: "dee", Outcome: domain.OutcomeRequestChanges, Comment: "c", At: now.Add(-48 * time.Hour)}}, true},
			{"holding the role directly as well as by delegation", both, "", []domain.Decision{intake("dee", "")}, nil, true},
		}
		// A liaison officer who wrote the request (amended, submitted it)
		// and was later made an approver: refused as its creator is.
		authorsOf := map[string][]string{"author, direct role": {"rng"}, "the delegator is an author": {"dee"},
			"authors are others": {"lo-no3"}}
		ids := make([]string, len(cases))
		for i, c := range cases {
			ids[i] = testID(t, 300+i)
			r := newDraft(ids[i], "NO")
			if c.createdBy != "" {
				r.CreatedBy = c.createdBy
			}
			r.Authors = append([]string{r.CreatedBy, "lo-no2"}, authorsOf[c.name]...)
			r.Status = domain.StatusInReview
			for j := range c.decided {
				c.decided[j].ID = testID(t, 400+10*i+j)
			}
			for j := range c.earlier {
				c.earlier[j].ID = testID(t, 405+10*i+j)
			}
			activated, due := now.Add(-time.Hour), now.Add(time.Duration(72+i)*time.Hour)
			r.Route = &domain.Route{PolicyVersion: "t", Earlier: c.earlier, Stages: []domain.Stage{
				{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageApproved, ApprovalsRequired: 1,
					SLAWorkingDays: 2, ActivatedAt: &activated, DueAt: &due, Decisions: c.decided},
				// Two approvals, so that one accepted decision leaves the stage as it is.
				{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StageActive, ApprovalsRequired: 2,
					SLAWorkingDays: 3, ActivatedAt: &activated, DueAt: &due}}}
			createRequest(t, db, r)
		}
		svc := domain.NewApprovalService(db, nil, func() time.Time { return now }, func() string { return testID(t, 900) })
		for i, c := range cases {
			page, _, err := svc.Queue(ctx, c.p, domain.QueueQuery{Limit: 100})
			if err != nil {
				t.Fatalf("%s: queue: %v", c.name, err)
			}
			queued := false
			for _, it := range page.Items {
				queued = queued || it.RequestID == ids[i] && it.StageID == "range_safety"
			}
			r, err := db.GetRequest(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			choices, err := svc.DecidableStages(ctx, c.p, r)
			if err != nil {
				t.Fatalf("%s: decidable stages: %v", c.name, err)
			}
			offered := false
			for _, sc := range choices {
				offered = offered || sc.Stage.ID == "range_safety" && sc.Refused == nil
			}
			_, err = svc.Decide(ctx, c.p, ids[i], r.Version, domain.DecisionInput{Stage: "range_safety", Outcome: domain.OutcomeApprove})
			accepted := err == nil
			if err != nil && domain.ErrorCode(err) != domain.CodeSeparationOfDuties {
				t.Errorf("%s: decide: %v, want a separation-of-duties refusal or none", c.name, err)
			}
			if queued != c.want || offered != c.want || accepted != c.want {
				t.Errorf("%s: in the queue %v, offered %v, decided %v (%v); want %v for all three",
					c.name, queued, offered, accepted, err, c.want)
			}
		}
	})
}
