package storage

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

type delegationRow struct {
	ID        string     `gorm:"column:id;primaryKey"`
	FromUser  string     `gorm:"column:from_user"`
	ToUser    string     `gorm:"column:to_user"`
	Role      string     `gorm:"column:role"`
	StartsAt  time.Time  `gorm:"column:starts_at"`
	EndsAt    time.Time  `gorm:"column:ends_at"`
	CreatedAt time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	RevokedAt *time.Time `gorm:"column:revoked_at"`
}

func (delegationRow) TableName() string { return "delegations" }

func newDelegationRow(d *domain.Delegation) delegationRow {
	return delegationRow{ID: d.ID, FromUser: d.From, ToUser: d.To, Role: string(d.Role),
		StartsAt: dbTime(d.Starts), EndsAt: dbTime(d.Ends),
		CreatedAt: dbTime(d.CreatedAt), RevokedAt: dbTimePtr(d.RevokedAt)}
}

func toDomainDelegation(row delegationRow) domain.Delegation {
	return domain.Delegation{ID: row.ID, From: row.FromUser, To: row.ToUser, Role: domain.Role(row.Role),
		Starts: row.StartsAt.UTC(), Ends: row.EndsAt.UTC(), CreatedAt: row.CreatedAt.UTC(), RevokedAt: utcPtr(row.RevokedAt)}
}

func toDomainDelegations(rows []delegationRow) []domain.Delegation {
	out := make([]domain.Delegation, len(rows))
	for i, row := range rows {
		out[i] = toDomainDelegation(row)
	}
	return out
}

func activeDelegations(g *gorm.DB, user string, t time.Time) ([]domain.Delegation, error) {
	rows, err := runningDelegations(g, "to_user", user, t)
	if err != nil {
		return nil, err
	}
	return countingDelegations(g, rows)
}

// runningDelegations are the delegations whose column (to_user,
// from_user or role) is value and that run at t: not revoked, started, not ended;
// counting or not. In id order.
func runningDelegations(g *gorm.DB, column, value string, t time.Time) ([]delegationRow, error) {
	var rows []delegationRow
	t = dbTime(t)
	err := g.Where(column+" = ? AND ends_at > ? AND starts_at <= ? AND revoked_at IS NULL", value, t, t).
		Order("id").Find(&rows).Error
	return rows, translate(err, "delegations")
}

// countingDelegations keeps the delegations whose accounts let them give
// their role (domain.DelegationCounts): a delegator enabled and holding
// the role and not admin, a delegate enabled and holding an approver role
// and not admin. Delegators and delegates are read in one query.
func countingDelegations(g *gorm.DB, rows []delegationRow) ([]domain.Delegation, error) {
	accounts, err := delegationAccounts(g, rows, true)
	if err != nil {
		return nil, err
	}
	var out []domain.Delegation
	for _, row := range rows {
		d := toDomainDelegation(row)
		if domain.DelegationCounts(d, accounts[row.FromUser], accounts[row.ToUser]) {
			out = append(out, d)
		}
	}
	return out, nil
}

// countingCondition is domain.DelegationCounts as a condition on a row of
// delegations: its role is an approver role now, its delegator's account
// is enabled and holds the row's role and not admin, its delegate's is enabled and holds an approver role and
// not admin (roles matched as hasRole matches them). A query with a limit
// applies it before the limit, so that delegations that do not count
// cannot crowd out those that do; countingDelegations still applies the
// rule itself to what it returns.
func countingCondition(dialect string) (string, []any) {
	args := []any{roleElement(domain.RoleAdmin)} // the delegator's
	approverRoles := domain.ApproverRoles()      // the policy's own too
	approver := make([]string, len(approverRoles))
	for i, r := range approverRoles {
		approver[i] = rolesContain(dialect, "delegate.roles", "?")
		args = append(args, roleElement(r))
	}
	args = append(args, roleElement(domain.RoleAdmin)) // the delegate's
	holdsRole := rolesContain(dialect, "delegator.roles", "',' || delegations.role || ','")
	// The delegated role is an approver role now: one the policy dropped
	// gives nothing (domain.DelegationCounts).
	delegable := make([]string, len(approverRoles))
	for i, r := range approverRoles {
		delegable[i] = string(r)
	}
	args = append(args, delegable)
	return `EXISTS (SELECT 1 FROM users delegator WHERE delegator.username = delegations.from_user
			AND delegator.disabled_at IS NULL AND ` + holdsRole + `
			AND NOT ` + rolesContain(dialect, "delegator.roles", "?") + `)
		AND EXISTS (SELECT 1 FROM users delegate WHERE delegate.username = delegations.to_user
			AND delegate.disabled_at IS NULL AND (` + strings.Join(approver, " OR ") + `)
			AND NOT ` + rolesContain(dialect, "delegate.roles", "?") + `)
		AND delegations.role IN ?`, args
}

