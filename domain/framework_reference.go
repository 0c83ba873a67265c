package domain

import (
	"strings"
	"unicode"
)

// ReferenceKey is what "the same reference" means for a nation's framework
// agreements, decided here alone: the reference without the white space
// around it (strings.TrimSpace: Unicode white space, tabs, line breaks
// and no-break spaces too), each letter replaced by the one that stands for
// its case-fold class (foldRune; unicode.SimpleFold's classes, the ones
// strings.EqualFold compares by, so "ſ", "s" and "S" are one letter, "K"
// the Kelvin sign and "k" another, and "ß" is not "ss"). Two references are the same when
// their keys are equal, exactly when strings.EqualFold says so of the
// trimmed references. The store keeps the key beside the reference
// (frameworks.reference_key) and looks it up, and holds it unique, by
// equality alone: no database's lower() or trim() takes part, so SQLite
// and PostgreSQL answer alike, in whatever order the references come.
func ReferenceKey(reference string) string {
	return strings.Map(foldRune, strings.TrimSpace(reference))
}

// foldRune is the rune that stands for r's case-fold class (the runes
// unicode.SimpleFold cycles through from r): the first lower-case rune of
// the class, or its first rune when none is lower case; the same rune for
// every member of the class, and never one of another class (unicode.ToLower
// would make "İ" an "i", which strings.EqualFold keeps apart).
func foldRune(r rune) rune {
	first, lower := r, rune(-1)
	if unicode.IsLower(r) {
		lower = r
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		first = min(first, f)
		if unicode.IsLower(f) && (lower < 0 || f < lower) {
			lower = f
		}
	}
	if lower >= 0 {
		return lower
	}
	return first
}

// checkReferenceFree refuses terms t whose reference another agreement of
// the same nation already has (ReferenceKey: case and surrounding white
// space aside): a liaison officer picks an
// agreement by "name (reference)", and two agreements with one reference
// are told apart by nothing else that the officer, the approvers or the
// permit show. stored is the agreement being changed (nil for a new
// one); a change that keeps its nation and reference is not checked
// again, so agreements stored twice under one reference before this rule
// can still be suspended or amended. The store holds the rule too (a
// unique index): of two agreements given one reference at once, both pass
// this lookup and the second is refused when stored (referenceStored).
func checkReferenceFree(tx Tx, t FrameworkTerms, stored *Framework) error {
	if stored != nil && stored.Nation == t.Nation && ReferenceKey(stored.Reference) == ReferenceKey(t.Reference) {
		return nil
	}
	ids, err := tx.FrameworksWithReference(t.Nation, t.Reference)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if stored == nil || id != stored.ID {
			return referenceTaken(t)
		}
	}
	return nil
}

// referenceStored is err, the answer of storing an agreement with terms t,
// with the store's conflict (its unique index on nation and reference:
// another agreement stored the reference since checkReferenceFree looked)
// told as checkReferenceFree tells it.
func referenceStored(t FrameworkTerms, err error) error {
	if ErrorCode(err) == CodeConflict {
		return referenceTaken(t)
	}
	return err
}

func referenceTaken(t FrameworkTerms) error {
	return &Error{Code: CodeInvalid, Message: "the framework agreement is not valid", Fields: []FieldError{{"reference",
		"another framework agreement of " + t.Nation + " has the reference " + quote(strings.TrimSpace(t.Reference)) +
			" already; give each agreement of a nation its own reference"}}}
}
