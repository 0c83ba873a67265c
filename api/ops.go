package api

import (
	"context"
	"net/http"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

type healthJSON struct {
	Status string `json:"status"`
	// Warnings are problems that do not stop this process from serving but
	// need an operator: a witness refusing the audit log's checkpoints.
	Warnings []string `json:"warnings,omitempty"`
}

// handleHealthz answers while the process serves HTTP: liveness only.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, healthJSON{Status: "ok"})
}

// handleReadyz answers 200 only when this process can do its work: the
// database answers, its schema is the one this binary expects, and the
// policy is loaded. A load balancer takes a 503 process out of rotation.
func (s *Server) handleReadyz(c echo.Context) error {
	if s.Ready == nil {
		return c.JSON(http.StatusOK, healthJSON{Status: "ready"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		s.Log.Warn("not ready", "request_id", requestID(c), "error", err.Error())
		return domain.Errorf(codeUnavailable, "not ready: %s", readinessDetail(err))
	}
	return c.JSON(http.StatusOK, healthJSON{Status: "ready", Warnings: s.witnessWarnings()})
}

// readinessDetail tells an operator which check failed without passing on
// driver messages (which can carry host names).
func readinessDetail(err error) string {
	if e, ok := err.(*domain.Error); ok {
		return e.Message
	}
	return "the database is not reachable or its schema is not current"
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
