package storage

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"exaccess/domain"
)

// hasRole matches a role in the comma-separated roles column, with
// roleElement's argument: the role with a comma either side is a substring
// of the column with a comma either side, so it matches a whole element
// only, in the same case, as domain.User.HasRole does. Not LIKE: its "_"
// matches any character (role names have "_", so "hns,officer" was an
// hns_officer), and it ignores case on SQLite but not on PostgreSQL. No
// index is lost: the LIKE began with "%" and read every row as well.
func hasRole(dialect string) string { return rolesContain(dialect, "roles", "?") }

// rolesContain is hasRole on the roles column named roles, for the element
// element (an SQL expression: "?" with roleElement's argument, or one that
// puts a comma either side of a column).
func rolesContain(dialect, roles, element string) string {
	if dialect == DialectPostgres {
		return "strpos(',' || " + roles + " || ',', " + element + ") > 0"
	}
	return "instr(',' || " + roles + " || ',', " + element + ") > 0"
}

func roleElement(r domain.Role) string { return "," + string(r) + "," }

var _ domain.AccountSource = (*DB)(nil)

// GetUser reads one account by id from the read pool.
func (d *DB) GetUser(ctx context.Context, id string) (*domain.User, error) {
	return getUser(d.reader.WithContext(ctx), "id = ?", id, false)
}

// getUser reads one account; with lock, on PostgreSQL, it takes the row's
// lock FOR NO KEY UPDATE: the lock an UPDATE of the row takes, so that the
// writers of one account take turns, but not one that waits for the
// KEY SHARE lock that a transaction inserting a row referencing the
// account (an outbox row, a session) holds until it commits. Such a
// transaction queues its outbox rows holding the audit counter, which
// every audited change takes last: FOR UPDATE would make it wait for a
// change holding the account, and that change for the audit counter, a
// deadlock (TestRaceRevocationBesideAStageNotice).
func getUser(g *gorm.DB, where, arg string, lock bool) (*domain.User, error) {
	q := g.Where(where, arg)
	if lock && g.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	var row userRow
	if err := q.Take(&row).Error; err != nil {
		return nil, translate(err, "user")
	}
	return toDomainUser(row), nil
}

// ListUsers returns a page of accounts, oldest first (ids are time-ordered).
func (d *DB) ListUsers(ctx context.Context, f domain.UserFilter) (domain.UserPage, error) {
	q := d.reader.WithContext(ctx).Model(&userRow{})
	if f.Role != "" {
		q = q.Where(hasRole(d.dialect), roleElement(f.Role))
	}
	if f.Nation != "" {
		q = q.Where("nation = ?", f.Nation)
	}
	if f.Disabled != nil && *f.Disabled {
		q = q.Where("disabled_at IS NOT NULL")
	} else if f.Disabled != nil {
		q = q.Where("disabled_at IS NULL")
	}
	if f.Legacy {
		// A superset of domain.AccountWarnings's accounts, which the
		// caller picks: the administrators, the names holding a
		// reserved one in any case, the accounts of the host nation, and
		// those holding a role not known now (what is left of their
		// roles once every known one is taken out is more than commas).
		cond, args := hasRole(d.dialect)+" OR nation = ?", []any{roleElement(domain.RoleAdmin), domain.HostNation}
		for _, name := range domain.ReservedUsernames {
			cond += " OR lower(username) LIKE ?"
			args = append(args, "%"+name+"%")
		}
		rest := "',' || roles || ','"
		for _, r := range domain.AllRoles() {
			rest = "replace(" + rest + ", ?, ',')"
			args = append(args, roleElement(r))
		}
		cond += " OR " + rest + " NOT IN (',', ',,')"
		q = q.Where("("+cond+")", args...)
	}
	if f.After != "" {
		q = q.Where("id > ?", f.After)
	}
	var rows []userRow
	if err := q.Order("id").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return domain.UserPage{}, translate(err, "users")
	}
	var page domain.UserPage
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.NextAfter = rows[len(rows)-1].ID
	}
	for _, row := range rows {
		page.Items = append(page.Items, *toDomainUser(row))
	}
	return page, nil
}

type accountStateRow struct {
	Username   string     `gorm:"column:username"`
	Generation int64      `gorm:"column:generation"`
	DisabledAt *time.Time `gorm:"column:disabled_at"`
	External   bool       `gorm:"column:external"`
}

func (r accountStateRow) state() domain.AccountState {
	return domain.AccountState{Generation: r.Generation, Disabled: r.DisabledAt != nil, External: r.External}
}

const accountStateColumns = "username, generation, disabled_at, external"

// heldClaimsRow is what an external account holds of the identity
// provider's claims (domain.HeldClaims).
type heldClaimsRow struct {
	Username       string     `gorm:"column:username"`
	Roles          string     `gorm:"column:roles"`
	Nation         string     `gorm:"column:nation"`
	ClaimsIssuedAt *time.Time `gorm:"column:idp_claims_issued_at"`
	TokensEndedAt  *time.Time `gorm:"column:idp_tokens_ended_at"`
}

