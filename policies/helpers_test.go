package policies

import (
	"testing"
	"testing/fstest"
	"time"

	"exaccess/domain"
)

// today is the fixed clock of every test: Monday 2 March 2026, 09:00 UTC.
var today = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func dayPtr(s string) *time.Time {
	d := day(s)
	return &d
}

// nation builds a domain.Nation with the given membership starts ("" for
// never) as in storage/refdata/nations.csv.
func nation(code, euFrom, natoFrom string) domain.Nation {
	n := domain.Nation{Code: code, Name: code}
	if euFrom != "" {
		n.EUFrom = dayPtr(euFrom)
	}
	if natoFrom != "" {
		n.NATOFrom = dayPtr(natoFrom)
	}
	return n
}

var (
	germany     = nation("DE", "1958-01-01", "1955-05-06")
	austria     = nation("AT", "1995-01-01", "")
	finland     = nation("FI", "1995-01-01", "2023-04-04")
	switzerland = nation("CH", "", "")
	norway      = nation("NO", "", "1949-08-24")
	ukingdom    = func() domain.Nation {
		n := nation("GB", "1973-01-01", "1949-08-24")
		n.EUUntil = dayPtr("2020-01-31")
		return n
	}()
)

// plainInput is a routine request: a German convoy on the road, two weeks
// ahead, no fire, no areas, no aircraft, no vessels.
func plainInput() domain.RoutingInput {
	return domain.RoutingInput{
		Nation: germany,
		Details: domain.Details{
			ExerciseName: "Northern Road",
			Period:       domain.Period{Start: day("2026-03-16"), End: day("2026-03-20")},
			Personnel:    domain.Personnel{Military: 120, Civilian: 2},
			Vehicles:     []domain.Vehicle{{Category: domain.VehicleNonCombat, Kind: domain.VehicleWheeled, Count: 20}},
			Movements: []domain.Movement{
				{Direction: domain.DirectionEntry, EntryPoint: "oresund-bridge", At: day("2026-03-16"), Mode: "road"},
			},
		},
		Today: today,
	}
}

func defaultPolicy(tb testing.TB) *Policy {
	tb.Helper()
	p, err := Default()
	if err != nil {
		tb.Fatalf("default policy: %v", err)
	}
	return p
}

// customPath is the name test policies are loaded under, so that error
// messages look like those of a real policy directory.
const customPath = "policies/custom/policy.yaml"

func loadText(tb testing.TB, text string) (*Policy, error) {
	tb.Helper()
	return Load(fstest.MapFS{customPath: {Data: []byte(text)}}, customPath)
}

func mustLoadText(tb testing.TB, text string) *Policy {
	tb.Helper()
	p, err := loadText(tb, text)
	if err != nil {
		tb.Fatalf("load: %v", err)
	}
	return p
}
