// Package storage is the persistence of Exercise Access on SQLite or
// PostgreSQL: it implements domain.Store and domain.Tx with GORM, owns the
// schema (versioned SQL migrations per dialect, embedded), loads the embedded
// reference data, keeps server keys and idempotency records, and appends the
// audit log with dense indexes and canonical JSON entries.
//
// What lives here: connection settings (on SQLite one writer connection and
// a query-only read pool), migrations, row structs with gorm tags and their
// named converters, the JSON documents stored in columns, and the
// translation of database errors into domain errors (errors.go): not found
// and duplicate keys become *domain.Error with CodeNotFound and
// CodeConflict, a stale compare-and-set CodePreconditionFailed.
//
// # Where things are
//
// One entity, one place: each entity's row structs, their converters, its
// reads on *DB and its writes on *tx live in the files named after it, the
// entity's name first: <entity>.go, and <entity>_<part>.go where one file
// would grow past about 300 lines.
//
//   - requests: requests.go (rows of requests and request_areas, converters,
//     reads, the expiry sweep's and the permits' look-ups),
//     requests_write.go (create, update with compare-and-set, the
//     projections an update rewrites, the per-year reference counter),
//     requests_documents.go (the JSON documents of the route, decisions and
//     warnings columns)
//   - stages and decisions, the projections of a request's route:
//     stages.go (request_stages, request_decisions), stages_queue.go (the
//     approvers' queue and the overdue count)
//   - delegations.go
//   - frameworks.go
//   - training areas: areas.go (the areas, capacity and blackout days),
//     areas_bookings.go (the bookings calendar), areas_loads.go
//     (area_day_loads, the per-day load kept with every booking change)
//   - users.go (accounts and their sign-in states), signin_misses.go (the
//     per-bucket count of refused sign-ins of names that are no account)
//   - sessions.go (the web console's sessions)
//   - the audit log: audit.go (audit_log rows, append, a page of a
//     request's entries), audit_hashes.go (the Merkle tree's stored hashes),
//     audit_read.go (streaming and searching the log), audit_columns.go (every
//     row with its columns checked against its entry, for verify), audit_checkpoints.go
//     (signed checkpoints), audit_witness.go (signing keys and witnesses'
//     cosignatures), audit_gaps.go (the counts that find a missing entry or
//     hash: an export's check before its status line, and CheckAuditGaps for
//     auditlog's background gap check)
//   - keys.go (server keys), permit_check.go (the secret of the permits'
//     check values)
//   - idempotency.go (idempotency records and their expiry)
//   - notifications: outbox.go (the outbox rows, the fan-out of an event
//     to its channels written with each audit entry, the delivery worker's
//     claims), outbox_audience.go (who an event is for), outbox_access.go
//     (queued deliveries withdrawn when an account's powers change),
//     outbox_schedule.go (the reminder sweep: notices that time causes),
//     inbox.go (a user's console inbox: list, unread count, mark read),
//     webhooks.go (webhooks; the secret read only for delivery),
//     notification_prefs.go (each account's channel opt-outs)
//   - refdata.go (nations, entry points and the embedded reference data)
//
// The rest is machinery, not entities:
//
//   - db.go and sqlite.go (opening), tx.go (the transaction and its
//     retries), migrate.go, errors.go, types.go (column types, time and
//     slice helpers), canonical.go (canonical JSON and the audit entry's
//     encoding), ops.go (pool statistics, backup, integrity check)
//   - SQLite's group committer: groupcommit.go (the one writer that commits
//     callers' changes together, each in a savepoint), batchconn.go (the
//     writer connection as a batch holds it), audit_tail.go (the audit
//     log's next index and Merkle frontier kept in the committer's memory),
//     directory.go (the notification audience kept in the committer's
//     memory, brought up to date when directory_version moves),
//     directory_rows.go (its rows, kept in id order), directory_read.go
//     (reading them whole, or again row by row after the changes
//     directory_changes names), readahead.go (a
//     change's request read on a read connection while it waits for the
//     writer), walcheckpoint.go (WAL checkpoints on a connection of their
//     own, off the writer)
//   - for `exaccess bench` only (a server sets no recorder): benchseed.go
//     (bulk copies of a seeded request), recorder.go and recorder_args.go
//     (recording the writes of committed changes, their arguments encoded
//     compactly), benchreplay.go (raw SQLite replaying them on a snapshot,
//     and comparing the tables)
//
// Row structs carry only gorm tags: they are the shape of a table, nothing
// else. autoCreateTime/autoUpdateTime are off because the domain's clock sets
// every timestamp; GORM's own "now" would break a fixed test clock.
//
// What must not live here: business rules. Storage does not decide who may
// see or change a request, which transitions are legal, or what a request
// must contain; the domain does, and storage stores what it is given. And
// nothing outside this package imports gorm or a database driver: handlers
// and services see only the domain ports, so SQL, GORM types and driver
// errors never cross this border.
//
// Timestamps are written in UTC truncated to microseconds (PostgreSQL's
// precision), on both dialects, so a value reads back Equal on either; dates
// (periods, bookings, memberships) are whole days.
package storage
