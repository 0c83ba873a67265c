package policies

import (
	"fmt"
	"strings"

	"exaccess/domain"
)

// Summary describes a loaded policy for people: `exaccess policy check`
// prints it so that an author sees what the file amounts to.
type Summary struct {
	Version   string
	Source    string
	Partners  []string
	Rules     []string // eligibility rule ids, in file order; "id (notice N hours)" for a notice rule
	Stages    []domain.PlannedStage
	FastTrack []string // kept stage ids, "id (sla N)" when the SLA changes; empty when there is no fast track
	// AddedRoles are the approver roles the policy names that are not
	// built in (Policy.Roles): a misspelt role shows here.
	AddedRoles []domain.Role
}

// Summary returns the policy's summary.
func (p *Policy) Summary() Summary {
	s := Summary{Version: p.version, Source: p.source, Partners: p.partners}
	for _, r := range p.rules {
		id := r.id
		if r.notice != nil {
			id = fmt.Sprintf("%s (notice %s)", id, r.notice)
		}
		s.Rules = append(s.Rules, id)
	}
	for _, st := range p.stages {
		s.Stages = append(s.Stages, st.PlannedStage)
	}
	for _, r := range p.Roles() {
		if !domain.BuiltinRole(r) {
			s.AddedRoles = append(s.AddedRoles, r)
		}
	}
	if p.fast != nil {
		for _, id := range p.fast.order {
			k := p.fast.keep[id]
			if k.sla > 0 {
				id = fmt.Sprintf("%s (sla %d)", id, k.sla)
			}
			if k.when != "" {
				id = fmt.Sprintf("%s (when %s)", id, k.when)
			}
			s.FastTrack = append(s.FastTrack, id)
		}
	}
	return s
}

// String renders the summary as the few lines `policy check` prints.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy %s (%s): %d eligibility rules, %d stages\n", s.Version, s.Source, len(s.Rules), len(s.Stages))
	if len(s.Partners) > 0 {
		fmt.Fprintf(&b, "partners: %s\n", strings.Join(s.Partners, ", "))
	}
	fmt.Fprintf(&b, "eligibility: %s\n", strings.Join(s.Rules, ", "))
	for _, st := range s.Stages {
		fmt.Fprintf(&b, "stage order %d  %-16s %-20s approvals %d, sla %d working days",
			st.Order, st.ID, st.Role, st.ApprovalsRequired, st.SLAWorkingDays)
		if e := st.Escalation; e != nil {
			fmt.Fprintf(&b, ", overdue escalates to %s after %d working days", e.Role, e.AfterWorkingDays)
		}
		b.WriteString("\n")
	}
	if len(s.FastTrack) > 0 {
		fmt.Fprintf(&b, "fast track keeps: %s\n", strings.Join(s.FastTrack, ", "))
	}
	if len(s.AddedRoles) > 0 {
		names := make([]string, len(s.AddedRoles))
		for i, r := range s.AddedRoles {
			names[i] = string(r)
		}
		fmt.Fprintf(&b, "approver roles added by this policy: %s\n", strings.Join(names, ", "))
	}
	return b.String()
}
