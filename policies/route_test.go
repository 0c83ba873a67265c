package policies

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
)

// customPolicy exercises the format beyond the default: stages listed out
// of order, a fast track whose when names a framework id rather than
// framework.fits (which the engine requires anyway), partners, timestamps
// and the sets extension.
const customPolicy = `version: "custom-7"
partners: [CH]
eligibility:
  - id: member
    when: nation.eu_member || nation.nato_member || nation.partner
    reason: member states and partners only
  - id: season
    when: request.period_start >= timestamp('2026-01-01T00:00:00Z') && request.period_start > today
    reason: periods from 2026 on, starting after today
stages:
  - id: decide
    role: operations_approver
    order: 2
    when: "true"
    approvals_required: 1
    sla_working_days: 4
    reason: someone decides
  - id: south_ranges
    role: range_officer
    order: 1
    when: sets.intersects(request.training_areas, ['ravlunda', 'revinge']) && request.net_explosive_kg > 10
    approvals_required: 1
    sla_working_days: 2
    reason: southern ranges with explosives
  - id: intake
    role: hns_officer
    order: 1
    when: "true"
    approvals_required: 1
    sla_working_days: 3
    reason: intake
fast_track:
  when: request.framework_id == 'FW-1'
  stages:
    - intake
    - id: decide
      sla_working_days: 1
  reason: fits FW-1
`

// fitting names agreement FW-1, of in's nation, which covers in's request
// as it is now (its period, areas, entry points, personnel, dangerous
// goods): framework.fits holds.
func fitting(in *domain.RoutingInput) {
	d := &in.Details
	d.FrameworkID = "FW-1"
	f := &domain.Framework{ID: "FW-1", FrameworkTerms: domain.FrameworkTerms{Nation: in.Nation.Code, Reference: "FW-1",
		ValidFrom: d.Period.Start, ValidUntil: d.Period.End, PersonnelCeiling: d.Personnel.Total(),
		DangerousGoods: len(d.DangerousGoods) > 0}}
	for _, a := range d.TrainingAreas {
		f.TrainingAreas = append(f.TrainingAreas, a.Area)
	}
	for _, m := range d.Movements {
		f.EntryPoints = append(f.EntryPoints, m.EntryPoint)
	}
	in.Framework = f
}

func stageIDs(ss []domain.PlannedStage) []string {
	var out []string
	for _, s := range ss {
		out = append(out, stageLine(s))
	}
	return out
}