// delegationAccounts reads the accounts of the delegators and delegates of
// rows, by username, in one query; with enabledOnly a disabled account is
// left out (it counts as none: domain.DelegationCounts).
func delegationAccounts(g *gorm.DB, rows []delegationRow, enabledOnly bool) (map[string]*domain.User, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	names := make([]string, 0, 2*len(rows))
	for _, row := range rows {
		names = append(names, row.FromUser, row.ToUser)
	}
	slices.Sort(names)
	q := g.Where("username IN ?", slices.Compact(names))
	if enabledOnly {
		q = q.Where("disabled_at IS NULL")
	}
	var users []userRow
	if err := q.Find(&users).Error; err != nil {
		return nil, translate(err, "delegators and delegates")
	}
	accounts := make(map[string]*domain.User, len(users))
	for _, u := range users {
		accounts[u.Username] = toDomainUser(u)
	}
	return accounts, nil
}

// ActiveDelegations are the delegations to user that grant a role at t.
func (d *DB) ActiveDelegations(ctx context.Context, user string, t time.Time) ([]domain.Delegation, error) {
	return activeDelegations(d.reader.WithContext(ctx), user, t)
}

// ListDelegations returns one page of the delegations given by or to
// f.User (all when ""), newest first, by keyset on the time-ordered id
// (`id < after ORDER BY id DESC LIMIT n+1`, as ListRequests), each with why
// it gives its role to nobody at t (domain.DelegationInactive), its
// delegator and delegate read in one more query.
func (d *DB) ListDelegations(ctx context.Context, f domain.DelegationFilter, t time.Time) (domain.DelegationPage, error) {
	limit := listLimit(f.Limit)
	g := d.reader.WithContext(ctx)
	q := g.Model(&delegationRow{})
	if f.User != "" {
		q = q.Where("(from_user = ? OR to_user = ?)", f.User, f.User)
	}
	if f.ID != "" {
		q = q.Where("id = ?", f.ID)
	}
	if f.After != "" {
		q = q.Where("id < ?", f.After)
	}
	var rows []delegationRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return domain.DelegationPage{}, translate(err, "delegations")
	}
	var page domain.DelegationPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextAfter = rows[limit-1].ID
	}
	accounts, err := delegationAccounts(g, rows, false)
	if err != nil {
		return domain.DelegationPage{}, err
	}
	page.Items = make([]domain.ListedDelegation, len(rows))
	for i, row := range rows {
		dl := toDomainDelegation(row)
		page.Items[i] = domain.ListedDelegation{Delegation: dl,
			InactiveReason: domain.DelegationInactive(dl, accounts[row.FromUser], accounts[row.ToUser], t)}
	}
	return page, nil
}

// ActiveDelegations reads inside the transaction, so a decision sees a
// revocation committed before it.
func (t *tx) ActiveDelegations(user string, at time.Time) ([]domain.Delegation, error) {
	return activeDelegations(t.g, user, at)
}

// DelegationsFrom are the delegations user gave that run at at, counting
// or not, in id order: an account change decides which of them it ends
// (domain withdrawLapsedDelegations).
func (t *tx) DelegationsFrom(user string, at time.Time) ([]domain.Delegation, error) {
	rows, err := runningDelegations(t.g, "from_user", user, at)
	if err != nil {
		return nil, err
	}
	return toDomainDelegations(rows), nil
}

// DelegationsTo are the delegations to user that run at at, counting or
// not, in id order: an account change that makes them stop counting
// withdraws what they queued (domain withdrawReceivedDelegations).
func (t *tx) DelegationsTo(user string, at time.Time) ([]domain.Delegation, error) {
	rows, err := runningDelegations(t.g, "to_user", user, at)
	if err != nil {
		return nil, err
	}
	return toDomainDelegations(rows), nil
}

// CreateDelegation inserts d.
func (t *tx) CreateDelegation(d *domain.Delegation) error {
	row := newDelegationRow(d)
	return translate(t.g.Create(&row).Error, "delegation")
}

// GetDelegation reads one delegation.
func (t *tx) GetDelegation(id string) (*domain.Delegation, error) {
	var row delegationRow
	if err := t.g.Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err, "delegation")
	}
	d := toDomainDelegation(row)
	return &d, nil
}

// RevokeDelegation sets revoked_at once; a second revocation is a conflict.
func (t *tx) RevokeDelegation(id string, at time.Time) error {
	res := t.g.Model(&delegationRow{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", dbTime(at))
	if res.Error != nil {
		return translate(res.Error, "delegation")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.CodeConflict, "the delegation was already revoked")
	}
	return nil
}
