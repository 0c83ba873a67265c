package web

import (
	"path/filepath"
	"testing"
)

// storagetestSQLite is a fresh SQLite file, for tests that need one database only.
func storagetestSQLite(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "exaccess.db")
}
