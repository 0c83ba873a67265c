package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"exaccess/domain"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// keyRow is one server secret. Its material must never reach a log or an
// error message.
type keyRow struct {
	Name      string    `gorm:"column:name;primaryKey"`
	Material  []byte    `gorm:"column:material"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (keyRow) TableName() string { return "keys" }

// GetOrCreateKey returns the key material stored under name, creating it with
// generate on first use. Creation is insert-if-absent followed by a read, so
// two processes starting at once both end up with the one key that won.
func (d *DB) GetOrCreateKey(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	g := d.writer.WithContext(ctx)
	if material, err := readKey(g, name); err == nil || !errors.Is(err, gorm.ErrRecordNotFound) {
		return material, err
	}
	material, err := generate()
	if err != nil {
		return nil, fmt.Errorf("storage: generate key %q: %w", name, err)
	}
	row := keyRow{Name: name, Material: material, CreatedAt: dbTime(time.Now())}
	if err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("storage: store key %q: %w", name, err)
	}
	return readKey(g, name)
}

// readKey returns gorm.ErrRecordNotFound itself when the key is absent.
func readKey(g *gorm.DB, name string) ([]byte, error) {
	var row keyRow
	err := g.Where("name = ?", name).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("storage: read key %q: %w", name, err)
	}
	return row.Material, nil
}

// ReadKey returns the key stored under name without creating one (an
// offline check must not write); a missing key is CodeNotFound.
func (d *DB) ReadKey(ctx context.Context, name string) ([]byte, error) {
	material, err := readKey(d.reader.WithContext(ctx), name)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.ErrNotFound("key " + name)
	}
	return material, err
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
