package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/domain"
)

// Schedule says when checkpoints are signed on their own: after Every new
// entries or Interval, whichever comes first.
type Schedule struct {
	Every    int64
	Interval time.Duration
}

// witnessState is what this process knows of one witness.
type witnessState struct {
	w        *Witness
	log      *failureLog // the failed submissions, without a line per poll
	failures int64
	failing  bool // the last submission failed (the log line says why)
	conflict bool
	cosigned int64
	// backoff is the wait after the last refusal for an inconsistent
	// history, doubled at each refusal up to conflictBackoffMax; no
	// submission is made to the witness before retryAt.
	backoff time.Duration
	retryAt time.Time
}

// A witness that refuses the log's history (409, 422) refuses it until an
// operator acts (a rollback, a fork: docs/operations.md, "Backup and
// restore"), so it is asked again after conflictBackoffMin, then twice as
// long each time up to conflictBackoffMax, not at every round.
const (
	conflictBackoffMin = 30 * time.Second
	conflictBackoffMax = 10 * time.Minute
)

// witnesses tracks the configured witnesses for readiness and metrics.
type witnesses struct {
	mu  sync.Mutex
	all []*witnessState
	log *slog.Logger
}

// WithWitnesses makes the service submit its checkpoints to ws and report
// through log.
func (s *Service) WithWitnesses(ws []*Witness, log *slog.Logger) *Service {
	s.wit = &witnesses{log: log}
	for _, w := range ws {
		s.wit.all = append(s.wit.all, &witnessState{w: w, log: witnessFailures(log, w)})
	}
	return s
}

// Witnesses reports each configured witness's state.
func (s *Service) Witnesses() []domain.WitnessStatus {
	if s.wit == nil {
		return nil
	}
	s.wit.mu.Lock()
	defer s.wit.mu.Unlock()
	out := make([]domain.WitnessStatus, len(s.wit.all))
	for i, st := range s.wit.all {
		out[i] = domain.WitnessStatus{Name: st.w.Name(), Failures: st.failures,
			Failing: st.failing, Conflict: st.conflict, CosignedSize: st.cosigned}
	}
	return out
}