func (r heldClaimsRow) claims() *domain.HeldClaims {
	return &domain.HeldClaims{Roles: parseRoles(r.Roles), Nation: r.Nation, IssuedAt: utcOrZero(r.ClaimsIssuedAt)}
}

// heldClaims are the columns of heldClaimsRow after the username: an
// external account's claims, and when its tokens ended.
const heldClaims = "roles, nation, idp_claims_issued_at, idp_tokens_ended_at"

// AccountStates reads every account's generation and disabled flag: four
// narrow columns, read once a second by each server process; and, in a
// second query, the claims the external accounts hold and when their
// tokens ended (only theirs are compared with tokens, so the accounts of
// this server cost nothing more).
func (d *DB) AccountStates(ctx context.Context) (map[string]domain.AccountState, error) {
	var rows []accountStateRow
	if err := d.reader.WithContext(ctx).Model(&userRow{}).Select(accountStateColumns).Find(&rows).Error; err != nil {
		return nil, translate(err, "account states")
	}
	var claims []heldClaimsRow
	if err := d.reader.WithContext(ctx).Model(&userRow{}).Select("username, " + heldClaims).Where("external").Find(&claims).Error; err != nil {
		return nil, translate(err, "account states")
	}
	out := make(map[string]domain.AccountState, len(rows))
	for _, r := range rows {
		out[r.Username] = r.state()
	}
	for _, c := range claims {
		if st, ok := out[c.Username]; ok && st.External {
			st.Claims, st.TokensEndedAt = c.claims(), utcOrZero(c.TokensEndedAt)
			out[c.Username] = st
		}
	}
	return out, nil
}

// AccountState reads one account's state, with its claims and when its
// tokens ended when it is external.
func (d *DB) AccountState(ctx context.Context, username string) (domain.AccountState, error) {
	var row struct {
		Username       string     `gorm:"column:username"`
		Generation     int64      `gorm:"column:generation"`
		DisabledAt     *time.Time `gorm:"column:disabled_at"`
		External       bool       `gorm:"column:external"`
		Roles          string     `gorm:"column:roles"`
		Nation         string     `gorm:"column:nation"`
		ClaimsIssuedAt *time.Time `gorm:"column:idp_claims_issued_at"`
		TokensEndedAt  *time.Time `gorm:"column:idp_tokens_ended_at"`
	}
	err := d.reader.WithContext(ctx).Model(&userRow{}).Select(accountStateColumns+", "+heldClaims).
		Where("username = ?", username).Take(&row).Error
	if err != nil {
		return domain.AccountState{}, translate(err, "user")
	}
	st := accountStateRow{Generation: row.Generation, DisabledAt: row.DisabledAt, External: row.External}.state()
	if st.External {
		st.Claims = heldClaimsRow{Roles: row.Roles, Nation: row.Nation, ClaimsIssuedAt: row.ClaimsIssuedAt}.claims()
		st.TokensEndedAt = utcOrZero(row.TokensEndedAt)
	}
	return st, nil
}

// GetUser reads one account inside the transaction.
func (t *tx) GetUser(id string) (*domain.User, error) { return getUser(t.g, "id = ?", id, false) }

// GetUserByUsername reads one account inside the transaction, with its
// row lock on PostgreSQL when lock is set.
func (t *tx) GetUserByUsername(username string, lock bool) (*domain.User, error) {
	return getUser(t.g, "username = ?", username, lock)
}

// UpdateUser stores u with compare-and-set on the version column.
func (t *tx) UpdateUser(u *domain.User, expectedVersion int) error {
	row := newUserRow(u)
	res := t.g.Model(&userRow{}).Where("id = ? AND version = ?", u.ID, expectedVersion).
		Select("password_hash", "roles", "nation", "generation", "version", "disabled_at", "disabled_reason",
			"must_change_password", "one_time_password_expires_at", "failed_sign_ins", "locked_until", "external", "updated_at", "email",
			"idp_claims_issued_at", "idp_tokens_ended_at").Updates(&row)
	if res.Error != nil {
		return translate(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.CodePreconditionFailed, "the account has changed since version %d", expectedVersion)
	}
	return nil
}

