package policies

import (
	"errors"

	"exaccess/domain"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// basePolicy is a minimal valid policy; the line numbers in the comments are
// the ones the bad-policy cases expect in their errors.
const basePolicy = `version: "test-1"
eligibility:
  - id: member
    when: "nation.eu_member || nation.nato_member"
    reason: "must be an EU or NATO member"
stages:
  - id: intake
    role: hns_officer
    order: 1
    when: "true"
    approvals_required: 1
    sla_working_days: 2
    reason: "always"
  - id: range_safety
    role: range_officer
    order: 2
    when: "request.live_fire"
    approvals_required: 1
    sla_working_days: 3
    reason: "live fire"
`

// Lines of basePolicy: 1 version, 3-5 rule "member", 7-13 stage "intake",
// 14-20 stage "range_safety".

func TestLoadBasePolicy(t *testing.T) {
	p := mustLoadText(t, basePolicy)
	if p.Version() != "test-1" || len(p.rules) != 1 || len(p.stages) != 2 {
		t.Fatalf("loaded %+v", p.Summary())
	}
}

func TestLoadRejectsBadPolicies(t *testing.T) {
	tests := []struct {
		name      string
		old, new  string // replace old with new in basePolicy; old "" replaces everything
		wantLine  int
		wantInMsg string
	}{
		{"yaml syntax error", `    role: range_officer`, `    role: range_officer: x`, 15, "mapping values are not allowed"},
		{"unknown top-level key", `stages:`, "stagse: []\nstages:", 6, `unknown key "stagse"`},
		{"unknown stage key", `    sla_working_days: 3`, "    sla_working_days: 3\n    sla_days: 3", 20, `unknown key "sla_days"`},
		{"unknown rule key", `    reason: "must be an EU or NATO member"`, "    reason: \"x\"\n    severity: high", 6, `unknown key "severity"`},
		{"duplicate key", `    order: 2`, "    order: 2\n    order: 3", 17, `key "order" given twice (first at line 16)`},
		{"role not a role name", `role: range_officer`, `role: Range-Master`, 15, `stage "range_safety" role "Range-Master" is not a role name`},
		{"role name too long", `role: range_officer`, `role: r` + strings.Repeat("x", 40), 15, `is not a role name: 2-40 characters`},
		{"role name one letter", `role: range_officer`, `role: r`, 15, `role "r" is not a role name`},
		{"role name starting with a digit", `role: range_officer`, `role: 1st_officer`, 15, `role "1st_officer" is not a role name`},
		{"non-approver role", `role: range_officer`, `role: auditor`, 15, `role "auditor" is not an approver role`},
		{"liaison officer's role", `role: range_officer`, `role: liaison_officer`, 15, `stage "range_safety" role "liaison_officer" is not an approver role`},
		{"administrator's role", `role: range_officer`, `role: admin`, 15, `stage "range_safety" role "admin" is not an approver role`},
		{"duplicate stage id", `id: range_safety`, `id: intake`, 14, `stage id "intake" is used twice (first at line 7)`},
		{"bad stage id", `id: range_safety`, `id: Range Safety`, 14, `must be snake_case`},
		{"non-bool expression", `when: "request.live_fire"`, `when: "request.personnel.total"`, 17, `stage "range_safety" when: must be a bool expression, but it is int`},
		{"undeclared field", `when: "request.live_fire"`, `when: "request.live_fir"`, 17, `stage "range_safety" when: undefined field 'live_fir'`},
		{"undeclared nested field", `when: "request.live_fire"`, `when: "request.personnel.totl > 3"`, 17, `undefined field 'totl'`},
		{"undeclared variable", `when: "request.live_fire"`, `when: "requests.live_fire"`, 17, `undeclared reference to 'requests'`},
		{"CEL syntax error", `when: "request.live_fire"`, `when: "request.live_fire &&"`, 17, `stage "range_safety" when: Syntax error`},
		{"bad timestamp constant", `when: "request.live_fire"`, `when: "today > timestamp('2026-13-01')"`, 17, `invalid RFC 3339 timestamp`},
		{"missing reason", `    reason: "live fire"`, ``, 14, `stage "range_safety": reason is required`},
		{"empty reason", `reason: "live fire"`, `reason: ""`, 20, `stage "range_safety" reason must not be empty`},
		{"missing rule reason", `    reason: "must be an EU or NATO member"`, ``, 3, `eligibility rule "member": reason is required`},
		{"missing when", `    when: "true"`, ``, 7, `stage "intake": when is required`},
		{"order zero", `order: 2`, `order: 0`, 16, `stage "range_safety" order must be at least 1, not 0`},
		{"order not a number", `order: 2`, `order: second`, 16, `order must be a whole number`},
		{"zero approvals", `approvals_required: 1
    sla_working_days: 3`, `approvals_required: 0
    sla_working_days: 3`, 18, `approvals_required must be at least 1`},
		{"zero SLA", `sla_working_days: 3`, `sla_working_days: 0`, 19, `sla_working_days must be at least 1`},
		{"missing version", `version: "test-1"`, `# no version`, 2, `policy: version is required`},
		{"bad version", `version: "test-1"`, `version: "test 1"`, 1, `version "test 1" must be`},
		{"no eligibility rules", `eligibility:`, "eligibility: []\nx_eligibility:", 2, `eligibility must list at least one rule`},
		{"no stages", `stages:`, "stages: []\nstages_old:", 6, `stages must list at least one stage`},
		{"duplicate rule id", `stages:`, "  - id: member\n    when: \"true\"\n    reason: \"again\"\nstages:", 6, `eligibility rule id "member" is used twice (first at line 3)`},
		{"alias", `    when: "true"`, `    when: &t "true"`, 10, `anchors and aliases are not allowed`},
		{"partner not ISO", `stages:`, "partners: [Switzerland]\nstages:", 6, `partner "Switzerland" must be an ISO 3166-1 alpha-2 code`},
		{"fast track of unknown stage", `stages:`, "fast_track:\n  when: \"framework.fits\"\n  stages: [intake, operations]\n  reason: \"fits\"\nstages:", 8, `fast_track keeps stage "operations", which is not defined`},
		{"fast track missing reason", `stages:`, "fast_track:\n  when: \"framework.fits\"\n  stages: [intake]\nstages:", 7, `fast_track: reason is required`},
		{"fast track non-bool", `stages:`, "fast_track:\n  when: \"framework.reasons\"\n  stages: [intake]\n  reason: x\nstages:", 7, `fast_track when: must be a bool expression, but it is list(string)`},
		{"escalation to a role that decides nothing", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: {role: auditor, after_working_days: 1}", 21, `stage "range_safety" escalation role "auditor" is not an approver role`},
		{"escalation to a role that is not a role name", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: {role: HQ, after_working_days: 1}", 21, `stage "range_safety" escalation role "HQ" is not a role name`},
		{"escalation to the stage's own role", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: {role: range_officer, after_working_days: 1}", 21, `stage "range_safety" escalation role "range_officer" is the stage's own role`},
		{"escalation too late", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: {role: operations_approver, after_working_days: 9}", 21, `stage "range_safety" escalation after_working_days must be at most 5, not 9`},
		{"escalation before the deadline", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: {role: operations_approver, after_working_days: -1}", 21, `after_working_days must be at least 0, not -1`},
		{"escalation without its delay", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: {role: operations_approver}", 21, `stage "range_safety" escalation: after_working_days is required`},
		{"escalation unknown key", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: {role: operations_approver, after_working_days: 1, cc: ministry}", 21, `unknown key "cc"`},
		{"escalation neither none nor a mapping", `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: nobody", 21, `stage "range_safety" escalation must be none or {role, after_working_days}, not "nobody"`},
		{"empty file", "", "", 1, `the file is empty`},
		{"second document", `    reason: "live fire"`, "    reason: \"live fire\"\n---\nversion: \"other\"", 21, `one YAML document`},
		{"syntax error in second document", `    reason: "live fire"`, "    reason: \"live fire\"\n---\n- a\nb: c", 21, `did not find expected`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := ""
			if tt.old != "" {
				if !strings.Contains(basePolicy, tt.old) {
					t.Fatalf("test case does not match the base policy: %q", tt.old)
				}
				text = strings.Replace(basePolicy, tt.old, tt.new, 1)
			}
			_, err := loadText(t, text)
			assertLoadError(t, err, tt.wantLine, tt.wantInMsg)
		})
	}
}

// assertLoadError checks that one of err's lines is
// "policies/custom/policy.yaml:<line>: ...<msg>...".
func assertLoadError(t *testing.T, err error, line int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatal("loaded a bad policy")
	}
	var les LoadErrors
	if !errors.As(err, &les) {
		t.Fatalf("error is %T, want LoadErrors: %v", err, err)
	}
	prefix := customPath + ":" + strconv.Itoa(line) + ": "
	for _, l := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, msg) {
			return
		}
	}
	t.Errorf("want a line %q…%q, got:\n%v", prefix, msg, err)
}

// The issue's own example: a typo in a field name fails at load, at its line.
func TestUndeclaredFieldNamesFileAndLine(t *testing.T) {
	_, err := loadText(t, strings.Replace(basePolicy, `"request.live_fire"`, `"request.live_fir"`, 1))
	want := `policies/custom/policy.yaml:17: stage "range_safety" when: undefined field 'live_fir'`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// A literal block keeps its line breaks, so an error on its third line is
// reported at that line of the file.
func TestMultiLineConditionLine(t *testing.T) {
	text := strings.Replace(basePolicy, `    when: "request.live_fire"`, `    when: |
      request.live_fire ||
      request.dangerous_goods ||
      request.vessels.warship > 0`, 1)
	_, err := loadText(t, text)
	assertLoadError(t, err, 20, `undefined field 'warship'`)
}

// Every problem is reported in one run, in file order.
func TestLoadReportsEveryError(t *testing.T) {
	text := strings.Replace(basePolicy, `role: hns_officer`, `role: admin`, 1)
	text = strings.Replace(text, `"request.live_fire"`, `"request.live_fir"`, 1)
	_, err := loadText(t, text)
	var les LoadErrors
	if !errors.As(err, &les) || len(les) != 2 || les[0].Line != 8 || les[1].Line != 17 {
		t.Fatalf("got %v", err)
	}
}

func TestLoadDirNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(basePolicy, `order: 2`, `order: -1`, 1)
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDir(dir)
	if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, FileName)+":16: ") {
		t.Fatalf("got %v", err)
	}
	if _, err := LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("missing file: got %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(basePolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := LoadDir(dir); err != nil || p.Summary().Source != filepath.Join(dir, FileName) {
		t.Fatalf("good file: %v", err)
	}
}

// A stage's escalation is loaded, goes into the plan and from there into
// the stored route's stage; "none" says explicitly that there is none.
func TestLoadEscalation(t *testing.T) {
	text := strings.Replace(basePolicy, `    reason: "always"`, "    reason: \"always\"\n    escalation: {role: operations_approver, after_working_days: 1}", 1)
	text = strings.Replace(text, `    reason: "live fire"`, "    reason: \"live fire\"\n    escalation: none", 1)
	p := mustLoadText(t, text)
	in := plainInput()
	in.Details.Weapons.LiveFire = true
	res, err := p.Route(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stages) != 2 {
		t.Fatalf("stages %+v", res.Stages)
	}
	if e := res.Stages[0].Escalation; e == nil || *e != (domain.Escalation{Role: domain.RoleOperations, AfterWorkingDays: 1}) {
		t.Fatalf("intake escalation %+v", e)
	}
	if e := res.Stages[1].Escalation; e != nil {
		t.Fatalf("range_safety escalation %+v, want none", e)
	}
	route, _ := domain.BuildRoute(res, today)
	if e := route.Stages[0].Escalation; e == nil || e.Role != domain.RoleOperations || e == res.Stages[0].Escalation {
		t.Fatalf("the route's stage has escalation %+v, want its own copy of the plan's", e)
	}
}
