package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"article5/node"
)

// witnessFigures are what this node witnessed of each partner's
// transparency log (docs/federation.md, "Witnessing"), read from the
// store at each scrape: the size witnessed, when, whether the last
// attempt succeeded, and the inconsistencies found.
type witnessFigures struct{ n *node.Node }

var (
	witnessSize = prometheus.NewDesc("article5_partner_log_witnessed_size",
		"Entries of the partner's newest signed tree head this node witnessed (0: none yet).", []string{"partner"}, nil)
	witnessLast = prometheus.NewDesc("article5_partner_log_witnessed_timestamp_seconds",
		"When a head of the partner's log last verified and was consistent (Unix seconds; 0: never).", []string{"partner"}, nil)
	witnessOK = prometheus.NewDesc("article5_partner_log_witness_ok",
		"1 when the last witnessing of the partner's log succeeded, 0 when it failed or found an inconsistency.", []string{"partner"}, nil)
	witnessInconsistent = prometheus.NewDesc("article5_partner_log_inconsistencies_total",
		"Incidents of the partner's log: a signed tree head that contradicted what this node witnessed (a forked or rewritten log, a bad signature, a log that went back) while no incident was open.", []string{"partner"}, nil)
)

func (f *witnessFigures) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{witnessSize, witnessLast, witnessOK, witnessInconsistent} {
		ch <- d
	}
}

func (f *witnessFigures) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	heads, err := f.n.Store.FindPartnerHeads(ctx, "")
	if err != nil {
		return
	}
	for _, h := range heads {
		last, ok := 0.0, 1.0
		if !h.Witnessed.IsZero() {
			last = float64(h.Witnessed.Unix())
		}
		if h.LastError != "" {
			ok = 0
		}
		ch <- prometheus.MustNewConstMetric(witnessSize, prometheus.GaugeValue, float64(h.Size), h.Partner)
		ch <- prometheus.MustNewConstMetric(witnessLast, prometheus.GaugeValue, last, h.Partner)
		ch <- prometheus.MustNewConstMetric(witnessOK, prometheus.GaugeValue, ok, h.Partner)
		ch <- prometheus.MustNewConstMetric(witnessInconsistent, prometheus.CounterValue, float64(h.Inconsistencies), h.Partner)
	}
}
