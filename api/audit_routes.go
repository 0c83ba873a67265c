package api

import (
	"net/http"

	"exaccess/domain"
)

// auditors read the whole audit log and export it.
var auditors = roles(domain.RoleAuditor)

// auditRoutes are the routes of the verifiable audit log. The verifier key
// is public: it is a public key, and whoever is handed an export must be
// able to check it without an account here (the key should also reach
// auditors by a second channel, so that a compromised server cannot swap
// it). Everything else reveals the log and is for auditors.
func (s *Server) auditRoutes() []route {
	return []route{
		{http.MethodGet, "/api/v1/audit/key", public, s.handleAuditKey},
		{http.MethodGet, "/api/v1/audit/checkpoint", auditors, s.handleAuditCheckpoint},
		{http.MethodGet, "/api/v1/audit/checkpoints", auditors, s.handleAuditCheckpoints},
		{http.MethodGet, "/api/v1/audit/proof/inclusion", auditors, s.handleAuditInclusionProof},
		{http.MethodGet, "/api/v1/audit/proof/consistency", auditors, s.handleAuditConsistencyProof},
		{http.MethodGet, "/api/v1/audit/events", auditors, s.handleAuditEvents},
		{http.MethodGet, "/api/v1/audit/export", auditors, s.handleAuditExport},
	}
}
