package domain

import (
	"fmt"
	"testing"
	"time"
)

// TestRefusalMemory: a key is claimed once per window; a released claim
// may be made again at once; the memory never holds more than its bound,
// forgetting the oldest first (which records more, never less).
func TestRefusalMemory(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	m := NewRefusalMemory(time.Hour, 3)
	if !m.claim("a", t0) || m.claim("a", t0.Add(59*time.Minute)) {
		t.Fatal("a second claim within the hour was granted, or the first refused")
	}
	if !m.claim("a", t0.Add(time.Hour)) {
		t.Fatal("a claim an hour later was refused")
	}
	if !m.claim("b", t0.Add(time.Hour)) {
		t.Fatal("another key was refused")
	}
	m.release("b", t0.Add(time.Hour))
	if !m.claim("b", t0.Add(time.Hour)) {
		t.Fatal("a released key was refused")
	}
	if got := m.Suppressed(); got != 1 {
		t.Errorf("suppressed %d, want 1", got)
	}
	at := t0.Add(2 * time.Hour)
	for i := range 10 {
		m.claim(fmt.Sprint("k", i), at)
		if len(m.seen) > 3 || len(m.order) > 3 {
			t.Fatalf("after %d keys the memory holds %d keys, %d marks: more than 3", i+1, len(m.seen), len(m.order))
		}
	}
	if !m.claim("k0", at) {
		t.Error("the oldest key, forgotten for the bound, was refused")
	}
	if m.claim("k9", at) {
		t.Error("the newest key was forgotten")
	}
	var none *RefusalMemory
	if none.Suppressed() != 0 {
		t.Error("no memory suppressed something")
	}
}
