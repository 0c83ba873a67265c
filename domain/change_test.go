package domain

import (
	"reflect"
	"testing"
	"time"
)

// changeTx is a Tx holding one request: GetRequest reads it, UpdateRequest
// compares and sets it, AppendAudit records the entry. Every other method
// is unused here (the embedded nil Tx would panic).
type changeTx struct {
	Tx
	stored  Request
	updated int
	entries []*AuditEntry
}

func (tx *changeTx) GetRequest(id string) (*Request, error) {
	if id != tx.stored.ID {
		return nil, ErrNotFound("request")
	}
	r := tx.stored
	return &r, nil
}

func (tx *changeTx) RequestHead(id string) (*RequestHead, error) {
	r, err := tx.GetRequest(id)
	if err != nil {
		return nil, err
	}
	return r.Head(), nil
}

func (tx *changeTx) UpdateRequest(r *Request, expected int) error {
	if expected != tx.stored.Version {
		return Errorf(CodePreconditionFailed, "compare-and-set failed")
	}
	tx.stored, tx.updated = *r, tx.updated+1
	return nil
}

func (tx *changeTx) AppendAudit(e *AuditEntry) error {
	tx.entries = append(tx.entries, e)
	return nil
}

// TestChangeRequestOrder: the checks come in their order (not found, then
// who may change, then the version, then apply), and a refused change
// stores nothing and audits nothing.
func TestChangeRequestOrder(t *testing.T) {
	se := Principal{Subject: "lo.se", Roles: []Role{RoleLiaison}, Nation: "SE"}
	no := Principal{Subject: "lo.no", Roles: []Role{RoleLiaison}, Nation: "NO"}
	hns := Principal{Subject: "hns", Roles: []Role{RoleHNS}}
	refuse := func(r *Request) (requestEdit, error) {
		return requestEdit{}, Errorf(CodeInvalidTransition, "refused by apply")
	}
	tests := []struct {
		name    string
		p       Principal
		id      string
		version int
		want    string
	}{
		{"unknown id", se, "other", 3, CodeNotFound},
		{"another nation's", no, "r1", 3, CodeNotFound},
		{"visible but may not change", hns, "r1", 2, CodeForbidden},
		{"old version", se, "r1", 2, CodePreconditionFailed},
		{"version never reached", se, "r1", 4, CodePreconditionFailed},
		{"refused by apply", se, "r1", 3, CodeInvalidTransition},
	}
	for _, tc := range tests {
		tx := &changeTx{stored: Request{ID: "r1", Nation: "SE", Version: 3}}
		r, err := changeRequest(tx, tc.p, tc.id, tc.version, time.Now(), liaisonOnly, refuse)
		if ErrorCode(err) != tc.want || r != nil {
			t.Errorf("%s: %v, %v; want %s", tc.name, r, err, tc.want)
		}
		if tx.updated != 0 || len(tx.entries) != 0 {
			t.Errorf("%s: stored %d times, %d audit entries; want none", tc.name, tx.updated, len(tx.entries))
		}
	}
}

// TestChangeRequestStoresAndAudits: an accepted change is stored as the next
// version, stamped with now, and its one audit entry names the actor, the
// delegator, the version and the data apply gave.
func TestChangeRequestStoresAndAudits(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	tx := &changeTx{stored: Request{ID: "r1", Nation: "SE", Version: 3, Status: StatusApproved}}
	p := Principal{Subject: "hns", Roles: []Role{RoleHNS}}
	data := ReasonedTransitionData{From: string(StatusApproved), To: string(StatusRevoked), Reason: "why"}
	r, err := changeRequest(tx, p, "r1", 3, now, nil, func(r *Request) (requestEdit, error) {
		r.Status = StatusRevoked
		return requestEdit{action: AuditRequestRevoked, actingFor: "boss", data: data}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 4 || !r.UpdatedAt.Equal(now) || tx.stored.Version != 4 || tx.stored.Status != StatusRevoked {
		t.Errorf("returned %+v, stored %+v; want version 4, revoked, updated at %v", r, tx.stored, now)
	}
	if len(tx.entries) != 1 {
		t.Fatalf("%d audit entries, want 1", len(tx.entries))
	}
	e := tx.entries[0]
	want := auditEntry(AuditEntry{At: now, Actor: "hns", ActingFor: "boss", RequestID: "r1", RequestVersion: 4}, AuditRequestRevoked, data)
	if !reflect.DeepEqual(e, want) {
		t.Errorf("audit entry %+v, want %+v", e, want)
	}
}

// TestChangeRequestWithNothingToChange: an apply that finds nothing to
// change (no action) stores nothing, audits nothing, and answers the
// request as it was, version and time of its last change included.
func TestChangeRequestWithNothingToChange(t *testing.T) {
	se := Principal{Subject: "lo.se", Roles: []Role{RoleLiaison}, Nation: "SE"}
	last := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	tx := &changeTx{stored: Request{ID: "r1", Nation: "SE", Version: 3, UpdatedAt: last}}
	r, err := changeRequest(tx, se, "r1", 3, last.Add(time.Hour), liaisonOnly, func(*Request) (requestEdit, error) {
		return requestEdit{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 3 || !r.UpdatedAt.Equal(last) {
		t.Errorf("answered version %d, changed at %v; want 3, %v", r.Version, r.UpdatedAt, last)
	}
	if tx.updated != 0 || len(tx.entries) != 0 {
		t.Errorf("stored %d times, %d audit entries; want none", tx.updated, len(tx.entries))
	}
	// The version is still checked: a stale If-Match is refused as before.
	if _, err := changeRequest(tx, se, "r1", 2, last, liaisonOnly, func(*Request) (requestEdit, error) {
		return requestEdit{}, nil
	}); ErrorCode(err) != CodePreconditionFailed {
		t.Errorf("stale version with nothing to change: %v", err)
	}
}
