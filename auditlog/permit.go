package auditlog

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"exaccess/domain"
)

// PermitHeader is the first line of a permit's signed text; it keeps a
// permit from ever reading as a checkpoint or anything else the key signs.
const PermitHeader = "exaccess-permit/v1"

// PermitJSON is the permit statement as signed: one line of JSON after the
// header line. Its keys are documented in docs/permits.md.
//
// A permit is checked on the bytes signed (OpenPermit: the signature over
// the text as it stands, then the JSON read from that text), never on this
// struct encoded again, so a key a permit of an earlier release carries
// keeps verifying as long as the struct still reads it.
type PermitJSON struct {
	Reference     string       `json:"reference"`
	Nation        string       `json:"nation"`
	Unit          string       `json:"unit"`
	Period        PermitPeriod `json:"period"`
	EntryPoints   []string     `json:"entry_points"`
	TrainingAreas []PermitArea `json:"training_areas"`
	Conditions    []string     `json:"conditions"`
	Status        string       `json:"status"`
	// AuditIndex is the index of the audit entry that approved the
	// request, in the permits of releases before it was dropped; a permit
	// signed now has none. An entry's index is its place in the whole
	// audit log, which the sending nation holding the permit must not
	// learn: the gaps between its permits' indexes count every other
	// nation's entries. It is read so that the earlier permits still open.
	AuditIndex *int64 `json:"audit_index,omitempty"`
	IssuedAt   string `json:"issued_at"`
	StatusPath string `json:"status_path"`
}

// PermitPeriod is the permitted period, dates both inclusive.
type PermitPeriod struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// PermitArea is a training area booking of the permit.
type PermitArea struct {
	Area string `json:"area"`
	From string `json:"from"`
	To   string `json:"to"`
}

// PermitStore is what permits read from storage.
type PermitStore interface {
	GetRequest(ctx context.Context, id string) (*domain.Request, error)
	RequestIDByReference(ctx context.Context, reference string) (string, error)
}

// PermitService signs permits with the log's checkpoint key.
type PermitService struct {
	store  PermitStore
	signer *Signer
	// checkSecret keys the permits' check values (storage's
	// permit_check_secret); it never reaches a log or an answer.
	checkSecret []byte
	now         func() time.Time
	keys        *keyCheck // the audit log's: nil signs without the check
}

var _ domain.Permits = (*PermitService)(nil)

// PermitCheckSecretMin is the shortest secret NewPermitService accepts.
const PermitCheckSecretMin = 32

// permitCheckBytes is how much of the HMAC-SHA256 a check value keeps:
// 128 bits, written as PermitCheckLen characters of unpadded base64url.
const permitCheckBytes = 16

// PermitCheckLen is the length of a permit's check value: 16 bytes in
// unpadded base64url.
const PermitCheckLen = (permitCheckBytes*8 + 5) / 6

// permitCheckLabel separates the check values from anything else the
// secret might ever key.
const permitCheckLabel = "exaccess-permit-check/v1\n"

// NewPermitService wires permits to their store, the signer, the secret of
// their check values (at least PermitCheckSecretMin bytes, the same for
// every process of one database) and the clock.
func NewPermitService(store PermitStore, signer *Signer, checkSecret []byte, now func() time.Time) (*PermitService, error) {
	if len(checkSecret) < PermitCheckSecretMin {
		return nil, fmt.Errorf("auditlog: the permit check secret is %d bytes, at least %d are needed", len(checkSecret), PermitCheckSecretMin)
	}
	return &PermitService{store: store, signer: signer, checkSecret: bytes.Clone(checkSecret), now: now}, nil
}

// WithKeyCheckOf holds permit signing to the audit log's key check
// (Service.WithKeyCheck): the key signs both, and once the log records a
// newer key than this process's, a permit signed with it would verify
// only with a key the log calls retired. Permit then refuses
// (domain.CodeUnavailable, permitKeySuperseded) until the process is restarted with the current
// key file. log must sign with the same key as the permits.
func (s *PermitService) WithKeyCheckOf(log *Service) *PermitService {
	s.keys = log.keys
	return s
}

// permitKeySuperseded is the caller's answer while the key is superseded:
// 503, an operator must act. The keys' names are in the server log (the
// CHECKPOINT KEY SUPERSEDED line), not in the answer.
const permitKeySuperseded = "this server cannot sign permits now: its signing key was replaced by a newer one (exaccess audit rotate-key), " +
	"and a permit signed with the old key would verify only with a retired key; an operator must restart this server with the current key file"

// Check is the check value of the permit of reference: the first 128 bits
// of HMAC-SHA256 of the reference under the server's secret, in unpadded
// base64url. Whoever holds the permit has it in its status_path; nobody
// can derive it from the reference.
func (s *PermitService) Check(reference string) string {
	mac := hmac.New(sha256.New, s.checkSecret)
	mac.Write([]byte(permitCheckLabel))
	mac.Write([]byte(reference))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:permitCheckBytes])
}

// StatusPath is where the holder of the permit of reference asks whether
// it is still valid, its check value included.
func (s *PermitService) StatusPath(reference string) string {
	return "/api/v1/permits/" + reference + "/status?check=" + s.Check(reference)
}

