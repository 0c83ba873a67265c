package domain

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestFormatReference: the reference drawn at a first submission is the
// text it always was (fmt's "SE-%d-EXA-%06d"), for numbers of any length,
// and shaped as IsReference expects where it has six to nine digits.
func TestFormatReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2026))
	ns := []int64{0, 1, 9, 10, 99999, 100000, 123456, 999999, 1000000, 123456789, 1 << 62, -1, -123456789}
	for range 2000 {
		ns = append(ns, rng.Int64N(1<<uint(rng.IntN(62)+1)))
	}
	for _, n := range ns {
		year := []int{2026, 2027, 999, 10000, -5}[rng.IntN(5)]
		got, want := FormatReference(year, n), fmt.Sprintf("SE-%d-EXA-%06d", year, n)
		if got != want {
			t.Fatalf("FormatReference(%d, %d) = %q, want %q", year, n, got, want)
		}
	}
	if ref := FormatReference(2027, 42); ref != "SE-2027-EXA-000042" || !IsReference(ref) {
		t.Errorf("FormatReference(2027, 42) = %q", ref)
	}
}
