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

	"exaccess/storage/storagetest"
)

// TestDamagedAuditHashAnswersAuditDamaged: a stored hash of the audit tree
// goes missing (deleted at a SQL prompt, past the append-only triggers).
// An export, a checkpoint and a proof that meet it answer 500 with code
// audit_damaged and a fixed detail that says what is damaged and what to
// run, not the generic internal; the server log has one ERROR line per
// answer naming the hash.
func TestDamagedAuditHashAnswersAuditDamaged(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			e := withAuditLog(t, newEnv(t, c.DSN))
			var logs bytes.Buffer
			d := e.srv.Deps
			d.Log = slog.New(slog.NewTextHandler(&logs, nil))
			e.srv = New(d)
			e.create("lo-no", draft())
			size, err := e.db.AuditTreeSize(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// The last entry's leaf hash and the interior hashes it completed:
			// the tree hash of the whole log reads one of them.
			leaf := tlog.StoredHashIndex(0, size-1)
			storagetest.TamperAudit(t, c, "DELETE FROM audit_hashes WHERE id >= "+strconv.FormatInt(leaf, 10))

			for _, path := range []string{"/api/v1/audit/export", "/api/v1/audit/export?format=csv", "/api/v1/audit/checkpoint",
				"/api/v1/audit/proof/consistency?old=1&new=" + strconv.FormatInt(size, 10)} {
				logs.Reset()
				r := e.do("auditor", http.MethodGet, path, nil)
				wantProblem(t, r, http.StatusInternalServerError, "audit_damaged")
				detail := r.JSON(t)["detail"].(string)
				if !strings.Contains(detail, "stored entries or hashes are damaged") || !strings.Contains(detail, "exaccess audit verify --db PATH --key VERIFIER_KEY_FILE") ||
					!strings.Contains(detail, r.Header.Get("X-Request-Id")) {
					t.Errorf("%s: detail %q", path, detail)
				}
				var errs []string
				for _, l := range strings.Split(logs.String(), "\n") {
					if strings.Contains(l, "level=ERROR") {
						errs = append(errs, l)
					}
				}
				if len(errs) != 1 || !strings.Contains(errs[0], "audit log damaged") ||
					!strings.Contains(errs[0], "hash_index=") || !strings.Contains(errs[0], "entry=") {
					t.Errorf("%s: log:\n%s", path, logs.String())
				}
			}
		})
	}
}

// TestDamagedAuditMiddleAnswersAuditDamaged: a leaf hash in the middle of
// the tree, an entry in the middle of the log, or the last entry goes
// missing. The checkpoint still signs (its root does not read them), but
// an export, NDJSON or CSV, would stream them: it answers 500
// audit_damaged before its status line, logged once as audit log damaged,
// not a 200 with an empty or cut body.
func TestDamagedAuditMiddleAnswersAuditDamaged(t *testing.T) {
	for _, damage := range []struct {
		name string
		sql  func(size int64) string
	}{
		{"a leaf hash in the middle", func(size int64) string {
			return "DELETE FROM audit_hashes WHERE id = " + strconv.FormatInt(tlog.StoredHashIndex(0, size/2), 10)
		}},
		{"an entry in the middle", func(size int64) string { return "DELETE FROM audit_log WHERE idx = " + strconv.FormatInt(size/2, 10) }},
		{"the last entry", func(size int64) string { return "DELETE FROM audit_log WHERE idx = " + strconv.FormatInt(size-1, 10) }},
	} {
		for _, c := range storagetest.Databases(t) { // fresh databases for each damage
			t.Run(damage.name+"/"+c.Name, func(t *testing.T) {
				e := withAuditLog(t, newEnv(t, c.DSN))
				var logs bytes.Buffer
				d := e.srv.Deps
				d.Log = slog.New(slog.NewTextHandler(&logs, nil))
				e.srv = New(d)
				for range 3 {
					e.create("lo-no", draft())
				}
				size, err := e.db.AuditTreeSize(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				storagetest.TamperAudit(t, c, damage.sql(size))
				for _, path := range []string{"/api/v1/audit/export", "/api/v1/audit/export?format=csv"} {
					logs.Reset()
					r := e.do("auditor", http.MethodGet, path, nil)
					wantProblem(t, r, http.StatusInternalServerError, "audit_damaged")
					if l := logs.String(); strings.Count(l, "level=ERROR") != 1 || !strings.Contains(l, "audit log damaged") ||
						strings.Contains(l, "cut short") {
						t.Errorf("%s: log:\n%s", path, l)
					}
				}
			})
		}
	}
}
