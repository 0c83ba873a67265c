package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// dispatchedCommands reads the commands the dispatcher knows from its own
// source, so that the list cannot lag behind it: the case labels of
// dispatch's switch on args[0], each followed by the subcommands its branch
// knows, which are the literals it compares args[1] with, or the case labels
// of the switch on args[0] in the function it hands the rest to.
func dispatchedCommands(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*ast.FuncDecl{}
	for _, f := range pkgs["main"].Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	top := argSwitch(funcs["dispatch"], 0)
	if top == nil {
		t.Fatal("dispatch has no switch on args[0]")
	}
	var cmds []string
	for _, stmt := range top.Body.List {
		cc := stmt.(*ast.CaseClause)
		for _, name := range stringLabels(cc) {
			if name == "help" || strings.HasPrefix(name, "-") {
				continue
			}
			var subs []string
			for _, s := range cc.Body {
				ast.Inspect(s, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.BinaryExpr:
						if n.Op == token.EQL && isArg(n.X, 1) {
							if v, ok := stringLit(n.Y); ok {
								subs = append(subs, v)
							}
						}
					case *ast.CallExpr:
						if id, ok := n.Fun.(*ast.Ident); ok {
							if sw := argSwitch(funcs[id.Name], 0); sw != nil {
								for _, c := range sw.Body.List {
									subs = append(subs, stringLabels(c.(*ast.CaseClause))...)
								}
							}
						}
					}
					return true
				})
			}
			if len(subs) == 0 {
				cmds = append(cmds, name)
			}
			for _, sub := range subs {
				cmds = append(cmds, name+" "+sub)
			}
		}
	}
	// The reading of the source must find what is known to be there.
	for _, want := range []string{"serve", "user email", "user reset-password", "audit rotate-key", "policy test", "permit verify", "bench"} {
		if !contains(cmds, want) {
			t.Fatalf("the dispatcher's commands as read from its source lack %q: %v", want, cmds)
		}
	}
	return cmds
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// argSwitch is fd's switch on args[i], or nil.
func argSwitch(fd *ast.FuncDecl, i int) *ast.SwitchStmt {
	if fd == nil {
		return nil
	}
	var found *ast.SwitchStmt
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if sw, ok := n.(*ast.SwitchStmt); ok && found == nil && isArg(sw.Tag, i) {
			found = sw
		}
		return found == nil
	})
	return found
}

// isArg reports whether e is args[i].
func isArg(e ast.Expr, i int) bool {
	ix, ok := e.(*ast.IndexExpr)
	if !ok {
		return false
	}
	id, ok := ix.X.(*ast.Ident)
	lit, ok2 := ix.Index.(*ast.BasicLit)
	return ok && ok2 && id.Name == "args" && lit.Value == strconv.Itoa(i)
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}

func stringLabels(cc *ast.CaseClause) []string {
	var out []string
	for _, e := range cc.List {
		if v, ok := stringLit(e); ok {
			out = append(out, v)
		}
	}
	return out
}

// usageEntry is the part of the help text that describes cmd: its line and
// the indented lines under it, up to the next command.
func usageEntry(cmd string) (string, bool) {
	start := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(cmd) + `(\s|$)`).FindStringIndex(usage)
	if start == nil {
		return "", false
	}
	line, rest, _ := strings.Cut(usage[start[0]:], "\n")
	if end := regexp.MustCompile(`(?m)^(  \S|\S)`).FindStringIndex(rest); end != nil {
		rest = rest[:end[0]]
	}
	return line + "\n" + rest, true
}

// flagLine is a flag's first line in a flag set's usage (PrintDefaults).
var flagLine = regexp.MustCompile(`(?m)^  -(\S+)`)

// TestHelpNamesEveryCommand: `exaccess help` names every command the
// dispatcher knows, and, for the commands it describes flag by flag, every
// flag the command's -h lists. serve and bench have more flags than a line
// holds: their entries send the reader to their own -h.
func TestHelpNamesEveryCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, env(nil), nil, &out, &out); err != nil || out.String() != usage {
		t.Fatalf("exaccess help: %v\n%s", err, out.String())
	}
	for _, cmd := range dispatchedCommands(t) {
		entry, ok := usageEntry(cmd)
		if !ok {
			t.Errorf("exaccess help does not name the command %q", cmd)
			continue
		}
		if cmd == "serve" || cmd == "bench" {
			if !strings.Contains(entry, "'exaccess "+cmd+" -h'") {
				t.Errorf("the help entry of %s neither lists its flags nor points at 'exaccess %s -h':\n%s", cmd, cmd, entry)
			}
			continue
		}
		var flags bytes.Buffer
		if err := run(context.Background(), append(strings.Fields(cmd), "-h"), env(nil), nil, &flags, &flags); err != nil {
			t.Errorf("exaccess %s -h: %v", cmd, err)
			continue
		}
		for _, m := range flagLine.FindAllStringSubmatch(flags.String(), -1) {
			if !strings.Contains(entry, "--"+m[1]) {
				t.Errorf("the help entry of %s does not name its flag --%s:\n%s", cmd, m[1], entry)
			}
		}
	}
}

// TestCommandHelpIsNotAnError: -h or --help after any command prints that
// command's usage and succeeds, as `exaccess help` does; main prints no
// "flag: help requested" line and exits 0.
func TestCommandHelpIsNotAnError(t *testing.T) {
	for _, cmd := range dispatchedCommands(t) {
		for _, h := range []string{"-h", "--help"} {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(strings.Fields(cmd), h), env(nil), nil, &stdout, &stderr)
			if err != nil {
				t.Errorf("exaccess %s %s: returned %v (main would exit 1)", cmd, h, err)
			}
			if !strings.Contains(strings.ToLower(stderr.String()), "usage") {
				t.Errorf("exaccess %s %s printed no usage:\nstdout: %s\nstderr: %s", cmd, h, stdout.String(), stderr.String())
			}
		}
	}
}