// CountAdminsWhoCanSignIn counts the enabled administrators who can sign
// in at t: those not holding a one-time password expired by t, as
// domain.User.OneTimePasswordExpired (sign-in's rule) judges their stored
// columns. On PostgreSQL it first locks the rows of every enabled
// administrator (FOR UPDATE cannot go with COUNT).
func (t *tx) CountAdminsWhoCanSignIn(at time.Time) (int, error) {
	q := t.g.Model(&userRow{}).Select("id", "must_change_password", "one_time_password_expires_at").
		Where("disabled_at IS NULL AND "+hasRole(t.g.Dialector.Name()), roleElement(domain.RoleAdmin))
	if t.g.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []userRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return 0, translate(err, "administrators")
	}
	n := 0
	for _, row := range rows {
		if !toDomainUser(row).OneTimePasswordExpired(at) {
			n++
		}
	}
	return n, nil
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
	OTPExpiresAt       *time.Time `gorm:"column:one_time_password_expires_at"`
	FailedSignIns      int        `gorm:"column:failed_sign_ins"`
	LockedUntil        *time.Time `gorm:"column:locked_until"`
	External           bool       `gorm:"column:external"`
	UpdatedAt          *time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
	Email              string     `gorm:"column:email"`
	ClaimsIssuedAt     *time.Time `gorm:"column:idp_claims_issued_at"`
	TokensEndedAt      *time.Time `gorm:"column:idp_tokens_ended_at"`
}

func (userRow) TableName() string { return "users" }

// Roles are stored as comma-separated names: role names never contain commas,
// and a user has a handful of them.
func newUserRow(u *domain.User) userRow {
	roles := mapSlice(u.Roles, func(r domain.Role) string { return string(r) })
	gen, version := max(u.Generation, 1), max(u.Version, 1)
	var updated, claims, ended *time.Time
	if !u.UpdatedAt.IsZero() {
		t := dbTime(u.UpdatedAt)
		updated = &t
	}
	if !u.ClaimsIssuedAt.IsZero() {
		t := dbTime(u.ClaimsIssuedAt)
		claims = &t
	}
	if !u.TokensEndedAt.IsZero() {
		t := dbTime(u.TokensEndedAt)
		ended = &t
	}
	return userRow{ID: u.ID, Username: u.Username, PasswordHash: u.PasswordHash,
		Roles: strings.Join(roles, ","), Nation: u.Nation, CreatedAt: dbTime(u.CreatedAt),
		Generation: gen, Version: version, DisabledAt: dbTimePtr(u.DisabledAt), DisabledReason: u.DisabledReason,
		MustChangePassword: u.MustChangePassword, OTPExpiresAt: dbTimePtr(u.OneTimePasswordExpiresAt), FailedSignIns: u.FailedSignIns,
		LockedUntil: dbTimePtr(u.LockedUntil), External: u.External, UpdatedAt: updated, Email: u.Email,
		ClaimsIssuedAt: claims, TokensEndedAt: ended}
}

// parseRoles reads the roles column.
func parseRoles(column string) []domain.Role {
	var roles []domain.Role
	for r := range strings.SplitSeq(column, ",") {
		if r != "" {
			roles = append(roles, domain.Role(r))
		}
	}
	return roles
}

// utcOrZero reads back an optional timestamp as a value: zero when NULL.
func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return utc(*t)
}

func toDomainUser(row userRow) *domain.User {
	u := &domain.User{ID: row.ID, Username: row.Username, PasswordHash: row.PasswordHash,
		Roles: parseRoles(row.Roles), Nation: row.Nation, CreatedAt: utc(row.CreatedAt),
		Generation: row.Generation, Version: row.Version, DisabledAt: utcPtr(row.DisabledAt),
		DisabledReason: row.DisabledReason, MustChangePassword: row.MustChangePassword, OneTimePasswordExpiresAt: utcPtr(row.OTPExpiresAt),
		FailedSignIns: row.FailedSignIns, LockedUntil: utcPtr(row.LockedUntil), External: row.External, Email: row.Email,
		UpdatedAt: utc(row.CreatedAt), ClaimsIssuedAt: utcOrZero(row.ClaimsIssuedAt),
		TokensEndedAt: utcOrZero(row.TokensEndedAt)}
	if row.UpdatedAt != nil {
		u.UpdatedAt = utc(*row.UpdatedAt)
	}
	return u
}

// GetUserByUsername reads a user from the read pool.
func (d *DB) GetUserByUsername(ctx context.Context, username string) (*domain.User, error) {
	var row userRow
	if err := d.reader.WithContext(ctx).Where("username = ?", username).Take(&row).Error; err != nil {
		return nil, translate(err, "user")
	}
	return toDomainUser(row), nil
}

// CountUsers tells whether the database has any users yet (demo seeding).
func (d *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := d.reader.WithContext(ctx).Model(&userRow{}).Count(&n).Error; err != nil {
		return 0, translate(err, "count users")
	}
	return n, nil
}

// CreateUser inserts u; a taken username is a conflict. An empty ID gets a
// random one, so callers without an id generator can still create users.
func (t *tx) CreateUser(u *domain.User) error {
	if u.ID == "" {
		id, err := randomID()
		if err != nil {
			return err
		}
		u.ID = id
	}
	row := newUserRow(u)
	return translate(t.g.Create(&row).Error, "user")
}
