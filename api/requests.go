package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// handleRequestCreate stores a new draft for the caller's nation.
func (s *Server) handleRequestCreate(c echo.Context) error {
	body, err := readBody(c, false)
	if err != nil {
		return err
	}
	d, err := DecodeDetails(body, s.Reference)
	if err != nil {
		return err
	}
	idem, err := idempotency(c, body)
	if err != nil {
		return err
	}
	p := principal(c)
	// With a key, the answer is the bytes stored for a retry, so that its
	// replay is byte for byte the same (render may run again if the
	// transaction is retried: the last run's bytes are the stored ones).
	var rendered []byte
	if idem != nil {
		idem.Render = func(r *domain.Request) ([]byte, error) {
			b, err := jsonBody(s.requestFor(p, r))
			rendered = b
			return b, err
		}
	}
	r, replay, err := s.Requests.CreateRequest(c.Request().Context(), p, d, idem)
	if err != nil {
		return err
	}
	if replay != nil {
		return writeReplay(c, replay)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+r.ID)
	if rendered != nil {
		c.Response().Header().Set("ETag", etag(r.Version))
		return c.JSONBlob(http.StatusCreated, rendered)
	}
	return s.writeRequest(c, http.StatusCreated, r)
}

func (s *Server) handleRequestGet(c echo.Context) error {
	p := principal(c)
	r, err := s.Requests.GetRequest(c.Request().Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	// The warning that the fast track's agreement no longer covers the
	// request is made when it is read, not stored with a new version: a
	// cached copy may have it or not, whatever the agreement is now (it
	// may have been suspended and restored since), so a read that checks
	// the agreement is always sent whole. So is an approved request read
	// as expired before the sweep records it: its version is still the
	// approved one's, and a 304 would leave the client's copy saying the
	// unit may move.
	if !domain.LapseChecked(p, r) && !r.ExpiryReported && noneMatchFails(c.Request().Header.Values("If-None-Match"), etag(r.Version)) {
		c.Response().Header().Set("ETag", etag(r.Version))
		return c.NoContent(http.StatusNotModified)
	}
	return s.writeRequest(c, http.StatusOK, r)
}

// noneMatchFails reports whether If-None-Match (its header lines, values)
// names the current ETag, so that a GET answers 304 (RFC 9110 §13.1.2):
// "*" matches the request that exists; otherwise the value is a
// comma-separated list of entity tags, compared weakly (W/"7" matches "7").
// A malformed list matches nothing, and the request is sent whole. Unlike
// If-Match (ifMatch), nothing is risked by a lenient reading: the worst is
// a 304 for a tag the client holds.
func noneMatchFails(values []string, current string) bool {
	for _, v := range values {
		if strings.TrimSpace(v) == "*" {
			return true
		}
	}
	list := strings.Join(values, ",")
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		list = strings.TrimPrefix(list, "W/")
		if !strings.HasPrefix(list, `"`) {
			return false
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		if list[:end+2] == current {
			return true
		}
		list = list[end+2:]
		if rest := strings.TrimLeft(list, " \t"); rest != "" && rest[0] != ',' {
			return false
		}
	}
}

func (s *Server) handleRequestList(c echo.Context) error {
	f, err := listFilter(c, s.Reference)
	if err != nil {
		return err
	}
	f.Summary = true // toRequestSummary reads no more
	page, err := s.Requests.ListRequests(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	out := listResponse[requestSummary]{Items: []requestSummary{}}
	for i := range page.Items {
		out.Items = append(out.Items, toRequestSummary(&page.Items[i]))
	}
	if page.NextAfter != "" {
		cur := encodeCursor(page.NextAfter)
		out.NextCursor = &cur
	}
	return c.JSON(http.StatusOK, out)
}

// handleRequestPatch applies a JSON merge patch (RFC 7396) to the details of
// a draft or of a request returned for changes.
func (s *Server) handleRequestPatch(c echo.Context) error {
	version, body, err := readChange(c)
	if err != nil {
		return err
	}
	ctx, p := c.Request().Context(), principal(c)
	current, err := s.Requests.GetRequest(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	in, wrong, err := applyMergePatch(toRequestInput(current.Details), body)
	if err != nil {
		return err
	}
	d, err := detailsFrom(in, wrong, s.Reference)
	if err != nil {
		return err
	}
	r, err := s.Requests.UpdateDetails(ctx, p, current.ID, version, d)
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

func (s *Server) handleRequestSubmit(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	r, err := s.Requests.Submit(c.Request().Context(), principal(c), c.Param("id"), version)
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

type withdrawInput struct {
	Reason string `json:"reason"`
}

func (s *Server) handleRequestWithdraw(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, true)
	if err != nil {
		return err
	}
	var in withdrawInput
	if body != nil {
		if err := decodeStrict(body, &in, nil); err != nil {
			return err
		}
	}
	r, err := s.Requests.Withdraw(c.Request().Context(), principal(c), c.Param("id"), version, in.Reason)
	if err != nil {
		return err
	}
	return s.writeRequest(c, http.StatusOK, r)
}

// writeReplay answers a retried create with the first response: the same
// body, status and headers. A body stored before it kept the line feed the
// first answer ended with gets it back.
func writeReplay(c echo.Context, body []byte) error {
	var first struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(body, &first); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Idempotent-Replayed", "true")
	h.Set(echo.HeaderLocation, "/api/v1/requests/"+first.ID)
	h.Set("ETag", etag(first.Version))
	if !bytes.HasSuffix(body, []byte("\n")) {
		body = append(bytes.Clone(body), '\n')
	}
	return c.JSONBlob(http.StatusCreated, body)
}

func (s *Server) writeRequest(c echo.Context, status int, r *domain.Request) error {
	c.Response().Header().Set("ETag", etag(r.Version))
	return c.JSON(status, s.requestFor(principal(c), r))
}

// requestFor is r as p may read it: the warnings of p's audience.
func (s *Server) requestFor(p domain.Principal, r *domain.Request) requestResponse {
	out := toRequestResponse(r)
	out.Warnings = toWarningsJSON(domain.WarningsFor(r.Warnings, p))
	return out
}

// idempotency reads the Idempotency-Key header. The fingerprint covers the
// method, path and body (idempotencyFingerprint), so the same key with
// another body, on another route or on another request is refused.
func idempotency(c echo.Context, body []byte) (*domain.Idempotency, error) {
	key := c.Request().Header.Get("Idempotency-Key")
	if key == "" {
		return nil, nil
	}
	if len(key) > 255 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return nil, &domain.Error{Code: domain.CodeInvalid, Message: "bad Idempotency-Key",
			Fields: []domain.FieldError{{Field: "Idempotency-Key", Message: "must be 1-255 visible ASCII characters"}}}
	}
	return &domain.Idempotency{Key: key, Fingerprint: idempotencyFingerprint(c, body)}, nil
}

// idempotencyFingerprint hashes the method, the route, the value of each of
// its path parameters and the body. The route alone (its template, such as
// /api/v1/requests/:id/decisions) would let a key used on one request replay
// its answer for another; the parameters' values, as the router matched
// them, make the fingerprint that of the actual path. A route without
// parameters hashes exactly what it did before they were added, so its keys
// stored then still replay.
func idempotencyFingerprint(c echo.Context, body []byte) string {
	h := sha256.New()
	h.Write([]byte(c.Request().Method + " " + c.Path()))
	for _, name := range c.ParamNames() {
		h.Write([]byte(" " + name + "=" + strconv.Quote(c.Param(name))))
	}
	h.Write([]byte("\n"))
	h.Write(body)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
