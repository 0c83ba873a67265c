package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

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
	Authors      string     `gorm:"column:authors"` // JSON list of usernames; "[]" for none (authorsColumn)
}

func (requestRow) TableName() string { return "requests" }

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
	details, err := jsonColumn(domain.NewDetailsDoc(r.Details))
	if err != nil {
		return requestRow{}, fmt.Errorf("storage: encode details: %w", err)
	}
	var route *string
	if r.Route != nil {
		doc, err := jsonColumn(newRouteDoc(r.Route))
		if err != nil {
			return requestRow{}, fmt.Errorf("storage: encode: %w", err)
		}
		route = &doc
	}
	conditions, err := jsonColumn(r.Conditions)
	if err != nil {
		return requestRow{}, err
	}
	warnings, err := jsonColumn(newWarningDocs(r.Warnings))
	if err != nil {
		return requestRow{}, err
	}
	authors, err := authorsColumn(r.Authors)
	if err != nil {
		return requestRow{}, err
	}
	return requestRow{ID: r.ID, Reference: optionalString(r.Reference), Nation: r.Nation, Status: string(r.Status),
		Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: dbTime(r.CreatedAt), UpdatedAt: dbTime(r.UpdatedAt),
		SubmittedAt: dbTimePtr(r.SubmittedAt), DueAt: dbTimePtr(r.DueAt), DecidedAt: dbTimePtr(r.DecidedAt),
		ExerciseName: r.ExerciseName, PeriodStart: newSQLDate(r.Period.Start), PeriodEnd: newSQLDate(r.Period.End),
		Details: details, Route: route, Conditions: conditions, Warnings: warnings, Authors: authors}, nil
}

// authorsColumn is the authors column of a request: its Authors as a JSON
// list, "[]" for none (never "null": the queue reads it as a list).
func authorsColumn(authors []string) (string, error) {
	if len(authors) == 0 {
		return "[]", nil
	}
	return jsonColumn(authors)
}

// toDomainAuthors decodes the authors column; none is nil.
func toDomainAuthors(id, column string) ([]string, error) {
	if column == "" || column == "[]" {
		return nil, nil
	}
	var authors []string
	if err := json.Unmarshal([]byte(column), &authors); err != nil {
		return nil, fmt.Errorf("storage: request %s: authors: %w", id, err)
	}
	if len(authors) == 0 {
		return nil, nil
	}
	return authors, nil
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
	authors, err := toDomainAuthors(row.ID, row.Authors)
	if err != nil {
		return nil, err
	}
	return &domain.Request{ID: row.ID, Reference: derefString(row.Reference), Status: domain.Status(row.Status),
		Version: row.Version, Nation: row.Nation, CreatedBy: row.CreatedBy, Authors: authors,
		CreatedAt: utc(row.CreatedAt), UpdatedAt: utc(row.UpdatedAt), Details: details,
		Route: toDomainRoute(route), SubmittedAt: utcPtr(row.SubmittedAt), DueAt: utcPtr(row.DueAt),
		DecidedAt: utcPtr(row.DecidedAt), Conditions: conditions, Warnings: toDomainWarnings(warnings)}, nil
}

// summaryColumns are the columns of a summary row (scanSummaryRows): the
// request's own columns and, in place of the details, only their personnel
// object, which the database cuts out of the stored text (SQLite's JSON
// functions, PostgreSQL's jsonb), so that a page of 50 neither copies nor
// decodes 50 whole documents and routes.
func summaryColumns(dialect string) string {
	personnel := "json_extract(details, '$.personnel')"
	if dialect == DialectPostgres {
		personnel = "(details::jsonb -> 'personnel')::text"
	}
	return `id, reference, nation, status, version, created_by, created_at, updated_at,
	submitted_at, due_at, decided_at, exercise_name, period_start, period_end, ` + personnel
}

// scanSummaryRows runs q, which selects summaryColumns, into rows whose
// Details holds the personnel object only.
func scanSummaryRows(q *gorm.DB) ([]requestRow, error) {
	rs, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []requestRow
	for rs.Next() {
		var r requestRow
		var personnel sql.NullString
		if err := rs.Scan(&r.ID, &r.Reference, &r.Nation, &r.Status, &r.Version, &r.CreatedBy, &r.CreatedAt,
			&r.UpdatedAt, &r.SubmittedAt, &r.DueAt, &r.DecidedAt, &r.ExerciseName, &r.PeriodStart, &r.PeriodEnd,
			&personnel); err != nil {
			return nil, err
		}
		r.Details = personnel.String
		out = append(out, r)
	}
	return out, rs.Err()
}

