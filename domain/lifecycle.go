package domain

// Status is a request's place in its lifecycle (docs/product.md, "Lifecycle").
type Status string

// The statuses, named as the specification names them.
const (
	StatusDraft            Status = "draft"
	StatusInReview         Status = "in_review"
	StatusChangesRequested Status = "changes_requested"
	StatusApproved         Status = "approved"
	StatusRejected         Status = "rejected"
	StatusWithdrawn        Status = "withdrawn"
	StatusRevoked          Status = "revoked"
	StatusExpired          Status = "expired"
)

// AllStatuses lists every status.
var AllStatuses = []Status{StatusDraft, StatusInReview, StatusChangesRequested, StatusApproved,
	StatusRejected, StatusWithdrawn, StatusRevoked, StatusExpired}

// ParseStatus returns the status with the given name, or false.
func ParseStatus(s string) (Status, bool) {
	for _, st := range AllStatuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Terminal reports whether no transition leaves s.
func (s Status) Terminal() bool {
	switch s {
	case StatusRejected, StatusWithdrawn, StatusRevoked, StatusExpired:
		return true
	}
	return false
}

// AuthorizesMovement reports whether a request in status s lets the unit
// move: only an approved one does — not in review, not expired, not revoked.
func (s Status) AuthorizesMovement() bool { return s == StatusApproved }

// Action is something that moves a request from one status to another.
type Action string

// The lifecycle actions.
const (
	ActionSubmit         Action = "submit"          // draft → in_review
	ActionResubmit       Action = "resubmit"        // changes_requested → in_review
	ActionApprove        Action = "approve"         // in_review → approved (last stage approved)
	ActionReject         Action = "reject"          // in_review → rejected
	ActionRequestChanges Action = "request_changes" // in_review → changes_requested
	ActionWithdraw       Action = "withdraw"        // draft, changes_requested, in_review → withdrawn
	ActionRevoke         Action = "revoke"          // approved → revoked
	ActionExpire         Action = "expire"          // approved → expired (period ended)
)

// transitions is the lifecycle as a table: for each action, the statuses it
// may start from and the status it leads to. Anything not here is illegal.
var transitions = map[Action]struct {
	from []Status
	to   Status
}{
	ActionSubmit:         {[]Status{StatusDraft}, StatusInReview},
	ActionResubmit:       {[]Status{StatusChangesRequested}, StatusInReview},
	ActionApprove:        {[]Status{StatusInReview}, StatusApproved},
	ActionReject:         {[]Status{StatusInReview}, StatusRejected},
	ActionRequestChanges: {[]Status{StatusInReview}, StatusChangesRequested},
	ActionWithdraw:       {[]Status{StatusDraft, StatusChangesRequested, StatusInReview}, StatusWithdrawn},
	ActionRevoke:         {[]Status{StatusApproved}, StatusRevoked},
	ActionExpire:         {[]Status{StatusApproved}, StatusExpired},
}

// Transition returns the status that action leads to from from, or an error
// with code invalid_transition.
func Transition(from Status, action Action) (Status, error) {
	t, ok := transitions[action]
	if ok {
		for _, f := range t.from {
			if f == from {
				return t.to, nil
			}
		}
	}
	return "", Errorf(CodeInvalidTransition, "cannot %s a request that is %s", action, from)
}

// SubmitAction is the action that sends a request in status s for review:
// submit for a draft, resubmit after changes were requested.
func SubmitAction(s Status) Action {
	if s == StatusChangesRequested {
		return ActionResubmit
	}
	return ActionSubmit
}
