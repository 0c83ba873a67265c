package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"exaccess/domain"
)

// The reminder sweep: notices that time, not a change, causes (see
// domain/notify_schedule.go). ScheduleNotifications reads the candidates
// inside domain.ScheduleWindowAt, asks domain.ScheduledNotices which are
// due, and writes each new one through notifyEvent — all in one write
// transaction, so that a sweep is stored whole or not at all.
//
// A notice is written once: scheduled_notices (migration 0012) remembers
// its key, and a later sweep skips it with one lookup instead of reading
// its audience again; two sweeps at once (two replicas on PostgreSQL)
// insert the key with ON CONFLICT DO NOTHING, and only the one whose insert
// took writes the rows (their own idempotency keys would drop a repeat
// anyway). A notice whose audience was empty when it fell due is kept
// (outbox_unheard.go) and written when someone it is for appears, if it
// is still due then.
//
// A stage notice's key names the stage's activation and deadline
// (domain.StageNoticeKey): a deadline moved within one activation clears
// the stage's marks (writeStages) and gets notices of its own, while the
// same deadline read again finds its key and is not told twice.
//
// A stage whose request's stored route does not decode still gets its
// due-soon and overdue notices: they need only the stage's role and
// deadline, which are columns of request_stages. Only its escalation,
// kept in the route, is unknown: that candidate cannot be decided and
// gets no notice; it is marked as read like the others, and logged once
// at ERROR with the key of the notice it did not get after the sweep
// commits. Failing the sweep
// would stop every other reminder, every minute; skipping it unmarked
// would log it every minute and, oldest first, a page of such stages
// would fill every sweep's read and hold back the stages behind them. The
// mark is the memory, so it is logged once however often the process
// restarts, and of two sweeps at once only the one whose mark took logs.
// Like an undecidable kept notice (outbox_unheard.go), it is the
// operator's to repair and tell by hand.

// scheduleLimit bounds each candidate query of one sweep. Each stage
// notice (due soon, overdue, escalated) has a query of its own that reads
// only the stages not yet told (the marks of migration 0015), oldest
// deadline first, and the sweep marks every stage it read; so a backlog
// larger than the limit is worked through by the sweeps that follow, and
// a stage is never read twice for the same notice. Expiring permits and
// started and ending delegations already told are left out by their keys
// in scheduled_notices, and delegations that do not count (a delegator or
// delegate disabled, or without the role) by countingCondition. (A test
// lowers the limit through DB.scheduleLimit.)
const scheduleLimit = 1000

// noticeMemory is how long a written notice's key is kept: longer than
// any window in which the same notice could be a candidate again.
const noticeMemory = 2 * domain.ScheduleLookback

