package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// Irreversible buttons — withdrawing a request, revoking a permit,
// revoking a delegation, revoking one's webhook, resetting an account's
// password — and disabling an account, which only enabling it again
// undoes, pass through a confirmation page before they act: the first press posts the form without "confirm", and the handler
// answers with a page that names what is about to end and posts the same
// fields again with confirm=yes. It needs no JavaScript and no route of
// its own, and a stray click changes nothing. It is shown only for what
// the action would then accept as far as it can be checked before: each
// refusal is checked with the domain's own rule and answered as the
// confirmed post would answer it.

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
	"confirm.delegnot":    "The delegation was not revoked",
	"confirm.hook":        "Revoke this webhook?",
	"confirm.hookbtn":     "Yes, revoke the webhook",
	"confirm.hooknot":     "The webhook was not revoked",
	"confirm.account":     "Account",
	"confirm.reset":       "Reset the password of %s?",
	"confirm.resetnote":   "Their current password stops working and their sessions end; you will be shown a one-time password to give them.",
	"confirm.resetbtn":    "Yes, reset the password",
	"confirm.disable":     "Disable the account of %s?",
	"confirm.disablenote": "They are signed out at once and cannot sign in until an administrator enables the account again.",
	"confirm.disablebtn":  "Yes, disable the account",
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
	// Note says what the action does, when the question does not.
	Note string
	// Undoable: another action undoes it (enabling a disabled account),
	// so the page does not say it cannot be undone.
	Undoable bool
}

// fact is one labelled line of the page, or one hidden field (Label its
// name).
type fact struct{ Label, Value string }

// confirmed reports whether the form was sent from the confirmation page.
func confirmed(ec echo.Context) bool { return ec.FormValue("confirm") == confirmYes }

