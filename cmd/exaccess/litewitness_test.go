package main

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/torchwood"

	"exaccess/internal/testlog"
)

// litewitnessVersion is the witness the tests run: filippo.io/torchwood's
// litewitness, a real, independent implementation of c2sp.org/tlog-witness.
const litewitnessVersion = "v0.6.1"

// litewitness is a running litewitness process.
type litewitness struct {
	url, vkey, name string
	db              string
}

// buildLitewitness installs litewitness from the module proxy (or the
// module cache) into a directory kept between runs; the first build takes
// minutes (its SQLite is pure Go). witnessctl is not built: it needs a
// module the proxy does not serve, and addLog does what it would.
func buildLitewitness(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "exaccess-litewitness-"+litewitnessVersion)
	if _, err := os.Stat(filepath.Join(dir, "litewitness")); err == nil {
		return dir
	}
	cmd := exec.Command("go", "install", "filippo.io/torchwood/cmd/litewitness@"+litewitnessVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install litewitness %s (needs the module proxy or cache): %v\n%s", litewitnessVersion, err, out)
	}
	return dir
}

// startLitewitness runs a litewitness with a fresh Ed25519 key in its own
// ssh-agent, as its README describes.
func startLitewitness(t *testing.T) *litewitness {
	t.Helper()
	if testing.Short() {
		t.Skip("starts litewitness and ssh-agent")
	}
	for _, tool := range []string{"ssh-agent", "ssh-add", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (package openssh-client): %v", tool, err)
		}
	}
	bin := buildLitewitness(t)
	dir, err := os.MkdirTemp("", "lw") // short: a Unix socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "a")
	agent := exec.Command("ssh-agent", "-a", sock, "-D")
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	waitFor(t, func() bool { _, err := os.Stat(sock); return err == nil })
	key := filepath.Join(dir, "k")
	runTool(t, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "witness", "-f", key)
	runTool(t, []string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", "-q", key)
	fp := strings.Fields(runTool(t, nil, "ssh-keygen", "-l", "-E", "sha256", "-f", key+".pub"))[1]
	w := &litewitness{name: "witness.test/w1", db: filepath.Join(dir, "w.db")}
	w.vkey = cosignatureVKey(t, w.name, key+".pub")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	lw := exec.Command(filepath.Join(bin, "litewitness"), "-db", w.db, "-name", w.name, "-key", fp,
		"-ssh-agent", sock, "-listen", addr)
	var logs testlog.Buffer
	lw.Stderr = &logs
	if err := lw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lw.Process.Kill(); lw.Wait() })
	w.url = "http://" + addr
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if !strings.Contains(logs.String(), w.vkey) {
		t.Fatalf("litewitness announces another key than %s:\n%s", w.vkey, logs.String())
	}
	return w
}

// addLog tells the witness about a log and its verifier key, as
// `witnessctl add-log` and `add-key` do: a log at size 0 (its hash that of
// the empty tree) and its key, in the witness's database.
func (w *litewitness) addLog(t *testing.T, origin, vkey string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+w.db+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	empty := sha256.Sum256(nil)
	if _, err := db.Exec("INSERT INTO log (origin, tree_size, tree_hash) VALUES (?, 0, ?)", origin,
		base64.StdEncoding.EncodeToString(empty[:])); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO key (origin, key) VALUES (?, ?)", origin, vkey); err != nil {
		t.Fatal(err)
	}
}

// cosignatureVKey is the witness's c2sp.org/tlog-cosignature verifier key,
// computed by torchwood from the SSH public key file.
func cosignatureVKey(t *testing.T, name, pubFile string) string {
	t.Helper()
	b, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := base64.StdEncoding.DecodeString(strings.Fields(string(b))[1])
	if err != nil || len(blob) < ed25519.PublicKeySize {
		t.Fatalf("ssh public key %q: %v", b, err)
	}
	s, err := torchwood.NewCosignatureSigner(name, pubOnly(blob[len(blob)-ed25519.PublicKeySize:]))
	if err != nil {
		t.Fatal(err)
	}
	return s.Verifier().String()
}

type pubOnly ed25519.PublicKey

func (p pubOnly) Public() crypto.PublicKey { return ed25519.PublicKey(p) }
func (p pubOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("public key only")
}

func runTool(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 300 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("timed out waiting")
}

// witnessedServer is an in-process `exaccess serve` whose log is witnessed.
type witnessedServer struct {
	base    string
	metrics string // the --metrics-addr listener
	logs    *testlog.Buffer
	stop    func() error
}

func startWitnessedServer(t *testing.T, args ...string) *witnessedServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	s := &witnessedServer{logs: &testlog.Buffer{}, metrics: freeAddr(t)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", s.metrics,
			"--checkpoint-every", "1", "--checkpoint-interval", "1s"}, args...),
			env(nil), nil, outW, s.logs)
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	for s.base == "" && sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
			s.base = strings.Fields(url)[0]
		}
	}
	go io.Copy(io.Discard, outR)
	if s.base == "" {
		cancel()
		t.Fatalf("server did not start: %v\n%s", <-done, s.logs.String())
	}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				stopErr = context.DeadlineExceeded
			}
		})
		return stopErr
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// get returns the status and body of an unauthenticated GET.
func (s *witnessedServer) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric reads one sample of the server's metrics (on their own listener),
// "" when absent or not yet served.
func (s *witnessedServer) metric(t *testing.T, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + s.metrics + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// cosignedSize waits until the witness has cosigned a checkpoint of the
// whole log and returns its size.
func (s *witnessedServer) waitCosigned(t *testing.T, witness string) string {
	t.Helper()
	var size string
	waitFor(t, func() bool {
		entries := s.metric(t, "exaccess_audit_log_entries")
		size = s.metric(t, fmt.Sprintf("exaccess_audit_witness_cosigned_size{witness=%q}", witness))
		return entries != "" && size == entries
	})
	return size
}

// freeAddr is a loopback address with a port free at the time of asking.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
