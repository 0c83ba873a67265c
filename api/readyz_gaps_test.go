package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/storage/storagetest"
)

// TestReadyzWarnsOfAuditGaps: an entry, or separately a stored hash, is
// deleted from the middle of the audit log past the triggers. Once the
// background check has run, /readyz still answers 200 ready (the permit
// service keeps working) with a fixed warning naming the command that
// finds every damaged entry, and no index (/readyz is public: it would
// tell the log's size and where it was tampered with); the check logs the
// first missing entry or hash at ERROR, and the gauge
// exaccess_audit_gaps_found is 1. An intact log has no warning, and the
// gauge 0.
func TestReadyzWarnsOfAuditGaps(t *testing.T) {
	for _, damage := range []struct {
		name string
		sql  func(size int64) string
		log  func(size int64) string // in the ERROR line only
	}{
		{"an entry in the middle",
			func(size int64) string { return "DELETE FROM audit_log WHERE idx = " + strconv.FormatInt(size/2, 10) },
			func(size int64) string { return "entry=" + strconv.FormatInt(size/2, 10) }},
		{"a hash in the middle",
			func(size int64) string {
				return "DELETE FROM audit_hashes WHERE id = " + strconv.FormatInt(tlog.StoredHashIndex(0, size/2), 10)
			},
			func(size int64) string {
				return "hash_index=" + strconv.FormatInt(tlog.StoredHashIndex(0, size/2), 10) + " hash_level=0 entry=" +
					strconv.FormatInt(size/2, 10)
			}},
	} {
		for _, c := range storagetest.Databases(t) { // fresh databases for each damage
			t.Run(damage.name+"/"+c.Name, func(t *testing.T) {
				e := withAuditLog(t, newEnv(t, c.DSN))
				ctx := context.Background()
				var logs bytes.Buffer
				log := slog.New(slog.NewTextHandler(&logs, nil))
				gaps := e.srv.Audit.(*auditlog.Service)
				e.srv.Metrics.WatchAuditGaps(gaps.GapsFound)
				for range 3 {
					e.create("lo-no", draft())
				}
				if err := gaps.CheckGaps(ctx, log); err != nil {
					t.Fatal(err)
				}
				r := e.do("", http.MethodGet, "/readyz", nil)
				want(t, r, http.StatusOK)
				if m := r.JSON(t); m["status"] != "ready" || m["warnings"] != nil {
					t.Fatalf("an intact log: %s", r.Body)
				}
				if m := scrape(t, e); !strings.Contains(m, "\nexaccess_audit_gaps_found 0\n") {
					t.Errorf("an intact log: metrics without exaccess_audit_gaps_found 0:\n%s", m)
				}

				size, err := e.db.AuditTreeSize(ctx)
				if err != nil {
					t.Fatal(err)
				}
				storagetest.TamperAudit(t, c, damage.sql(size))
				if err := gaps.CheckGaps(ctx, log); err != nil {
					t.Fatal(err)
				}
				r = e.do("", http.MethodGet, "/readyz", nil)
				want(t, r, http.StatusOK)
				m := r.JSON(t)
				ws, _ := m["warnings"].([]any)
				const warning = "the audit log is damaged: entries or hashes are missing; see the server log and run " +
					"exaccess audit verify --db PATH --key VERIFIER_KEY_FILE"
				if m["status"] != "ready" || len(ws) != 1 || ws[0] != warning {
					t.Errorf("readyz: %s, want the warning %q", r.Body, warning)
				}
				if m := scrape(t, e); !strings.Contains(m, "\nexaccess_audit_gaps_found 1\n") {
					t.Errorf("a gap found: metrics without exaccess_audit_gaps_found 1:\n%s", m)
				}
				if bytes.ContainsAny(r.Body, "0123456789") {
					t.Errorf("readyz names a number (an index or the log's size): %s", r.Body)
				}
				if l := logs.String(); strings.Count(l, "level=ERROR") != 1 || !strings.Contains(l, "AUDIT LOG DAMAGED") ||
					!strings.Contains(l, damage.log(size)) {
					t.Errorf("log, want %q:\n%s", damage.log(size), l)
				}
			})
		}
	}
}
