package storage

import "time"

// The JSON columns of requests hold these storage-private documents, never
// marshalled domain structs: a renamed Go field must not silently change the
// stored format. Names are snake_case and stable; a change of shape is a
// migration. Lists are written as given: nil as null, empty as [], so a
// request reads back exactly as it was stored.

// detailsDoc is requests.details: the liaison officer's fields except those
// stored in columns of their own (exercise_name, period).
type detailsDoc struct {
	Purpose        string             `json:"purpose"`
	Unit           unitDoc            `json:"unit"`
	Personnel      personnelDoc       `json:"personnel"`
	Vehicles       []vehicleDoc       `json:"vehicles"`
	Aircraft       []aircraftDoc      `json:"aircraft"`
	Vessels        []vesselDoc        `json:"vessels"`
	Weapons        weaponsDoc         `json:"weapons"`
	DangerousGoods []dangerousGoodDoc `json:"dangerous_goods"`
	Movements      []movementDoc      `json:"movements"`
	TrainingAreas  []areaBookingDoc   `json:"training_areas"`
	FrameworkID    string             `json:"framework_id"`
	Contact        contactDoc         `json:"contact"`
}

type unitDoc struct {
	Designation     string `json:"designation"`
	ParentFormation string `json:"parent_formation"`
	Commander       string `json:"commander"`
}

type personnelDoc struct {
	Military    int `json:"military"`
	Civilian    int `json:"civilian"`
	Contractors int `json:"contractors"`
}

type vehicleDoc struct {
	Category string `json:"category"`
	Kind     string `json:"kind"`
	Count    int    `json:"count"`
}

type aircraftDoc struct {
	Type        string `json:"type"`
	Count       int    `json:"count"`
	Armed       bool   `json:"armed"`
	EWEquipment bool   `json:"ew_equipment"`
	Cameras     bool   `json:"cameras"`
}

type vesselDoc struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Crew int    `json:"crew"`
}

type weaponsDoc struct {
	LiveFire bool     `json:"live_fire"`
	Systems  []string `json:"systems"`
}

type dangerousGoodDoc struct {
	UNNumber       string  `json:"un_number"`
	Class          string  `json:"class"`
	NetExplosiveKg float64 `json:"net_explosive_kg"`
	Description    string  `json:"description"`
}

type movementDoc struct {
	Direction  string    `json:"direction"`
	EntryPoint string    `json:"entry_point"`
	At         time.Time `json:"at"`
	Mode       string    `json:"mode"`
}

// areaBookingDoc dates are whole days, "YYYY-MM-DD".
type areaBookingDoc struct {
	Area string `json:"area"`
	From string `json:"from"`
	To   string `json:"to"`
}

type contactDoc struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

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
