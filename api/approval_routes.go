package api

import (
	"net/http"

	"exaccess/domain"
)

// approvers may decide stages; which stages is the route's business.
var approvers = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry)

// approvalRoutes are the routes of approvals: queue, decisions, revocation,
// history and delegations.
func (s *Server) approvalRoutes() []route {
	return []route{
		{http.MethodGet, "/api/v1/queue", approvers, s.handleQueueList},
		{http.MethodPost, "/api/v1/requests/:id/decisions", approvers.onOneRequest(), s.handleDecisionCreate},
		{http.MethodPost, "/api/v1/requests/:id/revoke", roles(domain.RoleOperations, domain.RoleMinistry).onOneRequest(), s.handleRequestRevoke},
		{http.MethodGet, "/api/v1/requests/:id/history", requestReaders.onOneRequest(), s.handleRequestHistory},
		{http.MethodPost, "/api/v1/delegations", approvers, s.handleDelegationCreate},
		{http.MethodGet, "/api/v1/delegations", roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry, domain.RoleAuditor, domain.RoleAdmin), s.handleDelegationList},
		{http.MethodDelete, "/api/v1/delegations/:id", roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry, domain.RoleAdmin), s.handleDelegationRevoke},
	}
}
