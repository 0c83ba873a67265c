package storage_test

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestInvisibleRequestIsNotRead: a request the caller may not see is
// refused on its head alone — its details, route and warnings are never
// read or decoded — so that its refusal costs what a missing request's
// does, however large it is (docs/security.md, need-to-know). The rows'
// JSON is made undecodable: a read of the whole row fails, as its owner
// sees, yet every single-request path answers a foreign liaison officer,
// and an approver a never-submitted draft, exactly the not found of an id
// no request has, and the refusal log records the attempt.
func TestInvisibleRequestIsNotRead(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := func() time.Time { return fixedNow }
		submitted := newDraft(testID(t, 1), "NO")
		submitted.Status, submitted.SubmittedAt, submitted.Reference = domain.StatusInReview, &fixedNow, "SE-2026-EXA-000004"
		draft := newDraft(testID(t, 2), "NO")
		createRequest(t, db, submitted)
		createRequest(t, db, draft)
		for _, id := range []string{submitted.ID, draft.ID} {
			if err := db.WriterForTest().Exec("UPDATE requests SET details = ?, warnings = ? WHERE id = ?",
				"{not json", "{not json", id).Error; err != nil {
				t.Fatal(err)
			}
		}
		reqs := domain.NewRequestService(db, nil, nil, now, func() string { return testID(t, 90) })
		approvals := domain.NewApprovalService(db, nil, now, func() string { return testID(t, 91) })
		owner := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
		if _, err := reqs.GetRequest(ctx, owner, submitted.ID); err == nil || domain.ErrorCode(err) == domain.CodeNotFound {
			t.Fatalf("the owner's read of the undecodable row: %v, want a decoding error", err)
		}

		paths := map[string]func(p domain.Principal, id string) error{
			"get": func(p domain.Principal, id string) error {
				_, err := reqs.GetRequest(ctx, p, id)
				return err
			},
			"history": func(p domain.Principal, id string) error {
				_, err := approvals.History(ctx, p, id, domain.HistoryQuery{})
				return err
			},
			"submit": func(p domain.Principal, id string) error {
				_, err := reqs.Submit(ctx, p, id, 1)
				return err
			},
			"withdraw": func(p domain.Principal, id string) error {
				_, err := reqs.Withdraw(ctx, p, id, 1, "")
				return err
			},
			"revoke": func(p domain.Principal, id string) error {
				_, err := approvals.Revoke(ctx, p, id, 1, "unsafe ice")
				return err
			},
		}
		foreign := domain.Principal{Subject: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"}
		approver := domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}
		cases := []struct {
			who domain.Principal
			ids []string
		}{
			{foreign, []string{submitted.ID, submitted.Reference, draft.ID}},
			{approver, []string{draft.ID}},
		}
		for name, path := range paths {
			missing := path(foreign, testID(t, 99))
			wantCode(t, missing, domain.CodeNotFound)
			for _, c := range cases {
				for _, id := range c.ids {
					err := path(c.who, id)
					if domain.ErrorCode(err) != domain.CodeNotFound || err.Error() != missing.Error() {
						t.Errorf("%s by %s of %s: %v, want %v", name, c.who.Subject, id, err, missing)
					}
				}
			}
		}

		// The refusal of the attempt is recorded on the request without
		// reading it whole, with and without the memory of refusals.
		for _, memory := range []*domain.RefusalMemory{nil, domain.NewRefusalMemory(time.Minute, 100)} {
			log := domain.NewRefusalLog(db, now, memory)
			if err := log.Record(ctx, foreign, submitted.Reference, "GET /api/v1/requests/:id", domain.ErrNotFound("request")); err != nil {
				t.Errorf("recording the refusal (memory %v): %v", memory != nil, err)
			}
		}
	})
}
