package storage

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"exaccess/domain"
)

// tx implements domain.Tx on one open write transaction. seen remembers the
// stored rows of the requests this transaction read or wrote, so an update
// writes only the projections that changed.
type tx struct {
	g    *gorm.DB
	seen map[string]*stored
}

var _ domain.Tx = (*tx)(nil)

// nextCounter increments a named counter and returns its new value; a
// missing counter starts at first. One statement on both dialects: the
// upsert takes the row's write lock, so on PostgreSQL concurrent
// transactions queue on it and each sees the value the previous committed.
// Because the counter moves inside the caller's transaction, a rollback
// takes the number back: the sequence stays dense.
func (t *tx) nextCounter(name string, first int64) (int64, error) {
	var v int64
	err := t.g.Raw(`INSERT INTO counters (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
		RETURNING value`, name, first).Scan(&v).Error
	if err != nil {
		return 0, translate(err, "counter "+name)
	}
	return v, nil
}

// GetRequest reads a request inside the transaction, so it sees the
// transaction's own writes.
func (t *tx) GetRequest(id string) (*domain.Request, error) {
	r, err := getRequest(t.g, id)
	if err != nil {
		return nil, err
	}
	t.remember(r)
	return r, nil
}

// CreateRequest inserts r, its training-area rows and stage projection, and
// adds its bookings to the load table. A duplicate id or reference is a
// conflict.
func (t *tx) CreateRequest(r *domain.Request) error {
	row, err := newRequestRow(r)
	if err != nil {
		return err
	}
	if err := t.g.Create(&row).Error; err != nil {
		return translate(err, "request")
	}
	return t.writeProjections(r.ID, &stored{}, storedOf(r))
}

// UpdateRequest stores r if the stored version is still expectedVersion: one
// conditional UPDATE, so of two concurrent writers exactly one matches the
// row (PostgreSQL re-checks the WHERE after waiting for the row lock). Then
// it writes only the projections (bookings, stages, decisions, day loads)
// that differ from what the request held before.
func (t *tx) UpdateRequest(r *domain.Request, expectedVersion int) error {
	row, err := newRequestRow(r)
	if err != nil {
		return err
	}
	old, err := t.prior(r.ID)
	if err != nil {
		return err
	}
	res := t.g.Exec(updateRequestSQL, row.Reference, row.Status, row.Version, row.UpdatedAt, row.SubmittedAt,
		row.DueAt, row.DecidedAt, row.ExerciseName, row.PeriodStart, row.PeriodEnd, row.Details, row.Route,
		row.Conditions, row.Warnings, r.ID, expectedVersion)
	if res.Error != nil {
		return translate(res.Error, "request")
	}
	if res.RowsAffected == 0 {
		return t.missedUpdate(r.ID, expectedVersion)
	}
	return t.writeProjections(r.ID, old, storedOf(r))
}

// missedUpdate tells apart a request that is gone from one that moved on.
func (t *tx) missedUpdate(id string, expectedVersion int) error {
	var n int64
	if err := t.g.Model(&requestRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return translate(err, "request")
	}
	if n == 0 {
		return domain.ErrNotFound("request")
	}
	return domain.Errorf(domain.CodePreconditionFailed,
		"the request has changed since version %d", expectedVersion)
}

// writeProjections brings the rows that mirror a request for queries from
// old to new: its training-area bookings, its stages and decisions, and the
// day loads of its bookings. Unchanged ones are not touched.
func (t *tx) writeProjections(id string, old, new *stored) error {
	if !slices.Equal(old.areas, new.areas) {
		if len(old.areas) > 0 {
			if err := t.g.Where("request_id = ?", id).Delete(&requestAreaRow{}).Error; err != nil {
				return translate(err, "request areas")
			}
		}
		if len(new.areas) > 0 {
			if err := t.g.Create(&new.areas).Error; err != nil {
				return translate(err, "training area booking")
			}
		}
	}
	if err := t.writeStages(id, old, new); err != nil {
		return err
	}
	if delta := loadDelta(shareOf(old.status, old.areas), shareOf(new.status, new.areas)); len(delta) > 0 {
		if err := t.applyLoads(delta); err != nil {
			return err
		}
	}
	t.note(id, new)
	return nil
}

// NextReference returns the next running number of year, starting at 1.
func (t *tx) NextReference(year int) (int64, error) {
	return t.nextCounter(fmt.Sprintf("reference-%d", year), 1)
}

// AppendAudit gives e the next dense index (the first entry is 0), encodes it
// once as canonical JSON and stores those bytes, then the Merkle tree hashes
// that make them a leaf of the verifiable log (appendAuditHashes). e.At is
// normalized to UTC microseconds first, so the entry's text and the at
// column agree.
func (t *tx) AppendAudit(e *domain.AuditEntry) error {
	idx, err := t.nextCounter("audit", 0)
	if err != nil {
		return err
	}
	e.Index, e.At = idx, dbTime(e.At)
	entry, err := EncodeAuditEntry(*e)
	if err != nil {
		return err
	}
	if err := t.g.Exec(`INSERT INTO audit_log (idx, at, actor, acting_for, action, request_id, request_version, entry)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, idx, e.At, e.Actor, e.ActingFor, e.Action, e.RequestID, e.RequestVersion, entry).Error; err != nil {
		return translate(err, "audit entry")
	}
	if err := t.appendAuditHashes(idx, entry); err != nil {
		return err
	}
	return t.enqueueNotifications(e) // the outbox rows the change causes (outbox.go)
}

// GetIdempotency returns the first response recorded for principal and key.
func (t *tx) GetIdempotency(principal, key string) (*domain.IdempotencyRecord, error) {
	var row idempotencyRow
	err := t.g.Where("principal = ? AND idempotency_key = ?", principal, key).Take(&row).Error
	if err != nil {
		return nil, translate(err, "idempotency key")
	}
	return toDomainIdempotency(row), nil
}

// PutIdempotency records a first response; the same principal and key again
// is a conflict.
func (t *tx) PutIdempotency(rec domain.IdempotencyRecord) error {
	row := newIdempotencyRow(rec)
	return translate(t.g.Create(&row).Error, "idempotency key")
}

// CreateUser inserts u; a taken username is a conflict. An empty ID gets a
// random one, so callers without an id generator can still create users.
func (t *tx) CreateUser(u *domain.User) error {
	if u.ID == "" {
		id, err := randomID()
		if err != nil {
			return err
		}
		u.ID = id
	}
	row := newUserRow(u)
	return translate(t.g.Create(&row).Error, "user")
}

func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("storage: random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
