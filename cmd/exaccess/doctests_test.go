package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	citedTest   = regexp.MustCompile(`(formerly )?` + "`?" + `\b(Test[A-Z][A-Za-z0-9_]*)`)
	definedTest = regexp.MustCompile(`(?m)^func (Test[A-Z][A-Za-z0-9_]*)\(`)
)

// TestDocsCiteExistingTests: every test the docs and the README name as
// the evidence of a claim exists, so that a renamed test does not leave a
// reader looking for one that is gone. A name that only starts others'
// (`-run TestBrowser`) counts, and so does one marked "formerly".
func TestDocsCiteExistingTests(t *testing.T) {
	defined := map[string]bool{}
	var names []string
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range definedTest.FindAllStringSubmatch(string(b), -1) {
			defined[m[1]] = true
			names = append(names, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob("../../docs/*.md")
	docs = append(docs, "../../docs/openapi.yaml", "../../README.md")
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range citedTest.FindAllStringSubmatch(string(b), -1) {
			name := m[2]
			if m[1] != "" || defined[name] || prefixOfAny(name, names) {
				continue
			}
			t.Errorf("%s names %s, which no test file defines: the test was renamed or removed", filepath.Base(doc), name)
		}
	}
}

func prefixOfAny(p string, names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}
