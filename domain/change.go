package domain

import "time"

// requestEdit is what one change of a request records in its audit entry:
// the action, the delegator an approver acted for ("" when acting in their
// own name), and the entry's data.
type requestEdit struct {
	action    string // empty: apply found nothing to change (noChange)
	actingFor string
	data      any
}

// changeRequest is the one load → check version → change → store → audit
// sequence of every change to an existing request, run inside tx. It reads
// the request (readVisible: another nation's is not found, and only its
// head is read), asks may whether p may
// change requests at all (nil: whoever sees it), checks the If-Match
// version, stamps UpdatedAt with now, lets apply change r and describe the
// change, then stores r with compare-and-set on version and appends the
// audit entry apply described.
func changeRequest(tx Tx, p Principal, id string, version int, now time.Time,
	may func(Principal) error, apply func(r *Request) (requestEdit, error)) (*Request, error) {
	r, err := readVisible(p, id, tx.RequestHead, tx.GetRequest)
	if err != nil {
		return nil, err
	}
	if may != nil {
		if err := may(p); err != nil {
			return nil, err
		}
	}
	if err := checkVersion("request", version, r.Version); err != nil {
		return nil, err
	}
	before := r.UpdatedAt
	r.UpdatedAt = now
	e, err := apply(r)
	if err != nil {
		return nil, err
	}
	if e.action == "" { // nothing changed: the version stays, so other clients' ETags stay good, and nothing is audited
		r.UpdatedAt = before
		return r, nil
	}
	if err := saveRequest(tx, p, r, version, e); err != nil {
		return nil, err
	}
	return r, nil
}

// saveRequest stores r with compare-and-set on version, as version+1, and
// appends the audit entry of e, stamped with r's UpdatedAt.
func saveRequest(tx Tx, p Principal, r *Request, version int, e requestEdit) error {
	r.Version = version + 1
	if err := tx.UpdateRequest(r, version); err != nil {
		return err
	}
	return tx.AppendAudit(auditEntry(AuditEntry{At: r.UpdatedAt, Actor: p.Subject, ActingFor: e.actingFor,
		RequestID: r.ID, RequestVersion: r.Version}, e.action, e.data))
}
