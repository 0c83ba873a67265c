package policies

import (
	"fmt"
	"strings"
)

// LoadError is one problem in a policy file, at a line. Load reports every
// problem it finds, not only the first, so that `exaccess policy check`
// shows an author everything to fix in one run.
type LoadError struct {
	File    string
	Line    int
	Message string
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
}

// LoadErrors are all the problems of one policy file, in file order.
type LoadErrors []*LoadError

func (es LoadErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
