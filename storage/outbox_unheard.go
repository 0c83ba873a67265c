package storage

import (
	"time"

	"exaccess/domain"
)

// Unheard notices (migration 0022). A reminder is written once, when it
// falls due: its key is recorded and its stage marked, so no later sweep
// reads it again. When nobody was there to hear it — a role that no
// enabled account holds, delegated to nobody and with no webhook; a nation
// without an enabled liaison officer — it would be lost: whoever is given
// the role next would never hear that a stage of it is overdue. So such a
// notice is kept, and each sweep asks, for each audience it keeps notices
// for (a handful: roles and nations), whether anyone is there now. For an
// audience that has someone, each kept notice is decided afresh by the
// domain at the sweep's time (domain.ScheduledNotices): one still due —
// the stage still active in the same activation and still overdue or due
// soon, the permit still expiring — is written to them, late; one no
// longer due is dropped. Either way it leaves the table, so each kept
// notice is decided once after its audience appears, and a sweep reads
// nothing while nobody is there.

type unheardNoticeRow struct {
	KeyBase        string    `gorm:"column:key_base;primaryKey"`
	AudienceRole   string    `gorm:"column:audience_role"`
	AudienceNation string    `gorm:"column:audience_nation"`
	RequestID      string    `gorm:"column:request_id"`
	StageID        string    `gorm:"column:stage_id"`
	CreatedAt      time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (unheardNoticeRow) TableName() string { return "unheard_notices" }

// hasAudience reports whether an event for a at at reaches anyone: an
// enabled account of a, or, for a role, a webhook of the role (fanOut's
// audience). One account's notice (a delegate's) counts as heard: whether
// it reaches them is their own settings' business.
func hasAudience(src audienceReader, a domain.Audience, at time.Time) (bool, error) {
	if a.User != "" {
		return true, nil
	}
	users, err := src.audience(a, at)
	if err != nil || len(users) > 0 {
		return len(users) > 0, err
	}
	if a.Role == "" || a.Nation != "" {
		return false, nil
	}
	hooks, err := src.roleWebhooks(a.Role)
	return len(hooks) > 0, err
}

// keepUnheard keeps notice n, which found nobody at now, for when its
// audience has someone.
func (t *tx) keepUnheard(n domain.ScheduledNotice, now time.Time) error {
	row := unheardNoticeRow{KeyBase: n.Key, AudienceRole: string(n.Event.Audience.Role), AudienceNation: n.Event.Audience.Nation,
		RequestID: n.Event.RequestID, StageID: n.Event.Stage, CreatedAt: dbTime(now)}
	err := t.g.Exec(`INSERT INTO unheard_notices (key_base, audience_role, audience_nation, request_id, stage_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_base) DO NOTHING`,
		row.KeyBase, row.AudienceRole, row.AudienceNation, row.RequestID, row.StageID, row.CreatedAt).Error
	return translate(err, "unheard notice")
}

// tellUnheard decides, for each kept audience that has someone at now, at
// most limit of its kept notices in all, and writes those still due. It
// returns how many it wrote.
func (t *tx) tellUnheard(src audienceReader, now time.Time, limit int) (int, error) {
	var audiences []unheardNoticeRow
	if err := t.g.Raw("SELECT DISTINCT audience_role, audience_nation FROM unheard_notices ORDER BY audience_role, audience_nation").
		Scan(&audiences).Error; err != nil {
		return 0, translate(err, "unheard notices")
	}
	told := 0
	for _, a := range audiences {
		if limit <= 0 {
			break
		}
		heard, err := hasAudience(src, domain.Audience{Role: domain.Role(a.AudienceRole), Nation: a.AudienceNation}, now)
		if err != nil {
			return told, err
		}
		if !heard {
			continue
		}
		var kept []unheardNoticeRow
		if err := t.g.Where("audience_role = ? AND audience_nation = ?", a.AudienceRole, a.AudienceNation).
			Order("key_base").Limit(limit).Find(&kept).Error; err != nil {
			return told, translate(err, "unheard notices")
		}
		limit -= len(kept)
		for _, k := range kept {
			// Deleted first: of two sweeps at once, the one whose delete
			// took writes the notice.
			res := t.g.Where("key_base = ?", k.KeyBase).Delete(&unheardNoticeRow{})
			if res.Error != nil {
				return told, translate(res.Error, "unheard notices")
			}
			if res.RowsAffected == 0 {
				continue
			}
			n, due, err := t.stillDue(k, now)
			if err != nil {
				return told, err
			}
			if !due {
				continue
			}
			if err := t.notifyFrom(src, n.Event, now, n.Key); err != nil {
				return told, err
			}
			told++
		}
	}
	return told, nil
}

// stillDue decides a kept notice afresh at now: the domain's notice of the
// same key, when it is still due.
func (t *tx) stillDue(k unheardNoticeRow, now time.Time) (domain.ScheduledNotice, bool, error) {
	var c domain.ScheduleCandidates
	if k.StageID != "" {
		var rows []stageCandidateRow
		if err := t.g.Table("request_stages s").Select(stageCandidateColumns).Joins("JOIN requests r ON r.id = s.request_id").
			Where("s.request_id = ? AND s.stage_id = ? AND s.status = ? AND s.due_at IS NOT NULL", k.RequestID, k.StageID,
				string(domain.StageActive)).Scan(&rows).Error; err != nil {
			return domain.ScheduledNotice{}, false, translate(err, "unheard notices")
		}
		for _, row := range rows {
			sc, err := toStageCandidate(row)
			if err != nil {
				return domain.ScheduledNotice{}, false, err
			}
			c.Stages = append(c.Stages, sc)
		}
	} else {
		var rows []requestRow
		if err := t.g.Model(&requestRow{}).Select(expiryColumns).Where("id = ?", k.RequestID).Find(&rows).Error; err != nil {
			return domain.ScheduledNotice{}, false, translate(err, "unheard notices")
		}
		for _, row := range rows {
			c.Expiring = append(c.Expiring, toExpiryCandidate(row))
		}
	}
	for _, n := range domain.ScheduledNotices(now, c) {
		if n.Key == k.KeyBase {
			return n, true, nil
		}
	}
	return domain.ScheduledNotice{}, false, nil
}
