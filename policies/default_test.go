package policies

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"
)

// stageLine renders a planned stage compactly for comparison:
// id/role/order/approvals/sla.
func stageLine(s domain.PlannedStage) string {
	return fmt.Sprintf("%s/%s/%d/%d/%d", s.ID, s.Role, s.Order, s.ApprovalsRequired, s.SLAWorkingDays)
}

const (
	intake      = "intake/hns_officer/1/1/2"
	rangeSafety = "range_safety/range_officer/2/1/3"
	operations  = "operations/operations_approver/2/1/3"
	ministry    = "ministry/ministry/3/2/5"
	fastIntake  = "intake/hns_officer/1/1/1"
)

func TestDefaultPolicyRoutes(t *testing.T) {
	p := defaultPolicy(t)
	tests := []struct {
		name       string
		edit       func(in *domain.RoutingInput)
		wantFailed []string // ids of failing eligibility rules
		wantStages []string
	}{
		{"plain request", func(in *domain.RoutingInput) {}, nil, []string{intake, operations}},
		{"live fire at ravlunda", func(in *domain.RoutingInput) {
			in.Details.Weapons = domain.Weapons{LiveFire: true, Systems: []string{"Carl-Gustaf M4"}}
			in.Details.TrainingAreas = []domain.AreaBooking{{Area: "ravlunda", From: day("2026-03-17"), To: day("2026-03-19")}}
		}, nil, []string{intake, rangeSafety, operations}},
		{"training area without fire", func(in *domain.RoutingInput) {
			in.Details.TrainingAreas = []domain.AreaBooking{{Area: "revinge", From: day("2026-03-17"), To: day("2026-03-17")}}
		}, nil, []string{intake, rangeSafety, operations}},
		{"dangerous goods only", func(in *domain.RoutingInput) {
			in.Details.DangerousGoods = []domain.DangerousGood{{UNNumber: "0012", Class: "1.4S", NetExplosiveKg: 3.5}}
		}, nil, []string{intake, rangeSafety, operations}},
		{"warship", func(in *domain.RoutingInput) {
			in.Details.Vessels = []domain.Vessel{{Name: "HNLMS Tromp", Kind: domain.VesselWarship, Crew: 200}}
		}, nil, []string{intake, operations, ministry}},
		{"auxiliary vessel only", func(in *domain.RoutingInput) {
			in.Details.Vessels = []domain.Vessel{{Name: "Supply", Kind: domain.VesselAuxiliary, Crew: 40}}
		}, nil, []string{intake, operations}},
		{"armed aircraft", func(in *domain.RoutingInput) {
			in.Details.Aircraft = []domain.Aircraft{{Type: "F-16", Count: 4, Armed: true}}
		}, nil, []string{intake, operations, ministry}},
		{"unarmed transport aircraft", func(in *domain.RoutingInput) {
			in.Details.Aircraft = []domain.Aircraft{{Type: "C-130", Count: 2, Cameras: true}}
		}, nil, []string{intake, operations}},
		{"3000 personnel", func(in *domain.RoutingInput) {
			in.Details.Personnel = domain.Personnel{Military: 2900, Civilian: 50, Contractors: 50}
		}, nil, []string{intake, operations}},
		{"3001 personnel", func(in *domain.RoutingInput) {
			in.Details.Personnel = domain.Personnel{Military: 2900, Civilian: 50, Contractors: 51}
		}, nil, []string{intake, operations, ministry}},
		{"everything at once", func(in *domain.RoutingInput) {
			in.Details.Weapons.LiveFire = true
			in.Details.Aircraft = []domain.Aircraft{{Type: "JAS 39", Count: 2, Armed: true}}
		}, nil, []string{intake, rangeSafety, operations, ministry}},
		{"Austria, EU only", func(in *domain.RoutingInput) { in.Nation = austria }, nil, []string{intake, operations}},
		{"Norway, NATO only", func(in *domain.RoutingInput) { in.Nation = norway }, nil, []string{intake, operations}},
		{"United Kingdom, NATO after leaving the EU", func(in *domain.RoutingInput) { in.Nation = ukingdom }, nil, []string{intake, operations}},
		{"Switzerland, a partner", func(in *domain.RoutingInput) { in.Nation = switzerland }, nil, []string{intake, operations}},
		{"Finland in 2022, EU but not yet NATO", func(in *domain.RoutingInput) {
			in.Nation, in.Today = finland, day("2022-05-02")
			in.Details.Period = domain.Period{Start: day("2022-05-16"), End: day("2022-05-20")}
		}, nil, []string{intake, operations}},
		{"nation with no membership", func(in *domain.RoutingInput) {
			in.Nation = nation("XX", "", "")
		}, []string{"member_state"}, []string{intake, operations}},
		{"nation missing from reference data", func(in *domain.RoutingInput) {
			in.Nation = domain.Nation{}
		}, []string{"member_state"}, []string{intake, operations}},
		{"membership starting after the period starts", func(in *domain.RoutingInput) {
			in.Nation = nation("XX", "2026-03-17", "")
		}, []string{"member_state"}, []string{intake, operations}},
		{"lead time 62 hours", func(in *domain.RoutingInput) {
			in.Details.Period = domain.Period{Start: day("2026-03-05"), End: day("2026-03-06")} // Mon 10:00 → Thu 00:00
		}, []string{"lead_time"}, []string{intake, operations}},
		{"lead time 86 hours", func(in *domain.RoutingInput) {
			in.Details.Period = domain.Period{Start: day("2026-03-06"), End: day("2026-03-06")}
		}, nil, []string{intake, operations}},
		{"72 hours run through Easter", func(in *domain.RoutingInput) {
			// Thu 2 Apr 11:00 → Wed 8 Apr 00:00: 133 hours, Good Friday and
			// Easter Monday included. Notice is time, not working days.
			in.Today = day("2026-04-02").Add(9 * 3600e9)
			in.Details.Period = domain.Period{Start: day("2026-04-08"), End: day("2026-04-10")}
		}, nil, []string{intake, operations}},
		{"vessel with 6 days 14 hours", func(in *domain.RoutingInput) {
			in.Details.Period = domain.Period{Start: day("2026-03-09"), End: day("2026-03-12")}
			in.Details.Vessels = []domain.Vessel{{Name: "Supply", Kind: domain.VesselAuxiliary}}
		}, []string{"lead_time_naval"}, []string{intake, operations}},
		{"vessel with 7 days 14 hours", func(in *domain.RoutingInput) {
			in.Details.Period = domain.Period{Start: day("2026-03-10"), End: day("2026-03-12")}
			in.Details.Vessels = []domain.Vessel{{Name: "Supply", Kind: domain.VesselAuxiliary}}
		}, nil, []string{intake, operations}},
		{"framework named but not found", func(in *domain.RoutingInput) {
			in.Details.FrameworkID = "FW-DE-2026-01"
		}, nil, []string{intake, operations}},
		{"fits a framework: fast track", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
		}, nil, []string{fastIntake}},
		{"fits a framework but gives 38 hours' notice", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Details.Period = domain.Period{Start: day("2026-03-04"), End: day("2026-03-04")} // Wed
		}, []string{"lead_time"}, []string{fastIntake}},
		{"framework with live fire it does not cover", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Details.Weapons.LiveFire = true
		}, nil, []string{intake, rangeSafety, operations}},
		{"framework with live fire it covers keeps range safety", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Framework.LiveFire = true
			in.Details.Weapons.LiveFire = true
		}, nil, []string{fastIntake, rangeSafety}},
		{"framework booking without fire needs no range review", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Details.TrainingAreas = []domain.AreaBooking{{Area: "revinge", From: day("2026-03-17"), To: day("2026-03-17")}}
		}, nil, []string{fastIntake}},
		{"warship inside a framework's envelope", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Details.Vessels = []domain.Vessel{{Name: "FGS Sachsen", Kind: domain.VesselWarship, Crew: 240}}
		}, nil, []string{intake, operations, ministry}},
		{"armed aircraft inside a framework's envelope", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Details.Aircraft = []domain.Aircraft{{Type: "Eurofighter", Count: 4, Armed: true}}
		}, nil, []string{intake, operations, ministry}},
		{"more than 3,000 inside a framework keep the ministry", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Framework.PersonnelCeiling = 5000
			in.Details.Personnel = domain.Personnel{Military: 3500}
		}, nil, []string{fastIntake, ministry}},
		{"not fitting, 1 working day", func(in *domain.RoutingInput) {
			in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
			in.Framework.Suspended = true
			in.Details.Period = domain.Period{Start: day("2026-03-04"), End: day("2026-03-04")}
		}, []string{"lead_time"}, []string{intake, operations}},
		{"dangerous goods by air with 9 working days", func(in *domain.RoutingInput) {
			in.Details.DangerousGoods = []domain.DangerousGood{{UNNumber: "0012", Class: "1.4S"}}
			in.Details.Movements = append(in.Details.Movements, domain.Movement{Direction: domain.DirectionEntry, EntryPoint: "espa", Mode: "air"})
			in.Details.Period = domain.Period{Start: day("2026-03-16"), End: day("2026-03-17")} // Mon 2 → Mon 16: 9 between
		}, []string{"lead_time_dangerous_goods_air"}, []string{intake, rangeSafety, operations}},
		{"dangerous goods by air with 10 working days", func(in *domain.RoutingInput) {
			in.Details.DangerousGoods = []domain.DangerousGood{{UNNumber: "0012", Class: "1.4S"}}
			in.Details.Movements = append(in.Details.Movements, domain.Movement{Direction: domain.DirectionEntry, EntryPoint: "espa", Mode: "air"})
			in.Details.Period = domain.Period{Start: day("2026-03-17"), End: day("2026-03-18")}
		}, nil, []string{intake, rangeSafety, operations}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := plainInput()
			tt.edit(&in)
			res, err := p.Route(in)
			if err != nil {
				t.Fatalf("Route: %v", err)
			}
			checkEligibility(t, res, tt.wantFailed)
			var got []string
			for _, s := range res.Stages {
				got = append(got, stageLine(s))
			}
			if !slices.Equal(got, tt.wantStages) {
				t.Errorf("stages\n got %v\nwant %v", got, tt.wantStages)
			}
			if fast := len(got) > 0 && got[0] == fastIntake; res.FastTrack != fast {
				t.Errorf("fast track = %v", res.FastTrack)
			}
			if res.PolicyVersion != "se-default-2026.5" {
				t.Errorf("policy version %q", res.PolicyVersion)
			}
		})
	}
}

