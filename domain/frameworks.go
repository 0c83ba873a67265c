package domain

import (
	"context"
	"strings"
	"time"
)

// Audit actions of framework agreements and training areas.
const (
	AuditFrameworkCreated    = "framework.created"
	AuditFrameworkUpdated    = "framework.updated"
	AuditTrainingAreaUpdated = "training_area.updated"
)

// FrameworkService manages framework agreements and training areas: the
// administrators' side of streamlined access.
type FrameworkService struct {
	store Store
	ref   Reference
	now   func() time.Time
	newID func() string
}

// NewFrameworkService wires the service to its ports.
func NewFrameworkService(store Store, ref Reference, now func() time.Time, newID func() string) *FrameworkService {
	return &FrameworkService{store: store, ref: ref, now: now, newID: newID}
}

func (s *FrameworkService) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Create stores a new framework agreement.
func (s *FrameworkService) Create(ctx context.Context, p Principal, t FrameworkTerms) (*Framework, error) {
	return s.CreateKeyed(ctx, p, t, nil)
}

// CreateKeyed is Create with an Idempotency-Key: a retry gets the first
// response (in key.Replay) and creates nothing.
func (s *FrameworkService) CreateKeyed(ctx context.Context, p Principal, t FrameworkTerms, key *Keyed) (*Framework, error) {
	t.Nation, t.Reference = NormalizeNation(t.Nation), strings.TrimSpace(t.Reference)
	if err := ValidateFramework(t, s.ref); err != nil {
		return nil, err
	}
	now := s.clock()
	f := &Framework{ID: s.newID(), Version: 1, CreatedAt: now, UpdatedAt: now, FrameworkTerms: t}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if again, err := key.replayed(tx, p, now); again || err != nil {
			return err
		}
		if err := checkReferenceFree(tx, t, nil); err != nil {
			return err
		}
		if err := tx.CreateFramework(f); err != nil {
			return referenceStored(t, err)
		}
		if err := tx.AppendAudit(auditEntry(AuditEntry{At: now, Actor: p.Subject}, AuditFrameworkCreated,
			FrameworkCreatedData{FrameworkID: f.ID, Terms: FrameworkData(t)})); err != nil {
			return err
		}
		return key.remember(tx, p, now, f, "")
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Update replaces the terms of an agreement if version is still current;
// suspending is an update of Suspended. Terms equal to the current ones
// are no change: the agreement is answered as it is, its version stays
// and nothing is audited. A change that makes the agreement stop covering
// requests in review on its fast track tells them, in its transaction
// (notifyFrameworkLapsed), having locked the agreement first
// (Tx.GetFrameworkForUpdate): the writes that read it to decide whether it
// covers a request (Tx.GetFramework) commit before the change lists the
// requests in review, or read it after the change commits.
func (s *FrameworkService) Update(ctx context.Context, p Principal, id string, version int, t FrameworkTerms) (*Framework, error) {
	t.Nation, t.Reference = NormalizeNation(t.Nation), strings.TrimSpace(t.Reference)
	var out *Framework
	err := s.store.InTx(ctx, func(tx Tx) error {
		// Locked before anything else, and before the requests in review
		// are listed (notifyFrameworkLapsed): a submission or final
		// approval that read the agreement commits first, and is listed.
		f, err := tx.GetFrameworkForUpdate(id)
		if err != nil {
			return err
		}
		if err := ValidateFrameworkChange(t, f.FrameworkTerms, s.ref); err != nil {
			return err
		}
		if err := checkVersion("framework agreement", version, f.Version); err != nil {
			return err
		}
		if err := checkReferenceFree(tx, t, f); err != nil {
			return err
		}
		changed := changedData(jsonFields(FrameworkData(f.FrameworkTerms)), jsonFields(FrameworkData(t)))
		if len(changed) == 0 {
			out = f
			return nil
		}
		was := f.FrameworkTerms
		f.FrameworkTerms, f.UpdatedAt, f.Version = t, s.clock(), version+1
		if err := tx.UpdateFramework(f, version); err != nil {
			return referenceStored(t, err)
		}
		out = f
		if err := tx.AppendAudit(auditEntry(AuditEntry{At: f.UpdatedAt, Actor: p.Subject}, AuditFrameworkUpdated,
			FrameworkUpdatedData{FrameworkID: f.ID, Version: f.Version, Changed: changed})); err != nil {
			return err
		}
		return notifyFrameworkLapsed(tx, s.ref, was, f, f.UpdatedAt)
	})
	return out, err
}

// Get returns an agreement the caller may see: a liaison officer sees only
// their own nation's.
func (s *FrameworkService) Get(ctx context.Context, p Principal, id string) (*Framework, error) {
	f, err := s.store.GetFramework(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.IsLiaison() && f.Nation != p.Nation {
		return nil, ErrNotFound("framework agreement")
	}
	return f, nil
}

// List returns the agreements the caller may see, optionally of one nation.
func (s *FrameworkService) List(ctx context.Context, p Principal, nation string) ([]Framework, error) {
	if p.IsLiaison() {
		if nation != "" && nation != p.Nation {
			return nil, nil
		}
		nation = p.Nation
	}
	return s.store.ListFrameworks(ctx, nation)
}

// FrameworkData renders terms for audit entries, in API shape.
func FrameworkData(t FrameworkTerms) FrameworkTermsData {
	return FrameworkTermsData{Nation: t.Nation, Name: t.Name, Reference: t.Reference,
		ValidFrom: DateString(t.ValidFrom), ValidUntil: DateString(t.ValidUntil),
		TrainingAreas: list(t.TrainingAreas), EntryPoints: list(t.EntryPoints),
		PersonnelCeiling: t.PersonnelCeiling, LiveFire: t.LiveFire, DangerousGoods: t.DangerousGoods,
		Notes: t.Notes, Suspended: t.Suspended}
}
