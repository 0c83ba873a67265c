package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeBase is the server address the README's walk-throughs use.
const readmeBase = "B=http://127.0.0.1:8080"

// readmeBlocks are the README's ```bash blocks, in order: the walk-throughs
// a newcomer runs in one shell. ```sh blocks (build, test) are not run.
var readmeBlocks = regexp.MustCompile("(?ms)^```bash\n(.*?)^```")

// TestREADMEWalkThroughs runs the README's walk-throughs top to bottom with
// bash against the real binary, started with --demo on a fresh SQLite
// database and a free port, in a directory that holds ./exaccess as the
// README assumes. Any failing command fails the test (set -e, pipefail,
// curl --fail-with-body, jq -e in the README itself): the docs' own check.
func TestREADMEWalkThroughs(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the README's walk-throughs need %s, which CI must install", tool)
			}
			t.Skipf("the README's walk-throughs need %s: %v", tool, err)
		}
	}
	script := readmeScript(t)
	dir := t.TempDir()
	bin := buildBinary(t)
	if err := os.Symlink(bin, filepath.Join(dir, "exaccess")); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, bin, filepath.Join(dir, "exaccess.db"), true)
	script = strings.Replace(script, readmeBase, "B="+p.base, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-x", "-c", script)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's walk-throughs failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "verified: entries") {
		t.Fatalf("the walk-throughs ran but the audit export was not verified:\n%s", out)
	}
}

// readmeScript joins the README's bash blocks into one script that stops at
// the first failing command.
func readmeScript(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("the README has no bash blocks")
	}
	var b strings.Builder
	b.WriteString("set -euo pipefail\n")
	for _, m := range blocks {
		b.WriteString(m[1])
	}
	if !strings.Contains(b.String(), readmeBase) {
		t.Fatalf("the README's walk-throughs no longer start with %q, which the test replaces", readmeBase)
	}
	return b.String()
}
