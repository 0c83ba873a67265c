package domain

import (
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on the size of a request, so that no field can grow without bound.
const (
	MaxExerciseName = 200
	MaxPurpose      = 4000
	MaxShortText    = 200
	MaxListItems    = 500
	MaxPeriodDays   = 180
	MaxCount        = 1_000_000
)

// ListTooLong gives the field message for a list holding more than
// MaxListItems items: the request validation and the API's scan of a
// body's shape (before decoding) both give it, so that a list too long
// reads the same whichever check finds it.
func ListTooLong() string { return fmt.Sprintf("must have at most %d items", MaxListItems) }

// validator collects every offending field instead of stopping at the first.
type validator struct{ errs []FieldError }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) text(field, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.add(field, "must be at most %d characters", max)
	case strings.ContainsFunc(s, isForbiddenControl):
		v.add(field, "must not contain control characters")
	case hasStrayLineBreak(s):
		v.add(field, "must break lines with a line feed only: a carriage return without one, or U+2028/U+2029, is refused")
	case strings.ContainsFunc(s, isInvisibleFormat):
		r := []rune(s)[slices.IndexFunc([]rune(s), isInvisibleFormat)]
		v.add(field, "must not contain invisible format or bidirectional control characters (found U+%04X)", r)
	}
}

func (v *validator) count(field string, n, min int) {
	switch {
	case n < min:
		v.add(field, "must be at least %d", min)
	case n > MaxCount:
		v.add(field, "must be at most %d", MaxCount)
	}
}

func (v *validator) list(field string, n int) bool {
	if n > MaxListItems {
		v.errs = append(v.errs, FieldError{Field: field, Message: ListTooLong()})
		return false
	}
	return true
}

// oneOf checks a choice: an empty one "is required", as any missing field
// is (the console's select left at "Choose…" reads "choose Wheeled or
// Tracked"); one not allowed "must be one of" the allowed values.
func (v *validator) oneOf(field, s string, allowed ...string) {
	switch {
	case slices.Contains(allowed, s):
	case s == "":
		v.add(field, "is required")
	default:
		v.add(field, "must be one of %s", strings.Join(allowed, ", "))
	}
}

// isForbiddenControl allows tabs and newlines in free text, nothing else below
// space, and no C1 control characters.
func isForbiddenControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f)
}

// hasStrayLineBreak finds a line break other than "\n" and "\r\n": a lone
// carriage return (an e-mail's quoted-printable encoding turns it into a
// real line break) or a Unicode line or paragraph separator (some readers
// show one as a line break). Either could start a line of its own in a
// notification, out of the indentation that marks text people wrote
// (RenderNotification).
func hasStrayLineBreak(s string) bool {
	return strings.ContainsAny(strings.ReplaceAll(s, "\r\n", "\n"), "\r\u2028\u2029")
}

// isInvisibleFormat finds the Unicode format characters (category Cf): the
// bidirectional controls U+202A–U+202E and U+2066–U+2069, which can make a
// name read backwards on an approver's screen, and the invisible ones
// (U+200B–U+200F, U+2060, U+FEFF, the soft hyphen …), which can make two
// different names look the same. Free text has no need of them.
func isInvisibleFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// ValidateDetails checks a request's details against the rules of docs/product.md
// §4 and the reference data, naming every offending field. It returns nil or
// an *Error with CodeInvalid.
func ValidateDetails(d Details, ref Reference) error {
	v := &validator{}
	v.text("exercise_name", d.ExerciseName, true, MaxExerciseName)
	v.text("purpose", d.Purpose, true, MaxPurpose)
	v.text("unit.designation", d.Unit.Designation, true, MaxShortText)
	v.text("unit.parent_formation", d.Unit.ParentFormation, false, MaxShortText)
	v.text("unit.commander", d.Unit.Commander, false, MaxShortText)
	periodOK := validatePeriod(v, d.Period)
	validatePersonnel(v, d.Personnel)
	validateEquipment(v, d)
	validateMovements(v, d.Movements, d.Period, periodOK, ref)
	validateAreas(v, d.TrainingAreas, d.Period, periodOK, ref)
	v.text("framework_id", d.FrameworkID, false, 64)
	v.text("contact.name", d.Contact.Name, true, MaxShortText)
	v.text("contact.email", d.Contact.Email, true, MaxShortText)
	if d.Contact.Email != "" && !validEmail(d.Contact.Email) {
		v.add("contact.email", "must be an e-mail address like name@example.org")
	}
	v.text("contact.phone", d.Contact.Phone, false, 50)
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "the request has invalid fields", Fields: v.errs}
	}
	return nil
}

