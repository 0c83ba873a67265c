package policies

import (
	"fmt"
	"sort"

	"exaccess/domain"
	"go.yaml.in/yaml/v3"
)

var stageKeys = []string{"id", "role", "order", "when", "approvals_required", "sla_working_days", "reason", "escalation"}

func (l *loader) stages(n *yaml.Node) []stage {
	list := l.items(n, "stages")
	if n != nil && len(list) == 0 {
		l.errorf(n.Line, "stages must list at least one stage")
	}
	var out []stage
	seen := map[string]int{}
	for _, item := range list {
		s := l.stage(item)
		l.unique(seen, s.ID, item.Line, "stage")
		out = append(out, s)
	}
	sortStages(out)
	return out
}

// sortStages orders stages by order, keeping file order within one order,
// so that Route returns them in the order a reviewer reads them.
func sortStages(s []stage) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].Order < s[j].Order })
}

// stage reads one stage. Every key is required: a missing SLA or approval
// count must not quietly become a default nobody chose. A stage with errors
// is still returned (so that fast_track can refer to it without a second,
// misleading error); the loader's errors keep it from ever being used.
func (l *loader) stage(item *yaml.Node) stage {
	m := l.fields(item, "stage", stageKeys...)
	var s stage
	s.ID, _ = l.ident(l.need(m, item, "stage", "id"), "stage id")
	what := fmt.Sprintf("stage %q", s.ID)
	s.Role, _ = l.role(l.need(m, item, what, "role"), what)
	s.Order, _ = l.integer(l.need(m, item, what, "order"), what+" order", 1)
	s.ApprovalsRequired, _ = l.integer(l.need(m, item, what, "approvals_required"), what+" approvals_required", 1)
	s.SLAWorkingDays, _ = l.integer(l.need(m, item, what, "sla_working_days"), what+" sla_working_days", 1)
	s.Reason, _ = l.text(l.need(m, item, what, "reason"), what+" reason")
	s.when, s.prg = l.condition(l.need(m, item, what, "when"), what)
	if n := m["escalation"]; n != nil {
		s.Escalation = l.escalation(n, what, s.Role)
	}
	return s
}

// escalation reads a stage's escalation: either the word none (no one
// beyond the stage's own role hears that it is overdue; a policy may say so
// to show the choice was made) or {role, after_working_days}. The role must
// be an approver role other than the stage's own, whose holders already
// hear that the stage is overdue.
func (l *loader) escalation(n *yaml.Node, what string, own domain.Role) *domain.Escalation {
	what += " escalation"
	if n.Kind == yaml.ScalarNode {
		if n.Tag != "!!str" || n.Value != "none" {
			l.errorf(n.Line, "%s must be none or {role, after_working_days}, not %q", what, n.Value)
		}
		return nil
	}
	m := l.fields(n, what, "role", "after_working_days")
	if m == nil {
		return nil
	}
	role, okRole := l.role(l.need(m, n, what, "role"), what)
	days, okDays := l.integer(l.need(m, n, what, "after_working_days"), what+" after_working_days", 0)
	if okDays && days > domain.MaxEscalationWorkingDays {
		l.errorf(m["after_working_days"].Line, "%s after_working_days must be at most %d, not %d",
			what, domain.MaxEscalationWorkingDays, days)
		okDays = false
	}
	if okRole && role == own {
		l.errorf(m["role"].Line, "%s role %q is the stage's own role, whose holders already hear that it is overdue; name the role that supervises it",
			what, role)
		okRole = false
	}
	if !okRole || !okDays {
		return nil
	}
	return &domain.Escalation{Role: role, AfterWorkingDays: days}
}

// role accepts an approver role: a built-in one, or a new one the policy
// introduces by naming it (Policy.Roles), whose name must be well formed. A
// policy must not route a stage to a liaison officer, an auditor or an
// administrator.
func (l *loader) role(n *yaml.Node, what string) (domain.Role, bool) {
	name, ok := l.text(n, what+" role")
	if !ok {
		return "", false
	}
	if err := domain.CheckApproverRoleName(name); err != nil {
		l.errorf(n.Line, "%s role %s", what, err)
		return "", false
	}
	return domain.Role(name), true
}

func quoteRoles(rs []domain.Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return quoteAll(names)
}

// fastTrack reads the fast-track section. Its stages name stages defined
// above, each either as a bare id or as {id, sla_working_days, when}: a
// shorter SLA on the fast track, and a condition that must hold too for the
// stage to stay. A stage of the ministry role must be kept: the fast track
// never removes a decision the law keeps with the Government.
func (l *loader) fastTrack(n *yaml.Node, defined []stage) *fastTrack {
	m := l.fields(n, "fast_track", "when", "stages", "reason")
	ft := &fastTrack{keep: map[string]kept{}}
	ft.when, ft.prg = l.condition(l.need(m, n, "fast_track", "when"), "fast_track")
	ft.reason, _ = l.text(l.need(m, n, "fast_track", "reason"), "fast_track reason")
	list := l.items(l.need(m, n, "fast_track", "stages"), "fast_track stages")
	if m["stages"] != nil && len(list) == 0 {
		l.errorf(m["stages"].Line, "fast_track stages must keep at least one stage")
	}
	for _, item := range list {
		id, k := l.keptStage(item)
		_, dup := ft.keep[id]
		switch {
		case id == "":
		case !hasStage(defined, id):
			l.errorf(item.Line, "fast_track keeps stage %q, which is not defined under stages", id)
		case dup:
			l.errorf(item.Line, "fast_track keeps stage %q twice", id)
		default:
			ft.keep[id] = k
			ft.order = append(ft.order, id)
		}
	}
	l.lawKept(n, defined, ft)
	return ft
}

// lawKept refuses a fast track that drops a ministry stage, or narrows it
// with a condition of its own: warships, armed combat aircraft and very
// large deployments stay with the Government on every route.
func (l *loader) lawKept(n *yaml.Node, defined []stage, ft *fastTrack) {
	for _, s := range defined {
		if s.Role != domain.RoleMinistry || s.ID == "" {
			continue
		}
		k, ok := ft.keep[s.ID]
		switch {
		case !ok:
			l.errorf(n.Line, "fast_track must keep stage %q: the fast track never removes the Government's (ministry) decision", s.ID)
		case k.prg != nil || k.when != "":
			l.errorf(n.Line, "fast_track must keep stage %q without a condition of its own: the Government's (ministry) decision applies on every route", s.ID)
		}
	}
}

// keptStage reads one fast-track stage; sla is -1 to keep the stage's own.
func (l *loader) keptStage(item *yaml.Node) (string, kept) {
	k := kept{sla: -1}
	if item.Kind == yaml.ScalarNode {
		id, _ := l.ident(item, "fast_track stage")
		return id, k
	}
	m := l.fields(item, "fast_track stage", "id", "sla_working_days", "when")
	id, _ := l.ident(l.need(m, item, "fast_track stage", "id"), "fast_track stage id")
	what := fmt.Sprintf("fast_track stage %q", id)
	if n := m["sla_working_days"]; n != nil {
		if v, ok := l.integer(n, what+" sla_working_days", 1); ok {
			k.sla = v
		}
	}
	if n := m["when"]; n != nil {
		k.when, k.prg = l.condition(n, what)
	}
	return id, k
}

func hasStage(stages []stage, id string) bool {
	for _, s := range stages {
		if s.ID == id {
			return true
		}
	}
	return false
}
