// Package storage is the persistence of Exercise Access on SQLite or
// PostgreSQL: it implements domain.Store and domain.Tx with GORM, owns the
// schema (versioned SQL migrations per dialect, embedded), loads the embedded
// reference data, keeps server keys and idempotency records, and appends the
// audit log with dense indexes and canonical JSON entries.
//
// What lives here: connection settings (on SQLite one writer connection and
// a query-only read pool), migrations, row structs with gorm tags and their
// named converters (model.go), the JSON documents stored in columns
// (documents.go), and the translation of database errors into domain errors
// (errors.go): not found and duplicate keys become *domain.Error with
// CodeNotFound and CodeConflict, a stale compare-and-set CodePreconditionFailed.
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
