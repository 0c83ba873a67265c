package web

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"exaccess/domain"
)

// The domain names a field by its path ("vehicles[0].category"), as the
// API does; a page names it by its label ("Vehicle group 1 – Category").
// A labels value is that mapping for the forms of one page: every error
// summary of the console names its fields through one, so that no summary
// shows a path. Two pages may label one path differently ("nation" is
// "Nation" on the users' pages, "to" the delegate on the delegation form
// and a date on the audit page), so each page has its own.
// TestEveryFormFieldHasItsLabel walks every form's fields and the errors
// the domain gives for them, and fails on a field without its label.
type labels struct {
	// keys are the message keys of the labels of single fields.
	keys map[string]string
	// rows are the repeatable parts (the request form's): the legend of a
	// row and the labels of its fields.
	rows map[string]rowPart
	// lines are the fields typed one item a line, in a textarea: item i
	// of one is "Label – line i+1".
	lines []string
	// lists are the fields chosen as a group of checkboxes: an error of
	// one of its items is named, and linked, as the group.
	lists []string
	// within are the fields whose label alone does not say whose they
	// are, with the key of their fieldset's legend: the summary names
	// them "Legend – Label" ("Point of contact – Name").
	within map[string]string
	// selects are the fields chosen from a select of the reference data's
	// choices (a row's field without its index, "movements.entry_point"):
	// the domain's "is required" of one, left at "Choose…", reads "choose
	// one from the list", as a select of fixed choices reads "choose
	// Wheeled or Tracked" (message).
	selects []string
	// order is the page's order of the fields, groups and repeatable
	// parts (a part's rows in row order, each row's fields in its own
	// order): the error summary lists errors so, whatever order the
	// domain checked them in (TestSummaryFollowsThePage).
	order []string
}

// rowPart is a repeatable part of a form: the legend of a row and the
// labels of its fields, and their order in a row.
type rowPart struct {
	legend string
	fields map[string]string
	order  []string
}

// row is a rowPart with the legend's key and its fields' names and label
// keys, in the row's order.
func row(legend string, nameKeys ...string) rowPart {
	rp := rowPart{legend: legend, fields: map[string]string{}}
	for i := 0; i+1 < len(nameKeys); i += 2 {
		rp.fields[nameKeys[i]] = nameKeys[i+1]
		rp.order = append(rp.order, nameKeys[i])
	}
	return rp
}

// requestLabels are the labels of the request pages: the request form,
// the decision form and the reasons of a request's page.
var requestLabels = labels{keys: map[string]string{
	"exercise_name": "f.exercise_name", "purpose": "f.purpose",
	"unit.designation": "f.unit.designation", "unit.parent_formation": "f.unit.parent_formation",
	"unit.commander": "f.unit.commander", "unit": "f.unit", "weapons": "f.weapons", "contact": "f.contact",
	"period": "f.period", "period.start": "f.period.start", "period.end": "f.period.end",
	"personnel": "f.personnel", "personnel.military": "f.personnel.military",
	"personnel.civilian": "f.personnel.civilian", "personnel.contractors": "f.personnel.contractors",
	"vehicles": "f.vehicles", "aircraft": "f.aircraft", "vessels": "f.vessels",
	"weapons.live_fire": "f.weapons.live_fire", "weapons.systems": "f.weapons.systems",
	"dangerous_goods": "f.dangerous_goods", "movements": "f.movements", "training_areas": "f.training_areas",
	"framework_id": "f.framework_id",
	"contact.name": "f.contact.name", "contact.email": "f.contact.email", "contact.phone": "f.contact.phone",
	// The decision form.
	"stage": "decide.stage", "outcome": "decide.outcome", "comment": "decide.comment",
	"conditions": "decide.conds", "override_reason": "decide.override",
	// The reasons of a request's page: the domain's "reason" of each form.
	"withdraw.reason": "req.withdrawwhy", "revoke.reason": "revoke.reason",
}, rows: map[string]rowPart{
	"vehicles":        row("f.vehicle", "category", "f.category", "kind", "f.kind", "count", "f.count"),
	"aircraft":        row("f.aircraft1", "type", "f.type", "count", "f.count", "armed", "f.armed", "ew_equipment", "f.ew_equipment", "cameras", "f.cameras"),
	"vessels":         row("f.vessel", "name", "f.name", "kind", "f.kind", "crew", "f.crew"),
	"dangerous_goods": row("f.goods", "un_number", "f.un_number", "class", "f.class", "net_explosive_kg", "f.net_explosive_kg", "description", "f.description"),
	"movements":       row("f.movement", "direction", "f.direction", "entry_point", "f.entry_point", "at", "f.at", "mode", "f.mode"),
	"training_areas":  row("f.area1", "area", "f.area", "from", "f.from", "to", "f.to"),
}, within: map[string]string{"contact.name": "f.contact", "contact.email": "f.contact", "contact.phone": "f.contact"},
	selects: []string{"movements.entry_point", "training_areas.area"},
	lines:   []string{"weapons.systems", "conditions"}, order: []string{
		"exercise_name", "purpose", "unit", "unit.designation", "unit.parent_formation", "unit.commander",
		"period", "period.start", "period.end", "personnel", "personnel.military", "personnel.civilian", "personnel.contractors",
		"vehicles", "aircraft", "vessels", "weapons", "weapons.live_fire", "weapons.systems", "dangerous_goods", "movements",
		"training_areas", "framework_id", "contact", "contact.name", "contact.email", "contact.phone",
		// The request page's forms, one at a time.
		"stage", "outcome", "comment", "conditions", "override_reason", "withdraw.reason", "revoke.reason",
	}}

