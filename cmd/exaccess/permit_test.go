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
	"time"

	"golang.org/x/mod/sumdb/note"

	"exaccess/auditlog"
	"exaccess/domain"
)

// oneRequest is a permit store holding one approved request.
type oneRequest struct{ r *domain.Request }

func (o oneRequest) GetRequest(context.Context, string) (*domain.Request, error) { return o.r, nil }
func (o oneRequest) RequestIDByReference(context.Context, string) (string, error) {
	return o.r.ID, nil
}

func TestPermitVerifyOffline(t *testing.T) {
	dir := t.TempDir()
	signer, _, err := auditlog.LoadOrCreateKeyFile(filepath.Join(dir, "k"), "permit.test/exaccess/audit", "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile, otherKey := filepath.Join(dir, "key.txt"), filepath.Join(dir, "other.txt")
	os.WriteFile(keyFile, []byte(signer.VerifierKey()+"\n"), 0o600)
	other, _, _ := auditlog.LoadOrCreateKeyFile(filepath.Join(dir, "k2"), "permit.test/exaccess/audit", "")
	os.WriteFile(otherKey, []byte(other.VerifierKey()+"\n"), 0o600)
	issued := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	r := &domain.Request{ID: "r1", Reference: "SE-2026-EXA-000007", Nation: "NO", Status: domain.StatusApproved,
		Conditions: []string{"no night firing"},
		Details: domain.Details{Unit: domain.Unit{Designation: "Telemark Bn"},
			Period:    domain.Period{Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
			Movements: []domain.Movement{{EntryPoint: "SE-SVI"}}}}
	permits, err := auditlog.NewPermitService(oneRequest{r}, signer, bytes.Repeat([]byte{7}, 32), func() time.Time { return issued })
	if err != nil {
		t.Fatal(err)
	}
	permit, err := permits.Permit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	check := permits.Check(r.Reference)
	if len(check) != auditlog.PermitCheckLen {
		t.Fatalf("check value %q", check)
	}
	file := filepath.Join(dir, "permit.txt")
	os.WriteFile(file, []byte(permit), 0o600)
	verify := func(file, key string, now time.Time) (string, error) {
		var out bytes.Buffer
		err := runPermitVerify([]string{file, "--key", key}, &out, io.Discard, now)
		return out.String(), err
	}
	if strings.Contains(permit, "audit_index") {
		t.Errorf("the permit names an audit entry:\n%s", permit)
	}
	out, err := verify(file, keyFile, issued)
	if err != nil || !strings.Contains(out, "permit SE-2026-EXA-000007: NO, unit Telemark Bn") || strings.Contains(out, "audit entry") ||
		!strings.Contains(out, "status:         approved (issued 2026-11-30T10:00:00Z)\n") ||
		!strings.Contains(out, "check online before relying on it: GET /api/v1/permits/SE-2026-EXA-000007/status?check="+check+" (") {
		t.Fatalf("valid permit: %v\n%s", err, out)
	}
	if out, err := verify(file, keyFile, time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)); !errors.Is(err, errPermitNotValid) || !strings.Contains(out, "EXPIRED") {
		t.Errorf("after the period: %v\n%s", err, out)
	}
	if out, err := verify(file, otherKey, issued); !errors.Is(err, errPermitNotValid) || !strings.Contains(out, "NOT VALID") {
		t.Errorf("another key: %v\n%s", err, out)
	}
	os.WriteFile(file, []byte(strings.Replace(permit, "no night firing", "night firing", 1)), 0o600)
	if out, err := verify(file, keyFile, issued); !errors.Is(err, errPermitNotValid) {
		t.Errorf("edited permit: %v\n%s", err, out)
	}
	if err := run(context.Background(), []string{"permit", "verify", file}, env(nil), nil, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("without --key: %v", err)
	}
}

// A permit downloaded before the status route asked for a check value still
// verifies offline, and the verifier says to download it again to check it
// online: its status path alone answers "permit not found".
func TestPermitVerifyBeforeCheckValues(t *testing.T) {
	dir := t.TempDir()
	skey, err := auditlog.NewSignerKey("permit.test/exaccess/audit")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.txt")
	os.WriteFile(keyFile, []byte(signer.VerifierKey()+"\n"), 0o600)
	// The text of a permit as the release before 0026 signed it.
	text := auditlog.PermitHeader + "\n" + `{"reference":"SE-2026-EXA-000007","nation":"NO","unit":"Telemark Bn",` +
		`"period":{"start":"2026-12-01","end":"2026-12-05"},"entry_points":["SE-SVI"],"training_areas":[],` +
		`"conditions":["no night firing"],"status":"approved","audit_index":17,"issued_at":"2026-11-30T10:00:00Z",` +
		`"status_path":"/api/v1/permits/SE-2026-EXA-000007/status"}` + "\n"
	signed, err := note.Sign(&note.Note{Text: text}, ns)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "permit.txt")
	os.WriteFile(file, signed, 0o600)
	var out bytes.Buffer
	err = runPermitVerify([]string{file, "--key", keyFile}, &out, io.Discard, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	if err != nil || !strings.Contains(out.String(), "signature: valid") ||
		!strings.Contains(out.String(), "download the permit again") || strings.Contains(out.String(), "GET /api/v1/permits/") {
		t.Errorf("a permit from before check values: %v\n%s", err, out.String())
	}
}

// signedPermit writes a permit of an approved request, signed by the
// checkpoint key in keyFile (created if missing), to file, and returns
// the key's verifier key.
func signedPermit(t *testing.T, keyFile, file string, issued time.Time) string {
	t.Helper()
	signer, _, err := auditlog.LoadOrCreateKeyFile(keyFile, "permit.test/exaccess/audit", "")
	if err != nil {
		t.Fatal(err)
	}
	r := &domain.Request{ID: "r1", Reference: "SE-2026-EXA-000007", Nation: "NO", Status: domain.StatusApproved,
		Details: domain.Details{Unit: domain.Unit{Designation: "Telemark Bn"},
			Period:    domain.Period{Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
			Movements: []domain.Movement{{EntryPoint: "SE-SVI"}}}}
	permits, err := auditlog.NewPermitService(oneRequest{r}, signer, bytes.Repeat([]byte{7}, 32), func() time.Time { return issued })
	if err != nil {
		t.Fatal(err)
	}
	permit, err := permits.Permit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(permit), 0o600); err != nil {
		t.Fatal(err)
	}
	return signer.VerifierKey()
}

// A --key file that holds no verifier key (the private checkpoint key, an
// empty file, an error page saved instead of the key, a bound) is a mistake
// in the command line, answered as one: never "NOT VALID", which would
// have a checkpoint officer turn away a valid permit.
func TestPermitVerifyBadKeyIsNoVerdict(t *testing.T) {
	dir := t.TempDir()
	issued := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	private, permit := filepath.Join(dir, "checkpoint.key"), filepath.Join(dir, "permit.txt")
	vkey := signedPermit(t, private, permit, issued)
	good := filepath.Join(dir, "key.txt")
	os.WriteFile(good, []byte(vkey+"\n"), 0o600)
	files := map[string]string{"empty.txt": "", "error.txt": `{"title":"Too Many Requests","status":429}`}
	for name, text := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600)
	}
	for _, c := range []struct{ key, want string }{
		{private, "this is the private checkpoint signing key, not a verifier key"},
		{filepath.Join(dir, "empty.txt"), "no verifier key given"},
		{filepath.Join(dir, "error.txt"), "is not a verifier key"},
		{filepath.Join(dir, "missing.txt"), "no such file"},
		{good + "@5", "a bound (FILE@N) applies to audit checkpoints, not to permits"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"permit", "verify", permit, "--key", c.key}, env(nil), nil, &out, io.Discard)
		if err == nil || errors.Is(err, errPermitNotValid) || !errors.Is(err, errUsage) || exitCode(err) != 2 ||
			!strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "PRIVATE") ||
			strings.Contains(out.String(), "NOT VALID") {
			t.Errorf("--key %s: exit %d, %v\n%s", filepath.Base(c.key), exitCode(err), err, out.String())
		}
	}
	// The same permit with the right key is valid; with another log's key
	// it is not, and that is a verdict (exit 1).
	var out bytes.Buffer
	if err := runPermitVerify([]string{permit, "--key", good}, &out, io.Discard, issued); err != nil {
		t.Fatalf("the right key: %v\n%s", err, out.String())
	}
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte(signedPermit(t, filepath.Join(dir, "other.key"), filepath.Join(dir, "other-permit.txt"), issued)+"\n"), 0o600)
	err := runPermitVerify([]string{permit, "--key", other}, &out, io.Discard, issued)
	if !errors.Is(err, errPermitNotValid) || exitCode(err) != 1 {
		t.Errorf("another log's key: exit %d, %v", exitCode(err), err)
	}
}

