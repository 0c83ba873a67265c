package api

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricSources are the numbers read from storage at every scrape.
type MetricSources interface {
	OverdueStages(ctx context.Context, now time.Time) (int64, error)
	AuditTreeSize(ctx context.Context) (int64, error)
	PoolStats() map[string]sql.DBStats
}

// Metrics are the Prometheus metrics of one server process, on a registry
// of their own (no global state).
type Metrics struct {
	registry  *prometheus.Registry
	latency   *prometheus.HistogramVec
	requests  *prometheus.CounterVec
	decisions *prometheus.CounterVec
}

// NewMetrics registers the HTTP, decision, storage and runtime metrics.
func NewMetrics(src MetricSources) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "exaccess_http_request_duration_seconds", Help: "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "exaccess_http_requests_total", Help: "HTTP requests by status.",
		}, []string{"status"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "exaccess_decisions_total", Help: "Accepted decisions by outcome.",
		}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.latency, m.requests, m.decisions, storageCollector{src},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// decided counts an accepted decision.
func (m *Metrics) decided(outcome string) {
	if m != nil {
		m.decisions.WithLabelValues(outcome).Inc()
	}
}

// handler serves the metrics in the Prometheus text format.
func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// withMetrics observes every request: latency by route template (never the
// raw path, which holds ids; a path no route matches is the template of the
// nearest route node or "unmatched"), method (one of the standard methods or
// "OTHER") and status, and the count by status. No label takes a value the
// client chooses freely: each new value would be a new series, so anyone
// could grow the metrics without bound.
func withMetrics(m *Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			status := strconv.Itoa(c.Response().Status)
			m.latency.WithLabelValues(route, methodLabel(c.Request().Method), status).Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(status).Inc()
			return nil
		}
	}
}

// methodLabel is the method as a metric label: a standard method, or OTHER
// for anything else (XMETHOD123, lower-case spellings).
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

var (
	overdueDesc   = prometheus.NewDesc("exaccess_overdue_stages", "Active stages past their due date.", nil, nil)
	auditSizeDesc = prometheus.NewDesc("exaccess_audit_log_entries", "Entries in the audit log.", nil, nil)
	poolOpenDesc  = prometheus.NewDesc("exaccess_db_connections_open", "Open database connections by pool.", []string{"pool"}, nil)
	poolInUseDesc = prometheus.NewDesc("exaccess_db_connections_in_use", "Database connections in use by pool.", []string{"pool"}, nil)
	poolWaitDesc  = prometheus.NewDesc("exaccess_db_wait_seconds_total", "Time spent waiting for a database connection by pool.", []string{"pool"}, nil)
	scrapeErrDesc = prometheus.NewDesc("exaccess_storage_scrape_errors", "1 when the last scrape could not read storage.", nil, nil)
)

// storageCollector reads storage at scrape time, with a short timeout so a
// database outage shows as an error metric instead of a hung scrape.
type storageCollector struct{ src MetricSources }

func (s storageCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{overdueDesc, auditSizeDesc, poolOpenDesc, poolInUseDesc, poolWaitDesc, scrapeErrDesc} {
		ch <- d
	}
}

func (s storageCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	failed := 0.0
	if n, err := s.src.OverdueStages(ctx, time.Now()); err == nil {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n))
	} else {
		failed = 1
	}
	if n, err := s.src.AuditTreeSize(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(auditSizeDesc, prometheus.GaugeValue, float64(n))
	} else {
		failed = 1
	}
	for pool, st := range s.src.PoolStats() {
		ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(st.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(poolInUseDesc, prometheus.GaugeValue, float64(st.InUse), pool)
		ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, st.WaitDuration.Seconds(), pool)
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, failed)
}

var (
	witnessFailDesc = prometheus.NewDesc("exaccess_audit_witness_failures_total",
		"Checkpoint submissions a witness did not cosign, since start.", []string{"witness"}, nil)
	witnessConflictDesc = prometheus.NewDesc("exaccess_audit_witness_conflict",
		"1 while a witness refuses the audit log's history as inconsistent with what it cosigned.", []string{"witness"}, nil)
	witnessSizeDesc = prometheus.NewDesc("exaccess_audit_witness_cosigned_size",
		"The largest checkpoint size a witness cosigned for this process.", []string{"witness"}, nil)
)

// witnessCollector reports the audit log's witnesses.
type witnessCollector struct{ status func() []domain.WitnessStatus }

func (w witnessCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- witnessFailDesc
	ch <- witnessConflictDesc
	ch <- witnessSizeDesc
}

func (w witnessCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range w.status() {
		conflict := 0.0
		if st.Conflict {
			conflict = 1
		}
		ch <- prometheus.MustNewConstMetric(witnessFailDesc, prometheus.CounterValue, float64(st.Failures), st.Name)
		ch <- prometheus.MustNewConstMetric(witnessConflictDesc, prometheus.GaugeValue, conflict, st.Name)
		ch <- prometheus.MustNewConstMetric(witnessSizeDesc, prometheus.GaugeValue, float64(st.CosignedSize), st.Name)
	}
}

// WatchWitnesses adds the witness metrics of the audit log.
func (m *Metrics) WatchWitnesses(status func() []domain.WitnessStatus) {
	m.registry.MustRegister(witnessCollector{status})
}

var signingRefusedDesc = prometheus.NewDesc("exaccess_audit_signing_refused",
	"1 while this process refuses to sign audit checkpoints (and, for key_superseded, permits) for the reason labelled, 0 for every other reason.",
	[]string{"reason"}, nil)

// signingCollector reports the audit log's refusal to sign: one series per
// reason of a fixed set, 1 for the reason that stands, 0 for the others.
type signingCollector struct {
	refusal func() string
	reasons []string
}

func (c signingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- signingRefusedDesc }

func (c signingCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.refusal()
	for _, reason := range c.reasons {
		v := 0.0
		if reason == now {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(signingRefusedDesc, prometheus.GaugeValue, v, reason)
	}
}

// WatchSigning adds the gauge exaccess_audit_signing_refused: refusal is
// why the audit log signs nothing now, "" when it signs
// (auditlog.Service.SigningRefusal), and reasons every value it can take
// (auditlog.SigningRefusalReasons), each a series of its own that is
// always there, so an alert never waits for a series to appear.
func (m *Metrics) WatchSigning(refusal func() string, reasons []string) {
	m.registry.MustRegister(signingCollector{refusal: refusal, reasons: reasons})
}

// WatchRefusals adds the count of refused attempts that were not written
// to the audit log because the same refusal was, within the window
// (domain.RefusalMemory): a steady rise is someone repeating what they
// may not do.
func (m *Metrics) WatchRefusals(suppressed func() uint64) {
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "exaccess_audit_refusals_suppressed_total",
		Help: "Refused attempts on a request not written to the audit log again because the same actor's same refusal was written within the hour, since start.",
	}, func() float64 { return float64(suppressed()) }))
}

// WatchAuditGaps adds the gauge of the audit log's gap check
// (auditlog.Service.GapsFound, the findings that stand): 1 while any
// does, the time /readyz carries its fixed warning; which entries or
// hashes are missing is in the server log only.
func (m *Metrics) WatchAuditGaps(found func() int) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "exaccess_audit_gaps_found",
		Help: "1 while the background check of the stored audit log has found an entry or stored hash missing (see the server log's AUDIT LOG DAMAGED lines), 0 otherwise.",
	}, func() float64 {
		if found() > 0 {
			return 1
		}
		return 0
	}))
}
