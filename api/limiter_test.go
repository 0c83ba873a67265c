package api

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestKeyedLimiterBucket(t *testing.T) {
	clock := &fakeClock{t: testNow}
	l := newKeyedLimiter(Rate{Events: 2, Per: time.Second, Burst: 3}, 100, clock.now)
	for i := range 3 {
		if _, ok := l.allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	wait, ok := l.allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th: ok=%v wait=%v, want refused for 500ms (2 per second)", ok, wait)
	}
	if _, ok := l.allow("b"); !ok {
		t.Fatal("another key shares a's bucket")
	}
	clock.advance(499 * time.Millisecond)
	if _, ok := l.allow("a"); ok {
		t.Fatal("a token came back early")
	}
	clock.advance(time.Millisecond)
	if _, ok := l.allow("a"); !ok {
		t.Fatal("no token after the wait that was announced")
	}
	// A refused request takes nothing: waiting the announced time is enough.
	clock.advance(10 * time.Second)
	for i := range 3 {
		if _, ok := l.allow("a"); !ok {
			t.Fatalf("after a long idle, request %d of a full burst refused", i+1)
		}
	}
}

// TestKeyedLimiterAllowN: n tokens are taken all or none, and the wait
// told is until there are n; an n over the burst asks for a full bucket, so
// that it can still pass (the console's "save and submit" under a burst of 1).
func TestKeyedLimiterAllowN(t *testing.T) {
	clock := &fakeClock{t: testNow}
	l := newKeyedLimiter(Rate{Events: 1, Per: time.Second, Burst: 3}, 100, clock.now)
	if _, ok := l.allowN("a", 2); !ok {
		t.Fatal("2 of a full bucket of 3 refused")
	}
	if wait, ok := l.allowN("a", 2); ok || wait != time.Second {
		t.Fatalf("2 of the 1 left: ok=%v wait=%v, want refused for 1s", ok, wait)
	}
	if _, ok := l.allow("a"); !ok {
		t.Fatal("the refused 2 took the token left")
	}
	one := newKeyedLimiter(Rate{Events: 1, Per: time.Second, Burst: 1}, 100, clock.now)
	if _, ok := one.allowN("b", 2); !ok {
		t.Fatal("2 over a burst of 1, from a full bucket, refused")
	}
	if wait, ok := one.allowN("b", 2); ok || wait != time.Second {
		t.Fatalf("2 over a burst of 1, from an empty bucket: ok=%v wait=%v, want refused for 1s", ok, wait)
	}
}

// TestKeyedLimiterMemoryBound: a flood of distinct keys never holds more
// than maxKeys buckets, and idle buckets are dropped by the periodic sweep.
func TestKeyedLimiterMemoryBound(t *testing.T) {
	clock := &fakeClock{t: testNow}
	l := newKeyedLimiter(Rate{Events: 1, Per: time.Second, Burst: 2}, 1000, clock.now)
	for i := range 50_000 {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255))
		if n := l.size(); n > 1000 {
			t.Fatalf("%d buckets after %d keys, bound is 1000", n, i+1)
		}
	}
	// A busy key keeps its bucket through a sweep of idle ones.
	l.allow("busy")
	l.allow("busy")
	clock.advance(sweepEvery)
	if _, ok := l.allow("busy"); !ok {
		t.Fatal("busy key refused after a minute")
	}
	clock.advance(sweepEvery)
	l.allow("x")
	if n := l.size(); n > 2 {
		t.Fatalf("%d buckets after every key went idle, want at most 2", n)
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":             "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":  "2001:db8:1:2::/64",
		"::ffff:192.0.2.1":      "192.0.2.1",
		"":                      "?",
		"not an address at all": "?not an address at all",
	} {
		if got := addressKey(in); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	nets, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,")
	if err != nil || len(nets) != 3 || nets[1].String() != "192.0.2.7/32" {
		t.Fatalf("nets %v, err %v", nets, err)
	}
	if nets, err := ParseTrustedProxies(""); err != nil || len(nets) != 0 {
		t.Fatalf("empty list: %v %v", nets, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "0.0.0.0/0", "::/0", "10.0.0.0/4"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