// The labels of the other pages' forms.
var (
	// passwordLabels: the password page of a user who knows theirs.
	passwordLabels = labels{keys: map[string]string{"old_password": "pw.old", "new_password": "pw.new", "repeat_password": "pw.repeat"},
		order: []string{"old_password", "new_password", "repeat_password"}}
	// otpLabels: the password page of a user signed in with a one-time
	// password, which it asks for by that name.
	otpLabels = labels{keys: map[string]string{"old_password": "pw.otp", "new_password": "pw.new", "repeat_password": "pw.repeat"},
		order: []string{"old_password", "new_password", "repeat_password"}}
	delegationLabels = labels{keys: map[string]string{"to": "deleg.to", "role": "deleg.role", "starts": "deleg.starts", "ends": "deleg.ends"},
		selects: []string{"role"}, order: []string{"to", "role", "starts", "ends"}}
	// queueLabels: the queue's filters.
	queueLabels = labels{keys: map[string]string{"role": "queue.role", "nation": "queue.nation", "overdue": "queue.overdue"},
		order: []string{"role", "nation", "overdue"}}
	// usersListLabels: the users list's filters.
	usersListLabels = labels{keys: map[string]string{"role": "users.role", "nation": "users.nation", "disabled": "users.state"},
		order: []string{"role", "nation", "disabled"}}
	// userLabels: the new-account form and the three forms of an
	// account's page (each form's reason is "Reason").
	userLabels = labels{keys: map[string]string{"username": "users.username", "roles": "users.roles", "nation": "users.nation",
		"email": "users.email", "reason": "users.reason"}, lists: []string{"roles"},
		order: []string{"username", "roles", "nation", "email", "reason"}}
	frameworkLabels = labels{keys: map[string]string{"nation": "fw.nation", "name": "fw.name", "reference": "fw.reference",
		"valid_from": "fw.from", "valid_until": "fw.until", "personnel_ceiling": "fw.ceiling",
		"training_areas": "fw.areas", "entry_points": "fw.points", "live_fire": "fw.livefire",
		"dangerous_goods": "fw.dg", "suspended": "fw.suspended", "notes": "fw.notes"},
		lists: []string{"training_areas", "entry_points"}, selects: []string{"nation"},
		order: []string{"nation", "name", "reference", "valid_from", "valid_until", "personnel_ceiling",
			"training_areas", "entry_points", "live_fire", "dangerous_goods", "suspended", "notes"}}
	areaLabels = labels{keys: map[string]string{"capacity_personnel": "admin.capacity", "blackout_days": "admin.blackout"},
		lines: []string{"blackout_days"}, order: []string{"capacity_personnel", "blackout_days"}}
	settingsLabels = labels{keys: map[string]string{"url": "set.url"}, order: []string{"url"}}
	// auditLabels: the search's and the export form's fields (both forms
	// have a "from" and a "to", labelled alike).
	auditLabels = labels{keys: map[string]string{"actor": "audit.actor", "action": "audit.action", "request": "audit.reference",
		"from": "audit.from", "to": "audit.to", "order": "audit.order"},
		order: []string{"actor", "action", "request", "from", "to", "order"}}
)