// A permit signed before a key rotation verifies only with the key that
// signed it: given both keys, as flags or as lines of one file, it is
// valid; given the new key alone, it is not (download it again for a copy
// the new key signed).
func TestPermitVerifyAcrossKeyRotation(t *testing.T) {
	dir := t.TempDir()
	issued := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	oldPermit, newPermit := filepath.Join(dir, "old-permit.txt"), filepath.Join(dir, "new-permit.txt")
	oldKey := signedPermit(t, filepath.Join(dir, "old.key"), oldPermit, issued)
	newKey := signedPermit(t, filepath.Join(dir, "new.key"), newPermit, issued)
	oldFile, newFile, both := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt"), filepath.Join(dir, "both.txt")
	os.WriteFile(oldFile, []byte(oldKey+"\n"), 0o600)
	os.WriteFile(newFile, []byte(newKey+"\n"), 0o600)
	os.WriteFile(both, []byte(newKey+"\n"+oldKey+"\n"), 0o600)
	verify := func(args ...string) error {
		return runPermitVerify(args, io.Discard, io.Discard, issued)
	}
	if err := verify(oldPermit, "--key", newFile); !errors.Is(err, errPermitNotValid) {
		t.Errorf("a permit signed before the rotation, with the new key alone: %v", err)
	}
	for _, args := range [][]string{{"--key", newFile, "--key", oldFile}, {"--key", both}} {
		for _, p := range []string{oldPermit, newPermit} {
			if err := verify(append([]string{p}, args...)...); err != nil {
				t.Errorf("%s %v: %v", filepath.Base(p), args, err)
			}
		}
	}
}

