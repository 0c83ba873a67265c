package storage

import (
	"context"
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"exaccess/domain"
)

// auditHashRow is one stored hash of the audit log's Merkle tree; ID is
// tlog.StoredHashIndex(level, n).
type auditHashRow struct {
	ID   int64  `gorm:"column:id;primaryKey;autoIncrement:false"`
	Hash []byte `gorm:"column:hash"`
}

func (auditHashRow) TableName() string { return "audit_hashes" }

// appendAuditHashes stores the hashes that entry idx adds to the tree
// (tlog.StoredHashes: its leaf hash and the interior nodes it completes).
// It runs after nextCounter, whose row lock is held until commit: every
// earlier entry and its hashes are committed, so the reads below see them
// (PostgreSQL's READ COMMITTED takes a new snapshot per statement), and no
// other appender can write hashes until this transaction ends.
func (t *tx) appendAuditHashes(idx int64, entry []byte) error {
	ids := neededHashIDs(idx)
	known, err := readHashMap(t.g, ids)
	if err != nil {
		return err
	}
	if _, ok := known[tlog.StoredHashIndex(0, idx)-1]; idx > 0 && !ok {
		if err := t.backfillAuditHashes(idx); err != nil {
			return err
		}
		if known, err = readHashMap(t.g, ids); err != nil {
			return err
		}
	}
	hashes, err := tlog.StoredHashes(idx, entry, mapReader(known))
	if err != nil {
		return fmt.Errorf("storage: audit entry %d: %w", idx, err)
	}
	return t.insertHashes(idx, hashes)
}

// neededHashIDs are the hashes tlog.StoredHashes(n) reads, plus the last
// hash stored before leaf n: it exists exactly when every earlier entry has
// its hashes, so one query both feeds the computation and checks the table.
func neededHashIDs(n int64) []int64 {
	var ids []int64
	for i := range bits.TrailingZeros64(uint64(n + 1)) {
		ids = append(ids, tlog.StoredHashIndex(i, n>>i-1))
	}
	if n > 0 {
		ids = append(ids, tlog.StoredHashIndex(0, n)-1)
	}
	return ids
}

func (t *tx) insertHashes(n int64, hashes []tlog.Hash) error {
	base := tlog.StoredHashIndex(0, n)
	var sb strings.Builder
	sb.WriteString("INSERT INTO audit_hashes (id, hash) VALUES ")
	args := make([]any, 0, 2*len(hashes))
	for i, h := range hashes {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?)")
		args = append(args, base+int64(i), h[:])
	}
	return translate(t.exec(sb.String(), args...), "audit hash")
}

// backfillAuditHashes computes the hashes of the entries below n that have
// none: entries appended before migration 3 created the table. The hash
// ids are dense, so their count says how many leaves are covered.
func (t *tx) backfillAuditHashes(n int64) error {
	var count int64
	if err := t.g.Model(&auditHashRow{}).Count(&count).Error; err != nil {
		return translate(err, "audit hashes")
	}
	from := int64(sort.Search(int(n)+1, func(l int) bool { return tlog.StoredHashIndex(0, int64(l)) >= count }))
	if tlog.StoredHashIndex(0, from) != count {
		return fmt.Errorf("storage: audit_hashes holds %d hashes, which is no whole number of entries", count)
	}
	for i := from; i < n; i++ {
		var entry []byte
		if err := t.g.Raw("SELECT entry FROM audit_log WHERE idx = ?", i).Row().Scan(&entry); err != nil {
			return fmt.Errorf("storage: audit entry %d is missing; the tree cannot be built: %w", i, err)
		}
		hashes, err := tlog.StoredHashes(i, entry, gormHashReader(t.g))
		if err != nil {
			return fmt.Errorf("storage: audit entry %d: %w", i, err)
		}
		if err := t.insertHashes(i, hashes); err != nil {
			return err
		}
	}
	return nil
}

