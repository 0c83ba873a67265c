package api

import (
	"math"
	"sync"
	"time"
)

// Rate is a token bucket: Events per Per on average, up to Burst at once.
// A Rate with any field zero limits nothing.
type Rate struct {
	Events float64
	Per    time.Duration
	Burst  int
}

// On reports whether the rate limits anything at all.
func (r Rate) On() bool { return r.Events > 0 && r.Per > 0 && r.Burst > 0 }

func (r Rate) perSecond() float64 { return r.Events / r.Per.Seconds() }

// bucket is one key's tokens as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

// keyedLimiter keeps one token bucket per key (a user, an address). Memory is
// bounded: at most maxKeys buckets. A bucket that has refilled to its burst
// is indistinguishable from a fresh one, so idle buckets are dropped without
// changing any answer; only when the map is full of busy buckets are some of
// those dropped too (their keys start afresh — lenient, never stricter).
type keyedLimiter struct {
	rate    Rate
	maxKeys int
	now     func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

// sweepEvery bounds how long idle buckets linger when the map is not full.
const sweepEvery = time.Minute

func newKeyedLimiter(r Rate, maxKeys int, now func() time.Time) *keyedLimiter {
	return &keyedLimiter{rate: r, maxKeys: max(maxKeys, 1), now: now,
		buckets: map[string]*bucket{}, lastSweep: now()}
}

// allow takes one token from key's bucket. When none is left it takes
// nothing and returns how long until the next token.
func (l *keyedLimiter) allow(key string) (time.Duration, bool) { return l.allowN(key, 1) }

// allowN takes n (at least 1) tokens from key's bucket, all or none: when
// fewer are left it takes nothing and returns how long until there are n.
// An n over the burst, which no bucket ever holds, asks for a full bucket.
func (l *keyedLimiter) allowN(key string, n int) (time.Duration, bool) {
	need := float64(min(n, l.rate.Burst))
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= sweepEvery {
		l.sweepIdle(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		l.makeRoom(now)
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= need {
		b.tokens -= need
		return 0, true
	}
	wait := (need - b.tokens) / l.rate.perSecond()
	return time.Duration(math.Ceil(wait * float64(time.Second))), false
}

// refund gives back the token an allowed event took, as if it had not
// happened. A key whose bucket is gone (swept or evicted) starts full anyway.
// A nil limiter (a limit that is off) refunds nothing.
func (l *keyedLimiter) refund(key string) {
	if l == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		l.refill(b, now)
		b.tokens = min(float64(l.rate.Burst), b.tokens+1)
	}
}

func (l *keyedLimiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(float64(l.rate.Burst), b.tokens+elapsed*l.rate.perSecond())
	}
	b.at = now
}

// sweepIdle drops every bucket that has refilled to its burst.
func (l *keyedLimiter) sweepIdle(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= float64(l.rate.Burst) {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// makeRoom ensures one more bucket fits. When sweeping idle buckets frees too
// little, arbitrary buckets (Go's map order is random) go until the map is
// at 90 %, so that a flood of new keys costs one sweep per tenth of the map,
// not one per request.
func (l *keyedLimiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.maxKeys {
		return
	}
	l.sweepIdle(now)
	target := l.maxKeys - max(l.maxKeys/10, 1)
	for k := range l.buckets {
		if len(l.buckets) <= target {
			break
		}
		delete(l.buckets, k)
	}
}

// size is the number of buckets held, for tests.
func (l *keyedLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
