package main

import (
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/torchwood"
)

// TestReadyzHidesWitnessErrors: a witness that cannot be reached puts a
// warning in the public /readyz, but not its error: no URL, host, address
// or size of the log. The server log has them.
func TestReadyzHidesWitnessErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := torchwood.NewCosignatureSigner("witness.internal.test/w1", priv)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t) // nothing listens there
	db := filepath.Join(t.TempDir(), "r.db")
	s := startWitnessedServer(t, "--db", db, "--demo",
		"--witness", "http://"+addr+"/witness="+signer.Verifier().String())
	waitFor(t, func() bool {
		n := s.metric(t, `exaccess_audit_witness_failures_total{witness="witness.internal.test/w1"}`)
		return n != "" && n != "0"
	})
	st, body := s.get(t, "/readyz")
	var got struct {
		Status   string
		Warnings []string
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || st != 200 || len(got.Warnings) != 1 {
		t.Fatalf("/readyz with an unreachable witness: %d %s", st, body)
	}
	w := got.Warnings[0]
	if !strings.Contains(w, "did not cosign") {
		t.Errorf("warning %q does not say the witness did not cosign", w)
	}
	for _, leak := range []string{"http", "127.0.0.1", addr, "witness.internal.test", "dial", "size"} {
		if strings.Contains(body, leak) {
			t.Errorf("/readyz carries %q: %s", leak, body)
		}
	}
	if regexp.MustCompile(`[0-9]`).MatchString(w) {
		t.Errorf("the warning carries a number (a size, an address): %q", w)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "witness did not cosign") || !strings.Contains(logs, addr) {
		t.Errorf("the server log lacks the witness's error:\n%s", logs)
	}
}
