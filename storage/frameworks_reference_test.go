package storage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// agreementTerms are valid terms of an agreement of nation with reference.
func agreementTerms(nation, reference string) domain.FrameworkTerms {
	return domain.FrameworkTerms{Nation: nation, Name: "Agreement " + reference, Reference: reference,
		ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"), TrainingAreas: []string{"kilen"},
		EntryPoints: []string{"storlien"}, PersonnelCeiling: 500}
}

var fwAdmin = domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}

// blindStore is the database whose transactions do not see the references
// other agreements hold (FrameworksWithReference finds none): what a
// transaction sees of one that stores the same reference at the same
// instant and has not committed yet. Only the database's own rule is left.
type blindStore struct{ *storage.DB }

func (s blindStore) InTx(ctx context.Context, fn func(domain.Tx) error) error {
	return s.DB.InTx(ctx, func(tx domain.Tx) error { return fn(blindTx{tx}) })
}

type blindTx struct{ domain.Tx }

func (blindTx) FrameworksWithReference(string, string) ([]string, error) { return nil, nil }

// sameRefusal fails unless err is want's refusal: code, message and fields.
func sameRefusal(t *testing.T, what string, err, want error) {
	t.Helper()
	var got, w *domain.Error
	if !errors.As(err, &got) || !errors.As(want, &w) || got.Code != w.Code || got.Message != w.Message ||
		!reflect.DeepEqual(got.Fields, w.Fields) {
		t.Errorf("%s: %v, want the lookup's refusal %v", what, err, want)
	}
}

// TestFrameworkReferenceHeldByTheDatabase: a reference another agreement of
// the nation holds is refused by the database too (the unique index of
// migration 0030), on a creation and on a change, with the very refusal
// the lookup gives (422 on reference), never a 500.
func TestFrameworkReferenceHeldByTheDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ref := mustRef(t, db)
		clock := func() time.Time { return fixedNow }
		fw := domain.NewFrameworkService(db, ref, clock, uuid.NewString)
		blind := domain.NewFrameworkService(blindStore{db}, ref, clock, uuid.NewString)

		first, err := blind.Create(ctx, fwAdmin, agreementTerms("NO", "R-1"))
		if err != nil {
			t.Fatal(err)
		}
		_, lookup := fw.Create(ctx, fwAdmin, agreementTerms("NO", "r-1"))
		if domain.ErrorCode(lookup) != domain.CodeInvalid {
			t.Fatalf("the lookup's refusal: %v", lookup)
		}
		_, err = blind.Create(ctx, fwAdmin, agreementTerms("NO", " r-1 "))
		sameRefusal(t, "a creation under a held reference", err, lookup)
		// Another nation's agreement may have it.
		if _, err := blind.Create(ctx, fwAdmin, agreementTerms("DK", "R-1")); err != nil {
			t.Fatalf("another nation's agreement: %v", err)
		}

		second, err := blind.Create(ctx, fwAdmin, agreementTerms("NO", "R-2"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = blind.Update(ctx, fwAdmin, second.ID, second.Version, agreementTerms("NO", "r-1"))
		sameRefusal(t, "a change to a held reference", err, lookup)
		// The same agreement keeps its reference through a change of case.
		if _, err := blind.Update(ctx, fwAdmin, second.ID, second.Version, agreementTerms("NO", "r-2")); err != nil {
			t.Fatalf("a change of the reference's case: %v", err)
		}
		if got, err := db.GetFramework(ctx, first.ID); err != nil || got.Reference != "R-1" {
			t.Fatalf("the first agreement: %+v, %v", got, err)
		}
	})
}

