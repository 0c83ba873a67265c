package domain

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AuditRequestRefused records a failed authorization on an existing request:
// who tried what, and why it was refused (docs/product.md, "The audit log").
const AuditRequestRefused = "request.refused"

// RefusalLog appends audit entries for refused attempts on existing requests.
// Each refusal is its own transaction: the attempt itself changed nothing.
type RefusalLog struct {
	store Store
	now   func() time.Time
	// memory, when set, keeps a refusal repeated within its window from
	// being written again (RefusalMemory); nil writes every one.
	memory *RefusalMemory
}

// NewRefusalLog wires the refusal log to storage, remembering recorded
// refusals in memory (nil: none, every refusal is written).
func NewRefusalLog(store Store, now func() time.Time, memory *RefusalMemory) *RefusalLog {
	return &RefusalLog{store: store, now: now, memory: memory}
}

// Suppressed is how many refusals this log did not write because the same
// one was written within the window.
func (l *RefusalLog) Suppressed() uint64 {
	if l == nil {
		return 0
	}
	return l.memory.Suppressed()
}

// authorizationCodes are the refusals worth an audit entry. A wrong version
// or an invalid field is a mistake, not an attempt beyond one's authority.
var authorizationCodes = map[string]bool{CodeForbidden: true, CodeSeparationOfDuties: true, CodeNotFound: true}

// Record appends a refusal entry if cause is an authorization failure. An
// attempt on an id that names no request is recorded too, with the id tried
// (cut to MaxTriedID characters, its control and format characters shown
// as U+FFFD: triedID): it is what probing looks like, and doing
// the same work on both paths — one read, one audit append, one commit
// before the answer — is what keeps "another nation's request" and "no such
// request" indistinguishable by timing as well as by content
// (docs/security.md). The rate limits bound how fast anyone can fill the log
// this way, as they bound refused attempts on existing requests.
//
// The same refusal again — same actor, same request (or the same missing
// id), same attempt, code and reason — within the memory's window is
// refused all the same but not written again: a flood of refused reads
// would otherwise fill the request's history with copies of one fact. Both
// paths read the id once to know which request the attempt is about, then
// skip alike, so the skip tells nothing either.
func (l *RefusalLog) Record(ctx context.Context, p Principal, requestID, attempted string, cause error) error {
	code := ErrorCode(cause)
	if l == nil || !authorizationCodes[code] || requestID == "" {
		return nil
	}
	at := l.now().UTC().Truncate(time.Microsecond)
	data := RefusalData{Attempted: attempted, Code: code, Reason: refusalReason(cause)}
	if l.memory == nil {
		return l.append(ctx, p, requestID, at, data)
	}
	target, err := l.target(ctx, p, requestID, code)
	if err != nil || target == "" {
		return err
	}
	key := refusalKey(p.Subject, target, data)
	if !l.memory.claim(key, at) {
		return nil
	}
	if err := l.append(ctx, p, requestID, at, data); err != nil {
		l.memory.release(key, at) // not written: the next one may be
		return err
	}
	return nil
}

// target names what an attempt was about, for the memory: the request's id
// however it was named (its id or its reference), or the missing id tried;
// "" when the attempt is not recorded at all (as append decides).
func (l *RefusalLog) target(ctx context.Context, p Principal, requestID, code string) (string, error) {
	r, err := l.store.RequestHead(ctx, requestID)
	switch {
	case ErrorCode(err) == CodeNotFound:
		return "missing:" + triedID(requestID), nil
	case err != nil:
		return "", err
	case code == CodeNotFound && r.Visible(p):
		return "", nil
	}
	return "request:" + r.ID, nil
}

// refusalKey is what makes two refusals the same one.
func refusalKey(actor, target string, d RefusalData) string {
	return strings.Join([]string{actor, target, d.Attempted, d.Code, d.Reason}, "\x00")
}

// append writes one refusal entry in its own transaction.
func (l *RefusalLog) append(ctx context.Context, p Principal, requestID string, at time.Time, data RefusalData) error {
	return l.store.InTx(ctx, func(tx Tx) error {
		entry := AuditEntry{At: at, Actor: p.Subject}
		r, err := tx.RequestHead(requestID)
		switch {
		case ErrorCode(err) == CodeNotFound:
			data.UnknownRequestID = triedID(requestID)
		case err != nil:
			return err
		case data.Code == CodeNotFound && r.Visible(p):
			return nil // a genuine not-found of something else (a stage, a delegation)
		default:
			entry.RequestID, entry.RequestVersion = r.ID, r.Version
		}
		return tx.AppendAudit(auditEntry(entry, AuditRequestRefused, data))
	})
}

// MaxTriedID bounds the id of a missing request kept in a refusal entry.
const MaxTriedID = 64

// triedID is the id of a missing request as a refusal entry keeps it: cut
// to MaxTriedID characters, with every character that could change how the
// audit log reads shown as U+FFFD: the Unicode format characters
// (isInvisibleFormat: the bidirectional controls, which would reverse the
// text around them on the console's audit page, and the invisible ones),
// the control characters (line breaks, NUL, C1) and the line and paragraph
// separators; bytes that are not UTF-8 become U+FFFD too. The id is typed
// by whoever probes, so it is kept as evidence, not as text to trust.
func triedID(s string) string {
	if r := []rune(s); len(r) > MaxTriedID {
		s = string(r[:MaxTriedID])
	}
	return strings.Map(func(r rune) rune {
		if isInvisibleFormat(r) || unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			return utf8.RuneError
		}
		return r
	}, s)
}

func refusalReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
