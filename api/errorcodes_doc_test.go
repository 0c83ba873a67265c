package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestErrorCodesInTheSpecTable: every error code constant of package domain
// (Code…) and of this package (code…) is a row of the error table in the
// OpenAPI document's introduction, with the status statusOf gives it, and
// the table has no row that is not one of them; so a code added to either
// package without its row, or a row whose status drifted, fails here.
func TestErrorCodesInTheSpecTable(t *testing.T) {
	spec := loadSpec(t)
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (\\d{3}) \\|")
	table := map[string]int{}
	for _, m := range row.FindAllStringSubmatch(spec.Info.Description, -1) {
		status, _ := strconv.Atoi(m[2])
		table[m[1]] = status
	}
	// Warning codes (domain's CodeMovementMode, …) are constants too: they
	// are the Warning schema's "known codes", not errors.
	warnings := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(spec.Components.Schemas["Warning"].Value.Properties["code"].Value.Description, -1) {
		warnings[m[1]] = true
	}
	domainCodes := codeConstants(t, "../domain", "Code", nil)
	codes := codeConstants(t, ".", "code", domainCodes)
	maps.Copy(codes, domainCodes)
	// A code that is both (framework_not_applicable: a warning on submit,
	// the refusal of a final approval) is checked when the table lists it.
	maps.DeleteFunc(codes, func(code, _ string) bool { _, listed := table[code]; return warnings[code] && !listed })
	if len(domainCodes) < 10 || len(codes) < 15 || !warnings["movement_mode"] {
		t.Fatalf("found %d domain codes, %d error codes in all and warnings %v: the parsing is broken", len(domainCodes), len(codes), warnings)
	}
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		status, ok := table[code]
		switch {
		case !ok:
			t.Errorf("error code %q (%s) is not in the error table of docs/openapi.yaml's introduction", code, codes[code])
		case status != statusOf[code]:
			t.Errorf("error code %q: the table says %d, the server answers %d", code, status, statusOf[code])
		}
	}
	for code := range table {
		if _, ok := codes[code]; !ok {
			t.Errorf("the error table lists %q, which no code constant has", code)
		}
	}
}

// codeConstants reads the string constants of the package in dir whose
// names start with prefix and another capital letter (test files left
// out): value → name. A constant set to another package's constant
// (domain.CodeX) takes its value from known, by that constant's name.
func codeConstants(t *testing.T, dir, prefix string, known map[string]string) map[string]string {
	t.Helper()
	byName := map[string]string{}
	for v, n := range known {
		byName[n] = v
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		{
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						rest, ok := strings.CutPrefix(name.Name, prefix)
						if !ok || rest == "" || rest[0] < 'A' || rest[0] > 'Z' || i >= len(vs.Values) {
							continue
						}
						switch v := vs.Values[i].(type) {
						case *ast.BasicLit:
							if s, err := strconv.Unquote(v.Value); err == nil && v.Kind == token.STRING {
								out[s] = name.Name
							}
						case *ast.SelectorExpr:
							if s, ok := byName[v.Sel.Name]; ok {
								out[s] = name.Name
							} else {
								t.Errorf("%s: constant %s = %s.%s is not a known code", dir, name.Name, v.X, v.Sel.Name)
							}
						}
					}
				}
			}
		}
	}
	return out
}
