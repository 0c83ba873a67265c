package api

import (
	"fmt"
	"net/http"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// access declares who may call a route. Its zero value declares nothing, and
// registering a route with it panics: there is no default.
type access struct {
	public bool          // anyone, without a token
	signed bool          // any valid token
	roles  []domain.Role // a valid token holding one of these roles
	// approvers: or holding any approver role (withApprovers)
	approvers bool

	// onRequest marks a route on one existing request (its :id): a refused
	// attempt on it is written to the audit log (docs/product.md, "The audit log").
	onRequest bool
	// unlimited exempts a load balancer's probe from the rate limits: a 429
	// on a probe from a shared address would take a healthy process out.
	unlimited bool
	// cycle marks the routes that create, submit and withdraw requests: they
	// share a per-user limit of their own (RateLimits.Cycles).
	cycle bool
	// passwordChange admits a token issued for a one-time password, which
	// every other route refuses until the user has chosen a new one.
	passwordChange bool
}

func (a access) declared() bool { return a.public || a.signed || a.restricted() }

// restricted reports whether the route admits some roles only.
func (a access) restricted() bool { return len(a.roles) > 0 || a.approvers }

// onOneRequest is a, on a route that acts on one request.
func (a access) onOneRequest() access { a.onRequest = true; return a }

// inCycle is a, on a route of the create/submit/withdraw cycle.
func (a access) inCycle() access { a.cycle = true; return a }

// duringPasswordChange is a, on a route open to a token issued for a
// one-time password.
func (a access) duringPasswordChange() access { a.passwordChange = true; return a }

// withoutRateLimit is a, for a probe that must never be refused.
func (a access) withoutRateLimit() access { a.unlimited = true; return a }

var (
	public   = access{public: true}
	signedIn = access{signed: true}
)

func roles(rs ...domain.Role) access { return access{roles: rs} }

// withApprovers is a, admitting the approver roles the routing policy adds
// too (domain.AddApproverRoles), which are known only once the policy is
// loaded: a's roles name the built-in ones, as the API's documentation
// does, and every set that admits them admits a policy's own.
func (a access) withApprovers() access { a.approvers = true; return a }

// admits reports whether a role-restricted route admits p.
func (a access) admits(p domain.Principal) bool {
	return p.HasAnyRole(a.roles...) || (a.approvers && p.IsApprover())
}

// The role sets: every set of roles a route of the table admits, declared
// here and nowhere else. A set that admits the built-in approver roles
// admits those the policy adds (withApprovers); revokers is the one set
// that names approver roles for what they are, not for being approvers.
var (
	// requestReaders may read requests: the sending nation's liaison
	// officers (their own only), the approvers, and auditors.
	// Administrators manage users and reference data and have no business
	// with movement data.
	requestReaders = roles(domain.RoleLiaison, domain.RoleHNS, domain.RoleRange,
		domain.RoleOperations, domain.RoleMinistry, domain.RoleAuditor).withApprovers()

	liaisonOnly = roles(domain.RoleLiaison)

	// approvers may decide stages; which stages is the route's business.
	approvers = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry).withApprovers()

	// revokers may revoke an approved request.
	revokers = roles(domain.RoleOperations, domain.RoleMinistry)

	// delegationReaders may list delegations: approvers theirs, auditors and
	// administrators all of them.
	delegationReaders = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry, domain.RoleAuditor, domain.RoleAdmin).withApprovers()

	// delegationRevokers may revoke a delegation: approvers theirs,
	// administrators any.
	delegationRevokers = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry, domain.RoleAdmin).withApprovers()

	// frameworkReaders may read framework agreements: liaison officers their
	// own nation's, everyone else with business in requests all of them.
	frameworkReaders = roles(domain.RoleLiaison, domain.RoleHNS, domain.RoleRange, domain.RoleOperations,
		domain.RoleMinistry, domain.RoleAuditor, domain.RoleAdmin).withApprovers()

	// calendarReaders may read an area's bookings calendar: it is movement
	// data of every nation, so approvers and auditors only — not
	// administrators, who manage reference data, nor liaison officers, who
	// see their own requests.
	calendarReaders = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry, domain.RoleAuditor).withApprovers()

	// admins manage accounts and reference data; nobody else sees accounts.
	admins = roles(domain.RoleAdmin)

	// auditors read the whole audit log and export it.
	auditors = roles(domain.RoleAuditor)
)

