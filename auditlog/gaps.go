package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"exaccess/domain"
)

// The gap check. Someone who can write the database past the append-only
// triggers can delete an entry or a stored hash in the middle of the log.
// The checkpoints do not notice (a root reads only a few hashes) and an
// export refuses only when it is asked for, so the server checks in the
// background that every entry below the log's size and every hash they
// stored is there: the whole log at start and every GapSchedule.Whole, and
// each round the entries appended since the last check. What it finds is
// a warning on /readyz (GapProblem) and an error in the server log: the
// permit service keeps working, since a damaged log is an operator's task
// and taking every replica out of rotation for it would stop the service
// for nothing a replica can mend.

// GapSchedule says how often the gap check runs: a round over the entries
// appended since the last one every Round, the whole log every Whole.
type GapSchedule struct {
	Round time.Duration
	Whole time.Duration
}

// DefaultGapSchedule is serve's: a round every 5 seconds (as often as a
// checkpoint round at most), the whole log every hour. A whole check
// counts the rows of both tables (on SQLite, of a log that is whole, by a
// COUNT(*) and a MAX of each table, four statements: the count still walks
// every page of the table's smallest b-tree, but no range of keys; about
// 34 ms and 19 ms for a million entries and their two million hashes).
var DefaultGapSchedule = GapSchedule{Round: 5 * time.Second, Whole: time.Hour}

// gapCheck is the state of the gap check. Checks run one at a time (run);
// mu guards what /readyz reads, and is never held while the database is
// asked, so a long whole-log check never keeps /readyz waiting.
type gapCheck struct {
	run     sync.Mutex
	mu      sync.Mutex
	checked int64  // entries [0, checked) are covered by the last whole check and the rounds since
	finding error  // the first damage found, nil when none
	problem string // finding's /readyz text, gapWarning or ""
	logged  string // the finding last logged, "" when none
}

// GapProblem is the readiness warning of a gap found in the stored log,
// a fixed sentence (gapWarning) that names the command finding every
// damaged entry; "" when the last checks found none (or none has run).
// /readyz is public: which entry or hash is missing would tell anyone the
// log's size and where it was tampered with, so only the server log's
// ERROR line names it.
func (s *Service) GapProblem() string {
	s.gaps.mu.Lock()
	defer s.gaps.mu.Unlock()
	return s.gaps.problem
}

// RunGapChecks checks the whole log at once, then the entries appended
// since each round every sched.Round and the whole log again every
// sched.Whole, until ctx ends. Run it in a goroutine of its own: it never
// delays the start or /readyz. A gap found is logged at error level once,
// and again only when the finding changes (another entry or hash is the
// first missing, or none is any more); a check that cannot run (the
// database does not answer) is logged as a warning like a failing
// checkpoint round (failureLog) and tried again at the next round.
func (s *Service) RunGapChecks(ctx context.Context, sched GapSchedule, log *slog.Logger) {
	round, whole := time.NewTicker(sched.Round), time.NewTicker(sched.Whole)
	defer round.Stop()
	defer whole.Stop()
	failures := &failureLog{log: log, level: slog.LevelWarn, msg: "audit gap check failed",
		still: "audit gap check still failing", recovered: "audit gap checks run again"}
	due := true // the whole log, at start
	for {
		var err error
		if due {
			err = s.CheckGaps(ctx, log)
		} else {
			err = s.checkNewGaps(ctx, log)
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			due = false
		}
		failures.round(err, s.now())
		select {
		case <-ctx.Done():
			return
		case <-whole.C:
			due = true
		case <-round.C:
		}
	}
}

// CheckGaps checks the whole log now: its finding replaces the last one
// (nil when the log is whole again). It returns an error only when the
// check could not run; a gap found is no error here, but GapProblem's.
func (s *Service) CheckGaps(ctx context.Context, log *slog.Logger) error {
	return s.checkGaps(ctx, log, true)
}

// checkNewGaps checks the entries appended since the last check. A gap
// found there is the finding unless one was found before it, which is
// further up the log and stays the first until a whole check says
// otherwise.
func (s *Service) checkNewGaps(ctx context.Context, log *slog.Logger) error {
	return s.checkGaps(ctx, log, false)
}

func (s *Service) checkGaps(ctx context.Context, log *slog.Logger, whole bool) error {
	g := s.gaps
	g.run.Lock()
	defer g.run.Unlock()
	size, err := s.store.AuditTreeSize(ctx)
	if err != nil {
		return err
	}
	g.mu.Lock()
	first := g.checked
	g.mu.Unlock()
	if whole {
		first = 0
	}
	err = nil
	if first < size {
		err = s.store.CheckAuditGaps(ctx, first, size)
	}
	if err != nil && !errors.Is(err, domain.ErrAuditHashDamaged) {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.checked = size
	if whole || g.finding == nil {
		g.finding = err
	}
	g.problem = gapProblem(g.finding)
	g.report(log)
	return nil
}

// report logs the finding when it is not the one logged last. g.mu is held.
func (g *gapCheck) report(log *slog.Logger) {
	text := ""
	if g.finding != nil {
		text = g.finding.Error()
	}
	switch {
	case text == g.logged:
		return
	case text == "":
		log.Info("audit log gap no longer found: every entry and hash is stored", "was", g.logged)
	default:
		attrs := []any{"missing", gapWhat(g.finding), "error", text}
		var entry *domain.AuditEntryDamage
		var hash *domain.AuditHashDamage
		switch {
		case errors.As(g.finding, &entry):
			attrs = append(attrs, "entry", entry.Entry)
		case errors.As(g.finding, &hash):
			attrs = append(attrs, "hash_index", hash.Index, "hash_level", hash.Level, "entry", hash.Entry)
		}
		log.Error("AUDIT LOG DAMAGED: a stored entry or hash is missing; exaccess audit verify --db PATH --key VERIFIER_KEY_FILE finds every damaged entry", attrs...)
	}
	g.logged = text
}

// gapWarning is the /readyz warning of any finding: a fixed sentence, so
// that it tells an unauthenticated caller nothing of the log (its size,
// the damaged indexes); the ERROR line of the server log names them.
const gapWarning = "the audit log is damaged: entries or hashes are missing; see the server log and run " +
	"exaccess audit verify --db PATH --key VERIFIER_KEY_FILE"

// gapProblem is the /readyz warning of a finding: "" for none.
func gapProblem(finding error) string {
	if finding == nil {
		return ""
	}
	return gapWarning
}

// gapWhat says which entry or hash a finding found first missing, for
// the server log only.
func gapWhat(finding error) string {
	var entry *domain.AuditEntryDamage
	var hash *domain.AuditHashDamage
	switch {
	case finding == nil:
		return ""
	case errors.As(finding, &entry):
		return fmt.Sprintf("audit entry %d is missing", entry.Entry)
	case errors.As(finding, &hash) && hash.Level == 0:
		return fmt.Sprintf("stored audit hash %d (the leaf hash of entry %d) %s", hash.Index, hash.Entry, hash.What)
	case errors.As(finding, &hash):
		return fmt.Sprintf("stored audit hash %d (level %d, over the entries from %d) %s", hash.Index, hash.Level, hash.Entry, hash.What)
	}
	return "a stored entry or hash is missing"
}