func checkEligibility(t *testing.T, res domain.RoutingResult, wantFailed []string) {
	t.Helper()
	if len(res.Eligibility) != 4 {
		t.Fatalf("every rule must be reported, got %+v", res.Eligibility)
	}
	var failed []string
	for _, r := range res.Eligibility {
		if r.Reason == "" {
			t.Errorf("rule %s has no reason", r.Rule)
		}
		if !r.Passed {
			failed = append(failed, r.Rule)
		}
	}
	if !slices.Equal(failed, wantFailed) {
		t.Errorf("failed rules %v, want %v", failed, wantFailed)
	}
	if res.Eligible != (len(wantFailed) == 0) {
		t.Errorf("Eligible = %v with failed rules %v", res.Eligible, failed)
	}
	if len(res.Refusals()) != len(wantFailed) {
		t.Errorf("refusals %q", res.Refusals())
	}
}

func TestDefaultPolicyReasons(t *testing.T) {
	in := plainInput()
	in.Details.Weapons.LiveFire = true
	in.Details.Vessels = []domain.Vessel{{Name: "HMS Example", Kind: domain.VesselWarship}}
	res, err := defaultPolicy(t).Route(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"intake (hns_officer): every request gets an intake review by the host-nation support desk",
		"range_safety (range_officer): live fire, dangerous goods or training areas are planned",
		"operations (operations_approver): the Armed Forces decide access for EU and NATO states under the 2023 delegation",
		"ministry (ministry): warships, armed aircraft or more than 3,000 personnel need the Government (Ministry of Defence)",
	}
	if !slices.Equal(res.Reasons, want) {
		t.Errorf("reasons\n got %q\nwant %q", res.Reasons, want)
	}
}