// day checks one calendar day of a request (a period's or a booking's):
// given, and in the service's calendar (InCalendar). A zero day is one not
// given: the API and the console read these days with ParseCalendarDay,
// which refuses a given 0001-01-01 (Go's zero time) as outside the
// calendar before it gets here. It reports whether the day may be
// compared with others.
func (v *validator) day(field string, d time.Time) bool {
	switch {
	case d.IsZero():
		v.add(field, "is required")
	case !InCalendar(d):
		v.add(field, "%s", OutsideCalendar)
	default:
		return true
	}
	return false
}

// validatePeriod names each missing day or day outside the calendar, the
// end's too when the start is missing (the console, which leaves a day it
// could not read zero, shows the other's error with it); the two are
// compared only when both are good. It reports whether bookings may be
// measured against the period: both days good and in order. A period too
// long still is: its days say what was meant, and a booking outside them
// is outside a shorter one too.
func validatePeriod(v *validator, p Period) bool {
	startOK := v.day("period.start", p.Start)
	if !v.day("period.end", p.End) || !startOK {
		return false
	}
	switch {
	case p.End.Before(p.Start):
		v.add("period.end", "must not be before period.start")
		return false
	case p.Days() > MaxPeriodDays:
		v.add("period.end", "the period must be at most %d days", MaxPeriodDays)
	}
	return true
}

func validatePersonnel(v *validator, p Personnel) {
	v.count("personnel.military", p.Military, 0)
	v.count("personnel.civilian", p.Civilian, 0)
	v.count("personnel.contractors", p.Contractors, 0)
	if p.Military >= 0 && p.Civilian >= 0 && p.Contractors >= 0 && p.Total() < 1 {
		v.add("personnel", "the total must be at least 1")
	}
}

func validateEquipment(v *validator, d Details) {
	if v.list("vehicles", len(d.Vehicles)) {
		for i, x := range d.Vehicles {
			f := fieldIndex("vehicles", i)
			v.oneOf(f+".category", x.Category, VehicleCombat, VehicleNonCombat)
			v.oneOf(f+".kind", x.Kind, VehicleWheeled, VehicleTracked)
			v.count(f+".count", x.Count, 1)
		}
	}
	if v.list("aircraft", len(d.Aircraft)) {
		for i, x := range d.Aircraft {
			f := fieldIndex("aircraft", i)
			v.text(f+".type", x.Type, true, MaxShortText)
			v.count(f+".count", x.Count, 1)
		}
	}
	if v.list("vessels", len(d.Vessels)) {
		for i, x := range d.Vessels {
			f := fieldIndex("vessels", i)
			v.text(f+".name", x.Name, true, MaxShortText)
			v.oneOf(f+".kind", x.Kind, VesselWarship, VesselAuxiliary, VesselOther)
			v.count(f+".crew", x.Crew, 0)
		}
	}
	if v.list("weapons.systems", len(d.Weapons.Systems)) {
		for i, s := range d.Weapons.Systems {
			v.text(fieldIndex("weapons.systems", i), s, true, MaxShortText)
		}
	}
	if v.list("dangerous_goods", len(d.DangerousGoods)) {
		for i, g := range d.DangerousGoods {
			f := fieldIndex("dangerous_goods", i)
			if !isUNNumber(g.UNNumber) {
				v.add(f+".un_number", "must be a UN number of exactly 4 digits, like 0012")
			}
			v.text(f+".class", g.Class, true, 10)
			if g.NetExplosiveKg < 0 || g.NetExplosiveKg > 1e9 {
				v.add(f+".net_explosive_kg", "must be between 0 and 1000000000")
			}
			v.text(f+".description", g.Description, false, 1000)
		}
	}
}

