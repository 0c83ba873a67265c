package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"exaccess/domain"
)

// Metrics count delivery outcomes and read the outbox's backlog at every
// scrape.
type Metrics struct {
	outcomes *prometheus.CounterVec
	backlog  backlogCollector
}

// NewMetrics makes the metrics of one process's worker over outbox.
func NewMetrics(outbox domain.Outbox, now func() time.Time) *Metrics {
	return &Metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "exaccess_notifications_delivered_total",
			Help: "Delivery attempts by channel and resulting status (sent, queued for retry, failed, undeliverable).",
		}, []string{"channel", "status"}),
		backlog: backlogCollector{outbox: outbox, now: now},
	}
}

// Collectors are the metrics to register on the server's registry.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.outcomes, m.backlog}
}

func (m *Metrics) count(channel, status string) {
	if m != nil {
		m.outcomes.WithLabelValues(channel, status).Inc()
	}
}

var (
	queuedDesc = prometheus.NewDesc("exaccess_notifications_queued",
		"Notifications waiting in the outbox.", nil, nil)
	oldestDesc = prometheus.NewDesc("exaccess_notifications_oldest_undelivered_seconds",
		"Age of the oldest notification waiting in the outbox; 0 when none waits.", nil, nil)
)

type backlogCollector struct {
	outbox domain.Outbox
	now    func() time.Time
}

func (c backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queuedDesc; ch <- oldestDesc }

func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, oldest, err := c.outbox.OutboxBacklog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queuedDesc, err)
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(c.now().Sub(oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}
