package web

import (
	"slices"
	"strings"

	"exaccess/domain"
)

// errorOf is the message of field's error among errs, an error of one of
// its items included ("blackout_days[1]" is an error of "blackout_days");
// "" for none.
func errorOf(errs []fieldErr, field string) string {
	for _, e := range errs {
		if e.Field == field || strings.HasPrefix(e.Field, field+"[") {
			return e.Message
		}
	}
	return ""
}

// errorAt is the message of the error linked to the element with id
// anchor: for a page with several forms whose fields share a name (the
// reason of each form on an account's page), where only the anchor says
// which form the error belongs to.
func errorAt(errs []fieldErr, anchor string) string {
	for _, e := range errs {
		if e.Anchor == anchor {
			return e.Message
		}
	}
	return ""
}

// idField is a text input for the "idinput" template: one whose id is not
// fieldID of its name, because another form of the page has a field of
// that name.
type idField struct{ ID, Name, Label, Value, Err string }

// staleNotice is the page-level notice of a form saved at a version that is
// no longer current: nothing was saved, the form shows the thing as it is
// now (and carries its current version), and Yours lists what the user had
// typed that differs, so they can apply it again. A blind second save thus
// stores the current values, never the stale ones over someone's change.
type staleNotice struct {
	Title, Help string
	Yours       []typedValue
}

// typedValue is one field as the user typed it in a stale form.
type typedValue struct{ Label, Value string }

// differs adds the field labelled label to n's list when what the user typed
// is not what is stored now.
func (n *staleNotice) differs(label, typed, now string) {
	if typed != now {
		if typed == "" {
			typed = msg("stale.empty")
		}
		n.Yours = append(n.Yours, typedValue{Label: msg(label), Value: typed})
	}
}

// roleNames are roles by their names, in a fixed order, as a stale
// account form lists them (so that the same roles in another order do
// not differ).
func roleNames(codes []string) string {
	codes = slices.Sorted(slices.Values(codes))
	out := make([]string, len(codes))
	for i, r := range codes {
		out[i] = roleLabel(domain.Role(r))
	}
	return strings.Join(out, ", ")
}
