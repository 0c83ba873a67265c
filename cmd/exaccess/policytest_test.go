package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"exaccess/policies"
)

// The default policy's shipped example cases all pass, one line each.
func TestPolicyTestDefaultCases(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"policy", "test"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("policy test: %v\n%s", err, out.String())
	}
	cases, err := policies.DefaultCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 25 {
		t.Errorf("the default policy ships %d example cases, want at least 25", len(cases))
	}
	if n := strings.Count(out.String(), "--- PASS: "); n != len(cases) {
		t.Errorf("%d PASS lines for %d cases:\n%s", n, len(cases), out.String())
	}
	if !strings.Contains(out.String(), "ok\tpolicy se-default-") {
		t.Errorf("no summary line:\n%s", out.String())
	}
}

// A case whose expectation is wrong fails with a diff and a non-zero exit;
// the other cases of the directory still run and pass.
func TestPolicyTestReportsFailures(t *testing.T) {
	dir := t.TempDir()
	policy, err := os.ReadFile(filepath.Join("..", "..", "policies", "default", "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "policy.yaml"), policy)
	writeFile(t, filepath.Join(dir, "tests", "cases.yaml"), []byte(`defaults:
  now: "2027-03-01T09:00:00Z"
  nation: "NO"
  request:
    exercise_name: Cold Response
    purpose: exercise
    unit: {designation: Brigade Nord}
    period: {start: "2027-03-22", end: "2027-03-31"}
    personnel: {military: 600}
    vessels: [{name: KNM Fridtjof Nansen, kind: warship, crew: 120}]
    movements: [{direction: entry, entry_point: port-lulea, at: "2027-03-22T06:00:00Z", mode: sea}]
    contact: {name: Maj. Example, email: liaison@example.org}
cases:
  - name: right
    expect: {eligible: true, stages: [intake, operations, ministry]}
  - name: wrong
    expect: {eligible: true, fast_track: true, stages: [intake], refusals: ["no such refusal"]}
  - name: invalid request
    request: {movements: [{direction: entry, entry_point: atlantis, at: "2027-03-22T06:00:00Z", mode: sea}]}
    expect: {eligible: true, stages: [intake]}
`))
	var out bytes.Buffer
	err = run(context.Background(), []string{"policy", "test", dir}, env(nil), nil, &out, io.Discard)
	if !errors.Is(err, errCasesFailed) {
		t.Fatalf("err = %v, want errCasesFailed", err)
	}
	text := out.String()
	for _, want := range []string{
		"--- PASS: " + filepath.Join(dir, "tests", "cases.yaml") + ": right",
		"--- FAIL: " + filepath.Join(dir, "tests", "cases.yaml") + ": wrong",
		"fast_track:\n            got  false\n            want true",
		"stages:\n            got  [intake operations ministry]\n            want [intake]",
		`no refusal contains "no such refusal"; the refusals are:`,
		"--- FAIL: " + filepath.Join(dir, "tests", "cases.yaml") + ": invalid request",
		`the request is not valid: movements[0].entry_point: unknown entry point "atlantis"`,
		"FAIL\tpolicy se-default-2026.5: 2 of 3 cases failed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// A case file with an unknown key, or a directory without cases, is an
// error before anything runs.
func TestPolicyTestRefusesBadCaseFiles(t *testing.T) {
	dir := t.TempDir()
	policy, err := os.ReadFile(filepath.Join("..", "..", "policies", "default", "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "policy.yaml"), policy)
	err = run(context.Background(), []string{"policy", "test", dir}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no example cases") {
		t.Errorf("no cases: err = %v", err)
	}
	writeFile(t, filepath.Join(dir, "tests", "a.yaml"), []byte("cases:\n  - name: x\n    expct: {}\n"))
	err = run(context.Background(), []string{"policy", "test", dir}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "expct") {
		t.Errorf("unknown key: err = %v", err)
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
