package api

import "time"

// The JSON shapes of the API, with only json tags, and the named converters
// between them and domain types. Nothing here is ever bound to a database row.

type unitJSON struct {
	Designation     string `json:"designation"`
	ParentFormation string `json:"parent_formation"`
	Commander       string `json:"commander"`
}

type periodJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type personnelJSON struct {
	Military    int `json:"military"`
	Civilian    int `json:"civilian"`
	Contractors int `json:"contractors"`
}

type vehicleJSON struct {
	Category string `json:"category"`
	Kind     string `json:"kind"`
	Count    int    `json:"count"`
}

type aircraftJSON struct {
	Type        string `json:"type"`
	Count       int    `json:"count"`
	Armed       bool   `json:"armed"`
	EWEquipment bool   `json:"ew_equipment"`
	Cameras     bool   `json:"cameras"`
}

type vesselJSON struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Crew int    `json:"crew"`
}

type weaponsJSON struct {
	LiveFire bool     `json:"live_fire"`
	Systems  []string `json:"systems"`
}

type dangerousGoodJSON struct {
	UNNumber       string  `json:"un_number"`
	Class          string  `json:"class"`
	NetExplosiveKg float64 `json:"net_explosive_kg"`
	Description    string  `json:"description"`
}

type movementJSON struct {
	Direction  string `json:"direction"`
	EntryPoint string `json:"entry_point"`
	At         string `json:"at"`
	Mode       string `json:"mode"`
}

type areaJSON struct {
	Area string `json:"area"`
	From string `json:"from"`
	To   string `json:"to"`
}

type contactJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// requestInput is what a liaison officer sends to create or patch a request.
// Server-owned fields (id, status, nation, version, route, …) are not here.
type requestInput struct {
	ExerciseName   string              `json:"exercise_name"`
	Purpose        string              `json:"purpose"`
	Unit           unitJSON            `json:"unit"`
	Period         periodJSON          `json:"period"`
	Personnel      personnelJSON       `json:"personnel"`
	Vehicles       []vehicleJSON       `json:"vehicles"`
	Aircraft       []aircraftJSON      `json:"aircraft"`
	Vessels        []vesselJSON        `json:"vessels"`
	Weapons        weaponsJSON         `json:"weapons"`
	DangerousGoods []dangerousGoodJSON `json:"dangerous_goods"`
	Movements      []movementJSON      `json:"movements"`
	TrainingAreas  []areaJSON          `json:"training_areas"`
	FrameworkID    string              `json:"framework_id"`
	Contact        contactJSON         `json:"contact"`
}

// readOnlyFields may appear in responses but never in a request body.
var readOnlyFields = []string{"id", "reference", "status", "version", "nation", "created_by", "created_at",
	"updated_at", "submitted_at", "route", "due_at", "decided_at", "conditions", "warnings",
	"movement_authorized", "movement_notice"}

type stageJSON struct {
	ID                string         `json:"id"`
	Role              string         `json:"role"`
	Order             int            `json:"order"`
	Status            string         `json:"status"`
	ApprovalsRequired int            `json:"approvals_required"`
	SLAWorkingDays    int            `json:"sla_working_days"`
	Reason            string         `json:"reason"`
	ActivatedAt       *time.Time     `json:"activated_at"`
	DueAt             *time.Time     `json:"due_at"`
	Decisions         []decisionJSON `json:"decisions"`
}

type decisionJSON struct {
	ID         string    `json:"id"`
	By         string    `json:"by"`
	ActingFor  string    `json:"acting_for,omitempty"`
	Outcome    string    `json:"outcome"`
	Comment    string    `json:"comment"`
	Conditions []string  `json:"conditions"`
	At         time.Time `json:"at"`
}

type routeJSON struct {
	PolicyVersion string      `json:"policy_version"`
	FastTrack     bool        `json:"fast_track"`
	Stages        []stageJSON `json:"stages"`
	Reasons       []string    `json:"reasons"`
}

type warningJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// requestResponse is a request as the API shows it.
type requestResponse struct {
	ID        string    `json:"id"`
	Reference *string   `json:"reference"`
	Status    string    `json:"status"`
	Version   int       `json:"version"`
	Nation    string    `json:"nation"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	requestInput
	Route              *routeJSON    `json:"route"`
	SubmittedAt        *time.Time    `json:"submitted_at"`
	DueAt              *time.Time    `json:"due_at"`
	DecidedAt          *time.Time    `json:"decided_at"`
	Conditions         []string      `json:"conditions"`
	Warnings           []warningJSON `json:"warnings"`
	MovementAuthorized bool          `json:"movement_authorized"`
	MovementNotice     string        `json:"movement_notice"`
}

// requestSummary is one item of a request list.
type requestSummary struct {
	ID                 string     `json:"id"`
	Reference          *string    `json:"reference"`
	Status             string     `json:"status"`
	Version            int        `json:"version"`
	Nation             string     `json:"nation"`
	ExerciseName       string     `json:"exercise_name"`
	Period             periodJSON `json:"period"`
	PersonnelTotal     int        `json:"personnel_total"`
	DueAt              *time.Time `json:"due_at"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	MovementAuthorized bool       `json:"movement_authorized"`
}

type listResponse[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}
