package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"exaccess/domain"
)

// auditTimeLayout is RFC 3339 in UTC with all nine fractional digits: one
// fixed width, so the text of a later entry never sorts before an earlier one.
const auditTimeLayout = "2006-01-02T15:04:05.000000000Z"

// CanonicalJSON encodes v as canonical JSON: object keys sorted at every
// level, no insignificant white space, no HTML escaping, UTF-8. v is first
// marshalled and decoded into generic maps, so a struct's field order cannot
// change the result; numbers keep the text the first encoding gave them.
// Two equal values therefore always give the same bytes, which is what a
// Merkle leaf needs. (It is not RFC 8785: numbers are not re-normalized.)
func CanonicalJSON(v any) ([]byte, error) {
	// Already the decoded form: written directly, the bytes the round trip
	// below would give at a fraction of its cost (appendCanonical).
	if b, ok := appendCanonical(nil, v); ok {
		return b, nil
	}
	return canonicalRoundTrip(v)
}

// canonicalRoundTrip is CanonicalJSON for any value: encode, decode into
// generic values, encode again.
func canonicalRoundTrip(v any) ([]byte, error) {
	first, err := encodeNoEscape(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(first))
	dec.UseNumber() // keep 12345678901234567890 exact instead of rounding through float64
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("storage: canonical json: %w", err)
	}
	// encoding/json writes map keys in sorted order and json.Number verbatim.
	return encodeNoEscape(generic)
}

func encodeNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<" stays "<": the bytes must not depend on an HTML habit
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("storage: canonical json: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// EncodeAuditEntry is the canonical JSON of an audit entry: the exact bytes
// stored in audit_log.entry, hashed as a Merkle leaf and exported as one
// NDJSON line. Keys: index, at, actor, acting_for (omitted when empty),
// action, request_id (omitted when empty), request_version (omitted when 0),
// data ({} when nil). at is UTC with nanoseconds.
func EncodeAuditEntry(e domain.AuditEntry) ([]byte, error) {
	return appendAuditEntry(make([]byte, 0, entryCapacity), e)
}

// entryCapacity holds most entries without growing: a decision's is about
// 500 bytes, a submission's 900, a creation's 1,000 to 2,000.
const entryCapacity = 1024

// appendAuditEntry appends EncodeAuditEntry(e) to dst. The members are
// written in their keys' sorted order, as CanonicalJSON of auditEntryMap(e)
// orders them, with data through appendCanonical: the same bytes without
// building the map (TestEncodeAuditEntryMatchesTheMapsEncoding). Data that
// appendCanonical cannot write, or a string of the entry that is not valid
// UTF-8, takes CanonicalJSON of the map.
func appendAuditEntry(dst []byte, e domain.AuditEntry) ([]byte, error) {
	start := len(dst)
	ok := true
	str := func(key, s string) {
		if ok {
			dst = append(dst, key...)
			dst, ok = appendJSONString(dst, s)
		}
	}
	dst = append(dst, '{')
	if e.ActingFor != "" {
		str(`"acting_for":`, e.ActingFor)
		dst = append(dst, ',')
	}
	str(`"action":`, e.Action)
	str(`,"actor":`, e.Actor)
	dst = append(dst, `,"at":"`...)
	dst = append(e.At.UTC().AppendFormat(dst, auditTimeLayout), `","data":`...) // digits, '-', ':', '.', 'T', 'Z': nothing to escape
	if ok {
		if e.Data == nil {
			dst = append(dst, "{}"...)
		} else {
			dst, ok = appendObject(dst, e.Data)
		}
	}
	dst = strconv.AppendInt(append(dst, `,"index":`...), e.Index, 10)
	if e.RequestID != "" {
		str(`,"request_id":`, e.RequestID)
	}
	if e.RequestVersion != 0 {
		dst = strconv.AppendInt(append(dst, `,"request_version":`...), int64(e.RequestVersion), 10)
	}
	if !ok {
		b, err := CanonicalJSON(auditEntryMap(e))
		return append(dst[:start], b...), err
	}
	return append(dst, '}'), nil
}

// auditEntryMap is an audit entry as the generic map whose canonical JSON
// is the entry's bytes.
func auditEntryMap(e domain.AuditEntry) map[string]any {
	m := map[string]any{
		"index":  e.Index,
		"at":     e.At.UTC().Format(auditTimeLayout),
		"actor":  e.Actor,
		"action": e.Action,
		"data":   e.Data,
	}
	if e.Data == nil {
		m["data"] = map[string]any{}
	}
	if e.ActingFor != "" {
		m["acting_for"] = e.ActingFor
	}
	if e.RequestID != "" {
		m["request_id"] = e.RequestID
	}
	if e.RequestVersion != 0 {
		m["request_version"] = e.RequestVersion
	}
	return m
}

// auditEntryDoc is the decoding side of EncodeAuditEntry.
type auditEntryDoc struct {
	Index          int64          `json:"index"`
	At             string         `json:"at"`
	Actor          string         `json:"actor"`
	ActingFor      string         `json:"acting_for"`
	Action         string         `json:"action"`
	RequestID      string         `json:"request_id"`
	RequestVersion int            `json:"request_version"`
	Data           map[string]any `json:"data"`
}

// decodeAuditEntry reads an entry back from its stored bytes, the one source
// of truth. Numbers in Data come back as json.Number, so encoding the result
// again gives the same bytes.
func decodeAuditEntry(b []byte) (domain.AuditEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc auditEntryDoc
	if err := dec.Decode(&doc); err != nil {
		return domain.AuditEntry{}, fmt.Errorf("storage: audit entry: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, doc.At)
	if err != nil {
		return domain.AuditEntry{}, fmt.Errorf("storage: audit entry %d: %w", doc.Index, err)
	}
	return domain.AuditEntry{Index: doc.Index, At: at.UTC(), Actor: doc.Actor, ActingFor: doc.ActingFor,
		Action: doc.Action, RequestID: doc.RequestID, RequestVersion: doc.RequestVersion, Data: doc.Data}, nil
}
