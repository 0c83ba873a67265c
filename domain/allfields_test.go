package domain

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// fieldsStore is a Store knowing no framework agreement, whose one
// transaction holds tx's request; it counts the agreement reads and the
// transactions.
type fieldsStore struct {
	Store
	tx             *changeTx
	frameworkReads int
	txs            int
}

func (s *fieldsStore) GetFramework(context.Context, string) (*Framework, error) {
	s.frameworkReads++
	return nil, ErrNotFound("framework agreement")
}

func (s *fieldsStore) InTx(_ context.Context, fn func(Tx) error) error {
	s.txs++
	return fn(s.tx)
}

// TestEveryOffendingFieldAtOnce: a create or an edit is refused naming
// every offending field at once — of the details, of the period's timing
// and of the framework agreement — not one check's fields at a time, so
// that fixing what one refusal names never meets another. A request
// returned for changes that keeps an agreement lost since is not refused
// for it (keepsLostFramework), whatever else is wrong.
func TestEveryOffendingFieldAtOnce(t *testing.T) {
	ctx := context.Background()
	lo := Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}
	after := time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)  // validDetails' period ended on 2027-03-20
	before := time.Date(2025, 1, 2, 9, 0, 0, 0, time.UTC) // it starts more than two years ahead
	inReview := time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		now    time.Time
		update Status // "" creates; else edits a request in this status that names framework "kept"
		change func(d *Details)
		fields []string
		reads  int // framework agreements read
	}{
		{"create: name, ended period, unknown agreement", after, "", func(d *Details) { d.ExerciseName = ""; d.FrameworkID = "nope" },
			[]string{"exercise_name", "period.end", "framework_id"}, 1},
		{"create: name and a start too far ahead", before, "", func(d *Details) { d.ExerciseName = "" },
			[]string{"exercise_name", "period.start"}, 0},
		{"create: unknown agreement alone", inReview, "", func(d *Details) { d.FrameworkID = "nope" },
			[]string{"framework_id"}, 1},
		{"create: an agreement id too long is not looked up", after, "", func(d *Details) { d.FrameworkID = strings.Repeat("x", 65) },
			[]string{"framework_id", "period.end"}, 0},
		{"edit: name, ended period, unknown agreement", after, StatusDraft, func(d *Details) { d.ExerciseName = ""; d.FrameworkID = "nope" },
			[]string{"exercise_name", "period.end", "framework_id"}, 1},
		{"edit: the agreement kept since it was lost", after, StatusChangesRequested, func(d *Details) { d.ExerciseName = ""; d.FrameworkID = "kept" },
			[]string{"exercise_name", "period.end"}, 1},
		{"edit: the agreement lost named anew by a draft", after, StatusDraft, func(d *Details) { d.ExerciseName = ""; d.FrameworkID = "kept" },
			[]string{"exercise_name", "period.end", "framework_id"}, 1},
		{"edit: name and a start too far ahead", before, StatusDraft, func(d *Details) { d.ExerciseName = "" },
			[]string{"exercise_name", "period.start"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := Request{ID: "r1", Status: tt.update, Version: 3, Nation: "NO", Details: validDetails()}
			stored.FrameworkID = "kept"
			s := &fieldsStore{tx: &changeTx{stored: stored}}
			svc := NewRequestService(s, nil, testReference(), func() time.Time { return tt.now }, func() string { return "new" })
			d := validDetails()
			tt.change(&d)
			var err error
			if tt.update == "" {
				_, _, err = svc.CreateRequest(ctx, lo, d, nil)
			} else {
				_, err = svc.UpdateDetails(ctx, lo, "r1", 3, d)
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			var named []string
			for _, f := range e.Fields {
				named = append(named, f.Field)
			}
			if !slices.Equal(named, tt.fields) {
				t.Errorf("fields %v, want %v (%v)", named, tt.fields, e.Fields)
			}
			if s.frameworkReads != tt.reads {
				t.Errorf("%d agreement reads, want %d", s.frameworkReads, tt.reads)
			}
			if s.tx.updated != 0 {
				t.Error("the refused edit was stored")
			}
		})
	}
}
