package auditlog_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/auditlog"
	"exaccess/domain"
)

// countingStore holds one approved request and counts the reads made of it.
type countingStore struct {
	r     *domain.Request
	reads int
}

func (s *countingStore) GetRequest(context.Context, string) (*domain.Request, error) {
	s.reads++
	return s.r, nil
}

func (s *countingStore) RequestIDByReference(_ context.Context, ref string) (string, error) {
	s.reads++
	if ref != s.r.Reference {
		return "", domain.ErrNotFound("request")
	}
	return s.r.ID, nil
}

// A status asked without the permit's check value reads nothing: a missing,
// wrong or over-long value costs one HMAC whether the reference was drawn
// or not, so time cannot tell the references apart either. The check value
// depends on the secret and the reference, and a short secret is refused.
func TestPermitStatusNeedsCheckValue(t *testing.T) {
	skey, err := auditlog.GenerateSignerKey()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	store := &countingStore{r: &domain.Request{ID: "r1", Reference: "SE-2026-EXA-000007", Status: domain.StatusApproved,
		Details: domain.Details{Period: domain.Period{Start: now(), End: now().AddDate(0, 0, 5)}}}}
	secret := bytes.Repeat([]byte{7}, 32)
	permits, err := auditlog.NewPermitService(store, signer, secret, now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, right := store.r.Reference, permits.Check(store.r.Reference)
	if st, err := permits.PermitStatus(ctx, ref, right); err != nil || st != domain.PermitValid || store.reads != 2 {
		t.Fatalf("with its check value: %v, %v, %d reads", st, err, store.reads)
	}
	for _, c := range []struct{ ref, check string }{
		{ref, ""}, {ref, right[1:]}, {ref, right + "A"}, {ref, strings.Repeat("A", 10000)},
		{ref, permits.Check("SE-2026-EXA-000008")}, {"SE-2026-EXA-000008", right}, {"SE-2026-EXA-000008", ""},
	} {
		store.reads = 0
		_, err := permits.PermitStatus(ctx, c.ref, c.check)
		if domain.ErrorCode(err) != domain.CodeNotFound || err.Error() != domain.ErrNotFound("permit").Error() || store.reads != 0 {
			t.Errorf("%s with check %.30q: %v after %d reads; want permit not found after none", c.ref, c.check, err, store.reads)
		}
	}
	// Another server secret, other check values.
	other, err := auditlog.NewPermitService(store, signer, bytes.Repeat([]byte{8}, 32), now)
	if err != nil {
		t.Fatal(err)
	}
	if other.Check(ref) == right || permits.Check("SE-2026-EXA-000008") == right || len(right) != auditlog.PermitCheckLen {
		t.Errorf("check values %q, %q", right, other.Check(ref))
	}
	if _, err := auditlog.NewPermitService(store, signer, secret[:31], now); err == nil {
		t.Error("a 31-byte secret was accepted")
	}
}
