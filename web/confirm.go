package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// Irreversible buttons — withdrawing a request, revoking a permit,
// revoking a delegation — pass through a confirmation page before they
// act: the first press posts the form without "confirm", and the handler
// answers with a page that names what is about to end and posts the same
// fields again with confirm=yes. It needs no JavaScript and no route of
// its own, and a stray click changes nothing.

// confirmYes is the value of the confirmation page's "confirm" field.
const confirmYes = "yes"

// confirmWords are the confirmation page's wording, merged into english.
var confirmWords = map[string]string{
	"confirm.undone":      "This cannot be undone.",
	"confirm.cancel":      "Cancel",
	"confirm.withdraw":    "Withdraw this request?",
	"confirm.withdrawbtn": "Yes, withdraw the request",
	"confirm.revoke":      "Revoke this permit?",
	"confirm.revokebtn":   "Yes, revoke the permit",
	"confirm.deleg":       "Revoke this delegation?",
	"confirm.delegbtn":    "Yes, revoke the delegation",
	"confirm.reason":      "Reason",
	"confirm.noreason":    "none given",
	"confirm.delegator":   "Given by",
	"confirm.delegate":    "Given to",
}

func init() {
	for k, v := range confirmWords {
		english[k] = v
	}
}

// confirmView is the data of the confirmation page.
type confirmView struct {
	Question string
	Facts    []fact
	// Action is where the form posts; Hidden the fields of the first
	// form, sent again.
	Action string
	Hidden []fact
	Button string
	// Back is the page the user came from, where Cancel leads.
	Back string
}

// fact is one labelled line of the page, or one hidden field (Label its
// name).
type fact struct{ Label, Value string }

// confirmed reports whether the form was sent from the confirmation page.
func confirmed(ec echo.Context) bool { return ec.FormValue("confirm") == confirmYes }

// confirmRequestAction asks to confirm withdrawing a request or revoking
// its permit (a, one of actionWithdraw and actionRevoke), with the
// version and the reason the request page's form sent. It never asks to
// confirm what would then be refused: a page rendered at an older version
// goes back to the request with the stale notice, and a reason the domain
// will refuse comes back at the field, both as the confirmed post would.
func (c *Console) confirmRequestAction(ec echo.Context, a pageAction) error {
	id := ec.Param("id")
	r, err := c.Requests.GetRequest(ec.Request().Context(), principalOf(ec), id)
	if err != nil {
		return err
	}
	if versionOf(ec) != r.Version {
		return c.afterAction(ec, domain.Errorf(domain.CodePreconditionFailed, "the request has changed"), a)
	}
	if err := reasonRefusal(a, ec.FormValue("reason")); err != nil {
		return c.afterAction(ec, err, a)
	}
	question, button := msg("confirm.withdraw"), msg("confirm.withdrawbtn")
	if a.form == actionRevoke.form {
		question, button = msg("confirm.revoke"), msg("confirm.revokebtn")
	}
	facts := []fact{{msg("f.exercise_name"), r.ExerciseName}}
	if r.Reference != "" {
		facts = append(facts, fact{msg("list.reference"), r.Reference})
	}
	facts = append(facts, fact{msg("list.status"), msg("status." + string(r.Status))}, fact{msg("list.period"),
		domain.DateString(r.Period.Start) + " – " + domain.DateString(r.Period.End)})
	reason := ec.FormValue("reason")
	shown := reason
	if shown == "" {
		shown = msg("confirm.noreason")
	}
	facts = append(facts, fact{msg("confirm.reason"), shown})
	path := "/requests/" + id
	return c.render(ec, http.StatusOK, "confirm", question, confirmView{Question: question, Facts: facts,
		Action: path + "/" + a.form, Button: button, Back: path,
		Hidden: []fact{{"version", strconv.Itoa(versionOf(ec))}, {"reason", reason}}})
}

// reasonRefusal is the domain's first answer to the reason of a
// withdrawal or a revocation, checked before asking to confirm: a
// revocation needs one, and each has the domain's length limit. The other
// checks of the text (control characters and the like) are left to the
// domain; such a reason is typed on purpose, not by a stray click.
func reasonRefusal(a pageAction, reason string) error {
	required, limit, message := false, domain.MaxPurpose, "the withdrawal is not valid"
	if a.form == actionRevoke.form {
		required, limit, message = true, domain.MaxComment, "a revocation needs its reason"
	}
	var fe domain.FieldError
	switch {
	case required && strings.TrimSpace(reason) == "":
		fe = domain.FieldError{Field: "reason", Message: "is required"}
	case utf8.RuneCountInString(reason) > limit:
		fe = domain.FieldError{Field: "reason", Message: "must be at most " + strconv.Itoa(limit) + " characters"}
	default:
		return nil
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: message, Fields: []domain.FieldError{fe}}
}

// versionOf is the version a request page's form was rendered at.
func versionOf(ec echo.Context) int {
	v, _ := strconv.Atoi(ec.FormValue("version"))
	return v
}

// confirmDelegationRevoke asks to confirm revoking delegation id, as the
// delegations page lists it. One not in that list — one the caller does
// not see, or one older than the newest the list holds — is refused here
// rather than revoked unconfirmed: without its facts there is nothing to
// confirm. It reports whether it answered, which it always does.
func (c *Console) confirmDelegationRevoke(ec echo.Context, id string) (bool, error) {
	list, err := c.Approvals.ListDelegations(ec.Request().Context(), principalOf(ec))
	if err != nil {
		return true, err
	}
	for _, d := range list {
		if d.ID != id {
			continue
		}
		question := msg("confirm.deleg")
		facts := []fact{{msg("confirm.delegator"), d.From}, {msg("confirm.delegate"), d.To}, {msg("deleg.role"), msg("role." + string(d.Role))},
			{msg("deleg.period"), stockholmTime(d.Starts) + " – " + untilTime(d.Ends)}}
		return true, c.render(ec, http.StatusOK, "confirm", question, confirmView{Question: question, Facts: facts,
			Action: "/delegations/" + id + "/revoke", Button: msg("confirm.delegbtn"), Back: "/delegations"})
	}
	return true, domain.Errorf(domain.CodeConflict, "this delegation is not among those the delegations page lists, so it cannot be confirmed; nothing was revoked")
}
