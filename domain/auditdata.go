package domain

import (
	"reflect"
	"time"
)

// The functions here render domain values as plain maps with the API's
// snake_case names, for audit entries. An audit entry outlives any Go type,
// so it records data in the shape clients and auditors already know.

// DetailsData renders the details a liaison officer filled in.
func DetailsData(d Details) map[string]any {
	out := map[string]any{
		"exercise_name": d.ExerciseName,
		"purpose":       d.Purpose,
		"unit": map[string]any{"designation": d.Unit.Designation,
			"parent_formation": d.Unit.ParentFormation, "commander": d.Unit.Commander},
		"period":       map[string]any{"start": DateString(d.Period.Start), "end": DateString(d.Period.End)},
		"personnel":    map[string]any{"military": d.Personnel.Military, "civilian": d.Personnel.Civilian, "contractors": d.Personnel.Contractors},
		"weapons":      map[string]any{"live_fire": d.Weapons.LiveFire, "systems": stringsData(d.Weapons.Systems)},
		"contact":      map[string]any{"name": d.Contact.Name, "email": d.Contact.Email, "phone": d.Contact.Phone},
		"framework_id": d.FrameworkID,
	}
	out["vehicles"] = listData(d.Vehicles, func(v Vehicle) map[string]any {
		return map[string]any{"category": v.Category, "kind": v.Kind, "count": v.Count}
	})
	out["aircraft"] = listData(d.Aircraft, func(a Aircraft) map[string]any {
		return map[string]any{"type": a.Type, "count": a.Count, "armed": a.Armed, "ew_equipment": a.EWEquipment, "cameras": a.Cameras}
	})
	out["vessels"] = listData(d.Vessels, func(v Vessel) map[string]any {
		return map[string]any{"name": v.Name, "kind": v.Kind, "crew": v.Crew}
	})
	out["dangerous_goods"] = listData(d.DangerousGoods, func(g DangerousGood) map[string]any {
		return map[string]any{"un_number": g.UNNumber, "class": g.Class, "net_explosive_kg": g.NetExplosiveKg, "description": g.Description}
	})
	out["movements"] = listData(d.Movements, func(m Movement) map[string]any {
		return map[string]any{"direction": m.Direction, "entry_point": m.EntryPoint, "at": m.At.UTC().Format(time.RFC3339), "mode": m.Mode}
	})
	out["training_areas"] = listData(d.TrainingAreas, func(a AreaBooking) map[string]any {
		return map[string]any{"area": a.Area, "from": DateString(a.From), "to": DateString(a.To)}
	})
	return out
}

// ChangedDetails renders only the top-level fields whose values differ
// between before and after, with their new values.
func ChangedDetails(before, after Details) map[string]any {
	return changedData(DetailsData(before), DetailsData(after))
}

// changedData keeps the members of a whose values differ from b's.
func changedData(b, a map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		if !reflect.DeepEqual(b[k], v) {
			out[k] = v
		}
	}
	return out
}

// RouteData renders a route: its policy version and stages with due dates.
func RouteData(r *Route) map[string]any {
	if r == nil {
		return nil
	}
	return map[string]any{
		"policy_version": r.PolicyVersion,
		"fast_track":     r.FastTrack,
		"reasons":        stringsData(r.Reasons),
		"stages": listData(r.Stages, func(s Stage) map[string]any {
			return map[string]any{"id": s.ID, "role": string(s.Role), "order": s.Order, "status": string(s.Status),
				"approvals_required": s.ApprovalsRequired, "due_at": timeString(s.DueAt)}
		}),
	}
}

func listData[T any](xs []T, f func(T) map[string]any) []any {
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func stringsData(xs []string) []any {
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		out = append(out, x)
	}
	return out
}

// DateString renders a date as YYYY-MM-DD, and the zero date as "".
func DateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
