package storage

import (
	"time"

	"exaccess/domain"
)

// audience reads the enabled accounts an event is for: one named account;
// the liaison officers of a nation; or the holders of a role together with the people an
// enabled holder delegated that role to, active at at. Each account once.
func (t *tx) audience(a domain.Audience, at time.Time) ([]userRow, error) {
	q := t.g.Model(&userRow{}).Where("disabled_at IS NULL")
	if a.User != "" {
		q = q.Where("username = ?", a.User)
	} else if a.Nation != "" {
		q = q.Where(hasRole, roleLike(domain.RoleLiaison)).Where("nation = ?", a.Nation)
	} else {
		q = q.Where(hasRole, roleLike(a.Role))
	}
	var rows []userRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "notification recipients")
	}
	if a.Role == "" {
		return rows, nil
	}
	delegates, err := t.delegatesOf(a.Role, at)
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
// the role or were disabled).
func (t *tx) delegatesOf(role domain.Role, at time.Time) ([]userRow, error) {
	at = dbTime(at)
	var drows []delegationRow
	if err := t.g.Where("role = ? AND ends_at > ? AND starts_at <= ? AND revoked_at IS NULL", string(role), at, at).
		Order("id").Find(&drows).Error; err != nil {
		return nil, translate(err, "delegations")
	}
	counting, err := countingDelegations(t.g, drows)
	if err != nil || len(counting) == 0 {
		return nil, err
	}
	names := make([]string, len(counting))
	for i, d := range counting {
		names[i] = d.To
	}
	var rows []userRow
	if err := t.g.Where("username IN ? AND disabled_at IS NULL", names).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "delegates")
	}
	return rows, nil
}
