package storage

import (
	"context"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"exaccess/domain"
)

// auditCheckpointRow is a signed tree head the server handed out.
type auditCheckpointRow struct {
	TreeSize  int64     `gorm:"column:tree_size;primaryKey;autoIncrement:false"`
	RootHash  []byte    `gorm:"column:root_hash"`
	Note      string    `gorm:"column:note"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (auditCheckpointRow) TableName() string { return "audit_checkpoints" }

// SaveAuditCheckpoint keeps a signed checkpoint. A size already kept is left
// alone: its root cannot differ, and Ed25519 signs deterministically.
func (d *DB) SaveAuditCheckpoint(ctx context.Context, size int64, root tlog.Hash, note string, at time.Time) error {
	row := auditCheckpointRow{TreeSize: size, RootHash: root[:], Note: note, CreatedAt: dbTime(at)}
	err := d.writer.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	return translate(err, "audit checkpoint")
}

// StreamAuditCheckpoints calls fn with every kept checkpoint, smallest first.
func (d *DB) StreamAuditCheckpoints(ctx context.Context, fn func(size int64, note string) error) error {
	rows, err := d.reader.WithContext(ctx).Model(&auditCheckpointRow{}).Select("tree_size", "note").Order("tree_size").Rows()
	if err != nil {
		return translate(err, "audit checkpoints")
	}
	defer rows.Close()
	for rows.Next() {
		var size int64
		var note string
		if err := rows.Scan(&size, &note); err != nil {
			return translate(err, "audit checkpoints")
		}
		if err := fn(size, note); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "audit checkpoints")
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
