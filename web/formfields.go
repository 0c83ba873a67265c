package web

import "fmt"

// field is one control of a form, for the "input", "select" and "textarea"
// templates: a label on every control, its error beside it.
type field struct {
	Type, Name, Label, Value, Err string
	Opts                          []option
	Checked                       bool
}

// F is a text-like input (type text, date, number, email, tel, datetime-local).
func (v formView) F(typ, name, label, value string) field {
	return field{Type: typ, Name: name, Label: label, Value: value, Err: v.E(name)}
}

// S is a select.
func (v formView) S(name, label, value string, opts []option) field {
	return field{Name: name, Label: label, Value: value, Err: v.E(name), Opts: opts}
}

// C is a checkbox.
func (v formView) C(name, label string, checked bool) field {
	return field{Type: "checkbox", Name: name, Label: label, Checked: checked, Err: v.E(name)}
}

// N is the name of a field of row i of a repeatable part.
func (formView) N(part string, i int, f string) string { return fmt.Sprintf("%s[%d].%s", part, i, f) }
