package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"article5/node"
)

// metrics are the node's Prometheus metrics: requests by route and status,
// request durations, ingested objects by outcome and jobs done.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ingested *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, n *node.Node) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "article5_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "article5_http_request_duration_seconds", Help: "HTTP request durations by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "article5_ingest_objects_total", Help: "STIX objects ingested, by result: accepted, unchanged, rejected.",
		}, []string{"result"}),
	}
	jobs := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "article5_jobs_done_total", Help: "Re-assessment jobs completed by this node's worker.",
	}, func() float64 { return float64(n.JobsDone()) })
	reg.MustRegister(m.requests, m.duration, m.ingested, jobs)
	for _, r := range []string{"accepted", "unchanged", "rejected"} {
		m.ingested.WithLabelValues(r)
	}
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
