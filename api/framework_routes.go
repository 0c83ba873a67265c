package api

import (
	"net/http"

	"exaccess/domain"
)

// frameworkReaders may read framework agreements: liaison officers their own
// nation's, everyone else with business in requests all of them.
var frameworkReaders = roles(domain.RoleLiaison, domain.RoleHNS, domain.RoleRange, domain.RoleOperations,
	domain.RoleMinistry, domain.RoleAuditor, domain.RoleAdmin)

var adminOnly = roles(domain.RoleAdmin)

// calendarReaders may read an area's bookings calendar: it is movement data
// of every nation, so approvers and auditors only — not administrators, who
// manage reference data, nor liaison officers, who see their own requests.
var calendarReaders = roles(domain.RoleHNS, domain.RoleRange, domain.RoleOperations, domain.RoleMinistry, domain.RoleAuditor)

// frameworkRoutes are the routes of streamlined access: framework
// agreements and training areas with their bookings.
func (s *Server) frameworkRoutes() []route {
	return []route{
		{http.MethodPost, "/api/v1/frameworks", adminOnly, s.handleFrameworkCreate},
		{http.MethodGet, "/api/v1/frameworks", frameworkReaders, s.handleFrameworkList},
		{http.MethodGet, "/api/v1/frameworks/:id", frameworkReaders, s.handleFrameworkGet},
		{http.MethodPatch, "/api/v1/frameworks/:id", adminOnly, s.handleFrameworkPatch},
		{http.MethodGet, "/api/v1/training-areas", signedIn, s.handleTrainingAreaList},
		{http.MethodGet, "/api/v1/training-areas/:code", signedIn, s.handleTrainingAreaGet},
		{http.MethodPatch, "/api/v1/training-areas/:code", adminOnly, s.handleTrainingAreaPatch},
		{http.MethodGet, "/api/v1/training-areas/:code/bookings", calendarReaders, s.handleBookingList},
	}
}
