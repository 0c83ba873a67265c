package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// Concurrent appenders in separate transactions get indexes 0..N-1: distinct,
// dense, starting at 0.
func TestAuditIndexesDenseUnderConcurrency(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const goroutines, each = 10, 8
		requestID := testID(t, 1)
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*each)
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					errs <- db.InTx(ctx, func(tx domain.Tx) error {
						return tx.AppendAudit(&domain.AuditEntry{At: fixedNow, Actor: "a", Action: "test",
							RequestID: requestID, Data: map[string]any{"g": g, "i": i}})
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		entries, err := db.ListAudit(ctx, requestID)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != goroutines*each {
			t.Fatalf("%d entries, want %d", len(entries), goroutines*each)
		}
		for i, e := range entries {
			if e.Index != int64(i) {
				t.Fatalf("entry %d has index %d: indexes must be 0..N-1 without gaps", i, e.Index)
			}
		}
	})
}

// The stored entry is exactly EncodeAuditEntry of what AppendAudit was given
// (with the index it assigned), and ListAudit decodes it back.
func TestAppendAuditStoresCanonicalBytes(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		e := &domain.AuditEntry{At: time.Date(2026, 2, 3, 10, 11, 12, 123456789, time.UTC), Actor: "ops",
			ActingFor: "ops2", Action: "request.decided", RequestID: "r1", RequestVersion: 3,
			Data: map[string]any{"outcome": "approve", "conditions": []string{"<escort>"}, "n": 12345678901234567}}
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.AppendAudit(e) }); err != nil {
			t.Fatal(err)
		}
		want := `{"acting_for":"ops2","action":"request.decided","actor":"ops","at":"2026-02-03T10:11:12.123456000Z",` +
			`"data":{"conditions":["<escort>"],"n":12345678901234567,"outcome":"approve"},"index":0,` +
			`"request_id":"r1","request_version":3}`
		var stored []byte
		if err := db.ReaderForTest().Raw("SELECT entry FROM audit_log WHERE idx = 0").Row().Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if string(stored) != want {
			t.Errorf("stored entry\n got %s\nwant %s", stored, want)
		}
		entries, err := db.ListAudit(ctx, "r1")
		if err != nil || len(entries) != 1 {
			t.Fatalf("ListAudit: %v, %v", entries, err)
		}
		again, err := storage.EncodeAuditEntry(entries[0])
		if err != nil || !bytes.Equal(again, stored) {
			t.Errorf("re-encoding the listed entry gives %s, %v; want the stored bytes", again, err)
		}
		if !entries[0].At.Equal(e.At) || e.At.Nanosecond() != 123456000 {
			t.Errorf("At = %v, caller's entry %v; both must be truncated to microseconds", entries[0].At, e.At)
		}
	})
}

func TestCanonicalJSON(t *testing.T) {
	type pair struct {
		Zeta  int    `json:"zeta"`
		Alpha string `json:"alpha"`
	}
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"struct field order does not matter", pair{Zeta: 1, Alpha: "a"}, `{"alpha":"a","zeta":1}`},
		{"nested maps sorted", map[string]any{"b": map[string]any{"y": 1, "x": []any{map[string]any{"d": 1, "c": 2}}}, "a": nil},
			`{"a":null,"b":{"x":[{"c":2,"d":1}],"y":1}}`},
		{"no HTML escaping, UTF-8 kept", map[string]string{"s": "<a> & \"b\" åäö ✓"}, `{"s":"<a> & \"b\" åäö ✓"}`},
		{"big integers exact", map[string]any{"n": int64(9007199254740993)}, `{"n":9007199254740993}`},
		{"floats shortest form", map[string]any{"f": 12.75, "g": 1.0}, `{"f":12.75,"g":1}`},
		{"raw JSON re-sorted and compacted", json.RawMessage(`{ "b" : 1, "a" : [ 1, 2 ] }`), `{"a":[1,2],"b":1}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := storage.CanonicalJSON(c.in)
			if err != nil || string(got) != c.want {
				t.Errorf("CanonicalJSON = %s, %v; want %s", got, err, c.want)
			}
		})
	}
}

// The same entry built with its data maps filled in different orders, many
// times over, always encodes to the same bytes.
func TestEncodeAuditEntryDeterministic(t *testing.T) {
	build := func(reverse bool) domain.AuditEntry {
		keys := []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"}
		data := map[string]any{}
		for i := range keys {
			k := keys[i]
			if reverse {
				k = keys[len(keys)-1-i]
			}
			data[k] = map[string]any{"v": k, "list": []string{k, "x"}}
		}
		return domain.AuditEntry{Index: 7, At: fixedNow, Actor: "hns", Action: domain.AuditRequestSubmitted, Data: data}
	}
	first, err := storage.EncodeAuditEntry(build(false))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		got, err := storage.EncodeAuditEntry(build(i%2 == 1))
		if err != nil || !bytes.Equal(got, first) {
			t.Fatalf("run %d: %s differs from %s", i, got, first)
		}
	}
	// Empty optional fields are left out; nil data is an empty object.
	got, _ := storage.EncodeAuditEntry(domain.AuditEntry{Index: 0, At: fixedNow, Actor: "admin", Action: domain.AuditUserCreated})
	want := `{"action":"user.created","actor":"admin","at":"2026-02-03T10:11:12.123456000Z","data":{},"index":0}`
	if string(got) != want {
		t.Errorf("minimal entry\n got %s\nwant %s", got, want)
	}
}

// A typed action's data (domain.AuditFields) is stored as the bytes the map
// the call site used to build gave: same keys, "<" unescaped, big integers
// exact, empty lists [] and optional keys left out.
func TestTypedAuditDataStoredAsBefore(t *testing.T) {
	typed := domain.DecisionData{Stage: "s1", Outcome: "approve", Comment: "<escort> & co", Conditions: []string{},
		DecisionID: "d1", From: "in_review", To: "approved"}
	e := domain.AuditEntry{Index: 3, At: fixedNow, Actor: "ops", Action: domain.AuditRequestDecided, RequestID: "r1", RequestVersion: 4,
		Data: domain.AuditFields(domain.AuditRequestDecided, typed)}
	got, err := storage.EncodeAuditEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	e.Data = map[string]any{"stage": "s1", "outcome": "approve", "comment": "<escort> & co", "conditions": []any{},
		"decision_id": "d1", "from": "in_review", "to": "approved"}
	want, _ := storage.EncodeAuditEntry(e)
	if !bytes.Equal(got, want) || !bytes.Contains(got, []byte(`"comment":"<escort> & co","conditions":[]`)) {
		t.Errorf("typed data stored as\n%s\nwant\n%s", got, want)
	}
	big := domain.AuditFields(domain.AuditUserCreated, domain.UserPasswordSetData{UserData: domain.UserData{UserID: "u", Roles: []string{}, Generation: 1<<62 + 1}})
	got, _ = storage.EncodeAuditEntry(domain.AuditEntry{At: fixedNow, Actor: "a", Action: domain.AuditUserCreated, Data: big})
	if !bytes.Contains(got, []byte(`"generation":4611686018427387905,`)) || bytes.Contains(got, []byte("external")) {
		t.Errorf("user data stored as %s", got)
	}
}
