package policies

import (
	"testing"

	"exaccess/domain"
)

// BenchmarkRouteDefault routes a busy request through the default policy:
// every rule and stage condition is evaluated. docs/product.md, "Targets", asks for
// under 20 µs per request. Lead times are notice rules: each computes the
// earliest acceptable start in a few steps, so a period a year ahead costs
// what one two weeks ahead does. The worst case of the default policy adds
// a vessel and an air movement, so that every notice rule applies (the
// working-day one counts 10 working days from today).
func BenchmarkRouteDefault(b *testing.B) {
	b.Run("two weeks ahead", func(b *testing.B) { benchmarkRoute(b, plainInput()) })
	far := plainInput()
	far.Details.Period = domain.Period{Start: day("2027-03-15"), End: day("2027-03-19")}
	b.Run("a year or more ahead", func(b *testing.B) { benchmarkRoute(b, far) })
	worst := far
	worst.Details.Vessels = []domain.Vessel{{Name: "HNLMS Tromp", Kind: domain.VesselWarship, Crew: 200}}
	worst.Details.Movements = append(worst.Details.Movements[:1:1],
		domain.Movement{Direction: domain.DirectionEntry, EntryPoint: "essa", Mode: "air"})
	b.Run("every notice rule applies (worst case)", func(b *testing.B) { benchmarkRoute(b, worst) })
}

func benchmarkRoute(b *testing.B, in domain.RoutingInput) {
	p := defaultPolicy(b)
	in.Details.Weapons = domain.Weapons{LiveFire: true, Systems: []string{"Carl-Gustaf M4", "NLAW"}}
	in.Details.TrainingAreas = []domain.AreaBooking{{Area: "ravlunda"}, {Area: "revinge"}}
	in.Details.DangerousGoods = []domain.DangerousGood{{UNNumber: "0012", Class: "1.4S", NetExplosiveKg: 40}}
	in.Details.Aircraft = []domain.Aircraft{{Type: "NH90", Count: 2, Cameras: true}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Route(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadDefault is the start-up cost of parsing and compiling.
func BenchmarkLoadDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Default(); err != nil {
			b.Fatal(err)
		}
	}
}
