package api

import (
	"context"
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
	reg.MustRegister(m.requests, m.duration, m.ingested, jobs, &partnerFigures{n: n}, &witnessFigures{n: n})
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

// partnerFigures are the figures of each partner collection this node
// pulls (docs/federation.md), read from the store at each scrape so that
// every serve process shows the same: the last sync that reached the end
// (Unix seconds), the lag since it, the objects pulled and the failed
// pulls.
type partnerFigures struct{ n *node.Node }

var (
	partnerLastSync = prometheus.NewDesc("article5_partner_last_sync_timestamp_seconds",
		"When a pull of the partner collection last reached its end (Unix seconds; 0: never).", []string{"partner", "collection"}, nil)
	partnerLag = prometheus.NewDesc("article5_partner_lag_seconds",
		"Seconds since a pull of the partner collection last reached its end (since the first attempt when it never did).", []string{"partner", "collection"}, nil)
	partnerPulled = prometheus.NewDesc("article5_partner_objects_pulled_total",
		"Objects received from the partner collection (accepted, unchanged or rejected).", []string{"partner", "collection"}, nil)
	partnerErrors = prometheus.NewDesc("article5_partner_sync_errors_total",
		"Pulls of the partner collection that ended in error.", []string{"partner", "collection"}, nil)
	partnerUp = prometheus.NewDesc("article5_partner_last_sync_ok",
		"1 when the last pull of the partner collection succeeded, 0 when it failed.", []string{"partner", "collection"}, nil)
	// Pushes to a partner (taxii.Push), labelled with the collection
	// pushed to.
	partnerLastPush = prometheus.NewDesc("article5_partner_last_push_timestamp_seconds",
		"When a push to the partner last reached the end of this node's objects (Unix seconds; 0: never).", []string{"partner", "collection"}, nil)
	partnerPushed = prometheus.NewDesc("article5_partner_objects_pushed_total",
		"Object versions the partner accepted or already held from pushes.", []string{"partner", "collection"}, nil)
	partnerPushRefused = prometheus.NewDesc("article5_partner_objects_push_refused_total",
		"Object versions pushed that the partner refused (or held apart as conflicts).", []string{"partner", "collection"}, nil)
	partnerPushErrors = prometheus.NewDesc("article5_partner_push_errors_total",
		"Pushes to the partner that ended in error.", []string{"partner", "collection"}, nil)
	partnerPushUp = prometheus.NewDesc("article5_partner_last_push_ok",
		"1 when the last push to the partner succeeded, 0 when it failed.", []string{"partner", "collection"}, nil)
)

func (f *partnerFigures) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{partnerLastSync, partnerLag, partnerPulled, partnerErrors, partnerUp,
		partnerLastPush, partnerPushed, partnerPushRefused, partnerPushErrors, partnerPushUp} {
		ch <- d
	}
}

func (f *partnerFigures) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cursors, err := f.n.Store.FindPartnerCursors(ctx, "")
	if err != nil {
		return
	}
	now := time.Now()
	for _, c := range cursors {
		last, since := 0.0, c.LastAttempt
		if !c.LastSync.IsZero() {
			last, since = float64(c.LastSync.Unix()), c.LastSync
		}
		ok := 1.0
		if c.LastError != "" {
			ok = 0
		}
		ch <- prometheus.MustNewConstMetric(partnerLastSync, prometheus.GaugeValue, last, c.Partner, c.Collection)
		ch <- prometheus.MustNewConstMetric(partnerLag, prometheus.GaugeValue, max(0, now.Sub(since).Seconds()), c.Partner, c.Collection)
		ch <- prometheus.MustNewConstMetric(partnerPulled, prometheus.CounterValue, float64(c.Pulled), c.Partner, c.Collection)
		ch <- prometheus.MustNewConstMetric(partnerErrors, prometheus.CounterValue, float64(c.Errors), c.Partner, c.Collection)
		ch <- prometheus.MustNewConstMetric(partnerUp, prometheus.GaugeValue, ok, c.Partner, c.Collection)
	}
	pushes, err := f.n.Store.FindPartnerPushes(ctx, "")
	if err != nil {
		return
	}
	for _, p := range pushes {
		last, ok := 0.0, 1.0
		if !p.LastPush.IsZero() {
			last = float64(p.LastPush.Unix())
		}
		if p.LastError != "" {
			ok = 0
		}
		ch <- prometheus.MustNewConstMetric(partnerLastPush, prometheus.GaugeValue, last, p.Partner, p.Collection)
		ch <- prometheus.MustNewConstMetric(partnerPushed, prometheus.CounterValue, float64(p.Pushed), p.Partner, p.Collection)
		ch <- prometheus.MustNewConstMetric(partnerPushRefused, prometheus.CounterValue, float64(p.Refused), p.Partner, p.Collection)
		ch <- prometheus.MustNewConstMetric(partnerPushErrors, prometheus.CounterValue, float64(p.Errors), p.Partner, p.Collection)
		ch <- prometheus.MustNewConstMetric(partnerPushUp, prometheus.GaugeValue, ok, p.Partner, p.Collection)
	}
}
