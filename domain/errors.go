package domain

import (
	"errors"
	"fmt"
)

// Error codes: the stable, machine-readable vocabulary shared by every layer.
// The API maps each code to an HTTP status in one table.
const (
	CodeInvalid              = "invalid"               // a field is wrong (422)
	CodeBadRequest           = "bad_request"           // the request itself is malformed (400)
	CodeNotFound             = "not_found"             // does not exist, or the caller may not know it exists (404)
	CodeConflict             = "conflict"              // clashes with the current state (409)
	CodeInvalidTransition    = "invalid_transition"    // the lifecycle does not allow this move (409)
	CodeNotEligible          = "not_eligible"          // the routing policy's eligibility rules refuse it (422)
	CodeUnauthorized         = "unauthorized"          // no valid credentials (401)
	CodeForbidden            = "forbidden"             // valid credentials, wrong role (403)
	CodePreconditionFailed   = "precondition_failed"   // If-Match is stale (412)
	CodePreconditionRequired = "precondition_required" // If-Match is missing (428)
	CodeTooLarge             = "too_large"             // body over the limit (413)
	CodeInternal             = "internal"              // anything unexpected; details never leave the server
	CodeUnavailable          = "unavailable"           // the server cannot do it now; an operator must act or it must be retried (503)
)

// CodePasswordChange: the token was issued for a one-time password and
// serves only to choose a new one (403).
const CodePasswordChange = "password_change_required"

// FieldError names one offending field, as a JSON path like "unit.designation"
// or "movements[0].entry_point".
type FieldError struct {
	Field   string
	Message string
}

// Error is the one error type that crosses layer boundaries. Anything else
// that reaches the API is treated as internal.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError // for CodeInvalid
	Reasons []string     // for CodeNotEligible: the policy's reasons
	// Cause is what went wrong inside, for the log only: the caller is
	// shown Message, never Cause (CodePolicyError: the policy file, the
	// condition and CEL's error, which an operator needs to fix the policy).
	Cause error
}

func (e *Error) Error() string {
	switch {
	case len(e.Fields) > 0:
		return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Message, len(e.Fields))
	case e.Cause != nil:
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap is the Cause, so that errors.Is sees through a refusal to it.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// CodeInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrNotFound is the not-found error for a kind of thing ("request", "user").
func ErrNotFound(kind string) *Error {
	return Errorf(CodeNotFound, "%s not found", kind)
}

// MergeInvalid is one invalid error holding the field errors of every
// invalid error of errs (nil ones are skipped), so that a caller learns
// every offending field at once rather than one check's at a time. A field
// already named keeps its first message (the checks are passed in the
// order their messages are most useful). With one invalid error it is that
// error; with several, the message is that of a request with invalid
// fields. Any other error (a store that failed) is returned instead, the
// first of them.
func MergeInvalid(errs ...error) error {
	var invalid []*Error
	for _, err := range errs {
		if err == nil {
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalid || len(e.Fields) == 0 {
			return err
		}
		invalid = append(invalid, e)
	}
	switch len(invalid) {
	case 0:
		return nil
	case 1:
		return invalid[0]
	}
	out := &Error{Code: CodeInvalid, Message: "the request has invalid fields"}
	named := map[string]bool{}
	for _, e := range invalid {
		for _, f := range e.Fields {
			if !named[f.Field] {
				named[f.Field] = true
				out.Fields = append(out.Fields, f)
			}
		}
	}
	return out
}

// namesField reports whether err is an invalid error naming field.
func namesField(err error, field string) bool {
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalid {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
