package storage

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"exaccess/domain"
)

// Row structs carry only gorm tags: they are the shape of a table, nothing
// else. autoCreateTime/autoUpdateTime are off because the domain's clock sets
// every timestamp; GORM's own "now" would break a fixed test clock.

type requestRow struct {
	ID           string     `gorm:"column:id;primaryKey"`
	Reference    *string    `gorm:"column:reference"`
	Nation       string     `gorm:"column:nation"`
	Status       string     `gorm:"column:status"`
	Version      int        `gorm:"column:version"`
	CreatedBy    string     `gorm:"column:created_by"`
	CreatedAt    time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt    time.Time  `gorm:"column:updated_at;autoUpdateTime:false"`
	SubmittedAt  *time.Time `gorm:"column:submitted_at"`
	DueAt        *time.Time `gorm:"column:due_at"`
	DecidedAt    *time.Time `gorm:"column:decided_at"`
	ExerciseName string     `gorm:"column:exercise_name"`
	PeriodStart  sqlDate    `gorm:"column:period_start"`
	PeriodEnd    sqlDate    `gorm:"column:period_end"`
	Details      string     `gorm:"column:details"`
	Route        *string    `gorm:"column:route"`
	Conditions   string     `gorm:"column:conditions"`
	Warnings     string     `gorm:"column:warnings"`
}

func (requestRow) TableName() string { return "requests" }

// updateRequestSQL is UpdateRequest's compare-and-set: it rewrites all
// columns but the identity and the creation facts, which never change.
// Plain SQL rather than GORM's Updates: it runs on every change, and building
// it by reflection each time cost more than running it.
const updateRequestSQL = `UPDATE requests SET reference = ?, status = ?, version = ?, updated_at = ?,
	submitted_at = ?, due_at = ?, decided_at = ?, exercise_name = ?, period_start = ?, period_end = ?,
	details = ?, route = ?, conditions = ?, warnings = ? WHERE id = ? AND version = ?`

type requestAreaRow struct {
	RequestID string  `gorm:"column:request_id;primaryKey"`
	Position  int     `gorm:"column:position;primaryKey;autoIncrement:false"`
	Area      string  `gorm:"column:area"`
	FromDate  sqlDate `gorm:"column:from_date"`
	ToDate    sqlDate `gorm:"column:to_date"`
	Personnel int     `gorm:"column:personnel"`
}

func (requestAreaRow) TableName() string { return "request_areas" }

func newRequestRow(r *domain.Request) (requestRow, error) {
	details, err := json.Marshal(domain.NewDetailsDoc(r.Details))
	if err != nil {
		return requestRow{}, fmt.Errorf("storage: encode details: %w", err)
	}
	route, err := marshalOptional(newRouteDoc(r.Route))
	if err != nil {
		return requestRow{}, err
	}
	conditions, err := json.Marshal(cloneStrings(r.Conditions))
	if err != nil {
		return requestRow{}, err
	}
	warnings, err := json.Marshal(newWarningDocs(r.Warnings))
	if err != nil {
		return requestRow{}, err
	}
	return requestRow{ID: r.ID, Reference: optionalString(r.Reference), Nation: r.Nation, Status: string(r.Status),
		Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: dbTime(r.CreatedAt), UpdatedAt: dbTime(r.UpdatedAt),
		SubmittedAt: dbTimePtr(r.SubmittedAt), DueAt: dbTimePtr(r.DueAt), DecidedAt: dbTimePtr(r.DecidedAt),
		ExerciseName: r.ExerciseName, PeriodStart: newSQLDate(r.Period.Start), PeriodEnd: newSQLDate(r.Period.End),
		Details: string(details), Route: route, Conditions: string(conditions), Warnings: string(warnings)}, nil
}

func toDomainRequest(row requestRow) (*domain.Request, error) {
	var doc domain.DetailsDoc
	if err := json.Unmarshal([]byte(row.Details), &doc); err != nil {
		return nil, fmt.Errorf("storage: request %s: details: %w", row.ID, err)
	}
	details, err := doc.Details()
	if err != nil {
		return nil, fmt.Errorf("storage: request %s: %w", row.ID, err)
	}
	details.ExerciseName = row.ExerciseName
	details.Period = domain.Period{Start: row.PeriodStart.Time, End: row.PeriodEnd.Time}
	var route *routeDoc
	var conditions []string
	var warnings []warningDoc
	if err := unmarshalColumns(row, &route, &conditions, &warnings); err != nil {
		return nil, err
	}
	return &domain.Request{ID: row.ID, Reference: derefString(row.Reference), Status: domain.Status(row.Status),
		Version: row.Version, Nation: row.Nation, CreatedBy: row.CreatedBy,
		CreatedAt: utc(row.CreatedAt), UpdatedAt: utc(row.UpdatedAt), Details: details,
		Route: toDomainRoute(route), SubmittedAt: utcPtr(row.SubmittedAt), DueAt: utcPtr(row.DueAt),
		DecidedAt: utcPtr(row.DecidedAt), Conditions: conditions, Warnings: toDomainWarnings(warnings)}, nil
}

