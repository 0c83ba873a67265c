package domain

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// BarredFrom lists exactly the people CheckSeparationOfDuties refuses on a
// stage, deciding for themselves, and a delegate is refused exactly when
// they or the person they act for is listed: the stage notices leave out
// whom the decision would refuse, and nobody else.
func TestBarredFromMatchesSeparationOfDuties(t *testing.T) {
	people := []string{"lo-no", "lo-no2", "hns", "hns2", "range", "range2", "ops", "ops2", "gov", "gov2", "x"}
	stages := []string{"intake", "range_safety", "operations", "ministry"}
	rng := rand.New(rand.NewPCG(14, 1))
	for i := range 500 {
		r := reviewed()
		r.Authors = nil
		if rng.IntN(2) == 0 {
			r.Authors = []string{r.CreatedBy, people[rng.IntN(len(people))]}
		}
		decision := func() Decision {
			d := Decision{Stage: stages[rng.IntN(len(stages))], By: people[rng.IntN(len(people))], Outcome: OutcomeApprove}
			if rng.IntN(3) == 0 {
				d.ActingFor = people[rng.IntN(len(people))]
			}
			return d
		}
		for range rng.IntN(3) {
			r.Route.Earlier = append(r.Route.Earlier, decision())
		}
		for s := range r.Route.Stages {
			for range rng.IntN(2) {
				d := decision()
				d.Stage = r.Route.Stages[s].ID
				r.Route.Stages[s].Decisions = append(r.Route.Stages[s].Decisions, d)
			}
		}
		for _, s := range r.Route.Stages {
			barred := BarredFrom(r, s.ID)
			for _, p := range people {
				refused := CheckSeparationOfDuties(r, s.ID, p, "") != nil
				if refused != slices.Contains(barred, p) {
					t.Fatalf("case %d, stage %s, %s: refused by separation of duties %v, in BarredFrom %v (%v)", i, s.ID, p, refused, !refused, barred)
				}
				// A delegate acting for someone is refused exactly when
				// either of them is barred (storage's notBarred).
				for _, q := range people {
					refused := CheckSeparationOfDuties(r, s.ID, p, q) != nil
					if either := slices.Contains(barred, p) || slices.Contains(barred, q); refused != either {
						t.Fatalf("case %d, stage %s, %s acting for %s: refused %v, either barred %v (%v)", i, s.ID, p, q, refused, either, barred)
					}
				}
			}
		}
	}
}

// Who decided another stage, in this round or an earlier one, is barred;
// who decided the same stage in an earlier round is not.
func TestBarredFromRounds(t *testing.T) {
	r := reviewed()
	r.Route.Stages[0].Decisions = []Decision{{Stage: "intake", By: "hns", ActingFor: "", Outcome: OutcomeApprove}}
	r.Route.Earlier = []Decision{{Stage: "range_safety", By: "range2", Outcome: OutcomeApprove}, {Stage: "operations", By: "ops2", Outcome: OutcomeApprove}}
	for _, s := range r.Route.Stages {
		got := BarredFrom(r, s.ID)
		if !slices.Contains(got, "hns") || !slices.Contains(got, r.CreatedBy) {
			t.Errorf("stage %s: barred %v, want hns and the creator %s", s.ID, got, r.CreatedBy)
		}
		// An earlier round's decision of the same stage does not bar: a
		// fresh review of that stage is allowed.
		if wantRange2 := s.ID != "range_safety"; slices.Contains(got, "range2") != wantRange2 {
			t.Errorf("stage %s: barred %v: range2 (decided range_safety in an earlier round) barred = %v, want %v", s.ID, got, !wantRange2, wantRange2)
		}
	}
}

// audienceIs reports whether a is want, leaving Barred aside.
func audienceIs(a, want Audience) bool {
	a.Barred = nil
	return reflect.DeepEqual(a, want)
}
