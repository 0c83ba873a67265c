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

func (a access) declared() bool { return a.public || a.signed || len(a.roles) > 0 }

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

// Who may read requests: the sending nation's liaison officers (their own
// only), the approvers, and auditors. Administrators manage users and
// reference data and have no business with movement data.
var requestReaders = roles(domain.RoleLiaison, domain.RoleHNS, domain.RoleRange,
	domain.RoleOperations, domain.RoleMinistry, domain.RoleAuditor)

var liaisonOnly = roles(domain.RoleLiaison)

// route is one line of the route table.
type route struct {
	method  string
	path    string
	access  access
	handler echo.HandlerFunc
}

// routes is the route table of the whole API: every path, with who may call it.
func (s *Server) routes() []route {
	table := []route{
		{http.MethodGet, "/.well-known/jwks.json", public, s.handleJWKS},
		{http.MethodGet, "/api/v1/openapi.yaml", public, s.handleOpenAPI},
		{http.MethodPost, "/api/v1/auth/token", public, s.handleTokenCreate},
		{http.MethodGet, "/api/v1/me", signedIn.duringPasswordChange(), s.handleMe},

		{http.MethodPost, "/api/v1/requests", liaisonOnly.inCycle(), s.handleRequestCreate},
		{http.MethodGet, "/api/v1/requests", requestReaders, s.handleRequestList},
		{http.MethodGet, "/api/v1/requests/:id", requestReaders.onOneRequest(), s.handleRequestGet},
		{http.MethodPatch, "/api/v1/requests/:id", liaisonOnly.onOneRequest(), s.handleRequestPatch},
		{http.MethodPost, "/api/v1/requests/:id/submit", liaisonOnly.onOneRequest().inCycle(), s.handleRequestSubmit},
		{http.MethodPost, "/api/v1/requests/:id/withdraw", liaisonOnly.onOneRequest().inCycle(), s.handleRequestWithdraw},

		{http.MethodPost, "/api/v1/policy/evaluate", requestReaders, s.handlePolicyEvaluate},

		{http.MethodGet, "/api/v1/nations", signedIn, s.handleNationList},
		{http.MethodGet, "/api/v1/entry-points", signedIn, s.handleEntryPointList},
	}
	table = append(table, s.approvalRoutes()...)
	table = append(table, s.frameworkRoutes()...)
	table = append(table, s.opsRoutes()...)
	table = append(table, s.userRoutes()...)
	table = append(table, s.permitRoutes()...)
	return append(table, s.auditRoutes()...)
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
