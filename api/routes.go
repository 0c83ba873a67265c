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
}

func (a access) declared() bool { return a.public || a.signed || len(a.roles) > 0 }

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
		{http.MethodGet, "/api/v1/me", signedIn, s.handleMe},

		{http.MethodPost, "/api/v1/requests", liaisonOnly, s.handleRequestCreate},
		{http.MethodGet, "/api/v1/requests", requestReaders, s.handleRequestList},
		{http.MethodGet, "/api/v1/requests/:id", requestReaders, s.handleRequestGet},
		{http.MethodPatch, "/api/v1/requests/:id", liaisonOnly, s.handleRequestPatch},
		{http.MethodPost, "/api/v1/requests/:id/submit", liaisonOnly, s.handleRequestSubmit},
		{http.MethodPost, "/api/v1/requests/:id/withdraw", liaisonOnly, s.handleRequestWithdraw},

		{http.MethodPost, "/api/v1/policy/evaluate", requestReaders, s.handlePolicyEvaluate},

		{http.MethodGet, "/api/v1/nations", signedIn, s.handleNationList},
		{http.MethodGet, "/api/v1/entry-points", signedIn, s.handleEntryPointList},
	}
	table = append(table, s.approvalRoutes()...)
	table = append(table, s.frameworkRoutes()...)
	table = append(table, s.opsRoutes()...)
	return append(table, s.auditRoutes()...)
}

// register adds the routes to e, each behind the check its access declares.
func (s *Server) register(e *echo.Echo, table []route) {
	for _, r := range table {
		if !r.access.declared() {
			panic(fmt.Sprintf("api: route %s %s declares no access", r.method, r.path))
		}
		e.Add(r.method, r.path, r.handler, s.authorize(r.access))
	}
}