// timeOfPermits is when the test permits are issued, within their period.
var timeOfPermits = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// A permit signed before permits stopped naming the audit entry that
// approved them (audit_index) still verifies offline, and the verifier
// shows the entry it names; one byte of it changed does not verify.
func TestPermitVerifyWithAuditIndex(t *testing.T) {
	dir := t.TempDir()
	skey, err := auditlog.NewSignerKey("permit.test/exaccess/audit")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.txt")
	os.WriteFile(keyFile, []byte(signer.VerifierKey()+"\n"), 0o600)
	// The text of a permit as the releases from 0026 until this one signed it.
	text := auditlog.PermitHeader + "\n" + `{"reference":"SE-2026-EXA-000007","nation":"NO","unit":"Telemark Bn",` +
		`"period":{"start":"2026-12-01","end":"2026-12-05"},"entry_points":["SE-SVI"],"training_areas":[],` +
		`"conditions":["no night firing"],"status":"approved","audit_index":17,"issued_at":"2026-11-30T10:00:00Z",` +
		`"status_path":"/api/v1/permits/SE-2026-EXA-000007/status?check=q0uGv3Lw8wYd2iN1tEo5Xg"}` + "\n"
	signed, err := note.Sign(&note.Note{Text: text}, ns)
	if err != nil {
		t.Fatal(err)
	}
	p, err := auditlog.OpenPermit(signed, signer.VerifierKey())
	if err != nil || p.AuditIndex == nil || *p.AuditIndex != 17 || p.Reference != "SE-2026-EXA-000007" {
		t.Fatalf("an earlier permit with audit_index: %+v, %v", p, err)
	}
	file := filepath.Join(dir, "permit.txt")
	os.WriteFile(file, signed, 0o600)
	var out bytes.Buffer
	err = runPermitVerify([]string{file, "--key", keyFile}, &out, io.Discard, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	if err != nil || !strings.Contains(out.String(), "signature: valid") || !strings.Contains(out.String(), "approved by audit entry 17") ||
		!strings.Contains(out.String(), "GET /api/v1/permits/SE-2026-EXA-000007/status?check=q0uGv3Lw8wYd2iN1tEo5Xg") {
		t.Errorf("an earlier permit with audit_index: %v\n%s", err, out.String())
	}
	os.WriteFile(file, bytes.Replace(signed, []byte(`"audit_index":17`), []byte(`"audit_index":18`), 1), 0o600)
	out.Reset()
	if err := runPermitVerify([]string{file, "--key", keyFile}, &out, io.Discard, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)); !errors.Is(err, errPermitNotValid) {
		t.Errorf("an earlier permit, edited: %v\n%s", err, out.String())
	}
}

