package storage

import (
	"slices"
	"testing"
)

// Both dialects must offer the same migration versions, or a database could
// be "current" on one and behind on the other.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	versions := func(dialect string) []int {
		all, err := loadMigrations(dialect)
		if err != nil {
			t.Fatal(err)
		}
		return mapSlice(all, func(m migration) int { return m.version })
	}
	lite, pg := versions(DialectSQLite), versions(DialectPostgres)
	if !slices.Equal(lite, pg) || len(lite) == 0 || LatestVersion() != lite[len(lite)-1] {
		t.Errorf("sqlite migrations %v, postgres %v, LatestVersion %d", lite, pg, LatestVersion())
	}
}
