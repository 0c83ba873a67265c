package auditlog

import (
	"context"
	"log/slog"
	"strings"
)

// CheckNewGaps runs one round of the gap check: the entries appended since
// the last check.
func (s *Service) CheckNewGaps(ctx context.Context, log *slog.Logger) error {
	return s.checkNewGaps(ctx, log)
}

// GapFindingForTest says which entry or hash each finding that stands
// found first missing, as the server log names it, "; " between them; ""
// for none.
func (s *Service) GapFindingForTest() string {
	s.gaps.mu.Lock()
	defer s.gaps.mu.Unlock()
	what := make([]string, len(s.gaps.findings))
	for i, f := range s.gaps.findings {
		what[i] = gapWhat(f)
	}
	return strings.Join(what, "; ")
}
