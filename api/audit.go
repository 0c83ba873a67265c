package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// errNoAuditLog is a wiring mistake: a server built without Deps.Audit.
var errNoAuditLog = errors.New("api: no audit log configured")

type proofResponse struct {
	Proof []string `json:"proof"`
}

func toProofResponse(hs []domain.AuditHash) proofResponse {
	out := proofResponse{Proof: make([]string, len(hs))}
	for i, h := range hs {
		out.Proof[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// handleAuditKey serves the checkpoint verifier key, in note's text form.
func (s *Server) handleAuditKey(c echo.Context) error {
	if s.Audit == nil {
		return errNoAuditLog
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte(s.Audit.VerifierKey()+"\n"))
}

func (s *Server) handleAuditInclusionProof(c echo.Context) error {
	q := newQuery(c)
	index, size := q.count("index"), q.count("size")
	if err := q.err(); err != nil {
		return err
	}
	if s.Audit == nil {
		return errNoAuditLog
	}
	proof, err := s.Audit.InclusionProof(c.Request().Context(), index, size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProofResponse(proof))
}

func (s *Server) handleAuditConsistencyProof(c echo.Context) error {
	q := newQuery(c)
	oldSize, newSize := q.count("old"), q.count("new")
	if err := q.err(); err != nil {
		return err
	}
	if s.Audit == nil {
		return errNoAuditLog
	}
	proof, err := s.Audit.ConsistencyProof(c.Request().Context(), oldSize, newSize)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProofResponse(proof))
}

// handleAuditEvents lists entries in index order, each exactly as stored:
// the canonical JSON whose tlog.RecordHash is its Merkle leaf.
func (s *Server) handleAuditEvents(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	if s.Audit == nil {
		return errNoAuditLog
	}
	page, err := s.Audit.Events(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listResponse[json.RawMessage]{Items: make([]json.RawMessage, 0, len(page.Items))}
	for _, it := range page.Items {
		out.Items = append(out.Items, json.RawMessage(it.Entry))
	}
	if page.NextAfter != nil {
		cur := encodeAuditCursor(*page.NextAfter)
		out.NextCursor = &cur
	}
	return c.JSON(http.StatusOK, out)
}

// exportTypes are the content types of the export formats.
var exportTypes = map[string]string{
	domain.AuditFormatNDJSON: "application/x-ndjson",
	domain.AuditFormatCSV:    "text/csv; charset=utf-8",
}

// handleAuditExport streams an export. Everything that can fail cleanly
// (parameters, the checkpoint, the export's own audit entry) happens
// before the status line; after it, a failure can only cut the stream
// short, which the missing trailer makes plain to any verifier.
func (s *Server) handleAuditExport(c echo.Context) error {
	req, err := exportRequest(c)
	if err != nil {
		return err
	}
	if s.Audit == nil {
		return errNoAuditLog
	}
	ctx := c.Request().Context()
	x, err := s.Audit.StartExport(ctx, principal(c), req)
	if err != nil {
		return err
	}
	info := x.Info()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, exportTypes[info.Format])
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="exaccess-audit-%d-%d.%s"`,
		info.First, info.First+info.Count, info.Format))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	if err := x.Write(ctx, newStreamWriter(c.Response())); err != nil {
		// At INFO when the client went away: an auditor who cancels a
		// download is no server fault.
		afterStatus(s.Log, c, "audit export cut short", err, "first", info.First, "count", info.Count)
	}
	return nil
}

// streamWriter hands each chunk of an export to the client at once and
// moves the write deadline on, so a long export is limited by progress,
// not by the server's overall write timeout.
type streamWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// exportStall is how long one chunk may take to reach the client.
const exportStall = time.Minute

func newStreamWriter(w http.ResponseWriter) *streamWriter {
	return &streamWriter{w: w, rc: http.NewResponseController(w)}
}

func (s *streamWriter) Write(p []byte) (int, error) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(exportStall)) // unsupported in tests' recorders; harmless
	n, err := s.w.Write(p)
	if err == nil {
		err = s.rc.Flush()
	}
	return n, err
}
