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
	// need an operator: a witness refusing the audit log's checkpoints, a
	// gap in the stored audit log.
	Warnings []string `json:"warnings,omitempty"`
	// Components are the dependencies checked in the background, by name
	// ("mail"); a failing one makes the status "degraded", still 200.
	Components map[string]Component `json:"components,omitempty"`
}

// Component is the last known state of a dependency that a background
// check watches, such as the mail server. A readiness probe reads it and
// never contacts the dependency itself.
type Component struct {
	// Status is ok, unchecked (no check has finished yet), or the failure
	// (unreachable).
	Status string `json:"status"`
	// Detail says what the status means for the service, never a host name
	// or a driver message (/readyz is public; the log has the cause).
	Detail    string     `json:"detail,omitempty"`
	CheckedAt *time.Time `json:"checked_at,omitempty"`
	// Since is when the component entered its status.
	Since *time.Time `json:"since,omitempty"`
}

// Component states besides a failure.
const (
	ComponentOK        = "ok"
	ComponentUnchecked = "unchecked"
)

// handleHealthz answers while the process serves HTTP: liveness only.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, healthJSON{Status: "ok"})
}

// handleReadyz answers 200 only when this process can do its work: the
// database answers, its schema is the one this binary expects, and the
// policy is loaded. A load balancer takes a 503 process out of rotation.
// Dependencies the process works without for a while (the mail server:
// mail waits in the outbox) are reported as components and turn the status
// to "degraded", still 200: another replica would reach the same server no
// better, and pulling every replica would stop the service for no mail.
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
	out := healthJSON{Status: "ready", Warnings: s.auditWarnings()}
	if s.Components != nil {
		out.Components = s.Components()
		for _, comp := range out.Components {
			if comp.Status != ComponentOK && comp.Status != ComponentUnchecked {
				out.Status = "degraded"
			}
		}
	}
	return c.JSON(http.StatusOK, out)
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
