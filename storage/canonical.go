package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

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
	if generic(v) {
		// Already the decoded form: one encoding gives the bytes the round
		// trip below would (maps are written with sorted keys, json.Number
		// verbatim), at a third of its cost. Every audit entry takes this
		// path, on the writer (TestCanonicalJSONGenericFastPath).
		return encodeNoEscape(v)
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

// generic reports whether v holds only what decoding JSON with UseNumber
// yields (maps of strings to values, lists, strings, json.Number, booleans,
// nil) plus integers, with valid UTF-8 in every string and key: values that
// encode to the same bytes before and after a decode. Anything else (a
// struct, a float, invalid UTF-8, which the first encoding would turn into
// an escaped U+FFFD and the second into the raw character) takes the round
// trip.
func generic(v any) bool {
	switch x := v.(type) {
	case nil, bool, json.Number, int, int64:
		return true
	case string:
		return utf8.ValidString(x)
	case []any:
		for _, e := range x {
			if !generic(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) || !generic(e) {
				return false
			}
		}
		return true
	}
	return false
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
	return CanonicalJSON(m)
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
