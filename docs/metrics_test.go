package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	// definedMetric finds a metric's name where the code defines it: a
	// prometheus.NewDesc or the Name of a collector's options.
	definedMetric = regexp.MustCompile(`(?:NewDesc\(|Name:\s*)"(exaccess_[a-z_]+)"`)
	// namedMetric finds a name written in the docs.
	namedMetric = regexp.MustCompile(`exaccess_[a-z_]+`)
)

// TestDocumentedMetricsExist keeps the metric names of the operator's
// guide and the code together: every metric the code defines is named in
// operations.md (its Monitoring table or an alert rule), and every
// exaccess_ name in the docs is a metric the code defines (a histogram's
// _bucket, _sum and _count series count as the histogram), so that no
// alert rule watches a series that never exists.
func TestDocumentedMetricsExist(t *testing.T) {
	defined := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range definedMetric.FindAllSubmatch(b, -1) {
			defined[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(defined) < 10 {
		t.Fatalf("found only %d metric definitions in the code: %v", len(defined), defined)
	}
	ops, err := os.ReadFile("operations.md")
	if err != nil {
		t.Fatal(err)
	}
	inOps := map[string]bool{}
	for _, n := range namedMetric.FindAllString(string(ops), -1) {
		inOps[series(n)] = true
	}
	for name := range defined {
		if !inOps[name] {
			t.Errorf("the code defines %s, which docs/operations.md does not name", name)
		}
	}
	docs, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, "../README.md")
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		var unknown []string
		for _, n := range namedMetric.FindAllString(string(b), -1) {
			if !defined[series(n)] && !slices.Contains(unknown, n) {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			t.Errorf("%s names metrics the code does not define: %v", doc, unknown)
		}
	}
}

// series is the metric a series name belongs to: a histogram's buckets,
// sum and count are the histogram's.
func series(name string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && strings.HasSuffix(base, "_seconds") {
			return base
		}
	}
	return name
}
