package mockapi

import (
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// collector exposes an API's stats to Prometheus. It reads the same atomic
// counters as the stats endpoint at scrape time, so recording costs nothing
// extra on the hot path and each API has its own registry (no globals).
// Reset zeroes the counters; Prometheus treats that as a counter reset.
type collector struct {
	s        *stats
	requests *prometheus.Desc
	faults   *prometheus.Desc
	latency  *prometheus.Desc
	inFlight *prometheus.Desc
}

var _ prometheus.Collector = (*collector)(nil)

func newCollector(api string, s *stats) *collector {
	l := prometheus.Labels{"api": api}
	return &collector{
		s:        s,
		requests: prometheus.NewDesc("fanbench_mock_requests_total", "Arrivals answered, by status code (0: connection cut).", []string{"code"}, l),
		faults:   prometheus.NewDesc("fanbench_mock_faults_total", "Connection faults injected, by kind.", []string{"kind"}, l),
		latency:  prometheus.NewDesc("fanbench_mock_latency_seconds", "Time from arrival to answer.", nil, l),
		inFlight: prometheus.NewDesc("fanbench_mock_in_flight", "Arrivals being processed.", nil, l),
	}
}

// newRegistry returns a registry holding only this API's collector.
func newRegistry(api string, s *stats) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(newCollector(api, s)); err != nil {
		return nil, fmt.Errorf("register metrics of mock %q: %w", api, err)
	}
	return reg, nil
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.faults
	ch <- c.latency
	ch <- c.inFlight
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	send := func(m prometheus.Metric, err error) {
		if err != nil {
			m = prometheus.NewInvalidMetric(c.requests, err)
		}
		ch <- m
	}
	for i := range c.s.byStatus {
		if n := c.s.byStatus[i].Load(); n > 0 {
			send(prometheus.NewConstMetric(c.requests, prometheus.CounterValue, float64(n), strconv.Itoa(i)))
		}
	}
	for k := faultReset; k < numFaultKinds; k++ {
		send(prometheus.NewConstMetric(c.faults, prometheus.CounterValue, float64(c.s.faults[k].Load()), k.String()))
	}
	buckets := make(map[float64]uint64, latencyBuckets)
	var cum uint64
	for i := 0; i < latencyBuckets; i++ {
		cum += c.s.buckets[i].Load()
		buckets[bucketBound(i).Seconds()] = cum
	}
	cum += c.s.buckets[latencyBuckets].Load()
	send(prometheus.NewConstHistogram(c.latency, cum, float64(c.s.sumNS.Load())/1e9, buckets))
	send(prometheus.NewConstMetric(c.inFlight, prometheus.GaugeValue, float64(c.s.inFlight.Load())))
}
