package web

import (
	"html/template"
	"strings"
	"time"

	"exaccess/domain"
)

// stockholm is the zone every time is shown in, named beside it.
var stockholm = mustZone("Europe/Stockholm")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded by the binary (cmd/exaccess)
	}
	return l
}

// dateISO is a date as YYYY-MM-DD.
func dateISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// stockholmTime is an instant in Stockholm time with the zone named, as
// the notices have it (domain.StockholmTime): "2026-11-25 23:59 CET
// (Stockholm)"; "—" for none.
func stockholmTime(t any) string {
	tt, ok := instant(t)
	if !ok {
		return "—"
	}
	return domain.StockholmTime(tt)
}

// instant is the time.Time or *time.Time t; false for none (nil or zero).
func instant(t any) (time.Time, bool) {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v != nil {
			tt = *v
		}
	}
	return tt, !tt.IsZero()
}

// whenElement is the pages' "when": stockholmTime in a <time> element
// whose datetime is the instant in UTC, "—" for none. A table cell keeps
// it on one line (console.css), so that "2026-11-25 23:59 CET (Stockholm)"
// is not broken at its spaces in a narrow column.
func whenElement(t any) template.HTML {
	tt, ok := instant(t)
	if !ok {
		return "—"
	}
	return timeElement(tt, domain.StockholmTime(tt))
}

// untilElement is the pages' "until": untilTime in a <time> element, as
// whenElement.
func untilElement(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	return timeElement(t, untilTime(t))
}

func timeElement(t time.Time, shown string) template.HTML {
	return template.HTML(`<time datetime="` + t.UTC().Format(time.RFC3339) + `">` + template.HTMLEscapeString(shown) + `</time>`)
}

// funcs are the template functions.
func (c *Console) funcs() template.FuncMap {
	return template.FuncMap{
		"t":           msg,
		"static":      func(n string) (string, error) { return c.static.url(n) },
		"date":        dateISO,
		"when":        whenElement,
		"until":       untilElement,
		"status":      func(s domain.Status) string { return msg("status." + string(s)) },
		"role":        roleLabel,
		"overdue":     func(t *time.Time) bool { return t != nil && c.Now().After(*t) },
		"overdueAt":   func(t time.Time) bool { return c.Now().After(t) },
		"now":         c.Now,
		"join":        strings.Join,
		"fieldID":     fieldID,
		"areaName":    func(code string) string { return c.areaName(code) },
		"pointName":   func(code string) string { return c.pointName(code) },
		"nationName":  func(code string) string { return c.nationName(code) },
		"add":         func(a, b int) int { return a + b },
		"sentence":    sentence,
		"capital":     upperFirst,
		"noticeLines": noticeLines,
		"action":      actionWords,
		"choice":      choice,
		"stageWords":  stageWords,
	}
}

// fieldID turns a field path ("vehicles[0].count") into an element id.
func fieldID(field string) string {
	r := strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-")
	return "f-" + r.Replace(field)
}

func (c *Console) areaName(code string) string {
	if a, ok := c.Reference.TrainingArea(code); ok {
		return a.Name
	}
	return code
}

func (c *Console) pointName(code string) string {
	if p, ok := c.Reference.EntryPoint(code); ok {
		return p.Name
	}
	return code
}

func (c *Console) nationName(code string) string {
	if n, ok := c.Reference.Nation(code); ok {
		return n.Name
	}
	return code
}

// sentence starts a domain message with a capital and ends it with a full
// stop, for a page ("the request is gone" → "The request is gone.").
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = upperFirst(s)
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// roleLabel is the role's name for people: its wording, or for a role the
// routing policy adds, which has none, its name as the policy writes it.
func roleLabel(r domain.Role) string {
	if s, ok := english["role."+string(r)]; ok {
		return s
	}
	return string(r)
}
