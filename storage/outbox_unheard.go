package storage

import (
	"slices"
	"strings"
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
// domain at the sweep's time (domain.DecideKept): one still due — the
// stage still active in the same activation, with the same deadline, and
// still overdue or due soon, the permit still expiring — is written to
// them, late, and leaves the table; one that may still fall due (a stage
// due soon, on a weekend, before its deadline) stays for a later sweep;
// the rest are dropped.
//
// Kept notices are forgotten by their condition, never by their age: a
// stage stays overdue until it is decided, however long its role stays
// vacant. So each sweep also decides a batch of kept notices of any
// audience (pruneUnheard: those decided least recently, none more often
// than once an hour) and drops those that can never be due again (the stage decided, activated
// afresh or given another deadline, the request out of review, the permit ended). The table holds
// at most a few notices per active stage and approved permit.
//
// A kept notice that cannot be decided (its request's route does not
// decode) is dropped and logged at ERROR with its key after the sweep
// commits (ScheduleNotifications): kept, it would fail every sweep — every
// minute, all notices with it — or be skipped and logged every minute,
// and it can never be told as it stands; the log names what was not told.

type unheardNoticeRow struct {
	KeyBase        string    `gorm:"column:key_base;primaryKey"`
	AudienceRole   string    `gorm:"column:audience_role"`
	AudienceNation string    `gorm:"column:audience_nation"`
	RequestID      string    `gorm:"column:request_id"`
	StageID        string    `gorm:"column:stage_id"`
	CreatedAt      time.Time `gorm:"column:created_at;autoCreateTime:false"`
	CheckedAt      time.Time `gorm:"column:checked_at"` // last decided by pruneUnheard (migration 0023)
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
	if droppedRole(a) { // fanOut writes nothing for it
		return false, nil
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
	err := t.g.Exec(`INSERT INTO unheard_notices (key_base, audience_role, audience_nation, request_id, stage_id, created_at, checked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_base) DO NOTHING`,
		row.KeyBase, row.AudienceRole, row.AudienceNation, row.RequestID, row.StageID, row.CreatedAt, row.CreatedAt).Error
	return translate(err, "unheard notice")
}

// pruneBatch is how many kept notices of any audience one sweep decides
// to drop those no longer due (pruneUnheard), and pruneEvery how long
// after its last decision a kept notice is decided again: the prune only
// bounds the table (an audience that has someone decides its own notices
// at every sweep), so a sweep usually finds none to decide.
const (
	pruneBatch = 200
	pruneEvery = time.Hour
)

// badKept is a kept notice that could not be decided, dropped.
type badKept struct {
	key string
	err error
}

// keptDecision is a kept notice decided afresh: its verdict and, for
// domain.KeptTell, the notice to write; err when it cannot be decided.
type keptDecision struct {
	row     unheardNoticeRow
	notice  domain.ScheduledNotice
	verdict domain.KeptVerdict
	err     error
}

// tellUnheard decides, for each kept audience that has someone at now, at
// most limit of its kept notices in all, writes those still due and drops
// those that never will be. It returns how many it wrote, and the kept
// notices it dropped because they could not be decided.
func (t *tx) tellUnheard(src audienceReader, now time.Time, limit int) (int, []badKept, error) {
	var audiences []unheardNoticeRow
	if err := t.g.Raw("SELECT DISTINCT audience_role, audience_nation FROM unheard_notices ORDER BY audience_role, audience_nation").
		Scan(&audiences).Error; err != nil {
		return 0, nil, translate(err, "unheard notices")
	}
	told := 0
	var bad []badKept
	for _, a := range audiences {
		if limit <= 0 {
			break
		}
		heard, err := hasAudience(src, domain.Audience{Role: domain.Role(a.AudienceRole), Nation: a.AudienceNation}, now)
		if err != nil {
			return told, bad, err
		}
		if !heard {
			continue
		}
		n, b, err := t.tellKept(src, a, now, &limit)
		told += n
		bad = append(bad, b...)
		if err != nil {
			return told, bad, err
		}
	}
	return told, bad, nil
}

// tellKept decides the kept notices of audience a, in key order, until it
// has told or dropped *limit of them, which it counts down. A notice that
// waits (a due-soon notice on a day off) is read again and again until its
// day comes, so it does not count: counted, a thousand of them sorting
// first would hold back every notice behind them for a weekend.
func (t *tx) tellKept(src audienceReader, a unheardNoticeRow, now time.Time, limit *int) (int, []badKept, error) {
	told := 0
	var bad []badKept
	for after := ""; *limit > 0; {
		var kept []unheardNoticeRow
		if err := t.g.Where("audience_role = ? AND audience_nation = ? AND key_base > ?", a.AudienceRole, a.AudienceNation, after).
			Order("key_base").Limit(*limit).Find(&kept).Error; err != nil {
			return told, bad, translate(err, "unheard notices")
		}
		if len(kept) == 0 {
			return told, bad, nil
		}
		after = kept[len(kept)-1].KeyBase
		decided, err := t.decideKept(kept, now)
		if err != nil {
			return told, bad, err
		}
		for _, k := range decided {
			if k.verdict == domain.KeptWait && k.err == nil {
				continue
			}
			*limit--
			// Deleted first: of two sweeps at once, the one whose delete
			// took writes the notice.
			took, err := t.dropKept(k.row.KeyBase)
			if err != nil {
				return told, bad, err
			}
			if !took {
				continue
			}
			if k.err != nil {
				bad = append(bad, badKept{k.row.KeyBase, k.err})
				continue
			}
			if k.verdict != domain.KeptTell {
				continue
			}
			if err := t.notifyFrom(src, k.notice.Event, now, k.notice.Key); err != nil {
				return told, bad, err
			}
			told++
		}
	}
	return told, bad, nil
}

// pruneUnheard decides the kept notices of any audience last decided
// before now less pruneEvery, at most pruneBatch, least recent first: it
// drops those that can never be due again and those that cannot be
// decided, and records that it decided the others. It returns the notices
// it dropped as undecidable.
func (t *tx) pruneUnheard(now time.Time) ([]badKept, error) {
	var kept []unheardNoticeRow
	// A row kept by a binary from before checked_at (a rolling upgrade)
	// has none, and is due to be decided.
	if err := t.g.Where("checked_at IS NULL OR checked_at < ?", dbTime(now.Add(-pruneEvery))).Order("checked_at, key_base").
		Limit(pruneBatch).Find(&kept).Error; err != nil {
		return nil, translate(err, "unheard notices")
	}
	// Dropped and updated in key order, as tellUnheard drops them: on
	// PostgreSQL two sweeps at once then take the rows' locks in one order.
	slices.SortFunc(kept, func(a, b unheardNoticeRow) int { return strings.Compare(a.KeyBase, b.KeyBase) })
	decided, err := t.decideKept(kept, now)
	if err != nil {
		return nil, err
	}
	var bad []badKept
	var checked []string
	for _, k := range decided {
		if k.verdict != domain.KeptDrop && k.err == nil {
			checked = append(checked, k.row.KeyBase)
			continue
		}
		took, err := t.dropKept(k.row.KeyBase)
		if err != nil {
			return bad, err
		}
		if took && k.err != nil {
			bad = append(bad, badKept{k.row.KeyBase, k.err})
		}
	}
	if len(checked) > 0 {
		if err := t.g.Model(&unheardNoticeRow{}).Where("key_base IN ?", checked).Update("checked_at", dbTime(now)).Error; err != nil {
			return bad, translate(err, "unheard notices")
		}
	}
	return bad, nil
}

// dropKept deletes the kept notice of key; took is false when another
// sweep already had.
func (t *tx) dropKept(key string) (took bool, err error) {
	res := t.g.Where("key_base = ?", key).Delete(&unheardNoticeRow{})
	return res.RowsAffected > 0, translate(res.Error, "unheard notices")
}

// decideKept decides kept notices afresh at now (domain.DecideKept): it
// reads their active stages, and their requests for permits, a few
// hundred requests per query. A kept notice whose stage cannot be read as
// a candidate (its request's route does not decode) gets err; an error
// reading the tables is returned.
func (t *tx) decideKept(kept []unheardNoticeRow, now time.Time) ([]keptDecision, error) {
	var stageReqs, permitReqs []string
	for _, k := range kept {
		if k.StageID != "" {
			stageReqs = append(stageReqs, k.RequestID)
		} else {
			permitReqs = append(permitReqs, k.RequestID)
		}
	}
	stages := map[[2]string]stageCandidateRow{}
	for chunk := range slices.Chunk(stageReqs, 500) {
		var rows []stageCandidateRow
		if err := t.g.Table("request_stages s").Select(stageCandidateColumns).Joins("JOIN requests r ON r.id = s.request_id").
			Where("s.request_id IN ? AND s.status = ? AND s.due_at IS NOT NULL", chunk, string(domain.StageActive)).
			Scan(&rows).Error; err != nil {
			return nil, translate(err, "unheard notices")
		}
		for _, row := range rows {
			stages[[2]string{row.RequestID, row.StageID}] = row
		}
	}
	permits := map[string]requestRow{}
	for chunk := range slices.Chunk(permitReqs, 500) {
		var rows []requestRow
		if err := t.g.Model(&requestRow{}).Select(expiryColumns).Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, translate(err, "unheard notices")
		}
		for _, row := range rows {
			permits[row.ID] = row
		}
	}
	out := make([]keptDecision, len(kept))
	for i, k := range kept {
		out[i].row = k
		var c domain.ScheduleCandidates
		if k.StageID != "" {
			if row, ok := stages[[2]string{k.RequestID, k.StageID}]; ok {
				sc, err := toStageCandidate(row)
				if err != nil {
					out[i].err = err
					continue
				}
				c.Stages = []domain.StageCandidate{sc}
			}
		} else if row, ok := permits[k.RequestID]; ok {
			c.Expiring = []domain.ExpiryCandidate{toExpiryCandidate(row)}
		}
		out[i].notice, out[i].verdict = domain.DecideKept(now, k.KeyBase, c)
	}
	return out, nil
}