func TestDefaultPolicyRefusalReasons(t *testing.T) {
	in := plainInput()
	in.Nation = nation("XX", "", "")
	in.Details.Period = domain.Period{Start: day("2026-03-03"), End: day("2026-03-04")}
	res, err := defaultPolicy(t).Route(in)
	if err != nil {
		t.Fatal(err)
	}
	refusals := strings.Join(res.Refusals(), "\n")
	for _, want := range []string{"EU or NATO member state, or Switzerland, on the first day",
		"at least 72 hours before", "the earliest start that would be accepted is 2026-03-06"} {
		if !strings.Contains(refusals, want) {
			t.Errorf("refusals %q lack %q", refusals, want)
		}
	}
}

func TestDefaultPolicySummary(t *testing.T) {
	p := defaultPolicy(t)
	if p.Version() != "se-default-2026.5" {
		t.Errorf("Version() = %q", p.Version())
	}
	s := p.Summary()
	if len(s.Rules) != 4 || len(s.Stages) != 4 || !slices.Equal(s.FastTrack, []string{"intake (sla 1)",
		"range_safety (when request.live_fire || request.dangerous_goods)", "ministry"}) {
		t.Errorf("summary %+v", s)
	}
	text := s.String()
	for _, want := range []string{"policy se-default-2026.5 (policies/default/policy.yaml): 4 eligibility rules, 4 stages",
		"stage order 3  ministry", "sla 2 working days, overdue escalates to operations_approver after 1 working days\n",
		"fast track keeps: intake (sla 1), range_safety (when ",
		"eligibility: member_state, lead_time (notice 72 hours), lead_time_naval (notice 7 days), lead_time_dangerous_goods_air (notice 10 working days)"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary text lacks %q:\n%s", want, text)
		}
	}
}
