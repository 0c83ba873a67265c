package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// checkpointJSON is one kept checkpoint in GET /api/v1/audit/checkpoints:
// the signed note with the witnesses' cosignature lines appended, so that a
// client checks it with the log's key and the witness keys it trusts.
type checkpointJSON struct {
	Size         int64     `json:"size"`
	RootHash     string    `json:"root_hash"`
	Note         string    `json:"note"`
	Cosignatures int       `json:"cosignatures"`
	SignedAt     time.Time `json:"signed_at"`
}

// handleAuditCheckpoint serves the latest kept checkpoint as a signed note
// with the witnesses' cosignatures.
func (s *Server) handleAuditCheckpoint(c echo.Context) error {
	if s.Audit == nil {
		return errNoAuditLog
	}
	cp, err := s.Audit.LatestCheckpoint(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte(cp.WithCosignatures()))
}

// handleAuditCheckpoints pages through every kept checkpoint, smallest
// first: the history an auditor checks for consistency. The cursor is the
// size of the last checkpoint seen.
func (s *Server) handleAuditCheckpoints(c echo.Context) error {
	q := newQuery(c)
	limit := q.limit()
	after := int64(-1)
	if n, ok := cursor(q, checkpointCursor); ok {
		after = n
	}
	if err := q.err(); err != nil {
		return err
	}
	if s.Audit == nil {
		return errNoAuditLog
	}
	cps, err := s.Audit.Checkpoints(c.Request().Context(), after, limit)
	if err != nil {
		return err
	}
	out := listResponse[checkpointJSON]{Items: make([]checkpointJSON, 0, len(cps))}
	for _, cp := range cps {
		out.Items = append(out.Items, checkpointJSON{Size: cp.Size, RootHash: base64.StdEncoding.EncodeToString(cp.Root[:]),
			Note: cp.WithCosignatures(), Cosignatures: len(cp.Cosignatures), SignedAt: cp.At.UTC()})
	}
	if len(cps) == limit && limit > 0 {
		next := strconv.FormatInt(cps[len(cps)-1].Size, 10)
		out.NextCursor = &next
	}
	return c.JSON(http.StatusOK, out)
}

// auditWarnings are the readiness warnings of the audit log: a refusal to
// sign checkpoints (its history changed, a fixed text), a gap the
// background check found (a fixed text naming what to run; which entry or
// hash is missing is only in the server log), and its witnesses' problems: the process keeps serving, but an
// operator must look. /readyz is public, so a warning names no host or
// file: the witness's error (its URL, the resolver's address, the log's
// size) is only in the server log, which has every failure, and the
// witness metrics name the witness.
func (s *Server) auditWarnings() []string {
	if s.Audit == nil {
		return nil
	}
	var out []string
	if p := s.Audit.SigningProblem(); p != "" {
		out = append(out, p)
	}
	if p := s.Audit.GapProblem(); p != "" {
		out = append(out, p)
	}
	var failed, conflict bool
	for _, w := range s.Audit.Witnesses() {
		switch {
		case w.Conflict:
			conflict = true
		case w.Failing:
			failed = true
		}
	}
	if conflict {
		out = append(out, warnWitnessConflict)
	}
	if failed {
		out = append(out, warnWitnessFailed)
	}
	return out
}

// The readiness warnings of the witnesses.
const (
	warnWitnessConflict = "a witness of the audit log refused its history as inconsistent; the server log has the details"
	warnWitnessFailed   = "a witness of the audit log did not cosign the latest checkpoint; the server log has the details"
)

// checkpointCursor reads the cursor of the checkpoint list: the size of
// the last checkpoint seen.
func checkpointCursor(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}
