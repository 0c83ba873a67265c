package main

import (
	"context"
	"fmt"
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
	if shifted, years := shiftReadmeYears(script, time.Now()); years > 0 {
		t.Logf("the README's March %d is less than eight weeks ahead: its dates run %d year(s) later", readmeYear, years)
		script = shifted
	}
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

// readmeYear is the year of the README's example dates (March): far enough
// ahead for every notice period the policy asks for, and inside the demo
// framework agreement's validity (to the end of the year after seeding).
const readmeYear = 2027

// shiftReadmeYears moves the script's dates in readmeYear by as many whole
// years as it takes for 1 March to be more than eight weeks after now, so
// that the walk-throughs keep passing after their dates come too close;
// it returns the script and the number of years. Only dates (YYYY-MM-DD)
// move: references such as SE-2027-EXA-000001 are numbered by the server.
func shiftReadmeYears(script string, now time.Time) (string, int) {
	years := 0
	for !time.Date(readmeYear+years, 3, 1, 0, 0, 0, 0, time.UTC).After(now.Add(8 * 7 * 24 * time.Hour)) {
		years++
	}
	if years == 0 {
		return script, 0
	}
	date := regexp.MustCompile(fmt.Sprintf(`\b%d(-\d\d-\d\d)`, readmeYear))
	return date.ReplaceAllString(script, fmt.Sprintf("%d$1", readmeYear+years)), years
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

func TestShiftReadmeYears(t *testing.T) {
	script := `{"start": "2027-03-02"} from=2027-03-01&to=2027-03-31 "at": "2027-03-02T08:00:00Z" SE-2027-EXA-000001`
	for _, tc := range []struct {
		now   time.Time
		years int
		want  string
	}{
		{time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), 0, script},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), 0, script},
		{time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC), 1,
			`{"start": "2028-03-02"} from=2028-03-01&to=2028-03-31 "at": "2028-03-02T08:00:00Z" SE-2027-EXA-000001`},
		{time.Date(2028, 6, 1, 0, 0, 0, 0, time.UTC), 2,
			`{"start": "2029-03-02"} from=2029-03-01&to=2029-03-31 "at": "2029-03-02T08:00:00Z" SE-2027-EXA-000001`},
	} {
		got, years := shiftReadmeYears(script, tc.now)
		if years != tc.years || got != tc.want {
			t.Errorf("at %s: %d years, %s; want %d, %s", tc.now.Format(time.DateOnly), years, got, tc.years, tc.want)
		}
	}
}
