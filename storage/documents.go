package storage

import "time"

// The JSON columns of requests hold documents, never marshalled domain
// structs: a renamed Go field must not silently change the
// stored format. Names are snake_case and stable; a change of shape is a
// migration. Lists are written as given: nil as null, empty as [], so a
// request reads back exactly as it was stored.

// requests.details holds domain.DetailsDoc, the one rendering of a request's
// details that the audit entries use too. Its exercise_name and period repeat
// the columns of those names, which are what is read back (rows written
// before the document carried them lack them).

// routeDoc is requests.route, NULL before the first submission.
type routeDoc struct {
	PolicyVersion string     `json:"policy_version"`
	FastTrack     bool       `json:"fast_track"`
	Stages        []stageDoc `json:"stages"`
	Reasons       []string   `json:"reasons"`
	// Earlier are the decisions of earlier review rounds (who decided which
	// stage), kept for separation of duties over the request's whole life.
	Earlier []decisionDoc `json:"earlier_decisions,omitempty"`
}

type stageDoc struct {
	ID                string        `json:"id"`
	Role              string        `json:"role"`
	Order             int           `json:"order"`
	Status            string        `json:"status"`
	ApprovalsRequired int           `json:"approvals_required"`
	SLAWorkingDays    int           `json:"sla_working_days"`
	Reason            string        `json:"reason"`
	ActivatedAt       *time.Time    `json:"activated_at"`
	DueAt             *time.Time    `json:"due_at"`
	Decisions         []decisionDoc `json:"decisions"`
}

type decisionDoc struct {
	ID         string    `json:"id"`
	Stage      string    `json:"stage"`
	By         string    `json:"by"`
	ActingFor  string    `json:"acting_for"`
	Outcome    string    `json:"outcome"`
	Comment    string    `json:"comment"`
	Conditions []string  `json:"conditions"`
	At         time.Time `json:"at"`
}

// warningDoc is one element of requests.warnings.
type warningDoc struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Audience string `json:"audience,omitempty"`
}

// mapSlice converts each element, keeping nil as nil and empty as empty.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// cloneStrings copies a string list, keeping nil as nil.
func cloneStrings(in []string) []string {
	return mapSlice(in, func(s string) string { return s })
}
