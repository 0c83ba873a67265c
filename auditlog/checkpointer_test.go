package auditlog

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"exaccess/domain"
	"exaccess/internal/testlog"
)

// A failing checkpoint round is logged once, again only when its error
// changes (not when a number in it does) or after failureReminder, and the
// first round that succeeds again says so.
func TestFailureLogDoesNotFlood(t *testing.T) {
	var logs bytes.Buffer
	f := checkpointFailures(slog.New(slog.NewTextHandler(&logs, nil)))
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	lines := func() []string {
		out := strings.Split(strings.TrimSpace(logs.String()), "\n")
		logs.Reset()
		if out[0] == "" {
			return nil
		}
		return out
	}
	headErr := func(n int) error {
		return fmt.Errorf("cannot write the checkpoint head file k.head (open .checkpoint-head-%d: permission denied)", n)
	}
	for i := range 120 { // 10 minutes at one round every 5 s
		f.round(headErr(i), at)
		at = at.Add(5 * time.Second)
	}
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "level=ERROR") || !strings.Contains(l[0], "permission denied") {
		t.Fatalf("ten minutes of the same failure: %q", l)
	}
	f.round(headErr(120), at) // ten minutes after the first line: a reminder
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "still failing") || !strings.Contains(l[0], "failed_rounds=121") {
		t.Fatalf("the reminder: %q", l)
	}
	f.round(headErr(121), at.Add(time.Second))
	if l := lines(); len(l) != 0 {
		t.Fatalf("right after the reminder: %q", l)
	}
	f.round(errors.New("storage: audit log: database is locked"), at.Add(2*time.Second))
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "database is locked") {
		t.Fatalf("another error: %q", l)
	}
	f.round(nil, at.Add(3*time.Second))
	l := lines()
	if len(l) != 1 || !strings.Contains(l[0], "level=INFO") || !strings.Contains(l[0], "no longer fail") || !strings.Contains(l[0], "failed_rounds=123") {
		t.Fatalf("the recovery: %q", l)
	}
	f.round(nil, at.Add(4*time.Second))
	f.round(headErr(0), at.Add(5*time.Second)) // a new episode is logged at once
	if l := lines(); len(l) != 1 || strings.Contains(l[0], "failed_rounds") {
		t.Fatalf("a new episode: %q", l)
	}
}

// A witness that fails on every poll is logged like a failing checkpoint
// round, once per witness: a warning at the first failure, again when its
// error changes or every failureReminder, and an information line when it
// cosigns again. A refusal of the log's history is logged every time.
func TestWitnessFailuresDoNotFlood(t *testing.T) {
	var logs bytes.Buffer
	ws := &witnesses{log: slog.New(slog.NewTextHandler(&logs, nil))}
	for _, name := range []string{"w1.test/a", "w2.test/b"} {
		_, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := ParseWitness("http://" + name + "=" + vkey)
		if err != nil {
			t.Fatal(err)
		}
		ws.all = append(ws.all, &witnessState{w: w, log: witnessFailures(ws.log, w)})
	}
	w1, w2 := ws.all[0], ws.all[1]
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	lines := func() []string {
		out := strings.Split(strings.TrimSpace(logs.String()), "\n")
		logs.Reset()
		if out[0] == "" {
			return nil
		}
		return out
	}
	refused := func(n int) error { return fmt.Errorf("witness answered 503 (attempt %d)", n) }
	for i := range 120 { // 10 minutes at one poll every 5 s
		ws.report(w1, int64(10+i), refused(i), at)
		ws.report(w2, int64(10+i), refused(i), at)
		at = at.Add(5 * time.Second)
	}
	l := lines()
	if len(l) != 2 || !strings.Contains(l[0], "level=WARN msg=\"witness did not cosign\" witness=w1.test/a") ||
		!strings.Contains(l[1], "witness=w2.test/b") || !strings.Contains(l[1], "size=10") {
		t.Fatalf("ten minutes of two failing witnesses: %q", l)
	}
	if w1.failures != 120 || !w1.failing {
		t.Errorf("w1: %d failures, failing %v", w1.failures, w1.failing)
	}
	ws.report(w1, 130, refused(120), at) // ten minutes after the first line: a reminder
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "level=WARN msg=\"witness still does not cosign\" witness=w1.test/a") ||
		!strings.Contains(l[0], "failed_rounds=121") {
		t.Fatalf("the reminder: %q", l)
	}
	ws.report(w1, 131, errors.New("dial tcp: connection refused"), at.Add(time.Second))
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "connection refused") || !strings.Contains(l[0], "level=WARN") {
		t.Fatalf("another error: %q", l)
	}
	conflict := &WitnessConflictError{Status: 409, KnownSize: 200}
	for range 2 {
		ws.report(w2, 131, conflict, at.Add(time.Second))
	}
	if l := lines(); len(l) != 2 || !strings.Contains(l[0], "level=ERROR msg=\"AUDIT LOG INCONSISTENT") {
		t.Fatalf("a refused history: %q", l)
	}
	ws.report(w1, 132, nil, at.Add(2*time.Second))
	ws.report(w1, 132, nil, at.Add(3*time.Second))
	l = lines()
	if len(l) != 1 || !strings.Contains(l[0], "level=INFO msg=\"witness cosigns again\" witness=w1.test/a") || !strings.Contains(l[0], "failed_rounds=122") {
		t.Fatalf("the recovery: %q", l)
	}
	ws.report(w2, 132, refused(0), at.Add(4*time.Second)) // another error than the conflict logged last
	if l := lines(); len(l) != 1 || !strings.Contains(l[0], "witness did not cosign") || !strings.Contains(l[0], "failed_rounds=123") {
		t.Fatalf("w2 after its conflict: %q", l)
	}
}

// failingStore fails every checkpoint round while fail is set; otherwise
// nothing is due.
type failingStore struct {
	Store
	mu   sync.Mutex
	fail bool
	n    int
}

func (s *failingStore) LatestAuditCheckpoint(context.Context) (domain.AuditCheckpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.fail {
		return domain.AuditCheckpoint{}, fmt.Errorf("storage: audit checkpoints: database is locked (attempt %d)", s.n)
	}
	return domain.AuditCheckpoint{Size: 5}, nil
}

func (s *failingStore) AuditTreeSize(context.Context) (int64, error) { return 5, nil }

func (s *failingStore) rounds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// RunCheckpoints logs a failure that repeats on every poll once, and its
// end once.
func TestRunCheckpointsLogsARepeatedFailureOnce(t *testing.T) {
	store := &failingStore{fail: true}
	var logs testlog.Buffer
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s := NewService(store, nil, func() time.Time { return at })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.RunCheckpoints(ctx, Schedule{Every: 1, Interval: 200 * time.Millisecond}, slog.New(slog.NewTextHandler(&logs, nil)))
		close(done)
	}()
	waitRounds := func(n int) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); store.rounds() < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("%d rounds in 10 s", store.rounds())
			}
		}
	}
	waitRounds(6)
	store.mu.Lock()
	store.fail = false
	store.mu.Unlock()
	waitRounds(store.rounds() + 2)
	cancel()
	<-done
	text := logs.String()
	if n := strings.Count(text, "level=ERROR"); n != 1 {
		t.Errorf("%d error lines for one failure:\n%s", n, text)
	}
	if n := strings.Count(text, "audit checkpoints no longer fail"); n != 1 {
		t.Errorf("%d recovery lines:\n%s", n, text)
	}
}
