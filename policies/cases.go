package policies

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"time"

	"exaccess/domain"
	"go.yaml.in/yaml/v3"
)

// A policy's example cases: YAML files in the tests/ folder beside its
// policy.yaml, run by `exaccess policy test` so that a policy change is
// tested like code. docs/policies.md describes the format.

// CasesDir is the folder of example cases inside a policy directory.
const CasesDir = "tests"

// Case is one example: a request (in the JSON shape of the API), the clock,
// an optional framework agreement, and what the policy must answer.
type Case struct {
	File      string
	Name      string
	Now       time.Time
	Nation    string
	Request   []byte // JSON, as a liaison officer would send it
	Framework *domain.Framework
	Expect    Expect
}

// Expect is what a case asserts. Stages and eligible are required; every
// other field is checked only when given.
type Expect struct {
	Eligible  *bool          `yaml:"eligible"`
	Failed    []string       `yaml:"failed"`     // ids of the failing rules, exactly
	Refusals  []string       `yaml:"refusals"`   // each a part of some refusal reason
	FastTrack *bool          `yaml:"fast_track"` // whether the fast track is taken
	Stages    []string       `yaml:"stages"`     // stage ids in route order, exactly
	Approvals map[string]int `yaml:"approvals"`  // approvals_required of these stages
	Reasons   []string       `yaml:"reasons"`    // each a part of some line of the route's reasons
	Warnings  []string       `yaml:"warnings"`   // warning codes, exactly (in any order)
	Messages  []string       `yaml:"messages"`   // each a part of some warning message
}

type caseFile struct {
	Defaults caseYAML   `yaml:"defaults"`
	Cases    []caseYAML `yaml:"cases"`
}

type caseYAML struct {
	Name      string         `yaml:"name"`
	Now       string         `yaml:"now"`
	Nation    string         `yaml:"nation"`
	Request   map[string]any `yaml:"request"`
	Framework *frameworkYAML `yaml:"framework"`
	Expect    Expect         `yaml:"expect"`
}

type frameworkYAML struct {
	Reference        string   `yaml:"reference"`
	ValidFrom        string   `yaml:"valid_from"`
	ValidUntil       string   `yaml:"valid_until"`
	TrainingAreas    []string `yaml:"training_areas"`
	EntryPoints      []string `yaml:"entry_points"`
	PersonnelCeiling int      `yaml:"personnel_ceiling"`
	LiveFire         bool     `yaml:"live_fire"`
	DangerousGoods   bool     `yaml:"dangerous_goods"`
	Suspended        bool     `yaml:"suspended"`
}

// caseFrameworkID is the id the request of a case with a framework names.
const caseFrameworkID = "case-framework"

// DefaultCases are the example cases of the default policy.
func DefaultCases() ([]Case, error) {
	return loadCases(defaultFS, "default/"+CasesDir, "policies/default/"+CasesDir)
}

// LoadCasesDir reads dir/tests/*.yaml, the example cases of the policy in dir.
func LoadCasesDir(dir string) ([]Case, error) {
	return loadCases(os.DirFS(dir), CasesDir, path.Join(dir, CasesDir))
}

func loadCases(fsys fs.FS, dir, shown string) ([]Case, error) {
	names, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no example cases: %s/*.yaml matches no file", shown)
	}
	sort.Strings(names)
	var out []Case
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		cases, err := parseCases(data, path.Join(shown, path.Base(name)))
		if err != nil {
			return nil, err
		}
		out = append(out, cases...)
	}
	return out, nil
}

func parseCases(data []byte, file string) ([]Case, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f caseFile
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(f.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases", file)
	}
	var out []Case
	seen := map[string]bool{}
	for i, y := range f.Cases {
		c, err := f.Defaults.merge(y).toCase(file)
		if err != nil {
			return nil, fmt.Errorf("%s: case %d (%q): %w", file, i+1, y.Name, err)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("%s: case name %q is used twice", file, c.Name)
		}
		seen[c.Name] = true
		out = append(out, c)
	}
	return out, nil
}

// merge lays a case over the file's defaults: its request is a JSON merge
// patch (RFC 7396) over the default request.
func (d caseYAML) merge(c caseYAML) caseYAML {
	if c.Now == "" {
		c.Now = d.Now
	}
	if c.Nation == "" {
		c.Nation = d.Nation
	}
	if c.Framework == nil {
		c.Framework = d.Framework
	}
	c.Request = mergePatch(d.Request, c.Request)
	return c
}

func (y caseYAML) toCase(file string) (Case, error) {
	c := Case{File: file, Name: y.Name, Nation: y.Nation, Expect: y.Expect}
	switch {
	case y.Name == "":
		return c, errors.New("name is required")
	case y.Nation == "":
		return c, errors.New("nation is required (in the case or the file's defaults)")
	case y.Expect.Eligible == nil:
		return c, errors.New("expect.eligible is required")
	case y.Expect.Stages == nil:
		return c, errors.New("expect.stages is required")
	}
	now, err := time.Parse(time.RFC3339, y.Now)
	if err != nil {
		return c, fmt.Errorf("now must be an RFC 3339 time like 2026-03-02T09:00:00Z: %q", y.Now)
	}
	c.Now = now.UTC()
	req := y.Request
	if y.Framework != nil {
		if c.Framework, err = y.Framework.toDomain(y.Nation); err != nil {
			return c, err
		}
		req = mergePatch(req, map[string]any{"framework_id": caseFrameworkID})
	}
	if c.Request, err = json.Marshal(plainValues(req)); err != nil {
		return c, fmt.Errorf("request: %w", err)
	}
	return c, nil
}

func (f *frameworkYAML) toDomain(nation string) (*domain.Framework, error) {
	from, err1 := time.Parse(time.DateOnly, f.ValidFrom)
	until, err2 := time.Parse(time.DateOnly, f.ValidUntil)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("framework valid_from and valid_until must be dates like 2026-01-01: %w", err)
	}
	return &domain.Framework{ID: caseFrameworkID, FrameworkTerms: domain.FrameworkTerms{Nation: nation,
		Name: f.Reference, Reference: f.Reference, ValidFrom: from, ValidUntil: until,
		TrainingAreas: f.TrainingAreas, EntryPoints: f.EntryPoints, PersonnelCeiling: f.PersonnelCeiling,
		LiveFire: f.LiveFire, DangerousGoods: f.DangerousGoods, Suspended: f.Suspended}}, nil
}

// mergePatch applies patch to base as RFC 7396 does: objects merge, null
// removes, anything else (arrays included) replaces. base is not changed.
func mergePatch(base, patch map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(patch))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range patch {
		pm, isMap := v.(map[string]any)
		bm, baseMap := out[k].(map[string]any)
		switch {
		case v == nil:
			delete(out, k)
		case isMap && baseMap:
			out[k] = mergePatch(bm, pm)
		default:
			out[k] = v
		}
	}
	return out
}

// plainValues turns what YAML decoded into what JSON encodes as a request
// body: a date YAML read as a timestamp becomes "2026-03-02" again (or an
// RFC 3339 time when it has one).
func plainValues(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = plainValues(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plainValues(x)
		}
		return out
	case time.Time:
		if t.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())) && t.Location() == time.UTC {
			return t.Format(time.DateOnly)
		}
		return t.UTC().Format(time.RFC3339)
	}
	return v
}
