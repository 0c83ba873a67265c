package api

import (
	"errors"
	"log/slog"
	"net/http"

	"exaccess/domain"
	"exaccess/internal/afterstatus"

	"github.com/labstack/echo/v4"
)

// HTTP-only error codes, beside the domain's vocabulary.
const (
	codeUnsupportedMedia = "unsupported_media_type"
	codeMethodNotAllowed = "method_not_allowed"
	codeUnavailable      = domain.CodeUnavailable
	// codeAuditDamaged: a stored hash of the audit log's tree, or an entry
	// the hashes cover, is missing or malformed (domain.ErrAuditHashDamaged). It is a 500, the server's
	// fault, that no retry mends; unlike internal it says what is wrong,
	// because an auditor must know that the log, not the request, failed.
	codeAuditDamaged = "audit_damaged"
)

// auditDamagedDetail is the fixed detail of audit_damaged: which hash or
// entry is in the server log, not in the answer. The command it names runs
// as written once PATH and the key file are filled in (verify refuses
// without --key; `audit key` prints the verifier key).
const auditDamagedDetail = "the audit log's stored entries or hashes are damaged (one is missing or malformed), so no checkpoint, proof or export of it can be given; " +
	"an operator must run `exaccess audit verify --db PATH --key VERIFIER_KEY_FILE` (`exaccess audit key --checkpoint-key FILE`, the server's key file, prints the verifier key) " +
	"to find the damaged entries and restore them from a backup (docs/operations.md)"

// auditDamagedLog is the server log's line for audit_damaged.
const auditDamagedLog = "audit log damaged: a stored audit entry or hash is missing or malformed; " +
	"exaccess audit verify --db PATH --key VERIFIER_KEY_FILE finds the damaged entries"

// statusOf maps every error code to its HTTP status: the one table.
var statusOf = map[string]int{
	domain.CodeInvalid:                http.StatusUnprocessableEntity,
	domain.CodeBadRequest:             http.StatusBadRequest,
	domain.CodeNotFound:               http.StatusNotFound,
	domain.CodeConflict:               http.StatusConflict,
	domain.CodeInvalidTransition:      http.StatusConflict,
	domain.CodeAreaConflict:           http.StatusConflict,
	domain.CodeFrameworkNotApplicable: http.StatusConflict,
	domain.CodeNotEligible:            http.StatusUnprocessableEntity,
	domain.CodePolicyError:            http.StatusUnprocessableEntity,
	domain.CodeUnauthorized:           http.StatusUnauthorized,
	domain.CodeForbidden:              http.StatusForbidden,
	domain.CodeSeparationOfDuties:     http.StatusForbidden,
	domain.CodePasswordChange:         http.StatusForbidden,
	domain.CodePreconditionFailed:     http.StatusPreconditionFailed,
	domain.CodePreconditionRequired:   http.StatusPreconditionRequired,
	domain.CodeTooLarge:               http.StatusRequestEntityTooLarge,
	domain.CodeInternal:               http.StatusInternalServerError,
	codeUnsupportedMedia:              http.StatusUnsupportedMediaType,
	codeMethodNotAllowed:              http.StatusMethodNotAllowed,
	codeUnavailable:                   http.StatusServiceUnavailable,
	codeAuditDamaged:                  http.StatusInternalServerError,
	codeRateLimited:                   http.StatusTooManyRequests,
}

// codeOfStatus is for errors raised by Echo itself (unknown route, …).
var codeOfStatus = map[int]string{
	http.StatusNotFound:              domain.CodeNotFound,
	http.StatusMethodNotAllowed:      codeMethodNotAllowed,
	http.StatusRequestEntityTooLarge: domain.CodeTooLarge,
	http.StatusUnauthorized:          domain.CodeUnauthorized,
	http.StatusForbidden:             domain.CodeForbidden,
	http.StatusBadRequest:            domain.CodeBadRequest,
	http.StatusUnsupportedMediaType:  codeUnsupportedMedia,
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type    string         `json:"type"`
	Title   string         `json:"title"`
	Status  int            `json:"status"`
	Detail  string         `json:"detail"`
	Code    string         `json:"code"`
	Errors  []problemField `json:"errors,omitempty"`
	Reasons []string       `json:"reasons,omitempty"`
}

