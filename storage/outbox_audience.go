package storage

import (
	"slices"
	"strings"
	"time"

	"exaccess/domain"
)

// audience reads the enabled accounts an event is for: one named account;
// the liaison officers of a nation; or the holders of a role together with the people an
// enabled holder delegated that role to, active at at, while they hold an
// approver role themselves. A holder or delegate who holds admin too (an
// account stored before administrators held no other role) is left out,
// and so is the delegate of such a holder: administrators never decide,
// not through a delegate either (domain.ReceivesRoleNotices,
// domain.DelegationCounts). A role's audience leaves out its Barred people
// and the delegates reached only through delegations from them (see
// notBarred). Each account once.
func (t *tx) audience(a domain.Audience, at time.Time) ([]userRow, error) {
	var rows []userRow
	var err error
	holds := hasRole(t.g.Dialector.Name())
	switch {
	case a.User != "":
		rows, err = t.recipients("username = ?", a.User)
	case a.Nation != "":
		rows, err = t.recipients(holds+" AND nation = ?", roleElement(domain.RoleLiaison), a.Nation)
	default:
		rows, err = t.recipients(holds+" AND NOT "+holds, roleElement(a.Role), roleElement(domain.RoleAdmin))
	}
	if err != nil {
		return nil, err
	}
	if a.Role == "" {
		return rows, nil
	}
	rows = slices.DeleteFunc(rows, func(u userRow) bool { return slices.Contains(a.Barred, u.Username) })
	delegates, err := t.delegatesOf(a.Role, at, a.Barred)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.ID] = true
	}
	for _, d := range delegates {
		if !seen[d.ID] {
			seen[d.ID] = true
			rows = append(rows, d)
		}
	}
	return rows, nil
}

// delegatesOf reads the enabled accounts that an active delegation of role
// at at reaches (countingDelegations drops those of delegators who lost
// the role, hold admin or were disabled, and those to delegates who hold
// no approver role any more, hold admin or were disabled), less those
// barred (notBarred).
func (t *tx) delegatesOf(role domain.Role, at time.Time, barred []string) ([]userRow, error) {
	at = dbTime(at)
	// Most events find no delegation of their role: one plain query says so
	// before the full read.
	if found, err := t.exists(`SELECT 1 FROM delegations WHERE role = ? AND ends_at > ? AND starts_at <= ?
		AND revoked_at IS NULL LIMIT 1`, string(role), at, at); err != nil || !found {
		return nil, translate(err, "delegations")
	}
	drows, err := runningDelegations(t.g, "role", string(role), at)
	if err != nil {
		return nil, err
	}
	counting, err := countingDelegations(t.g, drows)
	if err != nil || len(counting) == 0 {
		return nil, err
	}
	var names []string
	for _, d := range counting {
		if notBarred(barred, d.From, d.To) {
			names = append(names, d.To)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	var rows []userRow
	if err := t.g.Where("username IN ? AND disabled_at IS NULL", names).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "delegates")
	}
	return rows, nil
}

// notBarred reports whether a delegation from one person to another
// reaches its delegate for a stage whose barred people are barred: a
// delegate acting for a barred person is refused as that person is
// (domain.CheckSeparationOfDuties), and so is a barred delegate.
func notBarred(barred []string, from, to string) bool {
	return !slices.Contains(barred, from) && !slices.Contains(barred, to)
}

// recipients reads the id, username and e-mail address of the enabled
// accounts that match where, in id order. Plain SQL: it runs for every
// notification event, in the change's transaction.
func (t *tx) recipients(where string, args ...any) ([]userRow, error) {
	rows, err := t.query("SELECT id, username, email FROM users WHERE disabled_at IS NULL AND "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, translate(err, "notification recipients")
	}
	defer rows.Close()
	var out []userRow
	for rows.Next() {
		var u userRow
		if err := rows.Scan(&u.ID, &u.Username, &u.Email); err != nil {
			return nil, translate(err, "notification recipients")
		}
		out = append(out, u)
	}
	return out, translate(rows.Err(), "notification recipients")
}

// exists reports whether query finds a row.
func (t *tx) exists(query string, args ...any) (bool, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

// sweepAudience is an audienceReader for one reminder sweep: each
// audience's accounts and each role's webhooks are read once from the
// source it wraps and kept for the sweep (on PostgreSQL, where there is no
// directory, each read is a query). Only for a transaction that changes
// no account, delegation or webhook after its first read.
type sweepAudience struct {
	audienceReader
	users map[sweepAudienceKey][]userRow
	hooks map[domain.Role][]webhookRow
}

type sweepAudienceKey struct {
	nation, user string
	role         domain.Role
	barred       string // Barred, joined by NUL
	at           int64  // UnixMicro
}

func newSweepAudience(src audienceReader) *sweepAudience {
	return &sweepAudience{audienceReader: src, users: map[sweepAudienceKey][]userRow{}, hooks: map[domain.Role][]webhookRow{}}
}

func (s *sweepAudience) audience(a domain.Audience, at time.Time) ([]userRow, error) {
	k := sweepAudienceKey{a.Nation, a.User, a.Role, strings.Join(a.Barred, "\x00"), at.UnixMicro()}
	if users, ok := s.users[k]; ok {
		return users, nil
	}
	users, err := s.audienceReader.audience(a, at)
	if err == nil {
		s.users[k] = users
	}
	return users, err
}

func (s *sweepAudience) roleWebhooks(role domain.Role) ([]webhookRow, error) {
	if hooks, ok := s.hooks[role]; ok {
		return hooks, nil
	}
	hooks, err := s.audienceReader.roleWebhooks(role)
	if err == nil {
		s.hooks[role] = hooks
	}
	return hooks, err
}
