package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

// PermitCheckSecretSize is the length in bytes of the permits' check secret.
const PermitCheckSecretSize = 32

// PermitCheckSecret returns the secret under which the permits' check
// values are computed (the one row of permit_check_secret, migration 0026),
// creating it on first use: 32 random bytes, inserted if absent and then
// read, so that processes starting at once on one database all end up with
// the one that won. The secret must never reach a log or an error message.
func (d *DB) PermitCheckSecret(ctx context.Context) ([]byte, error) {
	secret, err := readPermitCheckSecret(ctx, d)
	if err != nil || secret != nil {
		return secret, err
	}
	fresh := make([]byte, PermitCheckSecretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("storage: generate the permit check secret: %w", err)
	}
	if err := d.writer.WithContext(ctx).Exec("INSERT INTO permit_check_secret (id, secret, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
		fresh, dbTime(time.Now())).Error; err != nil {
		return nil, fmt.Errorf("storage: store the permit check secret: %w", err)
	}
	secret, err = readPermitCheckSecret(ctx, d)
	if err == nil && secret == nil {
		err = errors.New("storage: the permit check secret is missing after it was stored")
	}
	return secret, err
}

// readPermitCheckSecret is nil, nil when there is no secret yet. It reads
// on the writer, so that it sees what an insert of a moment ago committed.
func readPermitCheckSecret(ctx context.Context, d *DB) ([]byte, error) {
	var rows [][]byte
	if err := d.writer.WithContext(ctx).Raw("SELECT secret FROM permit_check_secret WHERE id = 1").Pluck("secret", &rows).Error; err != nil {
		return nil, fmt.Errorf("storage: read the permit check secret: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if len(rows[0]) != PermitCheckSecretSize {
		return nil, fmt.Errorf("storage: the permit check secret is %d bytes, want %d", len(rows[0]), PermitCheckSecretSize)
	}
	return rows[0], nil
}
