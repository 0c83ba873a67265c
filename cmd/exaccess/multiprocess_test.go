package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// process is one real `exaccess serve` process.
type process struct {
	base string
	cmd  *exec.Cmd
}

func startProcess(t *testing.T, bin, dsn string, demo bool, extra ...string) *process {
	t.Helper()
	// Several processes on one host: no metrics listener to fight over; and
	// the load of the crash test is not to be throttled by the per-user
	// create/submit/withdraw limit.
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--metrics-addr", "off", "--rate-cycles", "off"}
	if demo {
		args = append(args, "--demo")
	}
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Env = append(os.Environ(), "EXACCESS_CHECKPOINT_KEY="+checkpointKeyFor(t, dsn))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	p := &process{cmd: cmd}
	for p.base == "" && sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
			p.base = strings.Fields(url)[0]
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if p.base == "" {
		t.Fatal("a server process did not start")
	}
	return p
}

// send is one HTTP call returning status and decoded body; it never fails
// the test, so goroutines can use it.
func send(method, url, token, body string, headers ...string) (int, map[string]any, http.Header) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, resp.Header
}

// requestBody is a valid request whose period starts two months from today
// (the server's clock is real here), optionally with live fire in area.
func requestBody(name string, personnel int, area string) string {
	start := time.Now().UTC().AddDate(0, 2, 0)
	day := func(d int) string { return start.AddDate(0, 0, d).Format(time.DateOnly) }
	areas := ""
	if area != "" {
		areas = `,"weapons":{"live_fire":true,"systems":["CV90"]},"training_areas":[{"area":"` + area + `","from":"` + day(3) + `","to":"` + day(6) + `"}]`
	}
	return fmt.Sprintf(`{"exercise_name":%q,"purpose":"p","unit":{"designation":"u"},"period":{"start":%q,"end":%q},
		"personnel":{"military":%d},"movements":[{"direction":"entry","entry_point":"storlien","at":"%sT08:00:00Z","mode":"road"}],
		"contact":{"name":"n","email":"n@mil.no"}%s}`, name, day(0), day(18), personnel, day(0), areas)
}