// toSummaryRequest is toDomainRequest for a summary row: the columns and,
// of the details, only the personnel.
func toSummaryRequest(row requestRow) (*domain.Request, error) {
	var doc domain.PersonnelDoc
	if row.Details != "" {
		if err := json.Unmarshal([]byte(row.Details), &doc); err != nil {
			return nil, fmt.Errorf("storage: request %s: personnel: %w", row.ID, err)
		}
	}
	return &domain.Request{ID: row.ID, Reference: derefString(row.Reference), Status: domain.Status(row.Status),
		Version: row.Version, Nation: row.Nation, CreatedBy: row.CreatedBy,
		CreatedAt: utc(row.CreatedAt), UpdatedAt: utc(row.UpdatedAt),
		Details: domain.Details{ExerciseName: row.ExerciseName, Personnel: domain.Personnel(doc),
			Period: domain.Period{Start: row.PeriodStart.Time, End: row.PeriodEnd.Time}},
		SubmittedAt: utcPtr(row.SubmittedAt), DueAt: utcPtr(row.DueAt), DecidedAt: utcPtr(row.DecidedAt)}, nil
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

// List page sizes when the caller gives none or too many (docs/product.md, "Limits").
const (
	defaultListLimit = 50
	maxListLimit     = 200
)

// listLimit is a list's page size for the limit asked: the default for
// none (0), at most the maximum (docs/product.md, "Limits").
func listLimit(asked int) int {
	if asked <= 0 {
		return defaultListLimit
	}
	return min(asked, maxListLimit)
}

// GetRequest reads a request from the read pool.
func (d *DB) GetRequest(ctx context.Context, id string) (*domain.Request, error) {
	return getRequest(d.reader.WithContext(ctx), id)
}

func getRequest(g *gorm.DB, id string) (*domain.Request, error) {
	row, err := getRequestRow(g, id)
	if err != nil {
		return nil, err
	}
	return toDomainRequest(row)
}

// getRequestRow reads the stored row of a request by id or reference.
func getRequestRow(g *gorm.DB, id string) (requestRow, error) {
	column := "id"
	if domain.IsReference(id) {
		column = "reference" // unique, indexed
	}
	// One row by its key, read and scanned without GORM's reflection: every
	// change reads its request this way on the writer.
	q := "SELECT " + requestColumns + " FROM requests WHERE " + column + " = ?"
	if g.Dialector.Name() == DialectPostgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	ctx := g.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	var row requestRow
	if err := scanRequestRow(g.Statement.ConnPool.QueryRowContext(ctx, q, id), &row); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return row, domain.ErrNotFound("request")
		}
		return row, translate(err, "request")
	}
	return row, nil
}

// RequestHead reads a request's head from the read pool.
func (d *DB) RequestHead(ctx context.Context, id string) (*domain.RequestHead, error) {
	return getRequestHead(d.reader.WithContext(ctx), id)
}

// getRequestHead reads the head of a request by id or reference: six short
// columns by a unique index, never the details, route or warnings, which
// a large request holds hundreds of kilobytes of (SQLite keeps them in
// overflow pages, PostgreSQL out of line, neither reads them unasked), so
// that the head of another nation's request costs what a miss does.
func getRequestHead(g *gorm.DB, id string) (*domain.RequestHead, error) {
	column := "id"
	if domain.IsReference(id) {
		column = "reference"
	}
	q := "SELECT id, reference, nation, status, version, submitted_at FROM requests WHERE " + column + " = ?"
	if g.Dialector.Name() == DialectPostgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	ctx := g.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	var h domain.RequestHead
	var reference *string
	var status string
	var submitted *time.Time
	err := g.Statement.ConnPool.QueryRowContext(ctx, q, id).Scan(&h.ID, &reference, &h.Nation, &status, &h.Version, &submitted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.ErrNotFound("request")
	}
	if err != nil {
		return nil, translate(err, "request")
	}
	h.Reference, h.Status, h.SubmittedAt = derefString(reference), domain.Status(status), utcPtr(submitted)
	return &h, nil
}

// requestColumns are the columns of requestRow in scanRequestRow's order.
const requestColumns = `id, reference, nation, status, version, created_by, created_at, updated_at,
	submitted_at, due_at, decided_at, exercise_name, period_start, period_end, details, route, conditions, warnings,
	authors`

// scanRequestRow reads one row of requestColumns.
func scanRequestRow(sc interface{ Scan(...any) error }, r *requestRow) error {
	return sc.Scan(&r.ID, &r.Reference, &r.Nation, &r.Status, &r.Version, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt,
		&r.SubmittedAt, &r.DueAt, &r.DecidedAt, &r.ExerciseName, &r.PeriodStart, &r.PeriodEnd, &r.Details, &r.Route,
		&r.Conditions, &r.Warnings, &r.Authors)
}

