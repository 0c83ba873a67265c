package auditlog_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage/storagetest"
)

// BenchmarkExport measures the NDJSON export of a large log on SQLite, as
// GET /api/v1/audit/export streams it (PRODUCT §13: 1,000,000 entries at
// 200,000 entries/s or more, peak memory under 100 MB). The log size is
// EXACCESS_BENCH_ENTRIES (default 1,000,000); building it takes a while and
// is not measured. See docs/performance.md.
func BenchmarkExport(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("EXACCESS_BENCH_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	path := filepath.Join(b.TempDir(), "bench.db")
	bulkLog(b, path, n)
	e := newLogEnv(b, storagetest.Case{Name: "sqlite", DSN: path})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var w *peakWriter
	start := time.Now()
	for b.Loop() {
		w, _ = exportAll(b, e)
	}
	perExport := time.Since(start) / time.Duration(b.N)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(n)/perExport.Seconds(), "entries/s")
	b.ReportMetric(float64(w.bytes)/(1<<20), "MB/export")
	b.ReportMetric(float64(w.peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(after.Sys)/(1<<20), "sys-MB")
}

// BenchmarkVerifyExport measures the offline verifier on an export of
// EXACCESS_BENCH_ENTRIES entries read from a file.
func BenchmarkVerifyExport(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("EXACCESS_BENCH_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	bulkLog(b, filepath.Join(dir, "bench.db"), n)
	e := newLogEnv(b, storagetest.Case{Name: "sqlite", DSN: filepath.Join(dir, "bench.db")})
	x, err := e.log.StartExport(b.Context(), e.auth, domain.AuditExportRequest{Format: domain.AuditFormatNDJSON})
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "export.ndjson")
	f, _ := os.Create(file)
	if err := x.Write(b.Context(), f); err != nil {
		b.Fatal(err)
	}
	f.Close()
	runtime.GC()
	start := time.Now()
	for b.Loop() {
		f, _ := os.Open(file)
		rep, err := auditlog.VerifyExport(f, e.key)
		f.Close()
		if err != nil || !rep.OK() {
			b.Fatalf("%v %v", err, rep.Problems)
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(n)/(time.Since(start)/time.Duration(b.N)).Seconds(), "entries/s")
	b.ReportMetric(float64(m.Sys)/(1<<20), "sys-MB")
}
