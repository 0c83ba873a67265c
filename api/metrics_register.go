package api

import "github.com/prometheus/client_golang/prometheus"

// Register adds collectors of other parts of the process (the notification
// worker) to the registry served at /metrics.
func (m *Metrics) Register(cs ...prometheus.Collector) {
	m.registry.MustRegister(cs...)
}
