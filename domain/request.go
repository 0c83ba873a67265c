package domain

import (
	"slices"
	"time"
)

// Request is one application for exercise access (docs/product.md, "The request").
type Request struct {
	ID        string
	Reference string // SE-2026-EXA-000123; assigned at first submission
	Status    Status
	Version   int
	Nation    string // ISO alpha-2, from the liaison officer's token
	CreatedBy string
	// Authors are everyone who wrote the request — created, changed,
	// submitted, resubmitted or withdrew it — each once, in the order they
	// first did (AddAuthor); the creator is the first. Separation of duties
	// refuses each of them a decision on it, as it refuses the creator.
	Authors   []string
	CreatedAt time.Time
	UpdatedAt time.Time

	Details

	Route       *Route
	SubmittedAt *time.Time
	DueAt       *time.Time
	DecidedAt   *time.Time
	Conditions  []string
	Warnings    []Warning
	// ExpiryReported says the status reads expired only because the
	// period has ended (ReportExpiry): the sweep has not yet recorded it,
	// so the version, and with it the ETag, is still the approved one's.
	ExpiryReported bool
}

// Details are the fields a liaison officer fills in. They are what create and
// patch may change; everything else on a Request belongs to the server.
type Details struct {
	ExerciseName   string
	Purpose        string
	Unit           Unit
	Period         Period
	Personnel      Personnel
	Vehicles       []Vehicle
	Aircraft       []Aircraft
	Vessels        []Vessel
	Weapons        Weapons
	DangerousGoods []DangerousGood
	Movements      []Movement
	TrainingAreas  []AreaBooking
	FrameworkID    string
	Contact        Contact
}

// Unit is the sending unit.
type Unit struct {
	Designation     string
	ParentFormation string
	Commander       string
}

// Period is the exercise period, whole days, both ends inclusive. Dates are
// UTC midnights.
type Period struct {
	Start time.Time
	End   time.Time
}

// Days is the number of calendar days in the period, both ends counted.
func (p Period) Days() int {
	return int(p.End.Sub(p.Start).Hours()/24) + 1
}

// Personnel counts people by category; names are out of scope.
type Personnel struct {
	Military    int
	Civilian    int
	Contractors int
}

// Total is everyone together.
func (p Personnel) Total() int { return p.Military + p.Civilian + p.Contractors }

// Vehicle categories and kinds.
const (
	VehicleCombat    = "combat"
	VehicleNonCombat = "non_combat"
	VehicleWheeled   = "wheeled"
	VehicleTracked   = "tracked"
)

// Vehicle is a group of vehicles of one category and kind.
type Vehicle struct {
	Category string
	Kind     string
	Count    int
}

// Aircraft is a group of aircraft of one type.
type Aircraft struct {
	Type        string
	Count       int
	Armed       bool
	EWEquipment bool
	Cameras     bool
}

// Vessel kinds.
const (
	VesselWarship   = "warship"
	VesselAuxiliary = "auxiliary"
	VesselOther     = "other"
)

// Vessel is one ship.
type Vessel struct {
	Name string
	Kind string
	Crew int
}

// Weapons says what is carried and whether live fire is planned.
type Weapons struct {
	LiveFire bool
	Systems  []string
}

// DangerousGood is one consignment of dangerous goods.
type DangerousGood struct {
	UNNumber       string
	Class          string
	NetExplosiveKg float64
	Description    string
}

// Movement directions and modes.
const (
	DirectionEntry = "entry"
	DirectionExit  = "exit"
)

// MovementModes are the allowed movement modes.
var MovementModes = []string{"road", "rail", "sea", "air"}

// Movement is one border crossing.
type Movement struct {
	Direction  string
	EntryPoint string
	At         time.Time
	Mode       string
}

// AreaBooking is a request's claim on a training area for some days.
type AreaBooking struct {
	Area string
	From time.Time
	To   time.Time
}

// Contact is the point of contact for the request.
type Contact struct {
	Name  string
	Email string
	Phone string
}

// Warning is advice attached to a request that does not block it.
type Warning struct {
	Code    string
	Message string
	// Audience is who may read it: "" everyone who reads the request,
	// AudienceNation the sending nation only, AudienceApprovers everyone
	// else (see WarningsFor).
	Audience string
}

// Visible reports whether p may know that r exists: the one rule of
// need-to-know on requests (docs/security.md), which every read, list and
// action follows. Liaison officers see their own nation's requests only.
// Every other role with read access sees every request that was ever
// submitted (EverSubmitted); one never submitted is its nation's working
// copy, not yet shared with Sweden, and only auditors, who read
// everything, see it besides its nation's liaison officers. For everyone
// else it does not exist.
func (r *Request) Visible(p Principal) bool {
	if p.IsLiaison() {
		return p.Nation == r.Nation
	}
	return r.EverSubmitted() || SeesUnsubmitted(p)
}

// EverSubmitted reports whether r was ever sent for review: every request
// but a draft and a draft withdrawn before its first submission, which has
// no submission time (a submission sets SubmittedAt and nothing clears
// it). Storage lists by the same test (RequestFilter.SubmittedOnly).
func (r *Request) EverSubmitted() bool {
	switch r.Status {
	case StatusDraft:
		return false
	case StatusWithdrawn:
		return r.SubmittedAt != nil
	}
	return true
}

// SeesUnsubmitted reports whether p may see requests never submitted
// (EverSubmitted): liaison officers, their own nation's (Visible), and
// auditors, whose read-only access covers everything. Approvers and
// administrators do not.
func SeesUnsubmitted(p Principal) bool {
	return p.IsLiaison() || p.HasRole(RoleAuditor)
}

// AddAuthor records who as an author of r: appended if not one already,
// so the list has no duplicates and keeps the order of first appearance.
// Every write of a request by its nation's liaison officer adds the writer.
func (r *Request) AddAuthor(who string) {
	if who != "" && !slices.Contains(r.Authors, who) {
		r.Authors = append(r.Authors, who)
	}
}

// WrittenBy reports whether who created r or is one of its authors.
func (r *Request) WrittenBy(who string) bool {
	return who != "" && (who == r.CreatedBy || slices.Contains(r.Authors, who))
}

// Editable reports whether the liaison officer may still change the details.
func (r *Request) Editable() bool {
	return r.Status == StatusDraft || r.Status == StatusChangesRequested
}