// confirmRequestAction asks to confirm withdrawing a request or revoking
// its permit (a, one of actionWithdraw and actionRevoke), with the
// version and the reason the request page's form sent. It never asks to
// confirm what would then be refused, and checks in the order the action
// does: the reason with the domain's own check of it (required for a
// revocation, its length, no control characters), the version, and the
// request's status with the domain's rule of the action (and a permit's
// period that has ended). A refusal is answered as the confirmed post
// would answer it (afterAction): a reason at its field with what was
// typed, a page rendered at an older version with the stale notice, a
// status that does not allow the action with the domain's words.
func (c *Console) confirmRequestAction(ec echo.Context, a pageAction) error {
	id, reason := ec.Param("id"), ec.FormValue("reason")
	if err := reasonRefusal(a, reason); err != nil {
		return c.afterAction(ec, err, a)
	}
	r, err := c.Requests.GetRequest(ec.Request().Context(), principalOf(ec), id)
	if err != nil {
		return err
	}
	if versionOf(ec) != r.Version {
		return c.afterAction(ec, domain.Errorf(domain.CodePreconditionFailed, "the request has changed"), a)
	}
	refusal := domain.WithdrawRefusal(r)
	if a.form == actionRevoke.form {
		refusal = domain.RevokeRefusal(r, c.Now())
	}
	if refusal != nil {
		return c.afterAction(ec, refusal, a)
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

// reasonRefusal is the domain's own check of the reason of a withdrawal or
// a revocation, the first the action makes.
func reasonRefusal(a pageAction, reason string) error {
	if a.form == actionRevoke.form {
		return domain.CheckRevokeReason(reason)
	}
	return domain.CheckWithdrawReason(reason)
}

// versionOf is the version a request page's form was rendered at.
func versionOf(ec echo.Context) int {
	v, _ := strconv.Atoi(ec.FormValue("version"))
	return v
}

// confirmDelegationRevoke asks to confirm revoking delegation id, as the
// delegations page lists it (on whichever of its pages). One the caller
// does not see is refused here rather than revoked unconfirmed: without
// its facts there is nothing to confirm. It reports whether it answered,
// which it always does.
func (c *Console) confirmDelegationRevoke(ec echo.Context, id string) (bool, error) {
	d, err := c.Approvals.ListedDelegation(ec.Request().Context(), principalOf(ec), id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return true, domain.Errorf(domain.CodeConflict, "this delegation is not among those the delegations page lists, so it cannot be confirmed; nothing was revoked")
	}
	if err != nil {
		return true, err
	}
	// Already revoked or ended: the refusal the revocation would give.
	if err := domain.DelegationRevokeRefusal(d.Delegation, c.Now()); err != nil {
		return true, c.delegationRevokeRefused(ec, err)
	}
	question := msg("confirm.deleg")
	facts := []fact{{msg("confirm.delegator"), d.From}, {msg("confirm.delegate"), d.To}, {msg("deleg.role"), roleLabel(d.Role)},
		{msg("deleg.period"), stockholmTime(d.Starts) + " – " + untilTime(d.Ends)}}
	return true, c.render(ec, http.StatusOK, "confirm", question, confirmView{Question: question, Facts: facts,
		Action: "/delegations/" + id + "/revoke", Button: msg("confirm.delegbtn"), Back: "/delegations"})
}

// confirmWebhookRevoke asks to confirm revoking webhook id, one of the
// caller's own as the settings page lists them. One the caller does not
// have is not found, as the revocation would answer; one already revoked
// is refused on the settings page with the domain's words
// (domain.WebhookRevokeRefusal), as the revocation would be.
func (c *Console) confirmWebhookRevoke(ec echo.Context, id string) error {
	w, err := c.Notifications.OwnWebhook(ec.Request().Context(), principalOf(ec), id)
	if err != nil {
		return err
	}
	if err := domain.WebhookRevokeRefusal(*w); err != nil {
		return c.webhookRevokeRefused(ec, err)
	}
	question := msg("confirm.hook")
	facts := []fact{{msg("set.url"), w.URL}, {msg("set.created"), stockholmTime(w.CreatedAt)}}
	return c.render(ec, http.StatusOK, "confirm", question, confirmView{Question: question, Facts: facts,
		Action: "/account/webhooks/" + id + "/revoke", Button: msg("confirm.hookbtn"), Back: pathSettings})
}

// confirmUserReset asks to confirm resetting the password of account id,
// with the reason the account page's form sent. It checks first what the
// reset would refuse (domain.UserService.CheckResetPassword: one's own
// account, the reason, an account of the identity provider), and answers a refusal as the
// confirmed post would, on the account's page at the reset form.
func (c *Console) confirmUserReset(ec echo.Context) error {
	id, reason := ec.Param("id"), strings.TrimSpace(ec.FormValue("reason"))
	u, err := c.Accounts.CheckResetPassword(ec.Request().Context(), principalOf(ec).Subject, id, reason)
	if err != nil {
		return c.userProblem(ec, id, err, resetForm, nil)
	}
	question := fmt.Sprintf(msg("confirm.reset"), u.Username)
	return c.render(ec, http.StatusOK, "confirm", question, confirmView{Question: question,
		Facts: userFacts(u, reason), Note: msg("confirm.resetnote"),
		Action: "/admin/users/" + id + "/reset-password", Button: msg("confirm.resetbtn"), Back: "/admin/users/" + id,
		Hidden: []fact{{"reason", reason}}})
}

// confirmUserDisable asks to confirm disabling account id, with the
// reason the account page's form sent, after the checks of the
// disabling itself (domain.UserService.CheckSetDisabled: the reason is
// required, the account not disabled already, not the last
// administrator who can sign in), whose refusal is answered as the
// confirmed post's.
func (c *Console) confirmUserDisable(ec echo.Context) error {
	id, reason := ec.Param("id"), strings.TrimSpace(ec.FormValue("reason"))
	u, err := c.Accounts.CheckSetDisabled(ec.Request().Context(), principalOf(ec).Subject, id, true, reason)
	if err != nil {
		return c.userProblem(ec, id, err, stateForm, nil)
	}
	question := fmt.Sprintf(msg("confirm.disable"), u.Username)
	return c.render(ec, http.StatusOK, "confirm", question, confirmView{Question: question,
		Facts: userFacts(u, reason), Note: msg("confirm.disablenote"), Undoable: true,
		Action: "/admin/users/" + id + "/disable", Button: msg("confirm.disablebtn"), Back: "/admin/users/" + id,
		Hidden: []fact{{"reason", reason}}})
}

// userFacts name the account a confirmation is about, and the reason typed.
func userFacts(u *domain.User, reason string) []fact {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = roleLabel(r)
	}
	if reason == "" {
		reason = msg("confirm.noreason")
	}
	facts := []fact{{msg("confirm.account"), u.Username}}
	if len(roles) > 0 {
		facts = append(facts, fact{msg("users.roles"), strings.Join(roles, ", ")})
	}
	return append(facts, fact{msg("confirm.reason"), reason})
}
