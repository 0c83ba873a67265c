package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// acks records what the server acknowledged: every 2xx answer is a promise
// that must survive any crash after it.
type acks struct {
	mu        sync.Mutex
	created   map[string]bool
	submitted map[string]bool
	decided   map[string]bool
}

func (a *acks) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.created)
}

func (a *acks) add(m map[string]bool, id string) {
	a.mu.Lock()
	m[id] = true
	a.mu.Unlock()
}

// crashRounds is how many times the server is killed: 30 by default (CI),
// more with EXACCESS_CRASH_ROUNDS.
func crashRounds(t *testing.T) int {
	if v := os.Getenv("EXACCESS_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return 30
}

// TestCrashSafety runs the real binary under concurrent load and kills it
// with SIGKILL at seeded random moments, restarting it each time. Then every
// acknowledged creation, submission and decision must be there, every
// request version must have exactly one audit entry, the audit log must
// verify, and SQLite's integrity check must pass — on SQLite and PostgreSQL.
func TestCrashSafety(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			crashAndCheck(t, bin, c.DSN)
		})
	}
}

func crashAndCheck(t *testing.T, bin, dsn string) {
	rng := rand.New(rand.NewPCG(1, 2)) // seeded: a failure can be replayed
	got := &acks{created: map[string]bool{}, submitted: map[string]bool{}, decided: map[string]bool{}}
	for round := range crashRounds(t) {
		before := got.count()
		p := startProcess(t, bin, dsn, round == 0)
		lo, hns := signIn(t, p.base, "lo-no"), signIn(t, p.base, "hns")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				load(p.base, lo, hns, fmt.Sprintf("r%d-w%d", round, w), got, stop)
			}()
		}
		// Every round must do work after the restart: a server that came
		// back but refused every write would otherwise pass. The kill comes
		// at a random moment after the round's first acknowledgment, not
		// after a fixed time: on a loaded machine sign-in and the first
		// writes can take longer than any fixed delay, and a kill before
		// anything was acknowledged proves nothing about losing it.
		acked := waitForAck(got, before, ackDeadline)
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		p.cmd.Wait()
		close(stop)
		wg.Wait()
		if !acked {
			t.Fatalf("round %d acknowledged no creation within %v of the restart", round, ackDeadline)
		}
	}
	if len(got.decided) == 0 {
		t.Fatalf("the load acknowledged no decision in %d rounds; the test proves nothing", crashRounds(t))
	}
	// One clean start to take a checkpoint, then check the database itself.
	p := startProcess(t, bin, dsn, false)
	if st, cp, _ := send("GET", p.base+"/api/v1/audit/checkpoint", signIn(t, p.base, "auditor"), ""); st != 200 {
		t.Fatalf("checkpoint after the crashes: %d %v", st, cp)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	checkAcknowledged(t, dsn, got)
	t.Logf("%d rounds: %d creations, %d submissions, %d decisions acknowledged and found",
		crashRounds(t), len(got.created), len(got.submitted), len(got.decided))
}

// ackDeadline bounds the wait for a round's first acknowledged creation: far
// longer than a loaded CI machine needs, short enough to fail a server that
// acknowledges nothing.
const ackDeadline = 2 * time.Minute

// waitForAck waits until got holds more creations than before, or the
// deadline passes; it reports whether one came.
func waitForAck(got *acks, before int, deadline time.Duration) bool {
	end := time.Now().Add(deadline)
	for got.count() == before {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// load creates, submits and decides requests until stop, recording each
// acknowledged step. Errors are expected: the server dies under it.
func load(base, lo, hns, name string, got *acks, stop chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		st, r, _ := send("POST", base+"/api/v1/requests", lo, requestBody(fmt.Sprintf("%s-%d", name, i), 10, ""))
		if st != 201 {
			continue
		}
		id := r["id"].(string)
		got.add(got.created, id)
		if st, _, _ = send("POST", base+"/api/v1/requests/"+id+"/submit", lo, "", "If-Match", `"1"`); st != 200 {
			continue
		}
		got.add(got.submitted, id)
		if st, _, _ = send("POST", base+"/api/v1/requests/"+id+"/decisions", hns, `{"stage":"intake","outcome":"approve"}`, "If-Match", `"2"`); st == 200 {
			got.add(got.decided, id)
		}
	}
}

func checkAcknowledged(t *testing.T, dsn string, got *acks) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id := range got.created {
		r, err := db.GetRequest(ctx, id)
		if err != nil {
			t.Errorf("acknowledged request %s is lost: %v", id, err)
			continue
		}
		switch {
		case got.decided[id] && (r.Version < 3 || r.Route.Stages[0].Status != domain.StageApproved):
			t.Errorf("acknowledged decision on %s is lost: version %d", id, r.Version)
		case got.submitted[id] && r.Status == domain.StatusDraft:
			t.Errorf("acknowledged submission of %s is lost", id)
		}
	}
	// The audit trail of every stored request, acknowledged or not: a kill
	// between commit and answer leaves committed work nobody was told of.
	stored := 0
	for page := (domain.RequestPage{NextAfter: ""}); ; {
		var err error
		page, err = db.ListRequests(ctx, domain.RequestFilter{After: page.NextAfter, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for i := range page.Items {
			checkAuditTrail(t, db, &page.Items[i])
			stored++
		}
		if page.NextAfter == "" {
			break
		}
	}
	if stored < len(got.created) {
		t.Errorf("%d requests stored, %d creations acknowledged", stored, len(got.created))
	}
	if out, err := verifyDB(t, dsn); err != nil || !strings.Contains(out, "verified") {
		t.Errorf("audit verify after the crashes: %v\n%s", err, out)
	}
	if !strings.HasPrefix(dsn, "postgres") {
		var res string
		if err := db.IntegrityCheck(ctx, &res); err != nil || res != "ok" {
			t.Errorf("PRAGMA integrity_check: %q, %v", res, err)
		}
	}
}

// checkAuditTrail: each version 1..n of the request has exactly one audit
// entry — no transition without its entry, no entry without its transition.
func checkAuditTrail(t *testing.T, db *storage.DB, r *domain.Request) {
	t.Helper()
	entries, err := db.ListAudit(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for _, e := range entries {
		if e.Action != domain.AuditRequestRefused {
			seen[e.RequestVersion]++
		}
	}
	for v := 1; v <= r.Version; v++ {
		if seen[v] != 1 {
			t.Errorf("request %s version %d has %d audit entries", r.ID, v, seen[v])
		}
	}
	if len(seen) != r.Version {
		t.Errorf("request %s at version %d has audit entries for versions %v", r.ID, r.Version, seen)
	}
}
