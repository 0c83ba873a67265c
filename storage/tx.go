package storage

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm"

	"exaccess/domain"
)

// tx implements domain.Tx on one open write transaction.
type tx struct{ g *gorm.DB }

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
func (t *tx) GetRequest(id string) (*domain.Request, error) { return getRequest(t.g, id) }

// CreateRequest inserts r and its training-area rows. A duplicate id or
// reference is a conflict.
func (t *tx) CreateRequest(r *domain.Request) error {
	row, err := newRequestRow(r)
	if err != nil {
		return err
	}
	if err := t.g.Create(&row).Error; err != nil {
		return translate(err, "request")
	}
	return t.insertAreas(r)
}

// UpdateRequest stores r if the stored version is still expectedVersion: one
// conditional UPDATE, so of two concurrent writers exactly one matches the
// row (PostgreSQL re-checks the WHERE after waiting for the row lock).
func (t *tx) UpdateRequest(r *domain.Request, expectedVersion int) error {
	row, err := newRequestRow(r)
	if err != nil {
		return err
	}
	res := t.g.Model(&requestRow{}).Where("id = ? AND version = ?", r.ID, expectedVersion).
		Select(requestUpdateColumns).Updates(&row)
	if res.Error != nil {
		return translate(res.Error, "request")
	}
	if res.RowsAffected == 0 {
		return t.missedUpdate(r.ID, expectedVersion)
	}
	if err := t.g.Where("request_id = ?", r.ID).Delete(&requestAreaRow{}).Error; err != nil {
		return translate(err, "request areas")
	}
	return t.insertAreas(r)
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

// insertAreas writes the rows that mirror a request's details and route for
// queries: its training-area bookings, and its stages and decisions.
func (t *tx) insertAreas(r *domain.Request) error {
	if err := t.writeStages(r); err != nil {
		return err
	}
	rows := newRequestAreaRows(r)
	if len(rows) == 0 {
		return nil
	}
	if err := t.g.Create(&rows).Error; err != nil {
		return translate(err, "training area booking")
	}
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
	row := auditRow{Idx: idx, At: e.At, Actor: e.Actor, ActingFor: e.ActingFor, Action: e.Action,
		RequestID: e.RequestID, RequestVersion: e.RequestVersion, Entry: entry}
	if err := t.g.Create(&row).Error; err != nil {
		return translate(err, "audit entry")
	}
	return t.appendAuditHashes(idx, entry)
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
