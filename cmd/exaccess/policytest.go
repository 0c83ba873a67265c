package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"exaccess/api"
	"exaccess/policies"
	"exaccess/storage"
)

// errCasesFailed is the error of a `policy test` run with failing cases;
// the cases themselves have been reported on stdout.
var errCasesFailed = errors.New("policy test: some example cases failed")

// runPolicyTest is `exaccess policy test [DIR]`: it loads the policy with
// the same loader as serve and `policy check`, runs its example cases
// (DIR/tests/*.yaml, or the embedded default's) and prints one line per case,
// like go test, with what differs under each failing one.
func runPolicyTest(args []string, stdout, stderr io.Writer) error {
	dir, err := policyDirArg("policy test", "run a policy's example cases (DIR/tests/*.yaml)", args, stderr)
	if err != nil {
		return err
	}
	p, err := loadPolicy(dir)
	if err != nil {
		return err
	}
	cases, err := policyCases(dir)
	if err != nil {
		return err
	}
	ref, err := storage.EmbeddedReference()
	if err != nil {
		return err
	}
	results := p.RunCases(cases, policies.CaseEnv{Ref: ref, Decode: api.DecodeDetails})
	failed := 0
	for _, r := range results {
		name := r.Case.File + ": " + r.Case.Name
		if r.Passed() {
			fmt.Fprintf(stdout, "--- PASS: %s\n", name)
			continue
		}
		failed++
		fmt.Fprintf(stdout, "--- FAIL: %s\n", name)
		for _, d := range r.Diffs {
			fmt.Fprintf(stdout, "    %s\n", strings.ReplaceAll(d, "\n", "\n    "))
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "FAIL\tpolicy %s: %d of %d cases failed\n", p.Version(), failed, len(results))
		return errCasesFailed
	}
	fmt.Fprintf(stdout, "ok\tpolicy %s: %d cases passed\n", p.Version(), len(results))
	return nil
}

func policyCases(dir string) ([]policies.Case, error) {
	if dir == "" {
		return policies.DefaultCases()
	}
	return policies.LoadCasesDir(dir)
}
