package domain

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Days closed on a booked area. An administrator who adds blackout days to
// a training area that requests in review or approved book tells them, in
// the transaction of the change (FrameworkService.SaveTrainingArea): the
// liaison officers of each such request's nation, and, for a request in
// review, the holders (and delegates) of the roles of its active stages.
// Each notice names one request, the area and the days of its own bookings
// the change closed — blackout days are public on the area — and nothing
// of any other request.

// NotifyAreaClosed is the kind of those notices.
const NotifyAreaClosed = "area.closed"

// AreaClosedNotifications are the notices of area's newly closed days to
// request r, days being those its bookings of area cover (its BlackoutHit's
// Days, sorted): none when r is not in review or approved, or days is
// empty.
func AreaClosedNotifications(area TrainingArea, days []time.Time, r *Request) []NotificationEvent {
	if r == nil || !slices.Contains(BookingStatuses, r.Status) || len(days) == 0 {
		return nil
	}
	name := area.Name
	if name == "" {
		name = area.Code
	}
	base := NotificationEvent{Kind: NotifyAreaClosed, RequestID: r.ID, Reference: r.Reference, ExerciseName: r.ExerciseName,
		Status: r.Status, Area: name, Closed: days}
	ev := base
	ev.Audience = Audience{Nation: r.Nation}
	out := []NotificationEvent{ev}
	if r.Status == StatusInReview && r.Route != nil {
		for _, s := range r.Route.Stages {
			if s.Status == StageActive {
				ev := base
				ev.Audience, ev.Stage = Audience{Role: s.Role, Barred: BarredFrom(r, s.ID)}, s.ID
				out = append(out, ev)
			}
		}
	}
	return out
}

// AreaClosedKey is the key base of the i-th notice of an area's change to
// version about request id: unique, since every change of an area raises
// its version.
func AreaClosedKey(area string, version int, requestID string, i int) string {
	return NotifyAreaClosed + ":" + area + ":" + strconv.Itoa(version) + ":" + requestID + ":" + strconv.Itoa(i)
}

// AddedDays are the days of after that are not in before: the days a
// change of an area's blackout days closes.
func AddedDays(before, after []time.Time) []time.Time {
	var out []time.Time
	for _, d := range after {
		if !slices.ContainsFunc(before, d.Equal) {
			out = append(out, d)
		}
	}
	return out
}

// renderAreaClosed is the subject and body of an area.closed notice, less
// its status and link lines.
func renderAreaClosed(ev NotificationEvent, ref string) (subject, body string) {
	days := dayRangesLong(ev.Closed)
	subject = "Days closed on " + ev.Area + ": " + ref
	if ev.Audience.Role != "" {
		return subject, fmt.Sprintf("%s is now closed (blackout) on %s, days that request %s, waiting for your role's decision in %s, books there.\n",
			ev.Area, days, ref, StageWords(ev.Stage, ev.Audience.Role))
	}
	body = fmt.Sprintf("%s is now closed (blackout) on %s, days that your request %s books there.\n", ev.Area, days, ref)
	if ev.Status == StatusApproved {
		body += "Its permit, signed at approval, still lists these days: do not use the area on them. The unit may still move in the period.\n"
	} else {
		body += "Nobody may use the area on those days; the request stays in review.\n"
	}
	return subject, body
}