// pathParts matches "part[i]", "part[i].field" and "a.list[i]".
var pathParts = regexp.MustCompile(`^([a-z_.]+)\[(\d+)\](?:\.([a-z_]+))?$`)

// splitPath splits a path with an index into its part, index and field.
func splitPath(path string) (part string, i int, field string, ok bool) {
	m := pathParts.FindStringSubmatch(path)
	if m == nil {
		return "", 0, "", false
	}
	i, err := strconv.Atoi(m[2])
	return m[1], i, m[3], err == nil
}

// label names the field at path as the page labels it, without the
// hint a label may end with in brackets: "vehicles[0].category" is
// "Vehicle group 1 – Category", "contact.name" "Point of contact – Name", "weapons.systems[1]" is "Weapon systems –
// line 2", "roles[1]" is "Roles", "comment" is "Comment". A path it does
// not know is its own name (which TestEveryFormFieldHasItsLabel keeps off
// every page).
func (l labels) label(path string) string {
	if k, ok := l.keys[path]; ok {
		if legend, ok := l.within[path]; ok {
			return msg(legend) + " – " + short(msg(k))
		}
		return short(msg(k))
	}
	part, i, field, ok := splitPath(path)
	if !ok {
		return path
	}
	if rp, ok := l.rows[part]; ok {
		row := msg(rp.legend) + " " + strconv.Itoa(i+1)
		if field == "" {
			return row
		}
		if k, ok := rp.fields[field]; ok {
			return row + " – " + short(msg(k))
		}
		return path
	}
	k, known := l.keys[part]
	switch {
	case !known || field != "":
		return path
	case l.isLines(part):
		return short(msg(k)) + " – " + fmt.Sprintf(msg("form.line"), i+1)
	case slices.Contains(l.lists, part):
		return short(msg(k))
	}
	return path
}

// isLines reports whether field is typed one item a line.
func (l labels) isLines(field string) bool { return slices.Contains(l.lines, field) }

// short is a label without the hint in brackets it may end with
// ("First day (YYYY-MM-DD)" is "First day").
func short(label string) string {
	if strings.HasSuffix(label, ")") {
		if i := strings.LastIndex(label, " ("); i > 0 {
			return label[:i]
		}
	}
	return label
}

// choiceField is the field whose choices path offers: the path without
// its row index ("vehicles[0].kind" is "vehicles.kind").
func choiceField(path string) string {
	if part, _, field, ok := splitPath(path); ok && field != "" {
		return part + "." + field
	}
	return path
}

// mentionedPath finds the field paths a domain message names
// ("must not be before period.start").
var mentionedPath = regexp.MustCompile(`\b[a-z]+(?:[._][a-z]+)+\b`)

// message is a domain message about the field at path in the page's
// words. A select left at "Choose…" says so: the domain's "is required"
// of a field of fixed choices reads "choose" and the choices as the page
// shows them ("choose Wheeled or Tracked"), of a select of the reference
// data's choices "choose one from the list"; a value that is not one of
// the choices keeps "must be one of" and the choices as the page shows
// them. A field the message names is named by its label ("must not be
// before “First day”"). Any other message is the domain's.
func (l labels) message(path, message string) string {
	if opts := choices[choiceField(path)]; len(opts) > 0 {
		words := make([]string, len(opts))
		for i, o := range opts {
			words[i] = o.Label
		}
		switch {
		case message == "is required":
			return fmt.Sprintf(msg("form.choose"), orList(words))
		case strings.HasPrefix(message, "must be one of "):
			return "must be one of " + strings.Join(words, ", ")
		}
	}
	if message == "is required" && slices.Contains(l.selects, choiceField(path)) {
		return msg("form.chooselisted")
	}
	message = mentionedPath.ReplaceAllStringFunc(message, func(p string) string {
		if k, ok := l.keys[p]; ok {
			return "“" + short(msg(k)) + "”"
		}
		return p
	})
	// A row's field named by its name alone: "must not be before from".
	if part, _, _, ok := splitPath(path); ok {
		if rp, ok := l.rows[part]; ok {
			head, last, found := cutLastWord(message)
			if k, ok := rp.fields[last]; ok && found {
				message = head + "“" + short(msg(k)) + "”"
			}
		}
	}
	return message
}

