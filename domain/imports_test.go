package domain

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainImportsNothingOfOurs keeps the dependency direction honest: the
// domain is the heart; storage, api, policies and cmd depend on it, never the
// other way round, and it needs nothing beyond the standard library.
func TestDomainImportsNothingOfOurs(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg != "exaccess/domain" {
			t.Errorf("domain depends on %s; it may use the standard library only", pkg)
		}
	}
}
