package storage

import (
	"context"
	"errors"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"
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

// AuditCheckpoints returns up to limit kept checkpoints of a size above
// after, smallest first, each with its cosignatures (sorted by witness key).
func (d *DB) AuditCheckpoints(ctx context.Context, after int64, limit int) ([]domain.AuditCheckpoint, error) {
	var rows []auditCheckpointRow
	g := d.reader.WithContext(ctx)
	if err := g.Where("tree_size > ?", after).Order("tree_size").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "audit checkpoints")
	}
	return d.withCosignatures(g, rows)
}

// LatestAuditCheckpoint is the largest kept checkpoint with its
// cosignatures; CodeNotFound when none is kept.
func (d *DB) LatestAuditCheckpoint(ctx context.Context) (domain.AuditCheckpoint, error) {
	var rows []auditCheckpointRow
	g := d.reader.WithContext(ctx)
	if err := g.Order("tree_size DESC").Limit(1).Find(&rows).Error; err != nil {
		return domain.AuditCheckpoint{}, translate(err, "audit checkpoints")
	}
	if len(rows) == 0 {
		return domain.AuditCheckpoint{}, domain.ErrNotFound("audit checkpoint")
	}
	cps, err := d.withCosignatures(g, rows)
	if err != nil {
		return domain.AuditCheckpoint{}, err
	}
	return cps[0], nil
}

func (d *DB) withCosignatures(g *gorm.DB, rows []auditCheckpointRow) ([]domain.AuditCheckpoint, error) {
	out := make([]domain.AuditCheckpoint, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	var cosigs []cosignatureRow
	err := g.Where("tree_size BETWEEN ? AND ?", rows[0].TreeSize, rows[len(rows)-1].TreeSize).
		Order("tree_size, witness_key").Find(&cosigs).Error
	if err != nil {
		return nil, translate(err, "audit cosignatures")
	}
	bySize := map[int64][]string{}
	for _, c := range cosigs {
		bySize[c.TreeSize] = append(bySize[c.TreeSize], c.Signature)
	}
	for i, r := range rows {
		var root tlog.Hash
		copy(root[:], r.RootHash)
		out[i] = domain.AuditCheckpoint{Size: r.TreeSize, Root: domain.AuditHash(root), Note: r.Note,
			Cosignatures: bySize[r.TreeSize], At: r.CreatedAt}
	}
	return out, nil
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

// TakeKey removes the key stored under name and returns its material, in
// one transaction: how a checkpoint key still held in the database is moved
// out of it. A missing key is CodeNotFound.
func (d *DB) TakeKey(ctx context.Context, name string, keep func(material []byte) error) error {
	return d.writer.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		material, err := readKey(g, name)
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.ErrNotFound("key " + name)
		}
		if err != nil {
			return err
		}
		if err := keep(material); err != nil {
			return err
		}
		return translate(g.Where("name = ?", name).Delete(&keyRow{}).Error, "key")
	})
}
