package domain

import (
	"reflect"
	"strings"
	"time"
)

// The functions here render domain values as plain maps with the API's
// snake_case names, for audit entries. An audit entry outlives any Go type,
// so it records data in the shape clients and auditors already know.

// DetailsData renders the details a liaison officer filled in, as DetailsDoc
// (the document storage keeps) with every list present: one member per
// top-level field, so that ChangedDetails can name the fields that changed.
func DetailsData(d Details) map[string]any {
	v := reflect.ValueOf(NewDetailsDoc(d))
	out := make(map[string]any, v.NumField())
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		out[name] = emptyLists(v.Field(i)).Interface()
	}
	return out
}

// emptyLists returns a copy of v in which every nil slice, however deep, is
// empty instead: an audit entry shows an absent list as [], as the API does.
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