// route is one line of the route table.
type route struct {
	method  string
	path    string
	access  access
	handler echo.HandlerFunc
}

// routes is the route table of the whole API: every path, with who may call
// it. Routes are registered here and nowhere else.
func (s *Server) routes() []route {
	return []route{
		// Sign-in, keys and the API description.
		{http.MethodGet, "/.well-known/jwks.json", public, s.handleJWKS},
		{http.MethodGet, "/api/v1/openapi.yaml", public, s.handleOpenAPI},
		{http.MethodPost, "/api/v1/auth/token", public, s.handleTokenCreate},
		{http.MethodGet, "/api/v1/me", signedIn.duringPasswordChange(), s.handleMe},

		// Requests: the liaison officer's create/edit/submit/withdraw cycle,
		// and reading them.
		{http.MethodPost, "/api/v1/requests", liaisonOnly.inCycle(), s.handleRequestCreate},
		{http.MethodGet, "/api/v1/requests", requestReaders, s.handleRequestList},
		{http.MethodGet, "/api/v1/requests/:id", requestReaders.onOneRequest(), s.handleRequestGet},
		{http.MethodPatch, "/api/v1/requests/:id", liaisonOnly.onOneRequest(), s.handleRequestPatch},
		{http.MethodPost, "/api/v1/requests/:id/submit", liaisonOnly.onOneRequest().inCycle(), s.handleRequestSubmit},
		{http.MethodPost, "/api/v1/requests/:id/withdraw", liaisonOnly.onOneRequest().inCycle(), s.handleRequestWithdraw},
		// A dry run tells a liaison officer the areas' over-capacity days
		// as submit does, so it draws from the same cycle bucket: without
		// it, the binary-search probe of docs/security.md would cost nothing.
		{http.MethodPost, "/api/v1/policy/evaluate", requestReaders.inCycle(), s.handlePolicyEvaluate},

		// Approvals: the queue, decisions, revocation and history.
		{http.MethodGet, "/api/v1/queue", approvers, s.handleQueueList},
		{http.MethodPost, "/api/v1/requests/:id/decisions", approvers.onOneRequest(), s.handleDecisionCreate},
		{http.MethodPost, "/api/v1/requests/:id/revoke", revokers.onOneRequest(), s.handleRequestRevoke},
		{http.MethodGet, "/api/v1/requests/:id/history", requestReaders.onOneRequest(), s.handleRequestHistory},

		// Delegations of an approver's role.
		{http.MethodPost, "/api/v1/delegations", approvers, s.handleDelegationCreate},
		{http.MethodGet, "/api/v1/delegations", delegationReaders, s.handleDelegationList},
		{http.MethodDelete, "/api/v1/delegations/:id", delegationRevokers, s.handleDelegationRevoke},

		// Permits. A permit is read by whoever may read its request; its
		// status needs no token, for a checkpoint officer with no account
		// here, but answers only with the permit's check value, and reveals
		// nothing but valid, revoked or expired.
		{http.MethodGet, "/api/v1/requests/:id/permit", requestReaders.onOneRequest(), s.handlePermit},
		{http.MethodGet, "/api/v1/permits/:reference/status", public, s.handlePermitStatus},

		// Reference data.
		{http.MethodGet, "/api/v1/nations", signedIn, s.handleNationList},
		{http.MethodGet, "/api/v1/entry-points", signedIn, s.handleEntryPointList},

		// Streamlined access: framework agreements, and training areas with
		// their bookings.
		{http.MethodPost, "/api/v1/frameworks", admins, s.handleFrameworkCreate},
		{http.MethodGet, "/api/v1/frameworks", frameworkReaders, s.handleFrameworkList},
		{http.MethodGet, "/api/v1/frameworks/:id", frameworkReaders, s.handleFrameworkGet},
		{http.MethodPatch, "/api/v1/frameworks/:id", admins, s.handleFrameworkPatch},
		{http.MethodGet, "/api/v1/training-areas", signedIn, s.handleTrainingAreaList},
		{http.MethodGet, "/api/v1/training-areas/:code", signedIn, s.handleTrainingAreaGet},
		{http.MethodPatch, "/api/v1/training-areas/:code", admins, s.handleTrainingAreaPatch},
		{http.MethodGet, "/api/v1/training-areas/:code/bookings", calendarReaders, s.handleBookingList},

		// Accounts: administrators' management, and every user's own
		// password change.
		{http.MethodGet, "/api/v1/users", admins, s.handleUserList},
		{http.MethodPost, "/api/v1/users", admins, s.handleUserCreate},
		{http.MethodGet, "/api/v1/users/:id", admins, s.handleUserGet},
		{http.MethodPatch, "/api/v1/users/:id", admins, s.handleUserPatch},
		{http.MethodPost, "/api/v1/users/:id/disable", admins, s.handleUserDisable},
		{http.MethodPost, "/api/v1/users/:id/enable", admins, s.handleUserEnable},
		{http.MethodPost, "/api/v1/users/:id/reset-password", admins, s.handleUserResetPassword},
		{http.MethodPost, "/api/v1/me/password", signedIn.duringPasswordChange(), s.handleMyPassword},

		// Every user's own notifications (the console inbox): own rows only,
		// another user's notification is 404.
		{http.MethodGet, "/api/v1/me/notifications", signedIn, s.handleMyNotifications},
		{http.MethodPost, "/api/v1/me/notifications/read-all", signedIn, s.handleMyNotificationsReadAll},
		{http.MethodPost, "/api/v1/me/notifications/:id/read", signedIn, s.handleMyNotificationRead},
		// Notifications: every user's channels per kind of event and own
		// webhooks; administrators' webhooks of approver roles.
		{http.MethodGet, "/api/v1/me/notification-settings", signedIn, s.handleMySettingsGet},
		{http.MethodPut, "/api/v1/me/notification-settings", signedIn, s.handleMySettingsPut},
		{http.MethodGet, "/api/v1/me/webhooks", signedIn, s.handleMyWebhookList},
		{http.MethodPost, "/api/v1/me/webhooks", signedIn, s.handleMyWebhookCreate},
		{http.MethodDelete, "/api/v1/me/webhooks/:id", signedIn, s.handleMyWebhookRevoke},
		{http.MethodGet, "/api/v1/webhooks", admins, s.handleRoleWebhookList},
		{http.MethodPost, "/api/v1/webhooks", admins, s.handleRoleWebhookCreate},
		{http.MethodDelete, "/api/v1/webhooks/:id", admins, s.handleRoleWebhookRevoke},

		// The verifiable audit log. The verifier key is public: it is a
		// public key, and whoever is handed an export must be able to check
		// it without an account here (the key should also reach auditors by
		// a second channel, so that a compromised server cannot swap it).
		// Everything else reveals the log and is for auditors.
		{http.MethodGet, "/api/v1/audit/key", public, s.handleAuditKey},
		{http.MethodGet, "/api/v1/audit/checkpoint", auditors, s.handleAuditCheckpoint},
		{http.MethodGet, "/api/v1/audit/checkpoints", auditors, s.handleAuditCheckpoints},
		{http.MethodGet, "/api/v1/audit/proof/inclusion", auditors, s.handleAuditInclusionProof},
		{http.MethodGet, "/api/v1/audit/proof/consistency", auditors, s.handleAuditConsistencyProof},
		{http.MethodGet, "/api/v1/audit/events", auditors, s.handleAuditEvents},
		{http.MethodGet, "/api/v1/audit/export", auditors, s.handleAuditExport},

		// Load balancers' probes: public, they carry no request data. The
		// metrics are not here: they are served on a listener of their own
		// (MetricsHandler, --metrics-addr), never on the public port.
		{http.MethodGet, "/healthz", public.withoutRateLimit(), s.handleHealthz},
		{http.MethodGet, "/readyz", public.withoutRateLimit(), s.handleReadyz},
	}
}

// register adds the routes to e, each behind the check its access declares.
func (s *Server) register(e *echo.Echo, table []route) {
	params, err := queryParams(s.OpenAPI)
	if err != nil {
		panic(err)
	}
	for _, r := range table {
		if !r.access.declared() {
			panic(fmt.Sprintf("api: route %s %s declares no access", r.method, r.path))
		}
		if r.access.unlimited {
			s.unlimited[r.method+" "+r.path] = true
		}
		e.Add(r.method, r.path, r.handler, s.authorize(r.access), onlyDeclaredQuery(s.declaredQuery(params, r.method, r.path)))
	}
}

// unlimitedRoute reports whether the matched route is exempt from rate limits.
func (s *Server) unlimitedRoute(c echo.Context) bool {
	return s.unlimited[c.Request().Method+" "+c.Path()]
}