// TestFrameworkReferenceSame: whether two references are the same is
// Go's answer (domain.ReferenceKey), on SQLite and on PostgreSQL alike and
// in either order: white space around a reference (a tab, a line break, a
// no-break space) and letter case (Unicode's, as strings.EqualFold has it)
// aside, nothing else. The lookup and, past it, the database's index give
// the same answer; a reference is stored without the white space around it.
func TestFrameworkReferenceSame(t *testing.T) {
	// Each reference's %d is the number of the try, so that tries do not meet.
	cases := []struct {
		a, b string
		same bool
	}{
		{"FA-U%d", "FA-U%d\t", true},
		{"FA-U%d", "FA-U%d\n", true},
		{"FA-U%d", "\u00a0FA-U%d", true},
		{"ÅFD%d", "åfd%d", true},
		{"ØRE-%d", "øre-%d", true},
		{"KELVIN%d", "\u212aelvin%d", true}, // the Kelvin sign folds to k
		{"S-%d", "ſ-%d", true},              // the long s folds to s
		{"STRASSE%d", "straße%d", false},    // ß is not SS to EqualFold
		{"FA %d", "FA  %d", false},          // white space inside counts
		{"FA-1/%d", "FA-2/%d", false},
		{"İ-%d", "i-%d", false}, // the dotted capital I is not i to EqualFold
	}
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ref := mustRef(t, db)
		clock := func() time.Time { return fixedNow }
		services := map[string]*domain.FrameworkService{
			"lookup":   domain.NewFrameworkService(db, ref, clock, uuid.NewString),
			"database": domain.NewFrameworkService(blindStore{db}, ref, clock, uuid.NewString),
		}
		try := 0
		for _, c := range cases {
			for _, by := range []string{"lookup", "database"} {
				for _, pair := range [][2]string{{c.a, c.b}, {c.b, c.a}} {
					try++
					a, b := fmt.Sprintf(pair[0], try), fmt.Sprintf(pair[1], try)
					first, err := services[by].Create(ctx, fwAdmin, agreementTerms("NO", a))
					if err != nil {
						t.Fatalf("%s %q: %v", by, a, err)
					}
					if first.Reference != strings.TrimSpace(a) {
						t.Errorf("%q is stored as %q", a, first.Reference)
					}
					_, err = services[by].Create(ctx, fwAdmin, agreementTerms("NO", b))
					if refused := domain.ErrorCode(err) == domain.CodeInvalid; refused != c.same || !refused && err != nil {
						t.Errorf("%s: %q then %q: %v; want the same reference: %v", by, a, b, err, c.same)
					}
				}
			}
		}
	})
}

