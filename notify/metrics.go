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

// Backlog reads one channel's queued rows (storage.DB).
type Backlog interface {
	// OutboxChannelBacklog counts the channel's queued rows and gives the
	// creation time of the oldest one (zero when none).
	OutboxChannelBacklog(ctx context.Context, channel string) (queued int64, oldest time.Time, err error)
}

// backlogChannels are the channels whose rows wait in the outbox (inbox
// rows are delivered as they are written).
var backlogChannels = []string{domain.ChannelEmail, domain.ChannelWebhook}

// NewMetrics makes the metrics of one process's worker over outbox.
func NewMetrics(outbox Backlog, now func() time.Time) *Metrics {
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

// The backlog is labelled by channel: a user's webhook that keeps failing
// (hours of retries) must not raise the e-mail alerts.
var (
	queuedDesc = prometheus.NewDesc("exaccess_notifications_queued",
		"Notifications waiting in the outbox, by channel (email, webhook).", []string{"channel"}, nil)
	oldestDesc = prometheus.NewDesc("exaccess_notifications_oldest_undelivered_seconds",
		"Age of the oldest notification of the channel waiting in the outbox; 0 when none waits.", []string{"channel"}, nil)
)

type backlogCollector struct {
	outbox Backlog
	now    func() time.Time
}

func (c backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queuedDesc; ch <- oldestDesc }

func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, channel := range backlogChannels {
		n, oldest, err := c.outbox.OutboxChannelBacklog(ctx, channel)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(queuedDesc, err)
			return
		}
		age := 0.0
		if !oldest.IsZero() {
			age = max(c.now().Sub(oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(n), channel)
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age, channel)
	}
}
