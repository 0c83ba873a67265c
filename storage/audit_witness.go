package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm/clause"

	"exaccess/domain"
)

// signingKeyRow is a public checkpoint verifier key that signed this log.
type signingKeyRow struct {
	VerifierKey   string    `gorm:"column:verifier_key;primaryKey"`
	FirstTreeSize int64     `gorm:"column:first_tree_size"`
	CreatedAt     time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (signingKeyRow) TableName() string { return "audit_signing_keys" }

// cosignatureRow is one witness's cosignature of a kept checkpoint.
type cosignatureRow struct {
	WitnessKey string    `gorm:"column:witness_key;primaryKey"`
	TreeSize   int64     `gorm:"column:tree_size;primaryKey;autoIncrement:false"`
	Signature  string    `gorm:"column:signature"`
	CreatedAt  time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (cosignatureRow) TableName() string { return "audit_cosignatures" }

// errKeyKnown rolls back a key's entry when another process recorded the
// key first.
var errKeyKnown = errors.New("storage: signing key recorded already")

// RecordSigningKey records verifierKey as the log's checkpoint key unless it
// is recorded already. When it is new, entry (the audit.key_rotated entry)
// is appended in the same transaction and the key takes over with the
// checkpoint that holds that entry; of several processes starting at once,
// one records it.
// With no entry (the log's first key), the key is recorded alone. It
// reports whether this call recorded the key.
func (d *DB) RecordSigningKey(ctx context.Context, verifierKey string, entry *domain.AuditEntry) (bool, error) {
	var known int64
	if err := d.writer.WithContext(ctx).Model(&signingKeyRow{}).Where("verifier_key = ?", verifierKey).
		Count(&known).Error; err != nil || known > 0 {
		return false, translate(err, "audit signing key")
	}
	if entry == nil {
		size, err := d.AuditTreeSize(ctx)
		if err != nil {
			return false, err
		}
		row := signingKeyRow{VerifierKey: verifierKey, FirstTreeSize: size, CreatedAt: dbTime(time.Now())}
		res := d.writer.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		return res.RowsAffected == 1, translate(res.Error, "audit signing key")
	}
	err := d.InTx(ctx, func(dtx domain.Tx) error {
		t := dtx.(*tx)
		if err := t.AppendAudit(entry); err != nil {
			return err
		}
		// The first checkpoint the new key signs is the first to hold the
		// entry that records it.
		row := signingKeyRow{VerifierKey: verifierKey, FirstTreeSize: entry.Index + 1, CreatedAt: dbTime(time.Now())}
		res := t.g.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return translate(res.Error, "audit signing key")
		}
		if res.RowsAffected == 0 {
			return errKeyKnown
		}
		return nil
	})
	if errors.Is(err, errKeyKnown) {
		return false, nil
	}
	return err == nil, err
}

// SigningKeys lists the recorded verifier keys, oldest first.
func (d *DB) SigningKeys(ctx context.Context) ([]string, error) {
	var keys []string
	err := d.reader.WithContext(ctx).Model(&signingKeyRow{}).Order("first_tree_size, created_at").
		Pluck("verifier_key", &keys).Error
	return keys, translate(err, "audit signing keys")
}

// SaveCosignature keeps a witness's cosignature of the kept checkpoint of
// size; one already kept is left alone.
func (d *DB) SaveCosignature(ctx context.Context, witnessKey string, size int64, signature string, at time.Time) error {
	row := cosignatureRow{WitnessKey: witnessKey, TreeSize: size, Signature: signature, CreatedAt: dbTime(at)}
	err := d.writer.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	return translate(err, "audit cosignature")
}

// LastCosignedSize is the largest checkpoint size witnessKey cosigned, 0
// when it cosigned none.
func (d *DB) LastCosignedSize(ctx context.Context, witnessKey string) (int64, error) {
	var n *int64
	err := d.writer.WithContext(ctx).Model(&cosignatureRow{}).Where("witness_key = ?", witnessKey).
		Select("MAX(tree_size)").Scan(&n).Error
	if err != nil || n == nil {
		return 0, translate(err, "audit cosignatures")
	}
	return *n, nil
}

// StreamAuditCosignatures calls fn with every kept cosignature, by size.
func (d *DB) StreamAuditCosignatures(ctx context.Context, fn func(size int64, signature string) error) error {
	rows, err := d.reader.WithContext(ctx).Model(&cosignatureRow{}).Select("tree_size", "signature").
		Order("tree_size, witness_key").Rows()
	if err != nil {
		return translate(err, "audit cosignatures")
	}
	defer rows.Close()
	for rows.Next() {
		var size int64
		var sig string
		if err := rows.Scan(&size, &sig); err != nil {
			return translate(err, "audit cosignatures")
		}
		if err := fn(size, sig); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "audit cosignatures")
}
