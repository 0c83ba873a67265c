package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/domain"

	"github.com/getkin/kin-openapi/openapi3filter"
)

func init() {
	// Let checkResponse read NDJSON exports as the strings the document says they are.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.FileBodyDecoder)
}

// withAuditLog gives the env's server the real audit log on its database.
func withAuditLog(t testing.TB, e *env) *env {
	t.Helper()
	skey, err := e.db.GetOrCreateKey(context.Background(), auditlog.SignerKeyName, auditlog.GenerateSignerKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	d := e.srv.Deps
	d.Audit = auditlog.NewService(e.db, signer, e.clock)
	e.srv = New(d)
	return e
}

// checkpoint fetches and opens a checkpoint with the published key.
func (e *env) checkpoint(key string) tlog.Tree {
	e.t.Helper()
	r := e.do("auditor", http.MethodGet, "/api/v1/audit/checkpoint", nil)
	want(e.t, r, http.StatusOK)
	tree, err := auditlog.OpenCheckpoint(r.Body, key)
	if err != nil {
		e.t.Fatalf("checkpoint %q: %v", r.Body, err)
	}
	return tree
}

func (e *env) auditKey() string {
	e.t.Helper()
	r := e.do("", http.MethodGet, "/api/v1/audit/key", nil)
	want(e.t, r, http.StatusOK)
	return string(r.Body)
}

func decodeProof(t testing.TB, r resp) []tlog.Hash {
	t.Helper()
	var p struct{ Proof []string }
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	out := make([]tlog.Hash, len(p.Proof))
	for i, s := range p.Proof {
		h, err := tlog.ParseHash(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = h
	}
	return out
}

// An auditor proves, over HTTP and with tlog alone, that an entry is in a
// signed tree and that a later signed tree extends an earlier one.
func TestAuditCheckpointAndProofs(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		withAuditLog(t, e)
		key := e.auditKey()
		if !strings.HasPrefix(key, "exaccess-audit+") {
			t.Fatalf("key %q", key)
		}
		old := e.checkpoint(key) // none kept yet: the server signs one
		id, _ := e.create("lo-no", draft())
		e.create("lo-no", draft())
		if again := e.checkpoint(key); again != old {
			t.Fatalf("the latest kept checkpoint changed with nothing signed: %v then %v", old, again)
		}
		if _, err := e.srv.Audit.Checkpoint(context.Background()); err != nil { // as the server's schedule does
			t.Fatal(err)
		}
		cur := e.checkpoint(key)
		if old.N != int64(len(testUsers)) || cur.N != old.N+2 {
			t.Fatalf("checkpoint sizes %d then %d", old.N, cur.N)
		}
		ev := e.do("auditor", http.MethodGet, "/api/v1/audit/events?request="+id, nil)
		want(t, ev, http.StatusOK)
		var page struct{ Items []json.RawMessage }
		if err := json.Unmarshal(ev.Body, &page); err != nil || len(page.Items) != 1 {
			t.Fatalf("events %s", ev.Body)
		}
		leaf := tlog.RecordHash(page.Items[0]) // the item is the stored entry, byte for byte
		path := "/api/v1/audit/proof/inclusion?index=" + strconv.FormatInt(old.N, 10) + "&size=" + strconv.FormatInt(cur.N, 10)
		proof := decodeProof(t, e.do("auditor", http.MethodGet, path, nil))
		if err := tlog.CheckRecord(proof, cur.N, cur.Hash, old.N, leaf); err != nil {
			t.Errorf("inclusion proof: %v", err)
		}
		path = "/api/v1/audit/proof/consistency?old=" + strconv.FormatInt(old.N, 10) + "&new=" + strconv.FormatInt(cur.N, 10)
		if err := tlog.CheckTree(decodeProof(t, e.do("auditor", http.MethodGet, path, nil)), cur.N, cur.Hash, old.N, old.Hash); err != nil {
			t.Errorf("consistency proof: %v", err)
		}
		for q, fields := range map[string][]string{
			"inclusion?index=0":                 {"size"},
			"inclusion?index=x&size=":           {"index", "size"},
			"inclusion?index=5&size=5":          {"index"},
			"inclusion?index=0&size=999":        {"size"},
			"consistency?old=0&new=3":           {"old"},
			"consistency?old=4&new=3":           {"old"},
			"consistency?old=1&new=999":         {"new"},
			"consistency?old=1.5&new=2&other=1": {"other"}, // unknown parameters first
		} {
			wantProblem(t, e.do("auditor", http.MethodGet, "/api/v1/audit/proof/"+q, nil), 422, "invalid", fields...)
		}
		wantProblem(t, e.do("hns", http.MethodGet, "/api/v1/audit/checkpoint", nil), 403, "forbidden")
	})
}

func TestAuditEventsPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		withAuditLog(t, e)
		var seen []int64
		path := "/api/v1/audit/events?limit=4&action=user.created"
		for range 10 {
			r := e.do("auditor", http.MethodGet, path, nil)
			want(t, r, http.StatusOK)
			var page struct {
				Items      []map[string]any `json:"items"`
				NextCursor *string          `json:"next_cursor"`
			}
			if err := json.Unmarshal(r.Body, &page); err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				seen = append(seen, int64(it["index"].(float64)))
			}
			if page.NextCursor == nil {
				break
			}
			path = "/api/v1/audit/events?limit=4&action=user.created&cursor=" + *page.NextCursor
		}
		if len(seen) != len(testUsers) || seen[0] != 0 || seen[len(seen)-1] != int64(len(testUsers)-1) {
			t.Errorf("pages gave indexes %v", seen)
		}
		r := e.do("auditor", http.MethodGet, "/api/v1/audit/events?actor=nobody", nil)
		want(t, r, http.StatusOK)
		if string(r.Body) != `{"items":[],"next_cursor":null}`+"\n" {
			t.Errorf("empty page %s", r.Body)
		}
		wantProblem(t, e.do("auditor", http.MethodGet, "/api/v1/audit/events?from=yesterday&limit=0&cursor=zz", nil),
			422, "invalid", "from", "limit", "cursor")
	})
}

// TestAuditEventsUnknownAction: the actions are a closed set, so an unknown
// one answers 422 naming the parameter and the value, like the other enum
// filters, rather than an empty page; every known action is accepted.
func TestAuditEventsUnknownAction(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/auditaction.db")
	for _, bad := range []string{"bogus", "request.approved", "USER.CREATED"} {
		r := e.do("auditor", http.MethodGet, "/api/v1/audit/events?action="+url.QueryEscape(bad), nil)
		wantProblem(t, r, 422, "invalid", "action")
		msg := r.JSON(t)["errors"].([]any)[0].(map[string]any)["message"].(string)
		if !strings.Contains(msg, strconv.Quote(bad)) {
			t.Errorf("action=%s: the problem does not name the value: %s", bad, r.Body)
		}
	}
	for action := range domain.AuditDataTypes {
		want(t, e.do("auditor", http.MethodGet, "/api/v1/audit/events?action="+url.QueryEscape(action), nil), http.StatusOK)
	}
}