func TestCustomPolicyRoutes(t *testing.T) {
	p := mustLoadText(t, customPolicy)
	explosives := func(in *domain.RoutingInput) {
		in.Details.TrainingAreas = []domain.AreaBooking{{Area: "revinge"}}
		in.Details.DangerousGoods = []domain.DangerousGood{{Class: "1.1D", NetExplosiveKg: 10.5}}
	}
	tests := []struct {
		name         string
		edit         func(in *domain.RoutingInput)
		wantEligible bool
		wantFast     bool
		wantStages   []string
	}{
		{"sorted by order, then file order", func(in *domain.RoutingInput) {}, true, false,
			[]string{"intake/hns_officer/1/1/3", "decide/operations_approver/2/1/4"}},
		{"order 1 stages in file order", explosives, true, false,
			[]string{"south_ranges/range_officer/1/1/2", "intake/hns_officer/1/1/3", "decide/operations_approver/2/1/4"}},
		{"fast track keeps listed stages, with its SLA", func(in *domain.RoutingInput) {
			explosives(in)
			fitting(in)
		}, true, true, []string{"intake/hns_officer/1/1/3", "decide/operations_approver/2/1/1"}},
		// The fast track's when narrows framework.fits, never widens it:
		// FW-1 named, but no agreement covers the request.
		{"no fast track outside an agreement, whatever its when", func(in *domain.RoutingInput) {
			explosives(in)
			in.Details.FrameworkID = "FW-1"
		}, true, false, []string{"south_ranges/range_officer/1/1/2", "intake/hns_officer/1/1/3", "decide/operations_approver/2/1/4"}},
		{"no fast track on an agreement the request does not fit", func(in *domain.RoutingInput) {
			explosives(in)
			fitting(in)
			in.Framework.DangerousGoods = false
		}, true, false, []string{"south_ranges/range_officer/1/1/2", "intake/hns_officer/1/1/3", "decide/operations_approver/2/1/4"}},
		{"partner from the policy", func(in *domain.RoutingInput) { in.Nation = switzerland }, true, false,
			[]string{"intake/hns_officer/1/1/3", "decide/operations_approver/2/1/4"}},
		{"timestamp rule", func(in *domain.RoutingInput) {
			in.Today = day("2025-12-01")
			in.Details.Period = domain.Period{Start: day("2025-12-29"), End: day("2026-01-02")}
		}, false, false, []string{"intake/hns_officer/1/1/3", "decide/operations_approver/2/1/4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := plainInput()
			tt.edit(&in)
			res, err := p.Route(in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Eligible != tt.wantEligible || res.FastTrack != tt.wantFast {
				t.Errorf("eligible %v fast %v, want %v %v (%+v)", res.Eligible, res.FastTrack, tt.wantEligible, tt.wantFast, res.Eligibility)
			}
			if got := stageIDs(res.Stages); !slices.Equal(got, tt.wantStages) {
				t.Errorf("stages\n got %v\nwant %v", got, tt.wantStages)
			}
			if tt.wantFast && res.Reasons[0] != "fast track: fits FW-1" {
				t.Errorf("reasons %q", res.Reasons)
			}
		})
	}
}

// A route with no stage would approve what nobody reviewed: Route refuses.
func TestRouteWithoutStageIsAnError(t *testing.T) {
	p := mustLoadText(t, strings.Replace(basePolicy, `when: "true"`, `when: "request.vehicles.tracked > 0"`, 1))
	res, err := p.Route(plainInput())
	if !errors.Is(err, errNoStage) || len(res.Stages) != 0 {
		t.Fatalf("got %+v, %v", res, err)
	}
	if !strings.Contains(err.Error(), "policy test-1 (policies/custom/policy.yaml)") {
		t.Errorf("error does not name the policy: %v", err)
	}
}

// A fast track whose kept stages do not apply is the same defect.
func TestFastTrackWithoutStageIsAnError(t *testing.T) {
	text := strings.Replace(basePolicy, `when: "true"`, `when: "!request.live_fire"`, 1) +
		"fast_track:\n  when: request.live_fire\n  stages: [intake]\n  reason: x\n"
	in := plainInput()
	fitting(&in)
	in.Details.Weapons.LiveFire = true
	in.Framework.LiveFire = true
	if _, err := mustLoadText(t, text).Route(in); !errors.Is(err, errNoStage) {
		t.Fatalf("got %v", err)
	}
}

// An expression that fails at run time is an error, never a silent pass.
func TestEvaluationErrorIsAnError(t *testing.T) {
	text := strings.Replace(basePolicy, `"nation.eu_member || nation.nato_member"`, `"request.weapon_systems[0] != 'x'"`, 1)
	_, err := mustLoadText(t, text).Route(plainInput())
	if err == nil || !strings.Contains(err.Error(), `eligibility rule "member" when "request.weapon_systems[0] != 'x'": index out of bounds`) {
		t.Fatalf("got %v", err)
	}
}

// One Policy serves every request concurrently (run with -race).
func TestRouteConcurrently(t *testing.T) {
	p := defaultPolicy(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			in := plainInput()
			in.Details.Weapons.LiveFire = i%2 == 0
			for range 50 {
				res, err := p.Route(in)
				if err != nil || len(res.Stages) != 2+(1-i%2) {
					t.Errorf("goroutine %d: %+v %v", i, res.Stages, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Without a clock the policy cannot judge lead time: it refuses to guess.
func TestRouteWithoutTodayIsAnError(t *testing.T) {
	in := plainInput()
	in.Today = time.Time{}
	if _, err := defaultPolicy(t).Route(in); err == nil || !strings.Contains(err.Error(), "no Today") {
		t.Fatalf("got %v", err)
	}
}
