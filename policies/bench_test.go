package policies

import (
	"testing"

	"exaccess/domain"
)

// BenchmarkRouteDefault routes a busy request through the default policy:
// every rule and stage condition is evaluated. docs/product.md, "Targets" asks for
// under 50 µs per request. The worst case is a period starting at or beyond
// the lead-time horizon, where counting working days dominates.
func BenchmarkRouteDefault(b *testing.B) {
	b.Run("two weeks ahead", func(b *testing.B) { benchmarkRoute(b, plainInput()) })
	far := plainInput()
	far.Details.Period = domain.Period{Start: day("2027-03-15"), End: day("2027-03-19")}
	b.Run("a year or more ahead (worst case)", func(b *testing.B) { benchmarkRoute(b, far) })
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
