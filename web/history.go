package web

import (
	"fmt"
	"strings"
	"time"

	"exaccess/domain"
)

// historyRow is one line of a request's history in words.
type historyRow struct {
	At               time.Time
	Actor, ActingFor string
	// What is the action; for a decision, the stage and the outcome
	// ("Decision of Range safety: Request changes").
	What string
	// Notes are the texts people wrote with it: a comment, the reason of
	// a withdrawal or a revocation, an override reason.
	Notes []note
}

type note struct{ Label, Text string }

// noteKeys are the texts of an entry's data shown with it, in this order.
// The caller's history holds only what they may read: a liaison officer's
// has no override reason (domain.ApprovalService.History).
var noteKeys = []struct{ key, label string }{
	{"comment", "hist.comment"}, {"reason", "hist.reason"}, {"override_reason", "hist.override"},
}

// historyRows renders the history of r for its page.
func historyRows(entries []domain.HistoryEntry, r *domain.Request) []historyRow {
	out := make([]historyRow, 0, len(entries))
	for _, e := range entries {
		row := historyRow{At: e.At, Actor: e.Actor, ActingFor: e.ActingFor, What: actionWords(e.Action)}
		if e.Action == domain.AuditRequestDecided {
			stage, _ := e.Data["stage"].(string)
			if outcome, _ := e.Data["outcome"].(string); outcome != "" {
				row.What = fmt.Sprintf(msg("hist.decision"), stageName(r, stage), choice("outcome", outcome))
			}
		}
		for _, k := range noteKeys {
			if s, _ := e.Data[k.key].(string); strings.TrimSpace(s) != "" {
				row.Notes = append(row.Notes, note{msg(k.label), s})
			}
		}
		out = append(out, row)
	}
	return out
}

// stageName names a stage of r's route by its role, or by its id when the
// route has no such stage.
func stageName(r *domain.Request, id string) string {
	if r.Route != nil {
		for _, s := range r.Route.Stages {
			if s.ID == id {
				return msg("role." + string(s.Role))
			}
		}
	}
	return id
}

// actionWords is an audit action in words, or the action itself when it
// has none.
func actionWords(a string) string {
	if s, ok := english["action."+a]; ok {
		return s
	}
	return a
}

// lastReason is the reason given when r was last withdrawn or revoked, ""
// for none.
func lastReason(entries []domain.HistoryEntry) string {
	for i := len(entries) - 1; i >= 0; i-- {
		if a := entries[i].Action; a == domain.AuditRequestWithdrawn || a == domain.AuditRequestRevoked {
			s, _ := entries[i].Data["reason"].(string)
			return s
		}
	}
	return ""
}
