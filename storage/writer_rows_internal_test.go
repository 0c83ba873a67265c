package storage

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"exaccess/domain/domaintest"
)

// The writer's rows and statement arguments are built with fewer copies
// and conversions than before; what is stored must not change by a byte.
// The legacy* functions are the builders as they were, kept here, frozen,
// as the reference.

func legacyNewRequestRow(r *domain.Request) (requestRow, error) {
	details, err := json.Marshal(domain.NewDetailsDoc(r.Details))
	if err != nil {
		return requestRow{}, fmt.Errorf("storage: encode details: %w", err)
	}
	route, err := legacyMarshalOptional(newRouteDoc(r.Route))
	if err != nil {
		return requestRow{}, err
	}
	conditions, err := json.Marshal(cloneStrings(r.Conditions))
	if err != nil {
		return requestRow{}, err
	}
	warnings, err := json.Marshal(newWarningDocs(r.Warnings))
	if err != nil {
		return requestRow{}, err
	}
	// The authors column came later (migration 0027): a JSON list, "[]"
	// for none, marshalled as the other lists are.
	authors := []byte("[]")
	if len(r.Authors) > 0 {
		if authors, err = json.Marshal(r.Authors); err != nil {
			return requestRow{}, err
		}
	}
	return requestRow{ID: r.ID, Reference: optionalString(r.Reference), Nation: r.Nation, Status: string(r.Status),
		Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: dbTime(r.CreatedAt), UpdatedAt: dbTime(r.UpdatedAt),
		SubmittedAt: dbTimePtr(r.SubmittedAt), DueAt: dbTimePtr(r.DueAt), DecidedAt: dbTimePtr(r.DecidedAt),
		ExerciseName: r.ExerciseName, PeriodStart: newSQLDate(r.Period.Start), PeriodEnd: newSQLDate(r.Period.End),
		Details: string(details), Route: route, Conditions: string(conditions), Warnings: string(warnings),
		Authors: string(authors)}, nil
}

func legacyMarshalOptional[T any](v *T) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("storage: encode: %w", err)
	}
	s := string(b)
	return &s, nil
}

func legacyUpdateRequestSQL(old, row *requestRow, expectedVersion int) (string, []any) {
	var sb strings.Builder
	sb.WriteString("UPDATE requests SET version = ?, updated_at = ?")
	args := []any{row.Version, row.UpdatedAt}
	set := func(column string, changed bool, v any) {
		if old == nil || changed {
			sb.WriteString(", " + column + " = ?")
			args = append(args, v)
		}
	}
	if old == nil {
		old = &requestRow{}
	}
	set("reference", !sameString(old.Reference, row.Reference), row.Reference)
	set("status", old.Status != row.Status, row.Status)
	set("submitted_at", !sameTime(old.SubmittedAt, row.SubmittedAt), row.SubmittedAt)
	set("due_at", !sameTime(old.DueAt, row.DueAt), row.DueAt)
	set("decided_at", !sameTime(old.DecidedAt, row.DecidedAt), row.DecidedAt)
	set("exercise_name", old.ExerciseName != row.ExerciseName, row.ExerciseName)
	set("period_start", !old.PeriodStart.Equal(row.PeriodStart.Time), row.PeriodStart)
	set("period_end", !old.PeriodEnd.Equal(row.PeriodEnd.Time), row.PeriodEnd)
	set("details", old.Details != row.Details, row.Details)
	set("route", !sameString(old.Route, row.Route), row.Route)
	set("conditions", old.Conditions != row.Conditions, row.Conditions)
	set("warnings", old.Warnings != row.Warnings, row.Warnings)
	set("authors", old.Authors != row.Authors, row.Authors) // migration 0027
	sb.WriteString(" WHERE id = ? AND version = ?")
	return sb.String(), append(args, row.ID, expectedVersion)
}