// An auditor downloads an export over HTTP and verifies it offline with the
// published key; the export itself is in the log afterwards.
func TestAuditExportOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		withAuditLog(t, e)
		key := e.auditKey()
		e.create("lo-no", draft())
		n := len(testUsers) + 1 // a user.created entry each, and the draft
		r := e.do("auditor", http.MethodGet, "/api/v1/audit/export", nil)
		want(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" ||
			!strings.Contains(r.Header.Get("Content-Disposition"), fmt.Sprintf(`filename="exaccess-audit-0-%d.ndjson"`, n)) {
			t.Errorf("headers %v", r.Header)
		}
		rep, err := auditlog.VerifyExport(bytes.NewReader(r.Body), key)
		if err != nil || !rep.OK() || rep.Summary() != fmt.Sprintf("verified: entries 0..%d against checkpoint of size %d", n-1, n) {
			t.Fatalf("verify: %v %s %v", err, rep.Summary(), rep.Problems)
		}
		ev := e.do("auditor", http.MethodGet, "/api/v1/audit/events?action=audit.exported", nil)
		if !bytes.Contains(ev.Body, []byte(`"actor":"auditor"`)) || !bytes.Contains(ev.Body, []byte(fmt.Sprintf(`"index":%d`, n))) {
			t.Errorf("the export was not audited: %s", ev.Body)
		}
		csv := e.do("auditor", http.MethodGet, "/api/v1/audit/export?format=csv&from=2000-01-01T00:00:00Z", nil)
		want(t, csv, http.StatusOK)
		rows := strings.Split(strings.TrimSpace(string(csv.Body)), "\n")
		if csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) != n+2 || !strings.HasPrefix(rows[0], "index,at,actor") {
			t.Errorf("csv export:\n%s", csv.Body)
		}
		wantProblem(t, e.do("auditor", http.MethodGet, "/api/v1/audit/export?format=xml&to=soon", nil), 422, "invalid", "format", "to")
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/audit/export", nil), 403, "forbidden")
		wantProblem(t, e.do("", http.MethodGet, "/api/v1/audit/events", nil), 401, "unauthorized")
	})
}

// Every signed checkpoint is kept and listed, smallest first, page by page.
func TestAuditCheckpointHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		withAuditLog(t, e)
		ctx := context.Background()
		for range 3 {
			e.create("lo-no", draft())
			if _, err := e.srv.Audit.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
		key := e.auditKey()
		var sizes []int64
		path := "/api/v1/audit/checkpoints?limit=2"
		for range 5 {
			r := e.do("auditor", http.MethodGet, path, nil)
			want(t, r, http.StatusOK)
			var page struct {
				Items []struct {
					Size int64  `json:"size"`
					Note string `json:"note"`
				} `json:"items"`
				NextCursor *string `json:"next_cursor"`
			}
			if err := json.Unmarshal(r.Body, &page); err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				tree, err := auditlog.OpenCheckpoint([]byte(it.Note), key)
				if err != nil || tree.N != it.Size {
					t.Errorf("checkpoint %d: %v", it.Size, err)
				}
				sizes = append(sizes, it.Size)
			}
			if page.NextCursor == nil {
				break
			}
			path = "/api/v1/audit/checkpoints?limit=2&cursor=" + *page.NextCursor
		}
		if len(sizes) != 3 || sizes[0] >= sizes[1] || sizes[1] >= sizes[2] {
			t.Errorf("kept checkpoint sizes %v", sizes)
		}
		wantProblem(t, e.do("auditor", http.MethodGet, "/api/v1/audit/checkpoints?cursor=x", nil), 422, "invalid", "cursor")
		wantProblem(t, e.do("ops", http.MethodGet, "/api/v1/audit/checkpoints", nil), 403, "forbidden")
	})
}

// A to before from answers 422 naming to, for the events and the export,
// before the export signs a checkpoint or writes its audit.exported entry;
// a to equal to from is an empty window, answered as one.
func TestAuditWindowToBeforeFrom(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/auditwindow.db")
	exported := func() string {
		r := e.do("auditor", http.MethodGet, "/api/v1/audit/events?action=audit.exported", nil)
		want(t, r, http.StatusOK)
		return string(r.Body)
	}
	before := exported()
	for _, path := range []string{"/api/v1/audit/events", "/api/v1/audit/export", "/api/v1/audit/export?format=csv"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := e.do("auditor", http.MethodGet, path+sep+"from=2026-12-01T19:00:00Z&to=2026-12-01T18:00:00Z", nil)
		wantProblem(t, r, 422, "invalid", "to")
		if !strings.Contains(string(r.Body), "must be on or after from") {
			t.Errorf("%s: %s", path, r.Body)
		}
	}
	if after := exported(); after != before {
		t.Errorf("a refused export was audited:\nbefore %s\nafter  %s", before, after)
	}
	for _, path := range []string{"/api/v1/audit/events?", "/api/v1/audit/export?"} {
		want(t, e.do("auditor", http.MethodGet, path+"from=2026-12-01T18:00:00Z&to=2026-12-01T18:00:00Z", nil), http.StatusOK)
	}
}