// A permit file saved again with CRLF line endings or blank lines at its end
// is the permit as issued: those bytes are outside the signed text, and it
// verifies. An edited text is said to be edited, not signed by another key;
// a file cut short is no verdict (exit 2, download it again).
func TestPermitVerifyResavedAndEdited(t *testing.T) {
	dir := t.TempDir()
	permit := filepath.Join(dir, "permit.txt")
	key := filepath.Join(dir, "key.txt")
	os.WriteFile(key, []byte(signedPermit(t, filepath.Join(dir, "checkpoint.key"), permit, timeOfPermits)+"\n"), 0o600)
	b, err := os.ReadFile(permit)
	if err != nil {
		t.Fatal(err)
	}
	issued := string(b)
	verify := func(text string) (string, error) {
		os.WriteFile(permit, []byte(text), 0o600)
		var out bytes.Buffer
		err := runPermitVerify([]string{permit, "--key", key}, &out, io.Discard, timeOfPermits)
		return out.String(), err
	}
	for name, text := range map[string]string{
		"CRLF":               strings.ReplaceAll(issued, "\n", "\r\n"),
		"a newline appended": issued + "\n",
		"CRLF and newlines":  strings.ReplaceAll(issued, "\n", "\r\n") + "\r\n\r\n",
	} {
		if out, err := verify(text); err != nil || !strings.Contains(out, "signature: valid") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
	out, err := verify(strings.Replace(issued, "Telemark Bn", "Telemark Bm", 1))
	if !errors.Is(err, errPermitNotValid) || exitCode(err) != 1 ||
		!strings.Contains(out, "NOT VALID: the permit's text was changed after it was signed") || strings.Contains(out, "not signed by the key given") {
		t.Errorf("edited: exit %d, %v\n%s", exitCode(err), err, out)
	}
	for name, text := range map[string]string{
		"cut short":      issued[:len(issued)/2],
		"no newline":     strings.TrimRight(issued, "\n"),
		"signature lost": issued[:strings.Index(issued, "\n\n")+1],
	} {
		out, err := verify(text)
		if errors.Is(err, errPermitNotValid) || exitCode(err) != 2 || strings.Contains(out, "NOT VALID") ||
			!strings.Contains(err.Error(), "not a signed permit as issued") || !strings.Contains(err.Error(), "the permit was not checked: download it again") {
			t.Errorf("%s: exit %d, %v\n%s", name, exitCode(err), err, out)
		}
	}
}
