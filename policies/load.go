package policies

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"cel.dev/cel-go/cel"
	"go.yaml.in/yaml/v3"
)

// FileName is the name of the policy file inside a policy directory.
const FileName = "policy.yaml"

//go:embed default/policy.yaml default/tests/*.yaml
var defaultFS embed.FS

// Default loads the policy that ships with the binary.
func Default() (*Policy, error) {
	return load(defaultFS, "default/"+FileName, "policies/default/"+FileName)
}

// LoadDir loads dir/policy.yaml: the policy given at start with --policies,
// or checked offline by `exaccess policy check DIR`.
func LoadDir(dir string) (*Policy, error) {
	return load(os.DirFS(dir), FileName, filepath.Join(dir, FileName))
}

// Load reads, compiles and type-checks the policy file name in fsys. name is
// also the path that error messages give. The error, if any, is LoadErrors:
// every problem with its file and line.
func Load(fsys fs.FS, name string) (*Policy, error) {
	return load(fsys, name, name)
}

func load(fsys fs.FS, name, shown string) (*Policy, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", shown, err)
	}
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("policies: CEL environment: %w", err) // a bug in env.go, not in the file
	}
	l := &loader{file: shown, env: env}
	p := l.parse(data)
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	p.guarded = l.guarded
	return p, nil
}

// loader turns one file into a Policy, collecting every error on the way.
type loader struct {
	file string
	env  *cel.Env
	errs LoadErrors
	// guarded: some condition is guarded (cost.go), so routing sets a deadline.
	guarded bool
}

func (l *loader) errorf(line int, format string, args ...any) {
	l.errs = append(l.errs, &LoadError{File: l.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

var versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

var nationPattern = regexp.MustCompile(`^[A-Z]{2}$`)

func (l *loader) parse(data []byte) *Policy {
	root := l.document(data)
	if root == nil {
		return nil
	}
	top := l.fields(root, "policy", "version", "partners", "eligibility", "stages", "fast_track")
	p := &Policy{source: l.file}
	if v, ok := l.text(l.need(top, root, "policy", "version"), "version"); ok {
		if !versionPattern.MatchString(v) {
			l.errorf(top["version"].Line, "version %q must be 1-64 letters, digits, '.', '_' or '-'", v)
		}
		p.version = v
	}
	p.partners = l.partners(top["partners"])
	p.rules = l.rules(l.need(top, root, "policy", "eligibility"))
	p.stages = l.stages(l.need(top, root, "policy", "stages"))
	if ft := top["fast_track"]; ft != nil && ft.Tag != "!!null" {
		p.fast = l.fastTrack(ft, p.stages)
	}
	return p
}

// document returns the root node of the file's one YAML document. A second
// document is refused: a YAML reader would silently ignore it.
func (l *loader) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, extra yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		l.syntaxError(err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		l.errorf(1, "the file is empty; a policy needs version, eligibility and stages")
		return nil
	}
	switch err := dec.Decode(&extra); {
	case err == nil:
		l.errorf(extra.Line, "a policy file holds one YAML document; remove the second one")
	case !errors.Is(err, io.EOF):
		l.syntaxError(err)
	}
	root := doc.Content[0]
	l.rejectAliases(root)
	return root
}

// partners are the nations treated like EU/NATO members. They live in the
// policy, not in code, because who is delegated is a government decision
// that changes by date.
func (l *loader) partners(n *yaml.Node) []string {
	var out []string
	for _, item := range l.items(n, "partners") {
		code, ok := l.text(item, "partner")
		if ok && !nationPattern.MatchString(code) {
			l.errorf(item.Line, "partner %q must be an ISO 3166-1 alpha-2 code such as CH", code)
			continue
		}
		out = append(out, code)
	}
	return out
}

// condition compiles the when of a rule or stage and reports CEL problems at
// their line in the file, prefixed with what they belong to.
func (l *loader) condition(n *yaml.Node, what string) (string, cel.Program) {
	expr, ok := l.text(n, what+" when")
	if !ok {
		return "", nil
	}
	prg, issues := compileBool(l.env, expr)
	if _, ok := prg.(guarded); ok {
		l.guarded = true
	}
	for _, is := range issues {
		l.errorf(exprLine(n, is.line), "%s when: %s", what, is.msg)
	}
	return expr, prg
}

func (l *loader) rules(n *yaml.Node) []rule {
	list := l.items(n, "eligibility")
	if n != nil && len(list) == 0 {
		l.errorf(n.Line, "eligibility must list at least one rule: with none, every nation would be eligible")
	}
	var out []rule
	seen := map[string]int{}
	for _, item := range list {
		m := l.fields(item, "eligibility rule", "id", "when", "applies_when", "notice", "reason")
		id, _ := l.ident(l.need(m, item, "eligibility rule", "id"), "eligibility rule id")
		what := fmt.Sprintf("eligibility rule %q", id)
		l.unique(seen, id, item.Line, "eligibility rule")
		r := rule{id: id}
		if m["notice"] != nil {
			r.when, r.prg, r.notice = l.noticeRule(m, item, what)
		} else {
			if m["applies_when"] != nil {
				l.errorf(m["applies_when"].Line, "%s: applies_when belongs to a notice rule; this rule has no notice", what)
			}
			r.when, r.prg = l.condition(l.need(m, item, what, "when"), what)
		}
		r.reason, _ = l.text(l.need(m, item, what, "reason"), what+" reason")
		out = append(out, r)
	}
	return out
}

// noticeRule reads a lead-time rule: notice, and optionally applies_when
// (the requests it applies to; all when left out). A notice rule has no
// when: whether it passes is decided by the notice.
func (l *loader) noticeRule(m map[string]*yaml.Node, item *yaml.Node, what string) (string, cel.Program, *notice) {
	if m["when"] != nil {
		l.errorf(m["when"].Line, "%s: a notice rule has no when; say which requests it applies to with applies_when", what)
	}
	var expr string
	var prg cel.Program
	if n := m["applies_when"]; n != nil {
		expr, prg = l.condition(n, what+" applies")
	}
	return expr, prg, l.notice(l.need(m, item, what, "notice"), what)
}

func (l *loader) unique(seen map[string]int, id string, line int, what string) {
	if id == "" {
		return
	}
	if first, dup := seen[id]; dup {
		l.errorf(line, "%s id %q is used twice (first at line %d)", what, id, first)
		return
	}
	seen[id] = line
}