func legacyNotificationInsert(rows []notificationRow) (string, []any) {
	const width = 17
	args := make([]any, 0, len(rows)*width)
	for _, r := range rows {
		args = append(args, r.ID, r.IdempotencyKey, r.Kind, r.Recipient, r.WebhookID, r.Channel, r.Address, r.RequestID,
			r.Subject, r.Body, r.Status, r.Attempts, r.CreatedAt, r.NextAttemptAt, r.SentAt, r.LastError, r.AudienceRole)
	}
	return multiRowInsert("notifications", notificationColumns, width, len(rows)) + " ON CONFLICT (idempotency_key) DO NOTHING", args
}

// TestRequestRowAsMarshalled: over random requests (every field, lists
// nil, empty and full, HTML characters, escapes, invalid UTF-8, floats,
// times in any zone), the row and its JSON columns are exactly those of
// the old builder.
func TestRequestRowAsMarshalled(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	for i := range 2000 {
		r := randomRequest(rng)
		got, err := newRequestRow(r)
		want, wantErr := legacyNewRequestRow(r)
		if err != nil || wantErr != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d: %+v\n got %+v (%v)\nwant %+v (%v)", i, r, got, err, want, wantErr)
		}
	}
}

// TestUpdateArgsAsDatabaseSQLConverts: the compare-and-set's text, and its
// arguments as database/sql hands them to the driver, are the old ones,
// for random pairs of stored and new rows.
func TestUpdateArgsAsDatabaseSQLConverts(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2026))
	for i := range 2000 {
		row, _ := newRequestRow(randomRequest(rng))
		var old *requestRow
		if rng.IntN(4) > 0 {
			o, _ := newRequestRow(randomRequest(rng))
			old = &o
			if rng.IntN(2) == 0 { // a few columns changed, as in a real change
				o2 := row
				o2.Status, o2.Route, o2.SubmittedAt, o2.Authors = o.Status, o.Route, o.SubmittedAt, o.Authors
				old = &o2
			}
		}
		version := rng.IntN(1 << 20)
		if old == nil {
			continue // every column: TestUpdateWithoutAKnownRowSetsEveryColumn
		}
		q, args := updateRequestSQL(old, &row, version)
		wantQ, wantArgs := legacyUpdateRequestSQL(old, &row, version)
		if q != wantQ {
			t.Fatalf("#%d: %s\nwant %s", i, q, wantQ)
		}
		sameDriverArgs(t, fmt.Sprint("update #", i), args, wantArgs)
	}
}

// TestNotificationArgsAsDatabaseSQLConverts: the outbox's INSERT and its
// arguments as database/sql hands them to the driver are the old ones,
// for the rows of random events (recipients and role webhooks, inbox rows
// with their sent time) and for rows that share nothing.
func TestNotificationArgsAsDatabaseSQLConverts(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2026))
	for i := range 500 {
		var users []userRow
		for u := range rng.IntN(20) {
			users = append(users, userRow{ID: fmt.Sprintf("u%d", u), Email: fmt.Sprintf("u%d@example.se", u)})
		}
		ev := domain.NotificationEvent{Kind: domain.NotifyStageActive, Audience: domain.Audience{Role: domain.RoleHNS},
			RequestID: fmt.Sprint("r", i), Reference: "SE-2027-EXA-000001", ExerciseName: domaintest.AwkwardStrings[rng.IntN(len(domaintest.AwkwardStrings))]}
		out, err := fanOut(benchAudience{users: users}, ev, domaintest.RandomTime(rng), entryKeyBase(int64(i), 0))
		if err != nil {
			t.Fatal(err)
		}
		rows := notificationRows(ev, out, domaintest.RandomTime(rng))
		for j := range rows {
			if rng.IntN(5) == 0 { // a row of its own: nothing shared with the first
				var r notificationRow
				r.Attempts, r.CreatedAt = rng.IntN(300), domaintest.RandomTime(rng)
				if rng.IntN(2) == 0 { // the same instant, written in another zone
					r.CreatedAt = rows[0].CreatedAt.In(time.FixedZone("x", 7200))
				}
				r.Kind, r.Subject, r.Body, r.Status = fmt.Sprint(j), fmt.Sprint(j), "", "queued"
				if rng.IntN(2) == 0 {
					hook := fmt.Sprint("w", j)
					r.WebhookID = &hook
				}
				rows[j] = r
			}
		}
		q, args := notificationInsert(rows)
		wantQ, wantArgs := legacyNotificationInsert(rows)
		if q != wantQ {
			t.Fatalf("#%d: %s\nwant %s", i, q, wantQ)
		}
		sameDriverArgs(t, fmt.Sprint("notifications #", i), args, wantArgs)
	}
}

