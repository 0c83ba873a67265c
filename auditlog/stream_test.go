package auditlog_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage/storagetest"
)

// bulkLog fills the SQLite database at path with n entries of about 400
// bytes and their Merkle hashes, in one transaction: appending them one by
// one would measure fsync, not the export.
func bulkLog(tb testing.TB, path string, n int) {
	tb.Helper()
	storagetest.Open(tb, path) // migrated schema
	conn, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_synchronous=OFF")
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	entries, _ := tx.Prepare("INSERT INTO audit_log (idx, at, actor, action, request_id, request_version, entry) VALUES (?, ?, 'lo-no', 'request.updated', ?, ?, ?)")
	hashes, _ := tx.Prepare("INSERT INTO audit_hashes (id, hash) VALUES (?, ?)")
	f, _ := auditlog.NewFrontier(0, nil)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		t := at.Add(time.Duration(i) * time.Second)
		entry := fmt.Appendf(nil, `{"action":"request.updated","actor":"lo-no","at":"%s","data":{"personnel":{"civilian":10,`+
			`"contractors":5,"military":%d},"purpose":"Winter live-fire training with Swedish units, step %d","training_areas":`+
			`[{"area":"ravlunda","from":"2027-03-05","to":"2027-03-12"}],"unit":{"commander":"Lt Col Hansen","designation":`+
			`"Telemark Battalion","parent_formation":"Brigade North"}},"index":%d,"request_id":"0190f0a8-7d1e-7c3b-9a51-%012d",`+
			`"request_version":%d}`, t.Format("2006-01-02T15:04:05.000000000Z"), 400+i%50, i, i, i%100000, i%9+1)
		if _, err := entries.Exec(i, t, fmt.Sprintf("0190f0a8-7d1e-7c3b-9a51-%012d", i%100000), i%9+1, entry); err != nil {
			tb.Fatal(err)
		}
		base := tlog.StoredHashIndex(0, int64(i))
		for j, h := range f.AppendStored(tlog.RecordHash(entry)) {
			if _, err := hashes.Exec(base+int64(j), h[:]); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if _, err := tx.Exec("INSERT INTO counters (name, value) VALUES ('audit', ?)", n-1); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// peakWriter counts bytes and samples the heap as the export streams.
type peakWriter struct {
	bytes, writes int64
	peak          uint64
}

func (w *peakWriter) Write(p []byte) (int, error) {
	w.bytes += int64(len(p))
	if w.writes++; w.writes%64 == 0 { // ReadMemStats stops the world: sample, do not hog
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.peak = max(w.peak, m.HeapAlloc)
	}
	return len(p), nil
}

// exportAll exports the whole log through the service, as the API does.
func exportAll(tb testing.TB, e *logEnv) (*peakWriter, domain.AuditExportInfo) {
	tb.Helper()
	x, err := e.log.StartExport(context.Background(), e.auth, domain.AuditExportRequest{Format: domain.AuditFormatNDJSON})
	if err != nil {
		tb.Fatal(err)
	}
	w := &peakWriter{}
	if err := x.Write(context.Background(), w); err != nil {
		tb.Fatal(err)
	}
	return w, x.Info()
}

// streamEntries is the size of the streaming test; EXACCESS_STREAM_ENTRIES
// changes it.
func streamEntries() int {
	if n, err := strconv.Atoi(os.Getenv("EXACCESS_STREAM_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// The export holds one entry at a time: exporting 200,000 entries (about
// 110 MB with the trailer) keeps the heap within a few megabytes of where it
// started. Any design that gathered the log, or the trailer's leaf hashes,
// in memory would need far more.
func TestExportStreamsInConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large log")
	}
	n := streamEntries()
	path := filepath.Join(t.TempDir(), "big.db")
	bulkLog(t, path, n)
	e := newLogEnv(t, storagetest.Case{Name: "sqlite", DSN: path})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	w, info := exportAll(t, e)
	if info.Count != int64(n) || w.bytes < int64(n)*400 {
		t.Fatalf("exported %d entries in %d bytes", info.Count, w.bytes)
	}
	growth := int64(w.peak) - int64(before.HeapAlloc)
	t.Logf("%d entries, %d MB exported; heap %d MB before, peak %d MB", n, w.bytes>>20, before.HeapAlloc>>20, w.peak>>20)
	if limit := int64(32 << 20); growth > limit {
		t.Errorf("the heap grew by %d MB while exporting %d MB: the export is not streaming", growth>>20, w.bytes>>20)
	}
}
