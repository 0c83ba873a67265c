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
