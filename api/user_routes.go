package api

import (
	"net/http"

	"exaccess/domain"
)

// admins manage accounts; nobody else sees them.
var admins = roles(domain.RoleAdmin)

// userRoutes are the routes of accounts: administrators' management, and
// every user's own password change.
func (s *Server) userRoutes() []route {
	return []route{
		{http.MethodGet, "/api/v1/users", admins, s.handleUserList},
		{http.MethodPost, "/api/v1/users", admins, s.handleUserCreate},
		{http.MethodGet, "/api/v1/users/:id", admins, s.handleUserGet},
		{http.MethodPatch, "/api/v1/users/:id", admins, s.handleUserPatch},
		{http.MethodPost, "/api/v1/users/:id/disable", admins, s.handleUserDisable},
		{http.MethodPost, "/api/v1/users/:id/enable", admins, s.handleUserEnable},
		{http.MethodPost, "/api/v1/users/:id/reset-password", admins, s.handleUserResetPassword},
		{http.MethodPost, "/api/v1/me/password", signedIn.duringPasswordChange(), s.handleMyPassword},
	}
}
