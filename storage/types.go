package storage

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// dateLayout is how a whole day is written: in SQLite TEXT columns, in
// PostgreSQL date parameters and in JSON documents.
const dateLayout = "2006-01-02"

// sqlDate is a whole day in a date column: TEXT 'YYYY-MM-DD' on SQLite, date
// on PostgreSQL. The zero value is NULL. It reads back as a UTC midnight,
// the form the domain uses for dates.
type sqlDate struct{ time.Time }

func newSQLDate(t time.Time) sqlDate {
	if t.IsZero() {
		return sqlDate{}
	}
	return sqlDate{dayOf(t)}
}

// ptr is the date as the domain's optional date.
func (d sqlDate) ptr() *time.Time {
	if d.IsZero() {
		return nil
	}
	t := d.Time
	return &t
}

// Value writes the day as text; PostgreSQL casts it to date.
func (d sqlDate) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.Format(dateLayout), nil
}

// Scan reads text (SQLite) or a time (PostgreSQL's date via pgx).
func (d *sqlDate) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		d.Time = time.Time{}
	case time.Time:
		d.Time = dayOf(v)
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("storage: cannot read %T as a date", src)
	}
	return nil
}

func (d *sqlDate) parse(s string) error {
	t, err := time.ParseInLocation(dateLayout, s, time.UTC)
	if err != nil {
		return fmt.Errorf("storage: bad date %q: %w", s, err)
	}
	d.Time = t
	return nil
}

// dayOf is the UTC midnight of t's calendar day as written (not converted):
// a date has no zone, and 2026-03-02 must stay 2026-03-02.
func dayOf(t time.Time) time.Time {
	y, m, day := t.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
}

// dbTime is the form of every timestamp written: UTC, truncated to
// microseconds. PostgreSQL keeps microseconds, so truncating on both
// dialects makes a value read back Equal to the value written, the same on
// SQLite and PostgreSQL, and timestamps in JSON documents match the columns.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// dbTimePtr is dbTime for optional timestamps.
func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

// utc reads back a required timestamp in UTC (pgx returns local time).
func utc(t time.Time) time.Time { return t.UTC() }

// utcPtr reads back an optional timestamp in UTC (pgx returns local time).
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// jsonColumn is json.Marshal(v) as a string, for a JSON column: encoded
// into a pooled buffer and copied once into the string, where json.Marshal
// copies the document out of its own buffer first and the conversion to a
// string copies it again. The bytes are the same: an Encoder escapes HTML
// as Marshal does and only adds a newline.
func jsonColumn(v any) (string, error) {
	c := columnEncoders.Get().(*columnEncoder)
	defer columnEncoders.Put(c)
	c.buf.Reset()
	if err := c.enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(c.buf.Bytes(), []byte("\n"))), nil
}

type columnEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var columnEncoders = sync.Pool{New: func() any {
	c := &columnEncoder{}
	c.enc = json.NewEncoder(&c.buf)
	return c
}}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// mapSlice converts each element, keeping nil as nil and empty as empty.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// cloneStrings copies a string list, keeping nil as nil.
func cloneStrings(in []string) []string {
	return mapSlice(in, func(s string) string { return s })
}

// stringArg, timeArg and dateArg (and a plain int64(…) conversion) turn a
// row's field into a value database/sql hands the driver as it is (nil,
// int64, string, time.Time): a pointer, an int or a driver.Valuer it
// converts itself, by reflection, for every argument of every statement.
// The writer's statements pass their arguments through them; the driver
// gets the same values (TestArgsAreWhatDatabaseSQLPasses).

// stringArg is *p, or NULL for nil.
func stringArg(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// timeArg is *p, or NULL for nil.
func timeArg(p *time.Time) any {
	if p == nil {
		return nil
	}
	return *p
}

// dateArg is the day as sqlDate.Value writes it.
func dateArg(d sqlDate) any {
	v, _ := d.Value() // never an error
	return v
}
