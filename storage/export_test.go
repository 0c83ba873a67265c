package storage

import "gorm.io/gorm"

// Test-only access to the pools, for checks that need raw SQL (PRAGMAs,
// query plans, stored bytes, a forged schema version).

func (d *DB) WriterForTest() *gorm.DB { return d.writer }
func (d *DB) ReaderForTest() *gorm.DB { return d.reader }
