package domain

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSeparationOfDutiesRefusesAuthors: whoever wrote a request — its
// creator or any other of its authors — decides none of its stages, in
// their own name or through a delegate acting for them; the refusal says
// who wrote it. A liaison officer of the nation who amended and submitted
// another's draft, then was made an approver, was let decide it.
func TestSeparationOfDutiesRefusesAuthors(t *testing.T) {
	r := reviewed() // created by lo-no
	r.Authors = []string{"lo-no", "lo-no2", "lo-no3"}
	tests := []struct {
		name, stage, actor, actingFor string
		wrote                         string // who the refusal names; "" when allowed
	}{
		{"the creator", "intake", "lo-no", "", "lo-no"},
		{"an author who amended and submitted it", "intake", "lo-no2", "", "lo-no2"},
		{"a later author", "range_safety", "lo-no3", "", "lo-no3"},
		{"a delegate acting for an author", "intake", "hns2", "lo-no2", "lo-no2"},
		{"an author acting for someone else", "intake", "lo-no3", "hns", "lo-no3"},
		{"nobody who wrote it", "intake", "hns", "", ""},
		{"a delegate for nobody who wrote it", "intake", "hns2", "hns", ""},
	}
	for _, tt := range tests {
		err := CheckSeparationOfDuties(r, tt.stage, tt.actor, tt.actingFor)
		switch {
		case tt.wrote == "" && err != nil:
			t.Errorf("%s: %v, want allowed", tt.name, err)
		case tt.wrote != "" && ErrorCode(err) != CodeSeparationOfDuties:
			t.Errorf("%s: %v, want separation_of_duties", tt.name, err)
		case tt.wrote != "" && (!strings.Contains(err.Error(), tt.wrote+" wrote this request") ||
			!strings.Contains(err.Error(), "nobody decides a request they wrote")):
			t.Errorf("%s: the refusal must name %s and say why: %v", tt.name, tt.wrote, err)
		}
	}
	// A request stored before its authors were kept (none recorded) still
	// refuses its creator.
	r.Authors = nil
	if err := CheckSeparationOfDuties(r, "intake", "lo-no", ""); ErrorCode(err) != CodeSeparationOfDuties {
		t.Errorf("the creator of a request without authors: %v", err)
	}
	if err := CheckSeparationOfDuties(r, "intake", "lo-no2", ""); err != nil {
		t.Errorf("without authors only the creator is refused: %v", err)
	}
}

// TestAddAuthorKeepsASet: over random sequences of writers, Authors holds
// each writer once, in the order of their first write, and WrittenBy
// answers for exactly them and the creator.
func TestAddAuthorKeepsASet(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 2026))
	people := []string{"lo-no", "lo-no2", "lo-no3", "lo-de", "x"}
	for range 1000 {
		r := &Request{CreatedBy: people[rng.IntN(len(people))]}
		r.AddAuthor(r.CreatedBy)
		var wrote []string
		wrote = append(wrote, r.CreatedBy)
		for range rng.IntN(12) {
			who := people[rng.IntN(len(people))]
			r.AddAuthor(who)
			wrote = append(wrote, who)
		}
		r.AddAuthor("") // nobody is no author
		var want []string
		for _, w := range wrote {
			if !slices.Contains(want, w) {
				want = append(want, w)
			}
		}
		if !slices.Equal(r.Authors, want) {
			t.Fatalf("writers %v: authors %v, want %v", wrote, r.Authors, want)
		}
		for _, p := range people {
			if r.WrittenBy(p) != slices.Contains(wrote, p) {
				t.Fatalf("writers %v: WrittenBy(%s) = %v", wrote, p, r.WrittenBy(p))
			}
		}
		if r.WrittenBy("") {
			t.Fatal("WrittenBy(\"\") is true")
		}
	}
}

// authorsTx is a fake Tx holding one request: what a liaison officer's
// change reads and writes.
type authorsTx struct {
	Tx
	r      Request
	stored int
}

func (s *authorsTx) GetRequest(string) (*Request, error) {
	r := s.r
	r.Authors = slices.Clone(s.r.Authors)
	return &r, nil
}

func (s *authorsTx) RequestHead(id string) (*RequestHead, error) { return s.r.Head(), nil }

func (s *authorsTx) UpdateRequest(r *Request, _ int) error {
	s.r, s.stored = *r, s.stored+1
	return nil
}

func (s *authorsTx) AppendAudit(*AuditEntry) error { return nil }

type authorsStore struct {
	Store
	tx *authorsTx
}

func (s *authorsStore) InTx(_ context.Context, fn func(Tx) error) error { return fn(s.tx) }

// TestLiaisonWritesAddTheirAuthor: a change of a request by a liaison
// officer of its nation (here a withdrawal, through the one path every
// such change takes) adds them to its authors, after those it had; a
// change that fails adds nobody.
func TestLiaisonWritesAddTheirAuthor(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	tx := &authorsTx{r: Request{ID: "r1", Nation: "NO", Status: StatusDraft, Version: 2, CreatedBy: "lo-no",
		Authors: []string{"lo-no", "lo-no3"}}}
	svc := NewRequestService(&authorsStore{tx: tx}, nil, nil, func() time.Time { return now }, nil)
	lo := func(name string) Principal {
		return Principal{Subject: name, Roles: []Role{RoleLiaison}, Nation: "NO"}
	}
	// A stale version is refused: nothing is stored, nobody added.
	if _, err := svc.Withdraw(context.Background(), lo("lo-no2"), "r1", 1, ""); ErrorCode(err) != CodePreconditionFailed {
		t.Fatalf("stale withdrawal: %v", err)
	}
	if tx.stored != 0 || !slices.Equal(tx.r.Authors, []string{"lo-no", "lo-no3"}) {
		t.Fatalf("after a refused change: stored %d times, authors %v", tx.stored, tx.r.Authors)
	}
	r, err := svc.Withdraw(context.Background(), lo("lo-no2"), "r1", 2, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lo-no", "lo-no3", "lo-no2"}
	if !slices.Equal(r.Authors, want) || !slices.Equal(tx.r.Authors, want) || tx.stored != 1 {
		t.Fatalf("after lo-no2's withdrawal: answered %v, stored %v (%d writes), want %v", r.Authors, tx.r.Authors, tx.stored, want)
	}
}
