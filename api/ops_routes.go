package api

import "net/http"

// opsRoutes serve load balancers. They are public: they carry no request
// data. The metrics are not here: they are served on a listener of their
// own (MetricsHandler, --metrics-addr), never on the public port.
func (s *Server) opsRoutes() []route {
	return []route{
		{http.MethodGet, "/healthz", public.withoutRateLimit(), s.handleHealthz},
		{http.MethodGet, "/readyz", public.withoutRateLimit(), s.handleReadyz},
	}
}

// MetricsHandler serves GET /metrics (Prometheus text format) and nothing
// else, for the metrics listener; without Metrics it serves nothing.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.handler())
	}
	return mux
}
