package auditlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"
)

// oneCheckpointStore holds one kept checkpoint as large as the log, so a
// round signs nothing and only submits it to the witnesses.
type oneCheckpointStore struct {
	Store
	mu sync.Mutex
	cp domain.AuditCheckpoint
}

func (s *oneCheckpointStore) latest() domain.AuditCheckpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cp
}

func (s *oneCheckpointStore) LatestAuditCheckpoint(context.Context) (domain.AuditCheckpoint, error) {
	return s.latest(), nil
}
func (s *oneCheckpointStore) AuditTreeSize(context.Context) (int64, error) {
	return s.latest().Size, nil
}

// LastCosignedSize is 0: each submission needs no consistency proof.
func (s *oneCheckpointStore) LastCosignedSize(context.Context, string) (int64, error) { return 0, nil }
func (s *oneCheckpointStore) SaveCosignature(context.Context, string, int64, string, time.Time) error {
	return nil
}

// conflictWitness answers 409 with a size larger than the log's, as a
// witness that cosigned the log before an older backup was restored, or,
// once cosign is set, cosigns.
type conflictWitness struct {
	mu          sync.Mutex
	submissions int
	cosign      bool
	signer      note.Signer
}

func (w *conflictWitness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	body.ReadFrom(r.Body)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.submissions++
	if !w.cosign {
		rw.WriteHeader(http.StatusConflict)
		rw.Write([]byte("90\n"))
		return
	}
	_, signed, _ := strings.Cut(body.String(), "\n\n") // after "old N" and the (empty) proof
	text, _, _ := strings.Cut(signed, "\n\n")
	cosigned, err := note.Sign(&note.Note{Text: text + "\n"}, w.signer)
	if err != nil {
		http.Error(rw, err.Error(), 500)
		return
	}
	rw.Write(cosigned[len(text)+2:])
}

func (w *conflictWitness) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.submissions
}

// A witness that refuses the log's history (409: it cosigned a larger tree,
// as after a restore of an older backup) keeps refusing until an operator
// acts: it is asked again after 30 s, then after twice as long each time up
// to 10 minutes, not at every round (every few seconds), and the ERROR is
// logged once per attempt. Meanwhile its conflict stays set (/readyz, the
// gauge). When it cosigns again, the backoff starts over.
func TestWitnessConflictBacksOff(t *testing.T) {
	skey, err := NewSignerKey("backoff.test/audit")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := func(n int64) domain.AuditCheckpoint {
		tree := tlog.Tree{N: n, Hash: tlog.Hash(sha256.Sum256([]byte{byte(n)}))}
		signed, err := signer.Sign(tree)
		if err != nil {
			t.Fatal(err)
		}
		return domain.AuditCheckpoint{Size: n, Root: domain.AuditHash(tree.Hash), Note: signed}
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	cosigner, err := torchwood.NewCosignatureSigner("witness.test/backoff", priv)
	if err != nil {
		t.Fatal(err)
	}
	fake := &conflictWitness{signer: cosigner}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	w, err := ParseWitness(srv.URL + "=" + cosigner.Verifier().String())
	if err != nil {
		t.Fatal(err)
	}

	store := &oneCheckpointStore{cp: checkpoint(5)}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	s := NewService(store, signer, func() time.Time { return now }).WithWitnesses([]*Witness{w}, log)
	ctx := context.Background()
	sched := Schedule{Every: 1, Interval: time.Second}
	round := func() {
		t.Helper()
		if err := s.checkpointRound(ctx, sched); err != nil {
			t.Fatal(err)
		}
	}
	refusals := func() int { return strings.Count(logs.String(), "AUDIT LOG INCONSISTENT") }
	state := func() domain.WitnessStatus { return s.Witnesses()[0] }

	round()
	if fake.count() != 1 || refusals() != 1 || !state().Conflict || state().Failures != 1 {
		t.Fatalf("first refusal: %d submissions, %d lines, %+v\n%s", fake.count(), refusals(), state(), logs.String())
	}
	attempts := 1
	for _, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute,
		8 * time.Minute, 10 * time.Minute, 10 * time.Minute} {
		for elapsed := 5 * time.Second; elapsed < wait; elapsed += 5 * time.Second { // a round every 5 s
			now = now.Add(5 * time.Second)
			round()
		}
		if fake.count() != attempts || refusals() != attempts || !state().Conflict || state().Failures != int64(attempts) {
			t.Fatalf("within a backoff of %s: %d submissions, %d lines, %+v", wait, fake.count(), refusals(), state())
		}
		now = now.Add(5 * time.Second)
		round()
		attempts++
		if fake.count() != attempts || refusals() != attempts {
			t.Fatalf("after a backoff of %s: %d submissions, %d lines, want %d", wait, fake.count(), refusals(), attempts)
		}
	}
	if !strings.Contains(logs.String(), `"next_attempt_in":"10m0s"`) || !strings.Contains(logs.String(), `"next_attempt_in":"30s"`) {
		t.Errorf("the lines do not say when the next attempt is:\n%s", logs.String())
	}

	// The witness cosigns (an operator acted): at the next attempt the
	// conflict clears, and a later refusal waits 30 s again.
	fake.mu.Lock()
	fake.cosign = true
	fake.mu.Unlock()
	now = now.Add(10 * time.Minute)
	round()
	if st := state(); st.Conflict || st.Failing || st.CosignedSize != 5 {
		t.Fatalf("after the witness cosigned: %+v\n%s", st, logs.String())
	}
	fake.mu.Lock()
	fake.cosign = false
	fake.mu.Unlock()
	store.mu.Lock()
	store.cp = checkpoint(6)
	store.mu.Unlock()
	round()
	before := fake.count()
	now = now.Add(30 * time.Second)
	round()
	if fake.count() != before+1 || !state().Conflict {
		t.Errorf("a new refusal after a cosignature is not asked again after 30 s: %d → %d submissions", before, fake.count())
	}
}