type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// errorHandler writes every error as problem+json. Internal errors are logged
// with the request id and shown to the caller only as a generic message.
// An error met after the status line was sent can have no answer: it is
// logged (afterStatus), never dropped.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			afterStatus(log, c, "error after the response began", err)
			return
		}
		p := toProblem(err)
		var de *domain.Error
		var damage *domain.AuditHashDamage
		switch {
		case p.Code == codeAuditDamaged:
			attrs := []any{"request_id", requestID(c), "method", c.Request().Method, "route", c.Path(), "error", err.Error()}
			if errors.As(err, &damage) {
				attrs = append(attrs, "hash_index", damage.Index, "level", damage.Level, "entry", damage.Entry)
			}
			log.Error(auditDamagedLog, attrs...)
			p.Detail += "; quote request id " + requestID(c) + " when reporting it"
		case p.Status == http.StatusInternalServerError:
			log.Error("internal error", "request_id", requestID(c), "method", c.Request().Method,
				"route", c.Path(), "error", err.Error())
			p.Detail = "an internal error occurred; quote request id " + requestID(c) + " when reporting it"
		case errors.As(err, &de) && de.Cause != nil:
			// A refusal whose cause someone must fix (a policy that could
			// not decide): the cause goes to the log, the caller gets the
			// request id to find it by.
			log.Error("refused: "+p.Code, "request_id", requestID(c), "method", c.Request().Method,
				"route", c.Path(), "error", de.Cause.Error())
			p.Detail += "; quote request id " + requestID(c) + " when reporting it"
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="exaccess"`)
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(p.Status)
		if c.Request().Method != http.MethodHead {
			_ = jsonEncode(c.Response(), p)
		}
	}
}

// afterStatus logs an error met after the response's status line, as msg
// with attrs: at INFO when the client went away (nothing is wrong with the
// server then), at ERROR otherwise, with its cause and, for a damaged
// audit log, which hash.
func afterStatus(log *slog.Logger, c echo.Context, msg string, err error, attrs ...any) {
	attrs = append([]any{"request_id", requestID(c), "method", c.Request().Method, "route", c.Path()}, attrs...)
	attrs = append(attrs, "error", err.Error())
	var damage *domain.AuditHashDamage
	if errors.As(err, &damage) {
		attrs = append(attrs, "hash_index", damage.Index, "hash_level", damage.Level, "entry", damage.Entry)
	}
	log.Log(c.Request().Context(), afterstatus.Level(err), msg, attrs...)
}

func toProblem(err error) problem {
	var de *domain.Error
	var he *echo.HTTPError
	code, detail := domain.CodeInternal, ""
	switch {
	case errors.Is(err, domain.ErrAuditHashDamaged):
		code, detail = codeAuditDamaged, auditDamagedDetail
	case errors.As(err, &de):
		code, detail = de.Code, de.Message
	case errors.As(err, &he):
		code = codeOfStatus[he.Code]
		if code == "" {
			code = domain.CodeInternal
		}
		if msg, ok := he.Message.(string); ok {
			detail = msg
		}
	}
	status, ok := statusOf[code]
	if !ok {
		code, status = domain.CodeInternal, http.StatusInternalServerError
	}
	p := problem{Type: "urn:exaccess:problem:" + code, Title: http.StatusText(status), Status: status, Detail: detail, Code: code}
	if de != nil {
		for _, f := range de.Fields {
			p.Errors = append(p.Errors, problemField{f.Field, f.Message})
		}
		p.Reasons = de.Reasons
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	return p
}