// TestArgsAreWhatDatabaseSQLPasses: stringArg, timeArg, dateArg and int64
// give the driver what database/sql's conversion of the field gives it.
func TestArgsAreWhatDatabaseSQLPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	for i := range 1000 {
		s, at := domaintest.AwkwardStrings[rng.IntN(len(domaintest.AwkwardStrings))], domaintest.RandomTime(rng)
		sp, tp := &s, &at
		if i%3 == 0 {
			sp, tp = nil, nil
		}
		day := newSQLDate(domaintest.RandomTime(rng))
		if i%4 == 0 {
			day = sqlDate{}
		}
		n := []int{0, 1, 255, 256, -1, 1 << 40}[rng.IntN(6)]
		sameDriverArgs(t, fmt.Sprint("#", i), []any{stringArg(sp), timeArg(tp), dateArg(day), int64(n)}, []any{sp, tp, day, n})
	}
}

// TestEntryKeyBase: the outbox key base of an audit entry's event is the
// text it always was.
func TestEntryKeyBase(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2026))
	for range 1000 {
		idx, i := rng.Int64()>>rng.IntN(63), rng.IntN(1000)
		if got, want := entryKeyBase(idx, i), fmt.Sprintf("a%d.%d", idx, i); got != want {
			t.Fatalf("entryKeyBase(%d, %d) = %q, want %q", idx, i, got, want)
		}
	}
}

// sameDriverArgs fails t unless got and want convert to the same driver
// values, as database/sql converts arguments for the SQLite driver.
func sameDriverArgs(t *testing.T, what string, got, want []any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d arguments, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, err := driver.DefaultParameterConverter.ConvertValue(got[i])
		w, wantErr := driver.DefaultParameterConverter.ConvertValue(want[i])
		if err != nil || wantErr != nil || !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: argument %d is %#v (%v), want %#v (%v)", what, i+1, g, err, w, wantErr)
		}
	}
}

// randomRequest is a random request, with invalid UTF-8 in some of its
// texts (the JSON encoder replaces it).
func randomRequest(rng *rand.Rand) *domain.Request {
	r := domaintest.RandomTyped(rng, reflect.TypeFor[domain.Request](), 3).Addr().Interface().(*domain.Request)
	if rng.IntN(4) == 0 {
		r.Purpose += "\xff\xfe bad"
		r.Conditions = append(r.Conditions, "<b>\xc3</b>")
	}
	return r
}

// TestUpdateWithoutAKnownRowSetsEveryColumn: with no stored row known at
// the expected version, the compare-and-set sets every column, those the
// new row leaves empty included: the row it matches may hold a due time or
// a decision time the new row clears. (The old builder compared with an
// empty row then, and left such columns as they were.)
func TestUpdateWithoutAKnownRowSetsEveryColumn(t *testing.T) {
	row, _ := newRequestRow(&domain.Request{ID: "r1", Nation: "NO", Status: domain.StatusDraft, Version: 3})
	q, args := updateRequestSQL(nil, &row, 2)
	for _, c := range updatableColumns {
		if !strings.Contains(q, " "+c.name+" = ?") {
			t.Errorf("%s is not set: %s", c.name, q)
		}
	}
	if want := 2 + len(updatableColumns) + 2; len(args) != want {
		t.Errorf("%d arguments, want %d: %s", len(args), want, q)
	}
}
