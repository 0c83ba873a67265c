package domain

import (
	"reflect"
	"time"
)

// The functions here render domain values as the typed data of audit
// entries (auditactions.go), with the API's snake_case names. An audit entry
// outlives any Go type, so it records data in the shape clients and auditors
// already know.

// NewRequestCreatedData renders the details a liaison officer filled in, as
// DetailsDoc (the document storage keeps) with every list present, however
// deep: an audit entry shows an absent list as [], as the API does.
func NewRequestCreatedData(d Details) RequestCreatedData {
	return RequestCreatedData{emptyLists(reflect.ValueOf(NewDetailsDoc(d))).Interface().(DetailsDoc)}
}

// DetailsData is NewRequestCreatedData as a generic map: one member per
// top-level field, so that ChangedDetails can name the fields that changed.
func DetailsData(d Details) map[string]any {
	return jsonFields(NewRequestCreatedData(d))
}

// emptyLists returns a copy of v in which every nil slice, however deep, is
// empty instead.
func emptyLists(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Slice:
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(emptyLists(v.Index(i)))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(emptyLists(v.Field(i)))
		}
		return out
	}
	return v
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

// NewRouteData renders a route: its policy version and stages with due
// dates; nil for no route.
func NewRouteData(r *Route) *RouteData {
	if r == nil {
		return nil
	}
	out := &RouteData{PolicyVersion: r.PolicyVersion, FastTrack: r.FastTrack, Reasons: list(r.Reasons),
		Stages: make([]StageData, 0, len(r.Stages))}
	for _, s := range r.Stages {
		out.Stages = append(out.Stages, StageData{ID: s.ID, Role: string(s.Role), Order: s.Order, Status: string(s.Status),
			ApprovalsRequired: s.ApprovalsRequired, DueAt: timeString(s.DueAt)})
	}
	return out
}

// list is xs, or an empty list for nil: audit data shows no list as [].
func list(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
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
