package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"exaccess/domain"
	"exaccess/internal/historycursor"

	"github.com/labstack/echo/v4"
)

// historyShown is how many entries of its history a request's page shows:
// the newest, with a link to the older ones, as many at a time. A history
// grown long (refused attempts of others) costs the page no more.
const historyShown = 50

// historyPage is the part of a request's history its page shows.
type historyPage struct {
	Entries []domain.HistoryEntry
	// Older is the link to the entries before these, "" when none are.
	Older string
	// Paged is set on a page of older entries, which links back to the newest.
	Paged bool
	// Shown is how many entries a page shows at most.
	Shown int
}

// history reads the page of r's history the request page shows: the
// newest entries, or with ?before= those before a position (a link the
// page wrote). The position is an entry's index in the whole audit log,
// which a liaison officer must not learn (the gaps between a request's
// indexes count every other nation's entries), so the link holds it
// sealed for r, as the API's history cursors are (historycursor, the same
// key): anything else in before — a bare index, a sealed value altered or
// made up, a position in another request's history, a link of an earlier
// release — is the 400 page naming before, for everyone alike.
func (c *Console) history(ec echo.Context, p domain.Principal, r *domain.Request) (historyPage, error) {
	out := historyPage{Shown: historyShown}
	q := domain.HistoryQuery{Newest: true, Limit: historyShown}
	if v := ec.QueryParam("before"); v != "" {
		at, ok := c.HistoryCursors.Open(r.ID, v)
		if !ok || !at.Newest {
			return out, badPageParam("before", "is not a position this console wrote")
		}
		q.Cursor, out.Paged = &at.Index, true
	}
	page, err := c.Approvals.History(ec.Request().Context(), p, r.ID, q)
	if err != nil {
		return out, err
	}
	out.Entries = page.Entries
	if page.Next != nil {
		before := c.HistoryCursors.Seal(r.ID, historycursor.Cursor{Index: *page.Next, Newest: true})
		out.Older = "/requests/" + r.ID + "?before=" + url.QueryEscape(before) + "#history"
	}
	return out, nil
}

// lastReasonQuery reads the last withdrawal or revocation of a request,
// whose reason the permit page shows (lastReason).
var lastReasonQuery = domain.HistoryQuery{Newest: true, Limit: 1,
	Actions: []string{domain.AuditRequestWithdrawn, domain.AuditRequestRevoked}}

// historyRow is one line of a request's history in words.
type historyRow struct {
	At               time.Time
	Actor, ActingFor string
	// What is the action; for a decision, the stage and the outcome
	// ("Decision of Range safety: Request changes").
	What string
	// Changed names the parts of the request an amendment changed, by
	// the request form's labels in the form's order ("Vehicles, Border
	// crossings"); "" for an entry that changed none.
	Changed string
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
		if e.Action == domain.AuditRequestUpdated {
			row.Changed = changedParts(e.Data["changed"])
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

// changedParts names the parts of a request that request.updated's
// "changed" holds (domain.ChangedData: the top-level fields of the details
// that changed, with their new values) by the request form's labels, in
// the form's order. Only the names are shown: the new values are on the
// request's page, and no value of the entry reaches the history this way.
// A name the form does not label (none today: TestEveryDetailHasItsLabel)
// comes last, as itself.
func changedParts(v any) string {
	changed, _ := v.(map[string]any)
	names := make([]string, 0, len(changed))
	for k := range changed {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := slices.Compare(requestLabels.position(a), requestLabels.position(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for i, k := range names {
		names[i] = requestLabels.label(k)
	}
	return strings.Join(names, ", ")
}

// stageName names a stage of r's route by its role, or by its id when the
// route has no such stage.
func stageName(r *domain.Request, id string) string {
	if r.Route != nil {
		for _, s := range r.Route.Stages {
			if s.ID == id {
				return roleLabel(s.Role)
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