// RunCheckpoints signs checkpoints on sched until ctx ends, and submits each
// to the witnesses (again on later rounds while a witness has not cosigned
// the latest). Several processes may run it on one database: checkpoints of
// one size are identical, and a witness answers a repeated submission with
// the same cosignature. Each process checks the stored tree against the
// last tree head it signed itself (its own head file, WithHead) before it
// signs.
//
// A round that fails is logged the first time, when its error changes and
// every failureReminder while it lasts (failureLog), not on every poll.
func (s *Service) RunCheckpoints(ctx context.Context, sched Schedule, log *slog.Logger) {
	poll := min(max(sched.Interval/4, 50*time.Millisecond), 5*time.Second)
	t := time.NewTicker(poll)
	defer t.Stop()
	failures := checkpointFailures(log)
	for {
		if err := s.checkpointRound(ctx, sched); ctx.Err() == nil {
			failures.round(err, s.now())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// failureReminder is how often a failure that lasts is logged again.
const failureReminder = 10 * time.Minute

// failureLog logs the outcome of repeated attempts (checkpoint rounds, a
// witness's submissions) without flooding the log: a refusal lasts until an
// operator acts, and rounds run every few seconds. It logs the first
// failure, a failure whose error differs from the last one logged, a
// reminder every failureReminder while the same error lasts, and the first
// success after failures, at information level.
type failureLog struct {
	log       *slog.Logger
	level     slog.Level // of the failure lines
	msg       string     // the line of a first or changed failure
	still     string     // the reminder's
	recovered string     // the line of the first success
	attrs     []any      // on every line: what is attempted
	shape     string     // the last error logged, numbers masked; "" while attempts succeed
	since     time.Time  // the first failure
	logged    time.Time  // the last line logged
	rounds    int64      // failures since
}

// checkpointFailures logs the failed checkpoint rounds.
func checkpointFailures(log *slog.Logger) *failureLog {
	return &failureLog{log: log, level: slog.LevelError, msg: "audit checkpoint",
		still: "audit checkpoint still failing", recovered: "audit checkpoints no longer fail"}
}

// witnessFailures logs one witness's failed submissions: a warning, as the
// server keeps working and /readyz says so too.
func witnessFailures(log *slog.Logger, w *Witness) *failureLog {
	return &failureLog{log: log, level: slog.LevelWarn, msg: "witness did not cosign",
		still: "witness still does not cosign", recovered: "witness cosigns again",
		attrs: []any{"witness", w.Name(), "url", w.URL}}
}

// round records one attempt; attrs are added to its line, if one is logged.
func (f *failureLog) round(err error, now time.Time, attrs ...any) {
	if err == nil {
		if f.rounds > 0 {
			f.log.Info(f.recovered, append(append([]any{}, f.attrs...), "failed_rounds", f.rounds, "failing_since", f.since)...)
			f.shape, f.since, f.logged, f.rounds = "", time.Time{}, time.Time{}, 0
		}
		return
	}
	f.rounds++
	shape := errorShape(err)
	msg, line := f.msg, append(append(append([]any{}, f.attrs...), attrs...), "error", err.Error())
	switch {
	case f.rounds == 1:
		f.since = now
	case shape != f.shape:
		line = append(line, "failed_rounds", f.rounds, "failing_since", f.since)
	case now.Sub(f.logged) >= failureReminder:
		msg, line = f.still, append(line, "failed_rounds", f.rounds, "failing_since", f.since)
	default:
		return
	}
	f.log.Log(context.Background(), f.level, msg, line...)
	f.shape, f.logged = shape, now
}

// loggedElsewhere records a failure the caller logged itself: it counts
// for the recovery line, and the next failure with another error is new.
func (f *failureLog) loggedElsewhere(err error, now time.Time) {
	f.rounds++
	if f.rounds == 1 {
		f.since = now
	}
	f.shape, f.logged = errorShape(err), now
}

var digits = regexp.MustCompile(`[0-9]+`)

// errorShape is an error's text with its numbers masked: the log's size
// grows and temporary file names change from one round to the next, and
// neither makes the failure a new one.
func errorShape(err error) string { return digits.ReplaceAllString(err.Error(), "#") }

// checkpointRound signs a checkpoint when one is due and brings the
// witnesses up to the latest.
func (s *Service) checkpointRound(ctx context.Context, sched Schedule) error {
	// Every round, not only when a checkpoint is due: the servers that
	// sign with the current key may keep this one from ever finding one
	// due, and /readyz must still say that it would sign with a retired key.
	if err := s.keys.check(ctx, s.signer); err != nil {
		return err
	}
	latest, err := s.store.LatestAuditCheckpoint(ctx)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeNotFound {
		latest, err = domain.AuditCheckpoint{Size: -1}, nil
	}
	if err != nil {
		return err
	}
	size, err := s.store.AuditTreeSize(ctx)
	if err != nil {
		return err
	}
	if size > latest.Size && (size-latest.Size >= sched.Every || s.now().Sub(latest.At) >= sched.Interval || latest.Size < 0) {
		cp, err := s.Checkpoint(ctx)
		if err != nil {
			s.witnessAll(ctx, latest) // the witnesses still hear of the last one kept
			return err
		}
		latest = cp
	}
	s.witnessAll(ctx, latest)
	return nil
}

// witnessAll submits cp to every witness that has not cosigned it yet.
func (s *Service) witnessAll(ctx context.Context, cp domain.AuditCheckpoint) {
	if s.wit == nil || cp.Size <= 0 {
		return
	}
	for _, st := range s.wit.all {
		if s.wit.waiting(st, s.now()) {
			continue
		}
		err := s.witness(ctx, st.w, cp)
		s.wit.report(st, cp.Size, err, s.now())
	}
}

// waiting reports whether st refused the log's history and its backoff has
// not run out yet: it is not asked again until then, and its state
// (conflict, the metrics, /readyz) stays as the refusal left it.
func (ws *witnesses) waiting(st *witnessState, now time.Time) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return st.conflict && now.Before(st.retryAt)
}

// witness brings one witness to cp: from the size it last cosigned (as
// kept in the database), or, when it answers 409, from the size it says it
// knows, if that is not beyond ours.
func (s *Service) witness(ctx context.Context, w *Witness, cp domain.AuditCheckpoint) error {
	old, err := s.store.LastCosignedSize(ctx, w.Key)
	if err != nil || old >= cp.Size {
		return err
	}
	sig, err := s.submit(ctx, w, cp, old)
	var conflict *WitnessConflictError
	if errors.As(err, &conflict) && conflict.Status == 409 && conflict.KnownSize <= cp.Size && conflict.KnownSize != old {
		sig, err = s.submit(ctx, w, cp, conflict.KnownSize)
	}
	if err != nil {
		return err
	}
	return s.store.SaveCosignature(ctx, w.Key, cp.Size, sig, s.now())
}

func (s *Service) submit(ctx context.Context, w *Witness, cp domain.AuditCheckpoint, old int64) (string, error) {
	var proof tlog.TreeProof
	if old > 0 {
		p, err := tlog.ProveTree(cp.Size, old, hashReader(ctx, s.store))
		if err != nil {
			return "", fmt.Errorf("consistency proof %d→%d: %w", old, cp.Size, err)
		}
		proof = p
	}
	return w.addCheckpoint(ctx, cp.Note, old, proof)
}

// report records the outcome of one submission. A refusal for an
// inconsistent history is logged at error level at every submission: it
// means the log this server holds is not the one the witness saw. As the
// witness keeps refusing until an operator acts, it is submitted to again
// only after a backoff that doubles with each refusal (conflictBackoffMin
// up to conflictBackoffMax), so the line comes once per backoff step, not
// at every round. Other failures go through the witness's failureLog, not
// one line per poll.
func (ws *witnesses) report(st *witnessState, size int64, err error, now time.Time) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if err == nil {
		st.failing, st.conflict, st.cosigned = false, false, max(st.cosigned, size)
		st.backoff, st.retryAt = 0, time.Time{}
		st.log.round(nil, now)
		return
	}
	st.failures++
	var conflict *WitnessConflictError
	st.conflict = errors.As(err, &conflict)
	st.failing = true
	if st.conflict {
		st.backoff = min(max(2*st.backoff, conflictBackoffMin), conflictBackoffMax)
		st.retryAt = now.Add(st.backoff)
		ws.log.Error("AUDIT LOG INCONSISTENT: a witness refused the log's history", "witness", st.w.Name(),
			"url", st.w.URL, "size", size, "error", err.Error(), "next_attempt_in", st.backoff.String(),
			"help", "after a restore of an older backup, see \"Witnesses after a restore\" in docs/operations.md")
		st.log.loggedElsewhere(err, now)
		return
	}
	st.log.round(err, now, "size", size) // the backoff stays: a refusal after this doubles it
}
