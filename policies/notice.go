package policies

import (
	"context"
	"fmt"
	"time"

	"exaccess/domain"
	"go.yaml.in/yaml/v3"
)

// A notice rule is an eligibility rule about lead time: a request it applies
// to must be submitted a minimum time before its period starts. Unlike a
// plain condition it knows the earliest start that would be accepted, so a
// refusal can say so. It is computed from "now" in a few steps, never by
// walking the days of the period.

// notice is the minimum lead time of a notice rule: a duration in hours
// (days are 24 hours each), or a count of Swedish working days.
type notice struct {
	hours       int
	workingDays int
	inDays      bool // written as days: shown as days
}

// earliestStart is the first period start date this notice accepts for a
// request evaluated at now.
//
// A duration counts from now to the start of the period's first day,
// 00:00 Stockholm time: 72 hours' notice at Monday 09:00 accepts a start on
// Friday (Thursday 00:00 would be 63 hours). Working days are whole days
// strictly between the day of evaluation and the first day of the period:
// 3 working days from a Monday accept Friday (Tuesday, Wednesday, Thursday).
func (n notice) earliestStart(now time.Time) time.Time {
	if n.workingDays > 0 {
		// The same days domain.AddWorkingDays counts, walked as UTC
		// calendar dates: no time-zone lookups on the routing path.
		d := domain.StockholmDate(now)
		for left := n.workingDays; left > 0; {
			d = d.AddDate(0, 0, 1)
			if domain.IsWorkingDay(d) {
				left--
			}
		}
		return d.AddDate(0, 0, 1)
	}
	due := now.Add(time.Duration(n.hours) * time.Hour)
	day := domain.StockholmDate(due)
	if domain.StockholmMidnight(day).Before(due) {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// String renders the notice as the policy file spells it.
func (n notice) String() string {
	switch {
	case n.workingDays > 0:
		return fmt.Sprintf("%d working days", n.workingDays)
	case n.inDays:
		return fmt.Sprintf("%d days", n.hours/24)
	}
	return fmt.Sprintf("%d hours", n.hours)
}

// noticeKeys are the keys of a notice mapping; exactly one must be given.
var noticeKeys = []string{"hours", "days", "working_days"}

// notice reads `notice: {hours: N}`, `{days: N}` or `{working_days: N}`.
func (l *loader) notice(n *yaml.Node, what string) *notice {
	m := l.fields(n, what+" notice", noticeKeys...)
	if m == nil {
		return nil
	}
	if len(m) != 1 {
		l.errorf(n.Line, "%s notice must give exactly one of hours, days or working_days", what)
		return nil
	}
	out := &notice{}
	for key, v := range m {
		count, ok := l.integer(v, fmt.Sprintf("%s notice %s", what, key), 1)
		if !ok {
			return nil
		}
		switch key {
		case "hours":
			out.hours = count
		case "days":
			out.hours, out.inDays = 24*count, true
		case "working_days":
			out.workingDays = count
		}
	}
	if out.hours > 24*366 || out.workingDays > 260 {
		l.errorf(n.Line, "%s notice must be at most a year", what)
		return nil
	}
	return out
}

// evalNotice tells whether a notice rule passes and, when it fails, the
// reason naming the earliest start date that would be accepted.
func evalNotice(ctx context.Context, r rule, act activation) (bool, string, error) {
	if r.prg != nil {
		applies, err := evalBool(ctx, r.prg, act)
		if err != nil || !applies {
			return true, r.reason, err
		}
	}
	earliest := r.notice.earliestStart(act.f.Now)
	if !act.f.Request.PeriodStart.Before(earliest) {
		return true, r.reason, nil
	}
	return false, fmt.Sprintf("%s; the earliest start that would be accepted is %s",
		r.reason, domain.DateString(earliest)), nil
}
