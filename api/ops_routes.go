package api

import "net/http"

// opsRoutes serve operators and load balancers. They are public: they carry
// no request data, and /metrics should be reachable only from the
// monitoring network (docs/operations.md).
func (s *Server) opsRoutes() []route {
	return []route{
		{http.MethodGet, "/healthz", public.withoutRateLimit(), s.handleHealthz},
		{http.MethodGet, "/readyz", public.withoutRateLimit(), s.handleReadyz},
		{http.MethodGet, "/metrics", public, s.handleMetrics},
	}
}
