package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"exaccess/auditlog"
	"exaccess/domain"
)

// errPermitNotValid makes `permit verify` exit non-zero after it said why.
var errPermitNotValid = errors.New("permit verify: the permit is not valid")

// runPermitVerify checks a signed permit offline against the published key
// (GET /api/v1/audit/key), prints what it states, and says that its status
// must be checked online: a signature cannot show a later revocation.
func runPermitVerify(args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("permit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var keyFiles []string
	fs.Var(stringList{&keyFiles}, "key", "a file holding the verifier key (GET /api/v1/audit/key), repeatable: the keys before and after a rotation")
	file, rest := "", args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := parseQuiet(fs, rest); err != nil {
		return err
	}
	extra := fs.Args()
	if file == "" && len(extra) > 0 {
		file, extra = extra[0], extra[1:]
	}
	if err := unexpected(fs, rest, extra); err != nil {
		return err
	}
	if file == "" || len(keyFiles) == 0 {
		return fmt.Errorf("permit verify needs FILE and --key KEYFILE; %w", errUsage)
	}
	keys, err := permitKeys(keyFiles)
	if err != nil {
		return err
	}
	signed, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("permit verify: %w; the permit was not checked; %w", err, errUsage)
	}
	p, err := auditlog.OpenPermit(signed, keys)
	if errors.Is(err, auditlog.ErrPermitMalformed) {
		return fmt.Errorf("permit verify: %s: %w; the permit was not checked: download it again; %w", file, err, errUsage)
	}
	if err != nil {
		fmt.Fprintf(stdout, "NOT VALID: %v\n", err)
		return errPermitNotValid
	}
	printPermit(stdout, p)
	if p.Status != string(domain.StatusApproved) {
		fmt.Fprintf(stdout, "NOT VALID: the permit states status %q\n", p.Status)
		return errPermitNotValid
	}
	if today := domain.DateString(domain.StockholmDate(now)); today > p.Period.End {
		fmt.Fprintf(stdout, "EXPIRED: the period ended on %s\n", p.Period.End)
		return errPermitNotValid
	}
	fmt.Fprintf(stdout, "signature: valid, by the audit log's key\n")
	if !hasCheckValue(p.StatusPath) {
		fmt.Fprintf(stdout, "check online before relying on it: this permit was downloaded before the status route asked for its check value, "+
			"so %s answers \"permit not found\"; download the permit again for a status path that carries it "+
			"(a revocation after %s does not show in the signed permit)\n", p.StatusPath, p.IssuedAt)
		return nil
	}
	fmt.Fprintf(stdout, "check online before relying on it: GET %s (a revocation after %s does not show in the signed permit)\n",
		p.StatusPath, p.IssuedAt)
	return nil
}

// permitKeys reads the verifier keys of the --key files the way audit
// verify does (splitKeyArg, readBoundKeys). A file that holds no verifier key (the private
// checkpoint key, an empty file, an error page saved instead of the key)
// is a mistake in the command line, never a verdict on the permit: a
// checkpoint officer must not turn away a valid permit because the key
// file was the wrong one. So is a bound (FILE@N): it holds a key to the
// checkpoints it signed, and a permit states no tree size.
func permitKeys(keyFiles []string) (string, error) {
	var keys string
	for _, f := range keyFiles {
		path, max, err := splitKeyArg(f)
		var k string
		if err == nil {
			k, err = readBoundKeys(path, max)
		}
		if err != nil {
			if errors.Is(err, errUsage) {
				return "", fmt.Errorf("permit verify: %w", err)
			}
			return "", fmt.Errorf("permit verify: %w; the permit was not checked; %w", err, errUsage)
		}
		if max != auditlog.NoBound {
			return "", fmt.Errorf("permit verify: --key %s: a bound (FILE@N) applies to audit checkpoints, not to permits, which state no tree size; give the file alone; %w", f, errUsage)
		}
		keys += k
	}
	return keys, nil
}

// hasCheckValue reports whether a permit's status path carries its check
// value, as every permit issued since migration 0026 does.
func hasCheckValue(statusPath string) bool {
	_, query, _ := strings.Cut(statusPath, "?")
	v, err := url.ParseQuery(query)
	return err == nil && v.Get("check") != ""
}

func printPermit(w io.Writer, p auditlog.PermitJSON) {
	fmt.Fprintf(w, "permit %s: %s, unit %s\n", p.Reference, p.Nation, p.Unit)
	fmt.Fprintf(w, "  period:         %s to %s\n", p.Period.Start, p.Period.End)
	fmt.Fprintf(w, "  entry points:   %s\n", strings.Join(p.EntryPoints, ", "))
	for _, a := range p.TrainingAreas {
		fmt.Fprintf(w, "  training area:  %s, %s to %s\n", a.Area, a.From, a.To)
	}
	for _, c := range p.Conditions {
		fmt.Fprintf(w, "  condition:      %s\n", c)
	}
	if p.AuditIndex != nil { // a permit of an earlier release
		fmt.Fprintf(w, "  status:         %s (issued %s; approved by audit entry %d)\n", p.Status, p.IssuedAt, *p.AuditIndex)
		return
	}
	fmt.Fprintf(w, "  status:         %s (issued %s)\n", p.Status, p.IssuedAt)
}