func unmarshalColumns(row requestRow, route **routeDoc, conditions *[]string, warnings *[]warningDoc) error {
	if row.Route != nil {
		if err := json.Unmarshal([]byte(*row.Route), route); err != nil {
			return fmt.Errorf("storage: request %s: route: %w", row.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(row.Conditions), conditions); err != nil {
		return fmt.Errorf("storage: request %s: conditions: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.Warnings), warnings); err != nil {
		return fmt.Errorf("storage: request %s: warnings: %w", row.ID, err)
	}
	return nil
}

func newRequestAreaRows(r *domain.Request) []requestAreaRow {
	rows := make([]requestAreaRow, len(r.TrainingAreas))
	for i, a := range r.TrainingAreas {
		rows[i] = requestAreaRow{RequestID: r.ID, Position: i, Area: a.Area,
			FromDate: newSQLDate(a.From), ToDate: newSQLDate(a.To), Personnel: r.Personnel.Total()}
	}
	return rows
}

type userRow struct {
	ID                 string     `gorm:"column:id;primaryKey"`
	Username           string     `gorm:"column:username"`
	PasswordHash       string     `gorm:"column:password_hash"`
	Roles              string     `gorm:"column:roles"`
	Nation             string     `gorm:"column:nation"`
	CreatedAt          time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	Generation         int64      `gorm:"column:generation"`
	Version            int        `gorm:"column:version"`
	DisabledAt         *time.Time `gorm:"column:disabled_at"`
	DisabledReason     string     `gorm:"column:disabled_reason"`
	MustChangePassword bool       `gorm:"column:must_change_password"`
	FailedSignIns      int        `gorm:"column:failed_sign_ins"`
	LockedUntil        *time.Time `gorm:"column:locked_until"`
	External           bool       `gorm:"column:external"`
	UpdatedAt          *time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
	Email              string     `gorm:"column:email"`
}

func (userRow) TableName() string { return "users" }

// Roles are stored as comma-separated names: role names never contain commas,
// and a user has a handful of them.
func newUserRow(u *domain.User) userRow {
	roles := mapSlice(u.Roles, func(r domain.Role) string { return string(r) })
	gen, version := max(u.Generation, 1), max(u.Version, 1)
	var updated *time.Time
	if !u.UpdatedAt.IsZero() {
		t := dbTime(u.UpdatedAt)
		updated = &t
	}
	return userRow{ID: u.ID, Username: u.Username, PasswordHash: u.PasswordHash,
		Roles: strings.Join(roles, ","), Nation: u.Nation, CreatedAt: dbTime(u.CreatedAt),
		Generation: gen, Version: version, DisabledAt: dbTimePtr(u.DisabledAt), DisabledReason: u.DisabledReason,
		MustChangePassword: u.MustChangePassword, FailedSignIns: u.FailedSignIns,
		LockedUntil: dbTimePtr(u.LockedUntil), External: u.External, UpdatedAt: updated, Email: u.Email}
}

func toDomainUser(row userRow) *domain.User {
	var roles []domain.Role
	for r := range strings.SplitSeq(row.Roles, ",") {
		if r != "" {
			roles = append(roles, domain.Role(r))
		}
	}
	u := &domain.User{ID: row.ID, Username: row.Username, PasswordHash: row.PasswordHash,
		Roles: roles, Nation: row.Nation, CreatedAt: utc(row.CreatedAt),
		Generation: row.Generation, Version: row.Version, DisabledAt: utcPtr(row.DisabledAt),
		DisabledReason: row.DisabledReason, MustChangePassword: row.MustChangePassword,
		FailedSignIns: row.FailedSignIns, LockedUntil: utcPtr(row.LockedUntil), External: row.External, Email: row.Email,
		UpdatedAt: utc(row.CreatedAt)}
	if row.UpdatedAt != nil {
		u.UpdatedAt = utc(*row.UpdatedAt)
	}
	return u
}

type idempotencyRow struct {
	Principal      string    `gorm:"column:principal;primaryKey"`
	IdempotencyKey string    `gorm:"column:idempotency_key;primaryKey"`
	Fingerprint    string    `gorm:"column:fingerprint"`
	RequestID      string    `gorm:"column:request_id"`
	Response       []byte    `gorm:"column:response"`
	CreatedAt      time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

func newIdempotencyRow(rec domain.IdempotencyRecord) idempotencyRow {
	// An empty response is stored as zero bytes, not NULL.
	resp := append([]byte{}, rec.Response...)
	return idempotencyRow{Principal: rec.Principal, IdempotencyKey: rec.Key, Fingerprint: rec.Fingerprint,
		RequestID: rec.RequestID, Response: resp, CreatedAt: dbTime(rec.CreatedAt)}
}

func toDomainIdempotency(row idempotencyRow) *domain.IdempotencyRecord {
	return &domain.IdempotencyRecord{Principal: row.Principal, Key: row.IdempotencyKey, Fingerprint: row.Fingerprint,
		RequestID: row.RequestID, Response: row.Response, CreatedAt: utc(row.CreatedAt)}
}

type auditRow struct {
	Idx            int64     `gorm:"column:idx;primaryKey;autoIncrement:false"`
	At             time.Time `gorm:"column:at"`
	Actor          string    `gorm:"column:actor"`
	ActingFor      string    `gorm:"column:acting_for"`
	Action         string    `gorm:"column:action"`
	RequestID      string    `gorm:"column:request_id"`
	RequestVersion int       `gorm:"column:request_version"`
	Entry          []byte    `gorm:"column:entry"`
}

func (auditRow) TableName() string { return "audit_log" }

func marshalOptional[T any](v *T) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("storage: encode: %w", err)
	}
	s := string(b)
	return &s, nil
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type nationRow struct {
	Alpha2          string  `gorm:"column:alpha2;primaryKey"`
	Alpha3          string  `gorm:"column:alpha3"`
	NumericCode     string  `gorm:"column:numeric_code"`
	Name            string  `gorm:"column:name"`
	EUMemberFrom    sqlDate `gorm:"column:eu_member_from"`
	EUMemberUntil   sqlDate `gorm:"column:eu_member_until"`
	NATOMemberFrom  sqlDate `gorm:"column:nato_member_from"`
	NATOMemberUntil sqlDate `gorm:"column:nato_member_until"`
	Notes           string  `gorm:"column:notes"`
}

func (nationRow) TableName() string { return "nations" }

func toDomainNation(row nationRow) domain.Nation {
	return domain.Nation{Code: row.Alpha2, Alpha3: row.Alpha3, Name: row.Name,
		EUFrom: row.EUMemberFrom.ptr(), EUUntil: row.EUMemberUntil.ptr(),
		NATOFrom: row.NATOMemberFrom.ptr(), NATOUntil: row.NATOMemberUntil.ptr(), Notes: row.Notes}
}

type trainingAreaRow struct {
	Code              string  `gorm:"column:code;primaryKey"`
	Name              string  `gorm:"column:name"`
	Near              string  `gorm:"column:near"`
	County            string  `gorm:"column:county"`
	Lat               float64 `gorm:"column:lat"`
	Lon               float64 `gorm:"column:lon"`
	ResponsibleUnit   string  `gorm:"column:responsible_unit"`
	CapacityPersonnel int     `gorm:"column:capacity_personnel"`
	Notes             string  `gorm:"column:notes"`
	BlackoutDays      string  `gorm:"column:blackout_days;default:[]"` // JSON array of YYYY-MM-DD
	Version           int     `gorm:"column:version;default:1"`
}

func (trainingAreaRow) TableName() string { return "training_areas" }

func toDomainTrainingArea(row trainingAreaRow) (domain.TrainingArea, error) {
	a := domain.TrainingArea{Code: row.Code, Name: row.Name, Near: row.Near, County: row.County, Lat: row.Lat,
		Lon: row.Lon, ResponsibleUnit: row.ResponsibleUnit, CapacityPersonnel: row.CapacityPersonnel,
		Notes: row.Notes, Version: row.Version}
	days, err := decodeDates(row.BlackoutDays)
	if err != nil {
		return a, fmt.Errorf("storage: training area %s: blackout days: %w", row.Code, err)
	}
	a.BlackoutDays = days
	return a, nil
}

type entryPointRow struct {
	Code       string `gorm:"column:code;primaryKey"`
	Name       string `gorm:"column:name"`
	Mode       string `gorm:"column:mode"`
	Identifier string `gorm:"column:identifier"`
	Neighbour  string `gorm:"column:neighbour"`
	Notes      string `gorm:"column:notes"`
}

func (entryPointRow) TableName() string { return "entry_points" }

func toDomainEntryPoint(row entryPointRow) domain.EntryPoint {
	return domain.EntryPoint(row)
}