// Permit signs the permit of the approved request r.
func (s *PermitService) Permit(ctx context.Context, r *domain.Request) (string, error) {
	if r.Status != domain.StatusApproved {
		return "", domain.ErrNotFound("permit")
	}
	st, err := domain.PermitOf(r, s.now())
	if err != nil {
		return "", err
	}
	if err := s.keys.check(ctx, s.signer); errors.Is(err, ErrKeySuperseded) {
		return "", &domain.Error{Code: domain.CodeUnavailable, Message: permitKeySuperseded}
	} else if err != nil {
		return "", fmt.Errorf("auditlog: permit: the log's recorded keys: %w", err)
	}
	body, err := json.Marshal(permitJSON(st, s.StatusPath(st.Reference)))
	if err != nil {
		return "", err
	}
	msg, err := note.Sign(&note.Note{Text: PermitHeader + "\n" + string(body) + "\n"}, s.signer.signer)
	if err != nil {
		return "", fmt.Errorf("auditlog: sign permit: %w", err)
	}
	return string(msg), nil
}

// PermitStatus says whether the permit of reference is valid, revoked or
// expired, and nothing else, to whoever gives its check value. The route
// is public, and references are drawn in sequence: a check value that is
// missing or wrong, a reference that no request has and one whose request
// holds no permit (a draft, in review, rejected) all answer the same
// "permit not found", so that nobody can count the requests submitted or
// the permits approved, revoked and expired. The check value is compared
// in constant time, before anything is read: without it every reference
// costs the same HMAC and nothing else, whether it was drawn or not.
func (s *PermitService) PermitStatus(ctx context.Context, reference, check string) (domain.PermitState, error) {
	if !hmac.Equal([]byte(check), []byte(s.Check(reference))) {
		return "", domain.ErrNotFound("permit")
	}
	id, err := s.store.RequestIDByReference(ctx, reference)
	if err != nil {
		return "", noPermit(err)
	}
	r, err := s.store.GetRequest(ctx, id)
	if err != nil {
		return "", noPermit(err)
	}
	state, ok := domain.PermitStateOf(r, s.now())
	if !ok {
		return "", domain.ErrNotFound("permit")
	}
	return state, nil
}

// noPermit is err with any not-found turned into the permit's own.
func noPermit(err error) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.ErrNotFound("permit")
	}
	return err
}

func permitJSON(st domain.PermitStatement, statusPath string) PermitJSON {
	areas := make([]PermitArea, len(st.TrainingAreas))
	for i, a := range st.TrainingAreas {
		areas[i] = PermitArea{Area: a.Area, From: domain.DateString(a.From), To: domain.DateString(a.To)}
	}
	return PermitJSON{Reference: st.Reference, Nation: st.Nation, Unit: st.Unit, Period: PermitPeriod{st.Start, st.End},
		EntryPoints: nonNil(st.EntryPoints), TrainingAreas: areas, Conditions: nonNil(st.Conditions), Status: string(st.Status),
		IssuedAt: st.IssuedAt.Format(time.RFC3339), StatusPath: statusPath}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// OpenPermit checks that a permit is signed by one of keys (one verifier key
// per line) and returns its statement. The file may have been saved again
// with CRLF line endings or with blank lines at its end (normaliseNote):
// those bytes are never signed. Its errors say which of three things went
// wrong (permitOpenError): the text was changed after it was signed, the
// file is not a signed permit as issued, or no key given signed it. A key bounded to tree sizes (KEY@N)
// is refused: a permit states no tree size to hold it to.
func OpenPermit(signed []byte, keys string) (PermitJSON, error) {
	ks, err := parseKeys(keys)
	if err != nil {
		return PermitJSON{}, err
	}
	if ks.bounded() {
		return PermitJSON{}, errors.New("a verifier key bounded to tree sizes (KEY@N) verifies checkpoints only, not permits")
	}
	n, err := note.Open(normaliseNote(signed), ks.verifiers())
	if err != nil {
		return PermitJSON{}, permitOpenError(err)
	}
	body, ok := strings.CutPrefix(n.Text, PermitHeader+"\n")
	if !ok {
		return PermitJSON{}, errors.New("the signed text is not a permit")
	}
	var p PermitJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return PermitJSON{}, fmt.Errorf("the permit statement is malformed: %w", err)
	}
	return p, nil
}

// errNoteMalformed is the error note.Open returns for a message that is not
// a signed note at all (x/mod keeps it unexported): got once, compared by
// identity.
var errNoteMalformed = func() error { _, err := note.Open(nil, nil); return err }()

// normaliseNote undoes what saving a signed note again commonly does to
// it, and nothing else: CRLF line endings become LF, and the newlines at
// its end become exactly one. A signed text never holds a '\r' (note.Sign
// refuses control characters), and the newlines at the end follow the last
// signature line, outside the signed text, so a genuine note verifies
// again, and a changed text still does not.
func normaliseNote(msg []byte) []byte {
	msg = bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n"))
	trimmed := bytes.TrimRight(msg, "\n")
	if len(trimmed) == len(msg) {
		return msg // no newline at the end: malformed, and said so
	}
	return msg[:len(trimmed)+1]
}

// ErrPermitMalformed is OpenPermit's error for a file that is not a signed
// permit as issued: cut short, reformatted, or another file altogether. It
// says nothing of the permit itself, which a download made again shows.
var ErrPermitMalformed = errors.New("the file is not a signed permit as issued (cut short or reformatted)")

// permitOpenError words an error of note.Open on a permit by what it means
// to whoever checks it: an edited text is not a wrong key, and a file cut
// short or reformatted is neither.
func permitOpenError(err error) error {
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &invalid):
		return fmt.Errorf("the permit's text was changed after it was signed: the signature by %s does not match it", invalid.Name)
	case errors.Is(err, errNoteMalformed):
		return ErrPermitMalformed
	}
	return fmt.Errorf("the permit is not signed by the key given: %w", err)
}
