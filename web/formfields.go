package web

import "fmt"

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
}

// F is a text-like input (type text, date, number, email, tel, datetime-local).
func (v formView) F(typ, name, label, value string) field {
	return field{Type: typ, Name: name, Label: label, Value: value, Err: v.E(name), Autofocus: v.Form.Focus == name}
}

// S is a select.
func (v formView) S(name, label, value string, opts []option) field {
	return field{Name: name, Label: label, Value: value, Err: v.E(name), Opts: opts, Autofocus: v.Form.Focus == name}
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
