// Package auditlog makes the audit log verifiable: it is the RFC 6962 Merkle
// tree over the audit entries (built with golang.org/x/mod/sumdb/tlog), the
// Ed25519 checkpoints that sign its tree heads (golang.org/x/mod/sumdb/note),
// the streaming NDJSON and CSV exports with the proofs that verify them, and
// the verifiers: VerifyExport works offline on an export file and a public
// key, VerifyStored checks a database's own log against its checkpoints
// (VerifyStoredWithHead also against the server's head file). A retired
// key can be bounded to the tree sizes it signed (KEY@N, keys.go).
//
// Service implements domain.AuditLog for the API on top of a Store (the
// storage package implements it), and runs the server's background work:
// signing checkpoints on a schedule (checkpointer.go) and checking the
// stored log for a missing entry or hash (gaps.go). The verifiers need
// nothing but their input, so an auditor's machine needs no database and
// no server.
//
// What must not live here: SQL (storage owns it), HTTP (api owns it), or
// any way to change an entry once it is appended. The entry bytes are never
// re-encoded here: a leaf is exactly the canonical JSON the storage layer
// wrote when it appended the entry.
package auditlog
