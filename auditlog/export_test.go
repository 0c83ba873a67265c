package auditlog

import (
	"context"
	"log/slog"
)

// CheckNewGaps runs one round of the gap check: the entries appended since
// the last check.
func (s *Service) CheckNewGaps(ctx context.Context, log *slog.Logger) error {
	return s.checkNewGaps(ctx, log)
}

// GapFindingForTest says which entry or hash the last checks found first
// missing, as the server log names it; "" for none.
func (s *Service) GapFindingForTest() string {
	s.gaps.mu.Lock()
	defer s.gaps.mu.Unlock()
	return gapWhat(s.gaps.finding)
}
