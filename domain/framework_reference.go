package domain

import "strings"

// checkReferenceFree refuses terms t whose reference another agreement of
// the same nation already has, case aside: a liaison officer picks an
// agreement by "name (reference)", and two agreements with one reference
// are told apart by nothing else that the officer, the approvers or the
// permit show. stored is the agreement being changed (nil for a new
// one); a change that keeps its nation and reference is not checked
// again, so agreements stored twice under one reference before this rule
// can still be suspended or amended. The store holds the rule too (a
// unique index): of two agreements given one reference at once, both pass
// this lookup and the second is refused when stored (referenceStored).
func checkReferenceFree(tx Tx, t FrameworkTerms, stored *Framework) error {
	if stored != nil && stored.Nation == t.Nation && strings.EqualFold(strings.TrimSpace(stored.Reference), strings.TrimSpace(t.Reference)) {
		return nil
	}
	ids, err := tx.FrameworksWithReference(t.Nation, strings.TrimSpace(t.Reference))
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
