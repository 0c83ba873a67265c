package domain

import (
	"fmt"
	"time"
)

// The border crossings of a request and its period: a unit crosses into
// Sweden on a day of the exercise period and leaves on one, so that the
// permit's "may move" days cover every crossing it lists.

// CodeMovementMode is the warning that a crossing's mode is not the one
// the reference data gives its entry point. It is not an error: several
// crossings serve more than one mode (a road crossing with a railway, an
// airport beside a port; see the entry points' notes).
const CodeMovementMode = "movement_mode"

// MovementInPeriod reports whether at falls on a day of p: the Stockholm
// calendar day of the instant, first and last day included.
func MovementInPeriod(at time.Time, p Period) bool {
	d := StockholmDate(at)
	return !d.Before(dateOnly(p.Start)) && !d.After(dateOnly(p.End))
}

// dateOnly is the calendar day of a period's day, at midnight UTC as
// StockholmDate gives it.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MovementWarnings warns of each movement whose mode differs from its
// entry point's in the reference data. Unknown entry points are the
// validator's errors, not warnings.
func MovementWarnings(ms []Movement, ref Reference) []Warning {
	var out []Warning
	for i, m := range ms {
		ep, ok := ref.EntryPoint(m.EntryPoint)
		if !ok || ep.Mode == "" || m.Mode == "" || m.Mode == ep.Mode {
			continue
		}
		out = append(out, Warning{Code: CodeMovementMode, Message: fmt.Sprintf(
			"crossing %d is planned by %s at %s, which is listed as a %s crossing: check that it takes %s traffic",
			i+1, m.Mode, ep.Name, ep.Mode, m.Mode)})
	}
	return out
}
