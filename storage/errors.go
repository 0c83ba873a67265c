package storage

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"exaccess/domain"
)

// translate is the one place where database errors become domain errors.
// GORM's TranslateError turns driver-specific duplicate and foreign-key
// failures into sentinel errors, so nothing here reads driver messages.
// Anything else is wrapped with what was being done and becomes "internal"
// at the API; the wrapped chain keeps the driver error for the log.
func translate(err error, what string) error {
	var de *domain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domain.ErrNotFound(what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.Errorf(domain.CodeConflict, "%s already exists", what)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return domain.Errorf(domain.CodeInvalid, "%s refers to something that does not exist", what)
	default:
		return fmt.Errorf("storage: %s: %w", what, err)
	}
}

// retryable reports whether PostgreSQL aborted the transaction only because
// of a concurrent one (serialization failure, deadlock), so that running it
// again may succeed. SQLSTATE codes are part of PostgreSQL's protocol, not
// message text.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return pgErr.Code == "40001" || pgErr.Code == "40P01"
}
