package policies

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// These helpers read a yaml.Node tree by hand instead of decoding into
// structs: every value keeps its line for error messages, and anything the
// format does not name (unknown keys, duplicate keys, anchors, aliases) is
// refused rather than ignored.

// fields returns the values of mapping n by key. Unknown and duplicate keys
// are reported and left out; so is a node that is not a mapping.
func (l *loader) fields(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		l.errorf(n.Line, "%s must be a mapping", what)
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(allowed, k.Value):
			l.errorf(k.Line, "%s: unknown key %q (allowed: %s)", what, k.Value, strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			l.errorf(k.Line, "%s: key %q given twice (first at line %d)", what, k.Value, out[k.Value].Line)
		default:
			out[k.Value] = v
		}
	}
	return out
}

// need returns the value of key, reporting it at the mapping's line when it
// is missing or null: the format has no defaults to fall back on.
func (l *loader) need(m map[string]*yaml.Node, at *yaml.Node, what, key string) *yaml.Node {
	v := m[key]
	if v == nil || v.Tag == "!!null" {
		if m != nil { // nil: the mapping itself was already reported
			l.errorf(at.Line, "%s: %s is required", what, key)
		}
		return nil
	}
	return v
}

// text returns the scalar n as a non-empty, trimmed string.
func (l *loader) text(n *yaml.Node, what string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		l.errorf(n.Line, "%s must be a single value", what)
		return "", false
	}
	s := strings.TrimSpace(n.Value)
	if s == "" {
		l.errorf(n.Line, "%s must not be empty", what)
		return "", false
	}
	return s, true
}

// integer returns the scalar n as an integer of at least lowest.
func (l *loader) integer(n *yaml.Node, what string, lowest int) (int, bool) {
	if n == nil {
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
		l.errorf(n.Line, "%s must be a whole number, not %q", what, n.Value)
		return 0, false
	}
	if v < lowest {
		l.errorf(n.Line, "%s must be at least %d, not %d", what, lowest, v)
		return 0, false
	}
	return v, true
}

// items returns the entries of sequence n; an absent key reads as empty.
func (l *loader) items(n *yaml.Node, what string) []*yaml.Node {
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n.Line, "%s must be a list", what)
		return nil
	}
	return n.Content
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// ident returns n as a rule or stage id: ids end up in stored routes, the
// audit log and URLs, so they are kept to snake_case.
func (l *loader) ident(n *yaml.Node, what string) (string, bool) {
	s, ok := l.text(n, what)
	if ok && !idPattern.MatchString(s) {
		l.errorf(n.Line, "%s %q must be snake_case: a-z, 0-9 and _, starting with a letter", what, s)
		return "", false
	}
	return s, ok
}

// rejectAliases refuses anchors, aliases and merge keys anywhere in the
// document: they let one line silently change another, which a reviewer of
// a policy diff would not see.
func (l *loader) rejectAliases(n *yaml.Node) {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		l.errorf(n.Line, "anchors and aliases are not allowed in a policy")
		return
	}
	for _, c := range n.Content {
		l.rejectAliases(c)
	}
}

// exprLine maps a line inside a CEL expression to the file: a literal block
// (|) starts on the line after its key and keeps its line breaks; any other
// style is reported at the line where the value starts.
func exprLine(n *yaml.Node, celLine int) int {
	if n.Style&yaml.LiteralStyle != 0 && celLine > 0 {
		return n.Line + celLine
	}
	if n.Style&yaml.FoldedStyle != 0 {
		return n.Line + 1
	}
	return n.Line
}

// yamlErrorLine pulls the line out of a go-yaml syntax error ("yaml: line 3:
// ...") so that it can be reported as file:line like every other error.
var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) syntaxError(err error) {
	if m := yamlErrorLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		l.errorf(line, "%s", m[2])
		return
	}
	l.errorf(1, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