// orList joins words as a sentence lists alternatives: "Approve, Request
// changes or Reject".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// cutLastWord splits s before its last word.
func cutLastWord(s string) (head, last string, found bool) {
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return "", s, false
	}
	return s[:i+1], s[i+1:], true
}

// anchor is the field an error of path links to: the field itself, or
// for an error of a group, the group's first field (as the GOV.UK pattern
// has it: a link moves focus to something that takes it); an item of a
// list typed a line each, or chosen by checkboxes, links to the list.
func (l labels) anchor(path string) string {
	if l.rows != nil {
		switch path {
		case "personnel":
			return "personnel.military"
		case "movements":
			return "movements[0].direction"
		case "period":
			return "period.start"
		}
	}
	part, i, field, ok := splitPath(path)
	switch {
	case !ok || field != "":
		return path
	case l.isLines(part) || slices.Contains(l.lists, part):
		return part
	case part == "training_areas" && l.rows != nil:
		return fmt.Sprintf("training_areas[%d].from", i) // a booking's dates are what is wrong
	}
	return path
}

// errs are the domain's field errors as the page shows them: named by
// their labels, in the page's words, each linked to a field on the page,
// in the page's order.
func (l labels) errs(fes []domain.FieldError) []fieldErr {
	out := make([]fieldErr, 0, len(fes))
	for _, f := range fes {
		out = append(out, fieldErr{Field: f.Field, Label: l.label(f.Field), Message: l.message(f.Field, f.Message),
			Anchor: fieldID(l.anchor(f.Field))})
	}
	return l.sorted(out)
}

// named names the errors of a form the console checks itself (the
// password form, the users list's and the audit page's filters) by their
// labels, in the page's order.
func (l labels) named(errs []fieldErr) []fieldErr {
	for i := range errs {
		errs[i].Label = l.label(errs[i].Field)
	}
	return l.sorted(errs)
}

// sorted orders errs as their fields are on the page, so the summary reads
// as the form does; errors of one field keep their order, and a field
// the page's order does not know goes last.
func (l labels) sorted(errs []fieldErr) []fieldErr {
	slices.SortStableFunc(errs, func(a, b fieldErr) int { return slices.Compare(l.position(a.Field), l.position(b.Field)) })
	return errs
}

// position is where the field at path is on the page: its place in the
// page's order, then for a row's field (or a line of a list) the row and
// its place in the row; a group's or a row's own error comes before its
// fields.
func (l labels) position(path string) []int {
	key, row, sub := path, -1, -1
	if part, i, field, ok := splitPath(path); ok {
		key, row = part, i
		if rp, ok := l.rows[part]; ok && field != "" {
			sub = slices.Index(rp.order, field)
		}
	}
	top := slices.Index(l.order, key)
	if top < 0 {
		top = len(l.order)
	}
	return []int{top, row, sub}
}

// fieldError is the error of one field among errs, for beside the field:
// a list typed one item a line gathers the errors of its lines ("Line 2:
// must be at most 200 characters").
func fieldError(errs []fieldErr, field string) string {
	var out []string
	for _, e := range errs {
		if e.Field == field {
			out = append(out, e.Message)
		} else if part, i, f, ok := splitPath(e.Field); ok && part == field && f == "" && requestLabels.isLines(field) {
			out = append(out, upperFirst(fmt.Sprintf(msg("form.line"), i+1))+": "+e.Message)
		}
	}
	return strings.Join(out, "; ")
}

// upperFirst starts s with a capital: a warning or a conflict, which the
// domain words to follow a colon ("approving would conflict …: training
// area …"), is a sentence of its own in a page's list ("Training area …").
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