// TestTwoProcessesOnPostgreSQL runs two real server processes against one
// fresh PostgreSQL database and drives them concurrently: tokens and keys
// are shared, submissions from both get distinct references, racing
// decisions on one stage and racing final approvals on one training area
// each have exactly one winner, and the audit log both appended to is dense
// and verifies with the one public key.
func TestTwoProcessesOnPostgreSQL(t *testing.T) {
	var dsn string
	for _, c := range storagetest.Databases(t) {
		if c.Name == "postgres" {
			dsn = c.DSN
		}
	}
	if dsn == "" {
		t.Skip("no PostgreSQL: set " + storagetest.PostgresEnv + " (CI always does)")
	}
	bin := buildBinary(t)
	a := startProcess(t, bin, dsn, true)
	b := startProcess(t, bin, dsn, false)
	procs := []*process{a, b}

	// A token signed by one process is accepted by the other.
	lo := signIn(t, a.base, "lo-no")
	if st, me, _ := send("GET", b.base+"/api/v1/me", lo, ""); st != 200 || me["username"] != "lo-no" {
		t.Fatalf("process B refuses A's token: %d %v", st, me)
	}
	hnsA, hnsB := signIn(t, a.base, "hns"), signIn(t, b.base, "hns")

	// Concurrent submissions through both processes.
	const n = 12
	ids := make([]string, n)
	refs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := procs[i%2]
			st, r, _ := send("POST", p.base+"/api/v1/requests", lo, requestBody(fmt.Sprintf("E%d", i), 10, ""))
			if st != 201 {
				t.Errorf("create via %s: %d %v", p.base, st, r)
				return
			}
			ids[i] = r["id"].(string)
			st, r, _ = send("POST", procs[(i+1)%2].base+"/api/v1/requests/"+ids[i]+"/submit", lo, "", "If-Match", `"1"`)
			if st != 200 {
				t.Errorf("submit: %d %v", st, r)
				return
			}
			refs[i] = r["reference"].(string)
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, ref := range refs {
		if ref == "" || seen[ref] {
			t.Fatalf("references not distinct: %v", refs)
		}
		seen[ref] = true
	}
	year := time.Now().UTC().Year() // the reference's year is the year of submission
	for i := 1; i <= n; i++ {
		if !seen[fmt.Sprintf("SE-%d-EXA-%06d", year, i)] {
			t.Errorf("reference numbers are not dense: %v", refs)
		}
	}

	// Racing decisions: every request's intake decided through both
	// processes at once, all released together, so that the calls overlap
	// in the database; each request must have exactly one winner.
	statuses := make([][2]int, n)
	start := make(chan struct{})
	for i := range n {
		for k, tok := range []string{hnsA, hnsB} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i][k], _, _ = send("POST", procs[k].base+"/api/v1/requests/"+ids[i]+"/decisions", tok,
					`{"stage":"intake","outcome":"approve"}`, "If-Match", `"2"`)
			}()
		}
	}
	close(start)
	wg.Wait()
	for i, st := range statuses {
		won := 0
		for _, s := range st {
			switch s {
			case 200:
				won++
			case 409, 412:
			default:
				t.Errorf("request %d: status %d", i, s)
			}
		}
		if won != 1 {
			t.Errorf("request %d: %d decisions won (%v), want exactly 1", i, won, st)
		}
	}

	racingFinalApprovals(t, a, b, lo)

	// The audit log both processes appended to verifies, with either one's
	// checkpoint, against the one public key both serve.
	auditor := signIn(t, a.base, "auditor")
	keys := map[string]bool{}
	for _, p := range procs {
		st, cp, _ := send("GET", p.base+"/api/v1/audit/checkpoint", auditor, "")
		if st != 200 {
			t.Fatalf("checkpoint: %d %v", st, cp)
		}
		keys[fetchText(t, p.base+"/api/v1/audit/key", auditor)] = true
	}
	if len(keys) != 1 {
		t.Fatalf("the processes serve %d different checkpoint keys", len(keys))
	}
	out, err := verifyDB(t, dsn)
	if err != nil {
		t.Fatalf("audit verify --db: %v\n%s", err, out)
	}
	if !strings.Contains(out, "verified") {
		t.Fatalf("verify said %q", out)
	}
	db, err := storage.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range ids {
		r, err := db.GetRequest(context.Background(), id)
		if err != nil || r.Version != 3 {
			t.Fatalf("request %s after the race: version %v, %v", id, r, err)
		}
		checkAuditTrail(t, db, r)
	}
}

// racingFinalApprovals: two requests that together overbook ravlunda (1200)
// reach their final approval at the same moment, one through each process.
func racingFinalApprovals(t *testing.T, a, b *process, lo string) {
	t.Helper()
	tags := make([]string, 2)
	ids := make([]string, 2)
	hns, rng := signIn(t, a.base, "hns"), signIn(t, b.base, "range")
	for i, size := range []int{700, 600} {
		_, r, _ := send("POST", a.base+"/api/v1/requests", lo, requestBody("Ravlunda", size, "ravlunda"))
		ids[i] = r["id"].(string)
		steps := []struct{ tok, path, body, tag string }{
			{lo, "/submit", "", `"1"`},
			{hns, "/decisions", `{"stage":"intake","outcome":"approve"}`, `"2"`},
			{rng, "/decisions", `{"stage":"range_safety","outcome":"approve"}`, `"3"`},
		}
		for _, s := range steps {
			st, r, h := send("POST", a.base+"/api/v1/requests/"+ids[i]+s.path, s.tok, s.body, "If-Match", s.tag)
			if st != 200 {
				t.Fatalf("%s: %d %v", s.path, st, r)
			}
			tags[i] = h.Get("ETag")
		}
	}
	ops := []string{signIn(t, a.base, "ops"), signIn(t, b.base, "ops2")}
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, p := range []*process{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _ = send("POST", p.base+"/api/v1/requests/"+ids[i]+"/decisions", ops[i],
				`{"stage":"operations","outcome":"approve"}`, "If-Match", tags[i])
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
		t.Fatalf("racing final approvals across processes: %v, want one 200 and one 409", statuses)
	}
}

func fetchText(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
