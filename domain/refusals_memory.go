package domain

import (
	"sync"
	"time"
)

// RefusalMemory remembers which refusals were recorded lately, so that the
// same refusal repeated within Window is refused again but not written
// again (RefusalLog.Record): one entry tells an auditor that someone
// probed; twenty thousand of the same only make the request's history
// unreadable.
//
// It is memory of one process, bounded to Max keys: each server process
// records a refusal once per window on its own (N replicas, at most N
// entries per window), and a restart forgets, so the first repeat after it
// is recorded again. When it is full, the oldest key is forgotten first —
// a forgotten refusal is recorded again, never lost. Both only ever write
// more entries than the rule asks for, never fewer.
type RefusalMemory struct {
	window time.Duration
	max    int

	mu    sync.Mutex
	seen  map[string]time.Time
	order []refusalMark // seen's keys by the time they were claimed, oldest first
	// suppressed counts the refusals not written because a same one was,
	// for the metrics.
	suppressed uint64
}

type refusalMark struct {
	key string
	at  time.Time
}

// RefusalWindow and RefusalMemoryKeys are the process's settings: one
// entry per actor, request, attempt and reason an hour; at most 10,000
// keys remembered (a few hundred bytes each at most).
const (
	RefusalWindow     = time.Hour
	RefusalMemoryKeys = 10000
)

// NewRefusalMemory remembers up to keys keys for window each.
func NewRefusalMemory(window time.Duration, keys int) *RefusalMemory {
	return &RefusalMemory{window: window, max: max(keys, 1), seen: map[string]time.Time{}}
}

// claim reports whether a refusal with key should be recorded at now: none
// was claimed within the window. A true answer holds the key from now on;
// release gives it back when the entry could not be written. A false one
// counts as suppressed.
func (m *RefusalMemory) claim(key string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(now)
	if at, ok := m.seen[key]; ok && now.Sub(at) < m.window && !now.Before(at) {
		m.suppressed++
		return false
	}
	for len(m.order) >= m.max { // order holds every key of seen: this bounds both
		m.drop(m.order[0])
		m.order = m.order[1:]
	}
	m.seen[key] = now
	m.order = append(m.order, refusalMark{key, now})
	return true
}

// release forgets a claim made at at, unless the key was claimed again since.
func (m *RefusalMemory) release(key string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[key].Equal(at) {
		delete(m.seen, key)
	}
}

// expire forgets the claims older than the window. order is sorted by
// claim time as long as the clock does not go back; if it does, a key is
// only forgotten later than it could be, which the bound still limits.
func (m *RefusalMemory) expire(now time.Time) {
	for len(m.order) > 0 && now.Sub(m.order[0].at) >= m.window {
		m.drop(m.order[0])
		m.order = m.order[1:]
	}
}

// drop forgets mark's key if mark is still its current claim.
func (m *RefusalMemory) drop(mark refusalMark) {
	if at, ok := m.seen[mark.key]; ok && at.Equal(mark.at) {
		delete(m.seen, mark.key)
	}
}

// Suppressed is how many refusals were not recorded because a same one
// was, since the process started.
func (m *RefusalMemory) Suppressed() uint64 {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.suppressed
}
