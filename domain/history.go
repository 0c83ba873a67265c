package domain

// A request's history is its audit entries. It is read a page at a time:
// refused attempts of others can make it long, and every request page
// shows it.

// MaxHistoryPage is the most entries one page of a history holds.
const MaxHistoryPage = 200

// HistoryQuery asks for one page of a request's history.
type HistoryQuery struct {
	// Newest walks from the newest entry back; otherwise the walk goes
	// from the oldest on.
	Newest bool
	// Cursor continues a walk past the entry with this index (the Next of
	// the page before, walked in the same direction).
	Cursor *int64
	// Limit is the page size, 1 to MaxHistoryPage; 0 means MaxHistoryPage.
	Limit int
	// Actions, when set, keeps only the entries of these actions.
	Actions []string
}

// HistoryFilter is a HistoryQuery on one request, as storage answers it.
type HistoryFilter struct {
	RequestID string
	HistoryQuery
	// Omit are the actions the caller may not see, left out by the query.
	Omit []string
}

// HistoryPage is one page of a history: its entries oldest first, whatever
// the walk's direction, and the Cursor of the next page of the walk, nil
// when there is none.
type HistoryPage struct {
	Entries []HistoryEntry
	Next    *int64
	// RequestID is the id of the request whose history this is, however
	// it was named (ApprovalService.History takes a reference too): the
	// request a position of the walk belongs to.
	RequestID string
}
