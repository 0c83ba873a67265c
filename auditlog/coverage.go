package auditlog

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"exaccess/domain"
)

// CheckpointSource pages through kept checkpoints with their cosignatures.
type CheckpointSource interface {
	AuditCheckpoints(ctx context.Context, after int64, limit int) ([]domain.AuditCheckpoint, error)
}

// Coverage says what vouches for the entries of a log of Size entries:
// Signed is the size of the largest kept checkpoint signed by the log's key,
// Cosigned the size of the largest one also cosigned by at least Quorum of
// the Witnesses given (0 when none is), and WitnessesOnSigned how many of
// them cosigned the largest signed one.
type Coverage struct {
	Size, Signed, Cosigned int64
	Witnesses, Quorum      int
	WitnessesOnSigned      int
}

// Lines states each range and what covers it.
func (c Coverage) Lines() []string {
	var out []string
	if c.Witnesses > 0 && c.Cosigned > 0 {
		out = append(out, fmt.Sprintf("entries 0..%d: signed by the log and cosigned by at least %d of %d witnesses", c.Cosigned-1, c.Quorum, c.Witnesses))
	}
	from := c.Cosigned
	if c.Witnesses == 0 {
		from = 0
	}
	if c.Signed > from {
		out = append(out, fmt.Sprintf("entries %d..%d: signed by the log and cosigned by %d of %d witnesses", from, c.Signed-1, c.WitnessesOnSigned, c.Witnesses))
	}
	if c.Size > c.Signed {
		out = append(out, fmt.Sprintf("entries %d..%d: not yet covered by any signature", c.Signed, c.Size-1))
	}
	return out
}

// QuorumMet reports whether every entry is in a checkpoint that the quorum
// of witnesses cosigned.
func (c Coverage) QuorumMet() bool { return c.Witnesses == 0 || c.Cosigned >= c.Size }

// MeasureCoverage reads every kept checkpoint and finds the largest signed
// by logKeys and the largest also cosigned by quorum of witnessKeys.
// Whether the entries match those checkpoints is VerifyStored's question.
func MeasureCoverage(ctx context.Context, src CheckpointSource, size int64, logKeys string, witnessKeys []string, quorum int) (Coverage, error) {
	cov := Coverage{Size: size, Witnesses: len(witnessKeys), Quorum: quorum}
	var ws []note.Verifier
	for _, k := range witnessKeys {
		v, err := NewWitnessVerifier(k)
		if err != nil {
			return cov, fmt.Errorf("--witness %q: %w", k, err)
		}
		ws = append(ws, v)
	}
	for after := int64(-1); ; {
		page, err := src.AuditCheckpoints(ctx, after, 500)
		if err != nil || len(page) == 0 {
			return cov, err
		}
		for _, cp := range page {
			after = cp.Size
			tree, err := OpenCheckpoint([]byte(cp.Note), logKeys)
			if err != nil || tree.N != cp.Size || tree.N > size {
				continue
			}
			n := cosigners(cp, ws)
			cov.Signed, cov.WitnessesOnSigned = tree.N, n
			if len(ws) > 0 && n >= quorum {
				cov.Cosigned = tree.N
			}
		}
	}
}

// cosigners counts the distinct witnesses among ws whose cosignature of cp
// verifies.
func cosigners(cp domain.AuditCheckpoint, ws []note.Verifier) int {
	if len(ws) == 0 || len(cp.Cosignatures) == 0 {
		return 0
	}
	text, _, _ := strings.Cut(cp.Note, "\n\n")
	msg := text + "\n\n" + strings.Join(cp.Cosignatures, "\n") + "\n"
	n, err := note.Open([]byte(msg), note.VerifierList(ws...))
	if err != nil {
		return 0
	}
	seen := map[string]bool{}
	for _, s := range n.Sigs {
		seen[fmt.Sprintf("%s+%08x", s.Name, s.Hash)] = true
	}
	return len(seen)
}
