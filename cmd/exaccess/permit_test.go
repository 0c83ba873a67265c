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

	"exaccess/auditlog"
	"exaccess/domain"
)

// oneRequest is a permit store holding one approved request.
type oneRequest struct{ r *domain.Request }

func (o oneRequest) GetRequest(context.Context, string) (*domain.Request, error) { return o.r, nil }
func (o oneRequest) RequestIDByReference(context.Context, string) (string, error) {
	return o.r.ID, nil
}
func (o oneRequest) ApprovalAuditIndex(context.Context, string) (int64, error) { return 17, nil }

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
	permit, err := auditlog.NewPermitService(oneRequest{r}, signer, func() time.Time { return issued }).Permit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "permit.txt")
	os.WriteFile(file, []byte(permit), 0o600)
	verify := func(file, key string, now time.Time) (string, error) {
		var out bytes.Buffer
		err := runPermitVerify([]string{file, "--key", key}, &out, io.Discard, now)
		return out.String(), err
	}
	out, err := verify(file, keyFile, issued)
	if err != nil || !strings.Contains(out, "permit SE-2026-EXA-000007: NO, unit Telemark Bn") || !strings.Contains(out, "approved by audit entry 17") ||
		!strings.Contains(out, "check online before relying on it: GET /api/v1/permits/SE-2026-EXA-000007/status") {
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