// ListRequests returns one page, newest first, by keyset on the
// time-ordered id: `WHERE filters AND id < after ORDER BY id DESC LIMIT n+1`.
// Each filter combination has an index ending in id (see the migration), so
// the database walks the index backwards and stops after n+1 rows: no sort,
// no OFFSET, no COUNT. The extra row only tells whether a next page exists.
func (d *DB) ListRequests(ctx context.Context, f domain.RequestFilter) (domain.RequestPage, error) {
	limit := listLimit(f.Limit)
	q := listQuery(d.reader.WithContext(ctx), f).Limit(limit + 1)
	var rows []requestRow
	var err error
	if f.Summary {
		rows, err = scanSummaryRows(q.Select(summaryColumns(d.dialect)))
	} else {
		rows, err = scanRequestRows(q.Select(requestColumns))
	}
	if err != nil {
		return domain.RequestPage{}, translate(err, "list requests")
	}
	var page domain.RequestPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextAfter = rows[limit-1].ID
	}
	page.Items = make([]domain.Request, 0, len(rows))
	decode := toDomainRequest
	if f.Summary {
		decode = toSummaryRequest
	}
	for _, row := range rows {
		r, err := decode(row)
		if err != nil {
			return domain.RequestPage{}, err
		}
		page.Items = append(page.Items, *r)
	}
	return page, nil
}

// scanRequestRows runs q, which selects requestColumns, and scans its rows
// without GORM's reflection (a page is 50 of them).
func scanRequestRows(q *gorm.DB) ([]requestRow, error) {
	rs, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []requestRow
	for rs.Next() {
		var r requestRow
		if err := scanRequestRow(rs, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// everSubmitted and withdrawnSubmitted are the conditions of the partial
// indexes of migration 0029 (requests_submitted_id, requests_submitted_nation_id;
// requests_withdrawn_submitted_id, requests_withdrawn_submitted_nation_id)
// as the list of a reader who may not see the requests never submitted
// writes them: with literal values. PostgreSQL may plan a statement the
// driver keeps prepared once for any values (a generic plan), which cannot
// use a partial index for a bound value; SQLite can only by preparing the
// statement again once the value is bound, on every run.
const (
	everSubmitted = "status <> '" + string(domain.StatusDraft) + "' AND (status <> '" +
		string(domain.StatusWithdrawn) + "' OR submitted_at IS NOT NULL)"
	withdrawnSubmitted = "status = '" + string(domain.StatusWithdrawn) + "' AND submitted_at IS NOT NULL"
)

// approvedRequest is the condition of requests_approved_period_end
// (migration 0031), which holds the approved requests only, as the expiry
// sweep and ListExpired write it: with its literal value, as everSubmitted.
const approvedRequest = "status = '" + string(domain.StatusApproved) + "'"

// listQuery is the filtered, ordered query of ListRequests without its limit.
func listQuery(g *gorm.DB, f domain.RequestFilter) *gorm.DB {
	q := g.Model(&requestRow{})
	if f.Nation != "" {
		q = q.Where("nation = ?", f.Nation)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.SubmittedOnly {
		// Never submitted (domain.Request.EverSubmitted): a draft, or
		// withdrawn with no submission time. The condition, with literal
		// values, is that of a partial index of migration 0029 that holds
		// only the requests ever submitted, in the order the list walks:
		// the walk never meets a draft, however many there are (an area
		// filter still looks up every request that books the area). A
		// status other than these two needs none.
		switch f.Status {
		case "":
			q = q.Where(everSubmitted)
		case domain.StatusDraft:
			return q.Where("1 = 0")
		case domain.StatusWithdrawn:
			q = q.Where(withdrawnSubmitted)
		}
	}
	if f.Area != "" {
		q = q.Where("id IN (SELECT request_id FROM request_areas WHERE area = ?)", f.Area)
	}
	if f.Reference != "" { // unique: at most one row, by its index
		q = q.Where("reference = ?", f.Reference)
	}
	if f.IDs != nil { // by the primary key; none when empty
		if len(f.IDs) == 0 {
			return q.Where("1 = 0")
		}
		q = q.Where("id IN ?", f.IDs)
	}
	if f.After != "" {
		q = q.Where("id < ?", f.After)
	}
	return q.Order("id DESC")
}

// ListExpired returns ids of approved requests whose period ended before day.
func (d *DB) ListExpired(ctx context.Context, day time.Time, limit int) ([]string, error) {
	var ids []string
	err := expiredQuery(d.reader.WithContext(ctx), day, limit).Pluck("id", &ids).Error
	return ids, translate(err, "expired requests")
}

// expiredQuery is ListExpired's query, without its column: a range of
// the requests_approved_period_end index (migration 0031), in its order.
func expiredQuery(g *gorm.DB, day time.Time, limit int) *gorm.DB {
	return g.Model(&requestRow{}).Where(approvedRequest+" AND period_end < ?", newSQLDate(day)).
		Order("period_end, id").Limit(limit)
}

// RequestIDByReference finds a request by its human reference;
// CodeNotFound when none has it.
func (d *DB) RequestIDByReference(ctx context.Context, reference string) (string, error) {
	var ids []string
	err := d.reader.WithContext(ctx).Model(&requestRow{}).Where("reference = ?", reference).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return "", translate(err, "request")
	}
	if len(ids) == 0 {
		return "", domain.ErrNotFound("request")
	}
	return ids[0], nil
}