// TestFrameworkReferenceMigration: migration 0030 keeps agreements stored
// twice under one reference before it (case and spaces aside), marks the
// later ones, and creates the index; those agreements can still be
// amended, one that moves to another reference is held there by the
// index, and a new agreement cannot take the reference they share.
func TestFrameworkReferenceMigration(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAtVersion(t, c.DSN, 29)
			w := db.WriterForTest()
			for _, n := range []string{"('NO', 'NOR', '578', 'Norway')", "('DK', 'DNK', '208', 'Denmark')"} {
				if err := w.Exec("INSERT INTO nations (alpha2, alpha3, numeric_code, name) VALUES " + n).Error; err != nil {
					t.Fatal(err)
				}
			}
			rows := []struct {
				nation, reference string
				seq               int
			}{{"NO", "FA-1", 0}, {"NO", "fa-1 ", 1}, {"DK", "FA-1", 0}, {"NO", "FA-2", 0}, {"NO", " Fa-1", 2},
				// The key is Go's (domain.ReferenceKey) on either database:
				// a tab and a no-break space are white space, Å and å one
				// letter, ß and SS two references.
				{"NO", "FA-U\t", 0}, {"NO", "fa-u", 1}, {"NO", "ÅFD", 0}, {"NO", "åfd\u00a0", 1}, {"NO", "STRASSE", 0}, {"NO", "straße", 0}}
			ids := make([]string, len(rows))
			for i, r := range rows {
				ids[i] = testID(t, i+1)
				if err := w.Exec(`INSERT INTO frameworks (id, nation, name, reference, valid_from, valid_until,
					training_areas, entry_points, personnel_ceiling, live_fire, dangerous_goods, version, created_at, updated_at)
					VALUES (?, ?, ?, ?, '2027-01-01', '2027-12-31', '["kilen"]', '["storlien"]', 500, false, false, 1, ?, ?)`,
					ids[i], r.nation, fmt.Sprintf("Agreement %d", i), r.reference, fixedNow, fixedNow).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			seq := func(id string) int {
				t.Helper()
				var n int
				if err := w.Raw("SELECT dup_seq FROM frameworks WHERE id = ?", id).Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
			for i, r := range rows {
				if got := seq(ids[i]); got != r.seq {
					t.Errorf("%s %q: dup_seq %d, want %d", r.nation, r.reference, got, r.seq)
				}
				var key string
				if err := w.Raw("SELECT reference_key FROM frameworks WHERE id = ?", ids[i]).Scan(&key).Error; err != nil {
					t.Fatal(err)
				}
				if key != domain.ReferenceKey(r.reference) {
					t.Errorf("%s %q: reference_key %q, want %q", r.nation, r.reference, key, domain.ReferenceKey(r.reference))
				}
				if got, err := db.GetFramework(ctx, ids[i]); err != nil || got.Reference != r.reference {
					t.Errorf("%s %q: reads %+v, %v: the stored reference is kept as it was", r.nation, r.reference, got, err)
				}
			}

			ref := mustRef(t, db)
			clock := func() time.Time { return fixedNow }
			fw := domain.NewFrameworkService(db, ref, clock, uuid.NewString)
			blind := domain.NewFrameworkService(blindStore{db}, ref, clock, uuid.NewString)
			_, lookup := fw.Create(ctx, fwAdmin, agreementTerms("NO", "FA-1"))
			if domain.ErrorCode(lookup) != domain.CodeInvalid {
				t.Fatalf("a new agreement under the legacy reference: %v", lookup)
			}
			_, err := blind.Create(ctx, fwAdmin, agreementTerms("NO", "FA-1"))
			sameRefusal(t, "a new agreement under the legacy reference, past the lookup", err, lookup)

			// A later duplicate is amended under its reference, and keeps its mark.
			dup, err := db.GetFramework(ctx, ids[1])
			if err != nil {
				t.Fatal(err)
			}
			amended := dup.FrameworkTerms
			amended.Suspended = true
			if _, err := fw.Update(ctx, fwAdmin, dup.ID, dup.Version, amended); err != nil {
				t.Fatalf("suspending a legacy duplicate: %v", err)
			}
			if got := seq(dup.ID); got != 1 {
				t.Errorf("the suspended duplicate: dup_seq %d, want 1", got)
			}
			// One that moves to a reference of its own is held there.
			last, err := db.GetFramework(ctx, ids[4])
			if err != nil {
				t.Fatal(err)
			}
			moved := last.FrameworkTerms
			moved.Reference = "FA-3"
			if _, err := fw.Update(ctx, fwAdmin, last.ID, last.Version, moved); err != nil {
				t.Fatalf("moving a legacy duplicate to a reference of its own: %v", err)
			}
			if got := seq(last.ID); got != 0 {
				t.Errorf("the moved duplicate: dup_seq %d, want 0", got)
			}
			_, lookup = fw.Create(ctx, fwAdmin, agreementTerms("NO", "fa-3"))
			_, err = blind.Create(ctx, fwAdmin, agreementTerms("NO", "fa-3"))
			sameRefusal(t, "a new agreement under the moved one's reference, past the lookup", err, lookup)

			// A binary older than 0030, still running beside a migrated one,
			// stores an agreement without its key and renames another
			// without changing its key. The lookup finds them by their
			// references all the same, and the next Migrate keys them, so
			// that the index holds them again.
			legacy := testID(t, 90)
			if err := w.Exec(`INSERT INTO frameworks (id, nation, name, reference, valid_from, valid_until,
				training_areas, entry_points, personnel_ceiling, live_fire, dangerous_goods, version, created_at, updated_at)
				VALUES (?, 'NO', 'Older binary', 'FA-9	', '2027-01-01', '2027-12-31', '["kilen"]', '["storlien"]', 500, false, false, 1, ?, ?)`,
				legacy, fixedNow, fixedNow).Error; err != nil {
				t.Fatal(err)
			}
			if err := w.Exec("UPDATE frameworks SET reference = 'FA-10' WHERE id = ?", ids[3]).Error; err != nil {
				t.Fatal(err)
			}
			for _, r := range []string{"fa-9", "fa-10"} {
				if _, err := fw.Create(ctx, fwAdmin, agreementTerms("NO", r)); domain.ErrorCode(err) != domain.CodeInvalid {
					t.Errorf("%q, held by an agreement an older binary stored: %v", r, err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, r := range []string{"fa-9", "fa-10"} {
				_, lookup := fw.Create(ctx, fwAdmin, agreementTerms("NO", r))
				_, err := blind.Create(ctx, fwAdmin, agreementTerms("NO", r))
				sameRefusal(t, r+", keyed by Migrate, past the lookup", err, lookup)
			}
			if got := seq(legacy); got != 0 {
				t.Errorf("the agreement the older binary stored: dup_seq %d, want 0", got)
			}
		})
	}
}

// TestFrameworkReferenceRace: on PostgreSQL, whose transactions run at
// once, many agreements of one nation created at the same instant under one
// reference all pass the lookup (each transaction looks before any stores:
// meetStore holds them there until all have looked); exactly one is stored
// and every other is refused as the lookup refuses.
func TestFrameworkReferenceRace(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		if c.Name != storage.DialectPostgres {
			continue // SQLite's single committer runs them one after another
		}
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.Open(t, c.DSN)
			ref := mustRef(t, db)
			const n = 8
			meet := &meetStore{DB: db, n: n, all: make(chan struct{})}
			fw := domain.NewFrameworkService(meet, ref, func() time.Time { return fixedNow }, uuid.NewString)
			var (
				wg   sync.WaitGroup
				errs = make([]error, n)
			)
			for i := range n {
				wg.Go(func() { _, errs[i] = fw.Create(ctx, fwAdmin, agreementTerms("NO", "RACE-1")) })
			}
			wg.Wait()
			if meet.late {
				t.Fatal("the transactions did not all look before one stored: no race was run")
			}
			_, lookup := fw.Create(ctx, fwAdmin, agreementTerms("NO", "RACE-1"))
			if domain.ErrorCode(lookup) != domain.CodeInvalid {
				t.Fatalf("the lookup's refusal: %v", lookup)
			}
			stored := 0
			for _, err := range errs {
				if err == nil {
					stored++
					continue
				}
				sameRefusal(t, "a creation that lost the race", err, lookup)
			}
			all, err := db.ListFrameworks(ctx, "NO")
			if err != nil {
				t.Fatal(err)
			}
			if stored != 1 || len(all) != 1 {
				t.Fatalf("%d of %d creations succeeded, %d agreements stored; want exactly one", stored, n, len(all))
			}
		})
	}
}

// meetStore is the database whose first n transactions to look up a
// reference wait, after looking, until all n have looked (or 10 seconds
// have passed: late is then set).
type meetStore struct {
	*storage.DB
	n    int
	mu   sync.Mutex
	seen int
	all  chan struct{}
	late bool
}

func (s *meetStore) InTx(ctx context.Context, fn func(domain.Tx) error) error {
	return s.DB.InTx(ctx, func(tx domain.Tx) error { return fn(meetTx{tx, s}) })
}

type meetTx struct {
	domain.Tx
	s *meetStore
}

func (m meetTx) FrameworksWithReference(nation, reference string) ([]string, error) {
	ids, err := m.Tx.FrameworksWithReference(nation, reference)
	s := m.s
	s.mu.Lock()
	s.seen++
	if s.seen == s.n {
		close(s.all)
	}
	wait := s.seen <= s.n
	s.mu.Unlock()
	if wait {
		select {
		case <-s.all:
		case <-time.After(10 * time.Second):
			s.mu.Lock()
			s.late = true
			s.mu.Unlock()
		}
	}
	return ids, err
}
