package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
	checked int64 // entries [0, checked) are covered by the last whole check and the rounds since
	// findings are what stands: the last whole check's finding (the first
	// damage in the log) and each round's since (the first damage among the
	// entries it checked), in the order found; none when the log is whole.
	findings []error
	problem  string          // the /readyz text of findings, gapWarning or ""
	logged   map[string]bool // the findings logged since the log was last found whole, by text
}

// GapProblem is the readiness warning of a gap found in the stored log,
// a fixed sentence (gapWarning) that names the command finding every
// damaged entry, however many findings stand; "" when the last checks
// found none (or none has run).
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
// delays the start or /readyz. Each distinct gap found is logged at error
// level once (a round's among new entries too, while an older finding
// stands), and the log found whole again once at information level; a
// check that cannot run (the database does not answer) is logged as a
// warning like a failing checkpoint round (failureLog) and tried again at
// the next round.
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

// CheckGaps checks the whole log now: its finding replaces those that
// stood (none when the log is whole again). It returns an error only when
// the check could not run; a gap found is no error here, but GapProblem's.
func (s *Service) CheckGaps(ctx context.Context, log *slog.Logger) error {
	return s.checkGaps(ctx, log, true)
}

// checkNewGaps checks the entries appended since the last check. A gap
// found there is a finding of its own, beside any found before it further
// up the log, which stand until a whole check replaces them all.
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
	was := g.findings
	if whole {
		g.findings = nil
	}
	if err != nil && !slices.ContainsFunc(g.findings, func(f error) bool { return f.Error() == err.Error() }) {
		g.findings = append(slices.Clip(g.findings), err)
	}
	g.problem = gapProblem(g.findings)
	g.report(log, was)
	return nil
}

// report logs each finding not logged since the log was last found whole,
// and, once, the log found whole again (was are the findings that stood
// before this check). g.mu is held.
func (g *gapCheck) report(log *slog.Logger, was []error) {
	if len(g.findings) == 0 {
		if len(g.logged) > 0 {
			log.Info("audit log gap no longer found: every entry and hash is stored", "was", gapTexts(was))
		}
		g.logged = nil
		return
	}
	for _, f := range g.findings {
		text := f.Error()
		if g.logged[text] {
			continue
		}
		attrs := []any{"missing", gapWhat(f), "error", text}
		var entry *domain.AuditEntryDamage
		var hash *domain.AuditHashDamage
		switch {
		case errors.As(f, &entry):
			attrs = append(attrs, "entry", entry.Entry)
		case errors.As(f, &hash):
			attrs = append(attrs, "hash_index", hash.Index, "hash_level", hash.Level, "entry", hash.Entry)
		}
		log.Error("AUDIT LOG DAMAGED: a stored entry or hash is missing; exaccess audit verify --db PATH --key VERIFIER_KEY_FILE finds every damaged entry", attrs...)
		if g.logged == nil {
			g.logged = map[string]bool{}
		}
		g.logged[text] = true
	}
}

// gapTexts are the texts of findings, "; " between them.
func gapTexts(findings []error) string {
	texts := make([]string, len(findings))
	for i, f := range findings {
		texts[i] = f.Error()
	}
	return strings.Join(texts, "; ")
}

// GapsFound is the number of findings that stand (the last whole check's
// and each round's since), 0 when the log was found whole or no check has
// run: the metric exaccess_audit_gaps_found is 1 while it is not 0.
func (s *Service) GapsFound() int {
	s.gaps.mu.Lock()
	defer s.gaps.mu.Unlock()
	return len(s.gaps.findings)
}

// gapWarning is the /readyz warning of any finding: a fixed sentence, so
// that it tells an unauthenticated caller nothing of the log (its size,
// the damaged indexes); the ERROR line of the server log names them.
const gapWarning = "the audit log is damaged: entries or hashes are missing; see the server log and run " +
	"exaccess audit verify --db PATH --key VERIFIER_KEY_FILE"

// gapProblem is the /readyz warning of the findings: one fixed sentence
// however many stand, "" for none.
func gapProblem(findings []error) string {
	if len(findings) == 0 {
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
