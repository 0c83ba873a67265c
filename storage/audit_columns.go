package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// StreamAuditRows calls fn with every row of audit_log, whatever its idx
// (below 0 or beyond the log's size too), in idx order, for the verifier.
// mismatch is empty when the row's columns at, actor, acting_for, action,
// request_id and request_version and its idx equal the fields of its
// entry; otherwise it names each that differs. The API searches and shows
// those columns, so a row whose copies were edited is as wrong as an
// edited entry. entry is only valid during the call.
func (d *DB) StreamAuditRows(ctx context.Context, fn func(idx int64, entry []byte, mismatch string) error) error {
	rows, err := d.reader.WithContext(ctx).Raw(`SELECT idx, at, actor, acting_for, action, request_id, request_version, entry
		FROM audit_log ORDER BY idx`).Rows()
	if err != nil {
		return translate(err, "audit log")
	}
	defer rows.Close()
	var col auditRow
	var actingFor, requestID sql.NullString
	var entry sql.RawBytes
	for rows.Next() {
		err := rows.Scan(&col.Idx, &col.At, &col.Actor, &actingFor, &col.Action, &requestID, &col.RequestVersion, &entry)
		if err != nil {
			return translate(err, "audit log")
		}
		col.ActingFor, col.RequestID = actingFor.String, requestID.String
		if err := fn(col.Idx, entry, columnMismatch(col, entry)); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "audit log")
}

// columnMismatch compares a row's columns with its entry's fields.
func columnMismatch(col auditRow, entry []byte) string {
	e, err := decodeAuditEntry(entry)
	if err != nil {
		return "the entry cannot be read: " + err.Error()
	}
	var diffs []string
	differ := func(name string, column, field any) {
		diffs = append(diffs, fmt.Sprintf("%s is %q in its column but %q in the entry", name, fmt.Sprint(column), fmt.Sprint(field)))
	}
	if e.Index != col.Idx {
		differ("the index", col.Idx, e.Index)
	}
	if !col.At.Equal(e.At) {
		differ("at", col.At.UTC().Format(time.RFC3339Nano), e.At.Format(time.RFC3339Nano))
	}
	for _, c := range [][3]string{{"actor", col.Actor, e.Actor}, {"acting_for", col.ActingFor, e.ActingFor},
		{"action", col.Action, e.Action}, {"request_id", col.RequestID, e.RequestID}} {
		if c[1] != c[2] {
			differ(c[0], c[1], c[2])
		}
	}
	if col.RequestVersion != e.RequestVersion {
		differ("request_version", col.RequestVersion, e.RequestVersion)
	}
	return strings.Join(diffs, "; ")
}