// validateMovements checks each crossing; one is measured against the
// period only when periodOK (validatePeriod), as for the bookings.
func validateMovements(v *validator, ms []Movement, p Period, periodOK bool, ref Reference) {
	if !v.list("movements", len(ms)) {
		return
	}
	entries := 0
	for i, m := range ms {
		f := fieldIndex("movements", i)
		v.oneOf(f+".direction", m.Direction, DirectionEntry, DirectionExit)
		if m.Direction == DirectionEntry {
			entries++
		}
		if m.EntryPoint == "" {
			v.add(f+".entry_point", "is required")
		} else if _, ok := ref.EntryPoint(m.EntryPoint); !ok {
			v.add(f+".entry_point", "unknown entry point %s; "+ListedAtEntryPoints, quote(m.EntryPoint))
		}
		switch {
		case m.At.IsZero():
			v.add(f+".at", "is required")
		case !InCalendar(StockholmDate(m.At)):
			v.add(f+".at", "%s", OutsideCalendarTime)
		case periodOK && !MovementInPeriod(m.At, p):
			v.add(f+".at", "must fall on a day of the period %s to %s (Stockholm time)", DateString(p.Start), DateString(p.End))
		}
		v.oneOf(f+".mode", m.Mode, MovementModes...)
	}
	if entries == 0 {
		v.add("movements", "at least one entry movement is required")
	}
}

// validateAreas checks each booking; one is measured against the period
// only when periodOK (validatePeriod), as a reversed period would put
// every booking "outside" it, an error that only repeats the period's.
func validateAreas(v *validator, as []AreaBooking, p Period, periodOK bool, ref Reference) {
	if !v.list("training_areas", len(as)) {
		return
	}
	for i, a := range as {
		f := fieldIndex("training_areas", i)
		if a.Area == "" {
			v.add(f+".area", "is required")
		} else if _, ok := ref.TrainingArea(a.Area); !ok {
			v.add(f+".area", "unknown training area %s; "+ListedAtTrainingAreas, quote(a.Area))
		}
		// Each missing day, or day outside the calendar, is named, as the
		// period's (validatePeriod); the days are compared, with each
		// other and with the period, only when both are good and, for the
		// period, when it is good too.
		fromOK := v.day(f+".from", a.From)
		toOK := v.day(f+".to", a.To)
		switch {
		case !fromOK || !toOK:
		case a.To.Before(a.From):
			v.add(f+".to", "must not be before from")
		case periodOK && (a.From.Before(p.Start) || a.To.After(p.End)):
			v.add(f, "the dates must be inside the period")
		}
	}
}

func isUNNumber(s string) bool {
	if len(s) != 4 {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil && !strings.ContainsAny(s, "+-")
}

// MaxEmailLen is the longest e-mail address an account may have (RFC 5321's
// path limit).
const MaxEmailLen = 254

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

// Where a caller finds the valid codes of reference data, for the messages
// that refuse an unknown code.
const (
	ListedAtEntryPoints   = "the valid codes are listed at GET /api/v1/entry-points"
	ListedAtTrainingAreas = "the valid codes are listed at GET /api/v1/training-areas"
	ListedAtNations       = "the valid codes are listed at GET /api/v1/nations"
)

func fieldIndex(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

func quote(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64]) + "…"
	}
	return strconv.Quote(s)
}

// MaxYearsAhead bounds how far ahead an exercise may be planned; nothing real
// is filed years ahead, and the bound keeps working-day counting cheap.
const MaxYearsAhead = 2

// ValidateTiming checks the period against today: it must not have ended and
// must not start more than MaxYearsAhead years from now.
func ValidateTiming(d Details, today time.Time) error {
	v := &validator{}
	day := StockholmDate(today)
	if !d.Period.End.IsZero() && d.Period.End.Before(day) {
		v.add("period.end", "the period has already ended")
	}
	if !d.Period.Start.IsZero() && d.Period.Start.After(day.AddDate(MaxYearsAhead, 0, 0)) {
		v.add("period.start", "must be at most %d years ahead", MaxYearsAhead)
	}
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "the period is out of range", Fields: v.errs}
	}
	return nil
}
