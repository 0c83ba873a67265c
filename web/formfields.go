package web

import (
	"fmt"
	"slices"

	"exaccess/domain"
)

// field is one control of a form, for the "input", "select" and "textarea"
// templates: a label on every control, its error beside it.
type field struct {
	Type, Name, Label, Value, Err string
	// Param is the name the form sends the value under, when it is not
	// the field's path Name (the "reason" of the withdraw and revoke forms).
	Param string
	// Hint is the message key of a hint under the label, read with the
	// field (aria-describedby) as its error is.
	Hint string
	// List is the id of a datalist the input offers (the delegate's
	// username), "" for none.
	List    string
	Opts    []option
	Checked bool
	// Autofocus focuses the control when the page loads, without script:
	// the request form's row buttons come back to where the user was.
	Autofocus bool
	// Prompt is the message key of a select's empty choice, "" for
	// "Choose…" (form.select).
	Prompt string
}

// F is a text-like input (type text, date, number, email, tel, datetime-local).
func (v formView) F(typ, name, label, value string) field {
	return field{Type: typ, Name: name, Label: label, Value: value, Err: v.E(name), Autofocus: v.Form.Focus == name}
}

// S is a select.
func (v formView) S(name, label, value string, opts []option) field {
	return field{Name: name, Label: label, Value: value, Err: v.E(name), Opts: opts, Autofocus: v.Form.Focus == name}
}

// Agreement is the request form's framework agreement select: the
// agreements of the officer's nation (options), its empty choice "None".
// A request naming one the officer may no longer read (deleted, or moved
// to another nation, since it was chosen) has it offered too, selected,
// as "No longer available" and nothing of where it went, with a hint
// saying what saving does: left at an empty choice instead, the select
// would save the request without its agreement, though the officer never
// touched it. Only the agreement the request names is kept so: another
// the form was sent with is refused and chosen again.
func (v formView) Agreement() field {
	f := v.S("framework_id", "f.framework_id", v.Form.FrameworkID, v.Opts.Frameworks)
	f.Prompt = "f.noframework"
	if f.Value == "" || f.Value != v.Named || slices.ContainsFunc(f.Opts, func(o option) bool { return o.Value == f.Value }) {
		return f
	}
	f.Opts = append(slices.Clip(f.Opts), option{f.Value, msg("req.fwgone")})
	f.Hint = "f.fwgone.draft"
	if v.Status == domain.StatusChangesRequested {
		f.Hint = "f.fwgone.amend"
	}
	return f
}

// C is a checkbox.
func (v formView) C(name, label string, checked bool) field {
	return field{Type: "checkbox", Name: name, Label: label, Checked: checked, Err: v.E(name), Autofocus: v.Form.Focus == name}
}

// group is a fieldset of several fields with one error of its own (the
// "groupstart" template): Label is in words.
type group struct{ Name, Label, Class, Err string }

// G is a group of fields whose label has the message key label.
func (v formView) G(name, label string) group {
	return group{Name: name, Label: msg(label), Err: v.E(name)}
}

// Row is row i of a repeatable part as a group, its legend numbered from 1.
func (v formView) Row(part string, i int, legend string) group {
	name := fmt.Sprintf("%s[%d]", part, i)
	return group{Name: name, Label: fmt.Sprintf("%s %d", msg(legend), i+1), Class: "rowset", Err: v.E(name)}
}

// N is the name of a field of row i of a repeatable part.
func (formView) N(part string, i int, f string) string { return fmt.Sprintf("%s[%d].%s", part, i, f) }

// addRow is the "Add a row" button of a repeatable part (the "addrow"
// template); Label is the message key of one row's name.
type addRow struct {
	Part, Label string
	Autofocus   bool
}

// Add is the "Add a row" button of part, focused when a row of the part
// was just removed.
func (v formView) Add(part, label string) addRow {
	return addRow{Part: part, Label: label, Autofocus: v.Form.Focus == "add:"+part}
}
