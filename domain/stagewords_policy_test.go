package domain_test

import (
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/policies"
)

// TestShippedStagesHaveWords: every stage of the policy that ships with the
// binary is named in words of its own, not by the fallback that quotes its
// id. An external test package, so that the domain itself still imports
// nothing of ours (TestDomainImportsNothingOfOurs).
func TestShippedStagesHaveWords(t *testing.T) {
	p, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	stages := p.Summary().Stages
	if len(stages) == 0 {
		t.Fatal("the default policy has no stages")
	}
	for _, s := range stages {
		got := domain.StageWords(s.ID, s.Role)
		if strings.Contains(got, `"`) || strings.HasPrefix(got, "stage ") || !strings.Contains(got, " by "+domain.RoleWords(s.Role)) {
			t.Errorf("stage %s (%s) has no words of its own: %q", s.ID, s.Role, got)
		}
	}
}
