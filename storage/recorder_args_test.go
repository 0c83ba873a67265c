package storage

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// TestRecordedArgsRoundTrip: what the recorder keeps decodes to the values
// the driver was given (after database/sql's conversion), and an argument
// the conversion refuses is an error, not a silent change.
func TestRecordedArgsRoundTrip(t *testing.T) {
	name := "x"
	var none *string
	stockholm := time.FixedZone("CET", 3600)
	at := time.Date(2027, 3, 2, 10, 11, 12, 123456789, stockholm)
	args := []any{nil, 42, int64(math.MinInt64), 3.5, true, false, "", "héllo", &name, none, []byte{0, 1, 2},
		[]byte(nil), []byte{},
		at, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), newSQLDate(time.Date(2027, 3, 5, 0, 0, 0, 0, time.UTC))}
	enc, err := encodeArgs(nil, args)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeArgs(enc)
	if err != nil {
		t.Fatal(err)
	}
	// A nil slice is NULL to the driver, an empty one an empty blob.
	want := []any{nil, int64(42), int64(math.MinInt64), 3.5, true, false, "", "héllo", "x", nil, []byte{0, 1, 2},
		nil, []byte{}}
	if !reflect.DeepEqual(got[:len(want)], want) {
		t.Fatalf("decoded %#v\nwant %#v", got[:len(want)], want)
	}
	for i, w := range []time.Time{at, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)} {
		g, ok := got[len(want)+i].(time.Time)
		const layout = "2006-01-02 15:04:05.999999999-07:00" // how the driver writes a time
		if !ok || !g.Equal(w) || g.Format(layout) != w.Format(layout) {
			t.Errorf("time %d: %v, want %v", i, got[len(want)+i], w)
		}
	}
	if got[len(got)-1] != "2027-03-05" {
		t.Errorf("a driver.Valuer: %#v, want its value", got[len(got)-1])
	}
	if _, err := encodeArgs(nil, []any{struct{}{}}); err == nil {
		t.Error("an argument the driver cannot take was recorded")
	}
	if _, err := decodeArgs(enc[:len(enc)-1]); err == nil {
		t.Error("a cut encoding decoded")
	}
}

// TestRecorderReportsUnrecordable: a committed change with a statement the
// recorder could not keep makes the recorder's Err say so (the bench then
// fails naming it), instead of the change silently missing from the replay.
func TestRecorderReportsUnrecordable(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t)
	rec := &WriteRecorder{}
	if err := db.RecordWrites(rec); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, func(dt domain.Tx) error {
		pool, ok := dt.(*tx).g.Statement.ConnPool.(recordingPool)
		if !ok {
			t.Fatal("not recording")
		}
		pool.log.add("INSERT INTO counters (name, value) VALUES (?, ?)", []any{struct{}{}, 1})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Err() == nil || !strings.Contains(rec.Err().Error(), "argument 1") {
		t.Fatalf("Err() = %v, want the unrecordable argument named", rec.Err())
	}
}
