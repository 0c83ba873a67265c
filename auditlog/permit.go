package auditlog

import (
	"bytes"
	"context"
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
type PermitJSON struct {
	Reference     string       `json:"reference"`
	Nation        string       `json:"nation"`
	Unit          string       `json:"unit"`
	Period        PermitPeriod `json:"period"`
	EntryPoints   []string     `json:"entry_points"`
	TrainingAreas []PermitArea `json:"training_areas"`
	Conditions    []string     `json:"conditions"`
	Status        string       `json:"status"`
	AuditIndex    int64        `json:"audit_index"`
	IssuedAt      string       `json:"issued_at"`
	StatusPath    string       `json:"status_path"`
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
	ApprovalAuditIndex(ctx context.Context, id string) (int64, error)
}

// PermitService signs permits with the log's checkpoint key.
type PermitService struct {
	store  PermitStore
	signer *Signer
	now    func() time.Time
}

var _ domain.Permits = (*PermitService)(nil)

// NewPermitService wires permits to their store, the signer and the clock.
func NewPermitService(store PermitStore, signer *Signer, now func() time.Time) *PermitService {
	return &PermitService{store: store, signer: signer, now: now}
}

// Permit signs the permit of the approved request r.
func (s *PermitService) Permit(ctx context.Context, r *domain.Request) (string, error) {
	if r.Status != domain.StatusApproved {
		return "", domain.ErrNotFound("permit")
	}
	idx, err := s.store.ApprovalAuditIndex(ctx, r.ID)
	if err != nil {
		return "", err
	}
	st, err := domain.PermitOf(r, idx, s.now())
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(permitJSON(st))
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
// expired, and nothing else. The route is public, so a reference that no
// request has and one whose request holds no permit (a draft, in review,
// rejected) answer the same "permit not found": the answer must not tell
// anyone which references were drawn, and so how many requests a nation
// has submitted.
func (s *PermitService) PermitStatus(ctx context.Context, reference string) (domain.PermitState, error) {
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

func permitJSON(st domain.PermitStatement) PermitJSON {
	areas := make([]PermitArea, len(st.TrainingAreas))
	for i, a := range st.TrainingAreas {
		areas[i] = PermitArea{Area: a.Area, From: domain.DateString(a.From), To: domain.DateString(a.To)}
	}
	return PermitJSON{Reference: st.Reference, Nation: st.Nation, Unit: st.Unit, Period: PermitPeriod{st.Start, st.End},
		EntryPoints: nonNil(st.EntryPoints), TrainingAreas: areas, Conditions: nonNil(st.Conditions), Status: string(st.Status),
		AuditIndex: st.AuditIndex, IssuedAt: st.IssuedAt.Format(time.RFC3339), StatusPath: "/api/v1/permits/" + st.Reference + "/status"}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// OpenPermit checks that a permit is signed by one of keys (one verifier key
// per line) and returns its statement. A key bounded to tree sizes (KEY@N)
// is refused: a permit states no tree size to hold it to.
func OpenPermit(signed []byte, keys string) (PermitJSON, error) {
	ks, err := parseKeys(keys)
	if err != nil {
		return PermitJSON{}, err
	}
	if ks.bounded() {
		return PermitJSON{}, errors.New("a verifier key bounded to tree sizes (KEY@N) verifies checkpoints only, not permits")
	}
	n, err := note.Open(signed, ks.verifiers())
	if err != nil {
		return PermitJSON{}, fmt.Errorf("the permit is not signed by the key given: %w", err)
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