type scheduledNoticeRow struct {
	KeyBase   string    `gorm:"column:key_base;primaryKey"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (scheduledNoticeRow) TableName() string { return "scheduled_notices" }

// ScheduleNotifications runs one sweep at now and returns how many notices
// it wrote (each to every account of its audience and channel), late ones
// included; one kept because nobody was there to hear it is not counted.
func (d *DB) ScheduleNotifications(ctx context.Context, now time.Time) (int, error) {
	written := 0
	var bad []badKept        // kept notices dropped as undecidable
	var badStages []badStage // candidate stages marked without a notice
	err := d.InTx(ctx, func(dt domain.Tx) error {
		written, bad, badStages = 0, nil, nil // a retried transaction starts again
		t := dt.(*tx)
		w := domain.ScheduleWindowAt(now)
		limit := cmp.Or(d.scheduleLimit, scheduleLimit)
		stages, err := t.stageCandidates(w, limit)
		if err != nil {
			return err
		}
		c, err := t.otherCandidates(w, limit)
		if err != nil {
			return err
		}
		notices := domain.ScheduledNotices(now, c)
		for _, sc := range stages {
			notices = append(notices, sc.notices(now)...)
		}
		// One order for every sweep, so that two sweeps at once take the
		// keys' locks in the same order (no deadlock on PostgreSQL).
		slices.SortFunc(notices, func(a, b domain.ScheduledNotice) int { return strings.Compare(a.Key, b.Key) })
		known, err := t.knownNotices(notices)
		if err != nil {
			return err
		}
		dir, err := t.audienceSource()
		if err != nil {
			return err
		}
		// Many notices share an audience (a role's stages), and each is
		// first asked whether it has anyone, then fanned out: each
		// audience is read once per sweep, which writes no account,
		// role or webhook.
		src := newSweepAudience(dir)
		for _, n := range notices {
			if known[n.Key] {
				continue
			}
			res := t.g.Clauses(clause.OnConflict{DoNothing: true}).
				Create(&scheduledNoticeRow{KeyBase: n.Key, CreatedAt: dbTime(now)})
			if res.Error != nil {
				return translate(res.Error, "scheduled notice")
			}
			if res.RowsAffected == 0 {
				continue // another sweep wrote it
			}
			heard, err := hasAudience(src, n.Event.Audience, now)
			if err != nil {
				return err
			}
			if !heard {
				if err := t.keepUnheard(n, now); err != nil {
					return err
				}
				continue
			}
			if err := t.notifyFrom(src, n.Event, now, n.Key); err != nil {
				return err
			}
			written++
		}
		if badStages, err = t.markStages(stages, now); err != nil {
			return err
		}
		late, badTold, err := t.tellUnheard(src, now, limit)
		if err != nil {
			return err
		}
		written += late
		badPruned, err := t.pruneUnheard(now)
		if err != nil {
			return err
		}
		bad = append(badTold, badPruned...)
		err = t.g.Where("created_at < ?", dbTime(now.Add(-noticeMemory))).Delete(&scheduledNoticeRow{}).Error
		return translate(err, "scheduled notices")
	})
	if err != nil {
		return 0, fmt.Errorf("storage: reminder sweep: %w", err)
	}
	// Logged once the drop or the mark is stored: each is logged once (a
	// retried or failed transaction dropped and marked nothing).
	for _, b := range badStages {
		d.logger().Error("reminder sweep: a stage's escalation cannot be decided and is not sent; its audience is not told",
			"key", b.key, "error", b.err.Error())
	}
	for _, b := range bad {
		d.logger().Error("reminder sweep: a kept notice cannot be decided and is dropped; its audience is not told",
			"key", b.key, "error", b.err.Error())
	}
	return written, nil
}

// knownNotices are the keys of notices already written.
func (t *tx) knownNotices(ns []domain.ScheduledNotice) (map[string]bool, error) {
	known := map[string]bool{}
	for chunk := range slices.Chunk(ns, 500) {
		keys := make([]string, len(chunk))
		for i, n := range chunk {
			keys[i] = n.Key
		}
		var found []string
		if err := t.g.Model(&scheduledNoticeRow{}).Where("key_base IN ?", keys).Pluck("key_base", &found).Error; err != nil {
			return nil, translate(err, "scheduled notices")
		}
		for _, k := range found {
			known[k] = true
		}
	}
	return known, nil
}

// otherCandidates reads the expiring permits and the delegations inside
// the window; each query is a range on an index (migrations 0002, 0012).
func (t *tx) otherCandidates(w domain.ScheduleWindow, limit int) (domain.ScheduleCandidates, error) {
	var c domain.ScheduleCandidates
	var err error
	if c.Expiring, err = t.expiryCandidates(w, limit); err != nil {
		return c, err
	}
	c.Delegations, err = t.delegationCandidates(w, limit)
	return c, err
}

type stageCandidateRow struct {
	RequestID     string
	Reference     *string
	RequestStatus string
	Route         *string
	StageID       string
	Role          string
	Status        string
	ActivatedAt   *time.Time
	DueAt         time.Time
}

// stageCandidate is a stage read by the query of one kind of notice.
type stageCandidate struct {
	kind string // domain.NotifyStageDueSoon, NotifyStageOverdue or NotifyStageEscalated
	c    domain.StageCandidate
	// err, for the escalation kind only, says why the stage's
	// escalation cannot be decided (c then has none): it gets no notice,
	// only its mark.
	err error
}

// badStage is a candidate stage that could not be decided, marked
// without its notice: the notice's key and why.
type badStage struct {
	key string
	err error
}

// notices are the candidate's notices of its query's kind (the domain may
// also find the stage's other notices due: their own query reads them);
// none for a stage that cannot be decided.
func (sc stageCandidate) notices(now time.Time) []domain.ScheduledNotice {
	if sc.err != nil {
		return nil
	}
	var out []domain.ScheduledNotice
	for _, n := range domain.ScheduledNotices(now, domain.ScheduleCandidates{Stages: []domain.StageCandidate{sc.c}}) {
		if n.Event.Kind == sc.kind {
			out = append(out, n)
		}
	}
	return out
}

// stageQuery is one kind of stage notice's candidate query.
type stageQuery struct {
	kind, index, where, order string
	args                      []any
}

// stageQueries are the candidate queries of a sweep's window: the
// domain's conditions (see domain.stageNotices), each a range on its
// partial index of migration 0015 — whose condition the query repeats
// literally (status = 'active', the mark), since a planner cannot match a
// partial index to a bound parameter. SQLite, without statistics, would
// rather take an index on the status; it is told the index (INDEXED BY),
// and fails the query if it could not use it.
func stageQueries(w domain.ScheduleWindow) []stageQuery {
	now := dbTime(w.Now)
	var qs []stageQuery
	// Due soon: on a working day, due by the end of the next one, and
	// active since before today (the activation notice gave the deadline).
	if today := domain.StockholmDate(w.Now); domain.IsWorkingDay(today) {
		qs = append(qs, stageQuery{domain.NotifyStageDueSoon, "request_stages_due_soon",
			"s.due_soon_at IS NULL AND s.due_at > ? AND s.due_at <= ? AND s.activated_at < ?", "s.due_at",
			[]any{now, dbTime(w.StagesDueUntil), dbTime(domain.StockholmMidnight(today))}})
	}
	qs = append(qs,
		stageQuery{domain.NotifyStageOverdue, "request_stages_overdue", "s.overdue_at IS NULL AND s.due_at > ? AND s.due_at < ?", "s.due_at",
			[]any{dbTime(w.StagesDueAfter), now}},
		stageQuery{domain.NotifyStageEscalated, "request_stages_escalate", "s.escalate_at IS NOT NULL AND s.escalate_at > ? AND s.escalate_at <= ?",
			"s.escalate_at", []any{dbTime(w.StagesDueAfter), now}})
	return qs
}

// stageCandidateColumns are what a stage candidate is read with, from
// request_stages s joined with its request r.
const stageCandidateColumns = `s.request_id, r.reference, r.status AS request_status, r.route, s.stage_id, s.role, s.status,
	s.activated_at, s.due_at`

// find is the query q on g, for limit rows.
func (q stageQuery) find(g *gorm.DB, limit int) *gorm.DB {
	table := "request_stages s"
	if g.Dialector.Name() == DialectSQLite {
		table += " INDEXED BY " + q.index
	}
	return g.Table(table).Select(stageCandidateColumns).Joins("JOIN requests r ON r.id = s.request_id").
		Where("s.status = '"+string(domain.StageActive)+"' AND r.status = ?", string(domain.StatusInReview)).
		Where(q.where, q.args...).
		Order(q.order + ", s.request_id, s.stage_id").Limit(limit)
}

// stageCandidates are, for each kind of stage notice, the active stages of
// requests in review that are due it and not yet marked as told, oldest
// first, with their request's reference and the stage's escalation (kept
// in the request's route document). The queries' conditions are the
// domain's, so that every stage read gets its notice and its mark: none
// is read again by the next sweep. A stage whose route does not decode is
// read without its escalation: its due-soon and overdue notices do not
// need it, while for the escalation it is returned with its error, to be
// marked without a notice.
func (t *tx) stageCandidates(w domain.ScheduleWindow, limit int) ([]stageCandidate, error) {
	var out []stageCandidate
	for _, q := range stageQueries(w) {
		var rows []stageCandidateRow
		if err := q.find(t.g, limit).Scan(&rows).Error; err != nil {
			return nil, translate(err, "stage reminders")
		}
		for _, row := range rows {
			c, err := toStageCandidate(row)
			if q.kind != domain.NotifyStageEscalated {
				err = nil // the role and deadline are enough
			}
			out = append(out, stageCandidate{kind: q.kind, c: c, err: err})
		}
	}
	return out, nil
}

// toStageCandidate is a stage as read, with its escalation from the
// request's route. When the route does not decode it returns the error
// and the stage without its escalation (enough to name and mark it).
func toStageCandidate(row stageCandidateRow) (domain.StageCandidate, error) {
	esc, err := stageEscalation(row)
	due := utc(row.DueAt)
	return domain.StageCandidate{RequestID: row.RequestID, Reference: derefString(row.Reference), Status: domain.Status(row.RequestStatus),
		Stage: domain.Stage{ID: row.StageID, Role: domain.Role(row.Role), Status: domain.StageStatus(row.Status),
			ActivatedAt: utcPtr(row.ActivatedAt), DueAt: &due, Escalation: esc}}, err
}

// markStages records, for every stage the sweep read, that its query's
// notice is told: due_soon_at or overdue_at is set, and escalate_at is
// cleared once escalated — or set to the exact time from the route when
// it was only the estimate migration 0015 wrote for older stages. Each
// update names the activation and deadline it read, so a stage activated
// afresh or given a new deadline in the meantime keeps its marks cleared,
// and only a mark not yet made, so that of two sweeps at once only one
// marks. A stage whose escalation cannot be decided is marked as told
// (escalate_at cleared: its escalation is unknown); those this sweep marked are
// returned, to be logged. The order is one for every sweep, so two sweeps
// at once lock the rows in the same order.
func (t *tx) markStages(stages []stageCandidate, now time.Time) ([]badStage, error) {
	slices.SortFunc(stages, func(a, b stageCandidate) int {
		return cmp.Or(strings.Compare(a.c.RequestID, b.c.RequestID), strings.Compare(a.c.Stage.ID, b.c.Stage.ID),
			strings.Compare(a.kind, b.kind))
	})
	var bad []badStage
	for _, sc := range stages {
		var set, unmarked string
		var args []any
		switch sc.kind {
		case domain.NotifyStageDueSoon:
			set, unmarked, args = "due_soon_at = ?", "due_soon_at IS NULL", []any{dbTime(now)}
		case domain.NotifyStageOverdue:
			set, unmarked, args = "overdue_at = ?", "overdue_at IS NULL", []any{dbTime(now)}
		case domain.NotifyStageEscalated:
			set, unmarked = "escalate_at = NULL", "escalate_at IS NOT NULL"
			if at, ok := sc.c.Stage.EscalationAt(); ok && sc.err == nil && len(sc.notices(now)) == 0 && !at.Before(now) {
				set, args = "escalate_at = ?", []any{dbTime(at)}
			}
		}
		s := sc.c.Stage
		where := unmarked + " AND request_id = ? AND stage_id = ? AND status = ? AND due_at = ?"
		args = append(args, sc.c.RequestID, s.ID, string(domain.StageActive), dbTime(*s.DueAt))
		if s.ActivatedAt == nil {
			where += " AND activated_at IS NULL"
		} else {
			where += " AND activated_at = ?"
			args = append(args, dbTime(*s.ActivatedAt))
		}
		res := t.g.Exec("UPDATE request_stages SET "+set+" WHERE "+where, args...)
		if res.Error != nil {
			return bad, translate(res.Error, "stage reminders")
		}
		if sc.err != nil && res.RowsAffected > 0 {
			bad = append(bad, badStage{domain.StageNoticeKey(sc.kind, sc.c), sc.err})
		}
	}
	return bad, nil
}

// stageEscalation finds the stage's escalation in its request's route.
func stageEscalation(row stageCandidateRow) (*domain.Escalation, error) {
	if row.Route == nil {
		return nil, nil
	}
	var doc routeDoc
	if err := json.Unmarshal([]byte(*row.Route), &doc); err != nil {
		return nil, fmt.Errorf("storage: request %s: route: %w", row.RequestID, err)
	}
	for _, s := range doc.Stages {
		if s.ID == row.StageID {
			return toDomainEscalation(s.Escalation), nil
		}
	}
	return nil, nil
}

// expiryCandidates are the approved requests whose period ends inside the
// window (the expiry sweep's index, requests_approved_period_end).
func (t *tx) expiryCandidates(w domain.ScheduleWindow, limit int) ([]domain.ExpiryCandidate, error) {
	var rows []requestRow
	err := expiryQuery(t.g, w, limit).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "expiry reminders")
	}
	out := make([]domain.ExpiryCandidate, len(rows))
	for i, row := range rows {
		out[i] = toExpiryCandidate(row)
	}
	return out, nil
}

// expiryQuery is expiryCandidates's query: a range of the
// requests_approved_period_end index (migration 0031), in its order.
func expiryQuery(g *gorm.DB, w domain.ScheduleWindow, limit int) *gorm.DB {
	// Only those not yet told (their key not in scheduled_notices, as
	// domain.expiryNotice makes it), so that a week with more expiring
	// permits than the limit is worked through.
	day := "requests.period_end" // SQLite keeps the date as its text
	if g.Dialector.Name() == DialectPostgres {
		day = "to_char(requests.period_end, 'YYYY-MM-DD')"
	}
	return g.Model(&requestRow{}).Select(expiryColumns).
		Where(approvedRequest+" AND period_end >= ? AND period_end <= ? AND nation <> ''",
			newSQLDate(w.ExpiryFrom), newSQLDate(w.ExpiryUntil)).
		Where("NOT EXISTS (SELECT 1 FROM scheduled_notices n WHERE n.key_base = ? || requests.id || ':' || "+day+")",
			domain.NotifyRequestExpiring+":").
		Order("period_end, id").Limit(limit)
}

// expiryColumns are what an expiry candidate is read with.
const expiryColumns = "id, reference, nation, status, period_end"

func toExpiryCandidate(row requestRow) domain.ExpiryCandidate {
	return domain.ExpiryCandidate{RequestID: row.ID, Reference: derefString(row.Reference), Nation: row.Nation,
		Status: domain.Status(row.Status), PeriodEnd: row.PeriodEnd.Time}
}

// delegationCandidates are the delegations that started inside the window
// and have not ended, and those that end inside it; only those that grant
// their role (countingDelegations), each once. Both queries apply the
// counting rule before their limit (countingCondition): otherwise more
// delegations that do not count — a delegate or delegator disabled, or
// without the role — than the limit, earlier in the order, would fill
// every sweep's read and keep the notices of those that count from being
// written.
func (t *tx) delegationCandidates(w domain.ScheduleWindow, limit int) ([]domain.Delegation, error) {
	now := dbTime(w.Now)
	counts, countsArgs := countingCondition(t.g.Dialector.Name())
	var started, ending []delegationRow
	// Started: those not yet told (their key not in scheduled_notices).
	if err := t.g.Where("starts_at > ? AND starts_at <= ? AND ends_at > ? AND revoked_at IS NULL",
		dbTime(w.DelegationsStartedAfter), now, now).
		Where("NOT EXISTS (SELECT 1 FROM scheduled_notices n WHERE n.key_base = ? || delegations.id)",
			domain.NotifyDelegationStarted+":").
		Where(counts, countsArgs...).
		Order("starts_at, id").Limit(limit).
		Find(&started).Error; err != nil {
		return nil, translate(err, "delegation reminders")
	}
	// Ending: those not yet told either (their key, kind:id:end in
	// microseconds, not in scheduled_notices), so that more delegations
	// ending within the day than the limit are all told by the sweeps that
	// follow, not only the first ones in the order.
	if err := t.g.Where("ends_at > ? AND ends_at <= ? AND revoked_at IS NULL", now, dbTime(w.DelegationsEndUntil)).
		Where("NOT EXISTS (SELECT 1 FROM scheduled_notices n WHERE n.key_base = ? || delegations.id || ':' || "+
			unixMicros(t.g.Dialector.Name(), "delegations.ends_at")+")", domain.NotifyDelegationEnding+":").
		Where(counts, countsArgs...).
		Order("ends_at, id").Limit(limit).Find(&ending).Error; err != nil {
		return nil, translate(err, "delegation reminders")
	}
	rows, seen := started, map[string]bool{}
	for _, r := range started {
		seen[r.ID] = true
	}
	for _, r := range ending {
		if !seen[r.ID] {
			rows = append(rows, r)
		}
	}
	return countingDelegations(t.g, rows)
}

// unixMicros is the SQL of a timestamp column as microseconds since 1970,
// as Go's time.UnixMicro gives it (a notice key holds it in decimal).
// PostgreSQL's epoch is exact (numeric); SQLite keeps the time as text
// ("2006-01-02 15:04:05.999999+00:00", the fraction's trailing zeros
// left out, or none): whole seconds from strftime, and the fraction read as
// the number that starts at its '.' (a cast of text to a number reads the
// longest number it starts with; "+00:00" reads as 0). dbTime stores no
// more than microseconds, so the rounding only undoes the float's error.
func unixMicros(dialect, column string) string {
	if dialect == DialectPostgres {
		return "CAST(EXTRACT(EPOCH FROM " + column + ") * 1000000 AS bigint)"
	}
	return "(CAST(strftime('%s', " + column + ") AS INTEGER) * 1000000 + CAST(round(CAST(substr(" + column +
		", 20) AS REAL) * 1000000) AS INTEGER))"
}
