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
// service keeps working) with a warning naming the first missing entry or
// hash and the command that finds every damaged entry; the check logs it
// at ERROR. An intact log has no warning.
func TestReadyzWarnsOfAuditGaps(t *testing.T) {
	for _, damage := range []struct {
		name string
		sql  func(size int64) string
		want func(size int64) string
	}{
		{"an entry in the middle",
			func(size int64) string { return "DELETE FROM audit_log WHERE idx = " + strconv.FormatInt(size/2, 10) },
			func(size int64) string { return "audit entry " + strconv.FormatInt(size/2, 10) + " is missing" }},
		{"a hash in the middle",
			func(size int64) string {
				return "DELETE FROM audit_hashes WHERE id = " + strconv.FormatInt(tlog.StoredHashIndex(0, size/2), 10)
			},
			func(size int64) string {
				return "stored audit hash " + strconv.FormatInt(tlog.StoredHashIndex(0, size/2), 10) + " (the leaf hash of entry " +
					strconv.FormatInt(size/2, 10) + ") is missing"
			}},
	} {
		for _, c := range storagetest.Databases(t) { // fresh databases for each damage
			t.Run(damage.name+"/"+c.Name, func(t *testing.T) {
				e := withAuditLog(t, newEnv(t, c.DSN))
				ctx := context.Background()
				var logs bytes.Buffer
				log := slog.New(slog.NewTextHandler(&logs, nil))
				gaps := e.srv.Audit.(*auditlog.Service)
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
				if m["status"] != "ready" || len(ws) != 1 || !strings.Contains(ws[0].(string), damage.want(size)) ||
					!strings.Contains(ws[0].(string), "exaccess audit verify --db PATH --key VERIFIER_KEY_FILE") {
					t.Errorf("readyz: %s, want a warning with %q", r.Body, damage.want(size))
				}
				if l := logs.String(); strings.Count(l, "level=ERROR") != 1 || !strings.Contains(l, "AUDIT LOG DAMAGED") {
					t.Errorf("log:\n%s", l)
				}
			})
		}
	}
}