// BackfillAuditHashes gives every entry its Merkle hashes, for a database
// whose entries predate migration 3. The server runs it at start, so
// checkpoints never meet a partial tree; it is cheap when nothing is
// missing (the largest index and one hash, by primary key), and then it
// checks nothing more: a gap in a log whose hashes are all stored (an
// entry deleted behind the append-only triggers) must not stop the permit
// service, and the checks of exports, checkpoints and proofs find it. Only
// when hashes must be built does it check that the entries are exactly the
// indexes 0..size-1, because no tree can be built over a gap: it refuses,
// naming the first missing index, and writes nothing.
func (d *DB) BackfillAuditHashes(ctx context.Context) error {
	return d.writer.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		t := &tx{g: g}
		var size int64
		if err := t.g.Raw("SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_log").Row().Scan(&size); err != nil || size == 0 {
			return translate(err, "audit log")
		}
		known, err := readHashMap(t.g, neededHashIDs(size))
		if err != nil {
			return err
		}
		if _, ok := known[tlog.StoredHashIndex(0, size)-1]; ok {
			return nil
		}
		if err := checkDense(t.g, size); err != nil {
			return err
		}
		return t.backfillAuditHashes(size)
	})
}

// checkDense checks that audit_log holds exactly the indexes 0..size-1
// (size is the largest index plus one; the schema refuses negative ones).
// The count is a statement of its own: on SQLite a COUNT(*) beside MIN or
// MAX loses the count's shortcut.
func checkDense(g *gorm.DB, size int64) error {
	var count int64
	if err := g.Raw("SELECT COUNT(*) FROM audit_log").Row().Scan(&count); err != nil {
		return translate(err, "audit log")
	}
	if count == size {
		return nil
	}
	missing, err := firstMissing(g, "audit_log", "idx", 0, size)
	if err != nil {
		return err
	}
	return fmt.Errorf("storage: the audit log has %d entries but indexes up to %d: entry %d is missing, and entries are never deleted, "+
		"so the hashes of the entries that have none cannot be built; "+verifyAdvice, count, size-1, missing)
}

// verifyAdvice is what an operator must run on a damaged log.
const verifyAdvice = "run `exaccess audit verify --db PATH --key VERIFIER_KEY_FILE` (`exaccess audit key --checkpoint-key FILE`, the server's key file, prints the verifier key) " +
	"to see what changed, and restore the database from a backup that verifies"

// readHashMap reads the stored hashes with the given ids; absent ones are
// simply not in the map.
func readHashMap(g *gorm.DB, ids []int64) (map[int64]tlog.Hash, error) {
	out := make(map[int64]tlog.Hash, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []auditHashRow
	if err := g.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "audit hashes")
	}
	for _, r := range rows {
		if len(r.Hash) != tlog.HashSize {
			return nil, hashDamage(r.ID, fmt.Sprintf("has %d bytes", len(r.Hash)))
		}
		out[r.ID] = tlog.Hash(r.Hash)
	}
	return out, nil
}

// mapReader serves hashes from a map; a missing one is an error, so a
// damaged table never yields a silently wrong tree. It and a malformed
// hash wrap domain.ErrAuditHashDamaged: the head check tells them, a
// changed history, from a database that cannot answer.
func mapReader(m map[int64]tlog.Hash) tlog.HashReader {
	return tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ids))
		for i, id := range ids {
			h, ok := m[id]
			if !ok {
				return nil, hashDamage(id, "is missing")
			}
			out[i] = h
		}
		return out, nil
	})
}

// hashDamage is the error of the stored hash with that index: a
// *domain.AuditHashDamage, which says which entries it covers.
func hashDamage(index int64, what string) error {
	level, n := tlog.SplitStoredHashIndex(index)
	return fmt.Errorf("storage: %w", &domain.AuditHashDamage{Index: index, Level: level, Entry: n << level, What: what})
}

// gormHashReader reads stored hashes through g (a transaction or a pool).
func gormHashReader(g *gorm.DB) tlog.HashReader {
	return tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) {
		m, err := readHashMap(g, ids)
		if err != nil {
			return nil, err
		}
		return mapReader(m).ReadHashes(ids)
	})
}
