package reports_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/reports"
)

// lognormalHist records n seeded lognormal latencies (median and p99 in
// ms, plus a fixed offset) into a standard histogram.
func lognormalHist(seed uint64, n int, medianMs, p99Ms, offsetMs float64) *hdrhistogram.Histogram {
	rng := rand.New(rand.NewPCG(seed, 1))
	sigma := math.Log(p99Ms/medianMs) / 2.3263
	h := reports.NewHistogram()
	for range n {
		v := offsetMs + medianMs*math.Exp(sigma*rng.NormFloat64())
		reports.RecordUs(h, int64(v*1000))
	}
	return h
}

func encode(t *testing.T, h *hdrhistogram.Histogram) string {
	t.Helper()
	s, err := reports.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// series is 30 seconds at 200/s with b's faults from 10 s to 20 s.
func series(p50, p99 float64, okShare, deliveredShare float64) []reports.SeriesPoint {
	var ps []reports.SeriesPoint
	for s := range 30 {
		p := reports.SeriesPoint{T: float64(s), Sent: 200, OK: 200, Delivered: 200, P50Ms: p50, P99Ms: p99, MaxMs: p99 * 1.3}
		if s >= 10 && s < 20 {
			p.OK = int64(200 * okShare)
			p.Delivered = int64(200 * deliveredShare)
			p.P50Ms, p.P99Ms, p.MaxMs = p50*1.6, p99*3, p99*4
		}
		p.Errors = p.Sent - p.OK
		ps = append(ps, p)
	}
	return ps
}

// fixture is a hand-built, deterministic run of three strategies under a
// fault phase: sequential (healthy), errgroup (repeated 3 times, driver
// saturated, lost sends) and queue (asynchronous: fast answers, slow
// delivery, a broker).
func fixture(t *testing.T) *reports.Results {
	t.Helper()
	r := &reports.Results{
		Schema:      reports.Schema,
		Scenario:    "flaky-b",
		Description: "b fails 20% of calls | from 10s to 20s",
		Seed:        42,
		StartedAt:   time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC),
		Machine:     reports.Machine{CPUs: 2, GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"},
		Load:        reports.LoadInfo{Profile: "constant", Rate: 200, DurationS: 30, WarmupS: 3, MaxInFlight: 10000, TimeoutS: 10},
		SLO: []reports.SLOCheck{
			{Expr: "errgroup.latency.p99 < 150ms", Value: 0, Pass: false},
			{Expr: "queue.lost == 0", Value: 0, Pass: true},
			{Expr: "*.success_ratio >= 0.99", Value: 0, Pass: false, Error: "errgroup: 0.981 < 0.99"},
		},
	}
	type spec struct {
		name                 string
		seed                 uint64
		median, p99, offset  float64 // user latency
		idealMed, idealP99   float64
		delMed, delP99, delO float64 // delivery to both
		okShare, delivShare  float64 // of the sends during b's faults
	}
	for i, sp := range []spec{
		{"sequential", 1, 100, 250, 6, 100, 250, 100, 250, 5, 0.8, 0.8},
		{"errgroup", 2, 60, 190, 2, 60, 190, 60, 190, 1.5, 0.85, 0.78},
		{"queue", 3, 2.5, 9, 0.3, 0, 0, 70, 420, 5, 1, 0.7},
	} {
		corr := lognormalHist(sp.seed, 6000, sp.median, sp.p99, sp.offset)
		unc := lognormalHist(sp.seed, 6000, sp.median, sp.p99, sp.offset*0.8)
		deliv := lognormalHist(sp.seed+10, 6000, sp.delMed, sp.delP99, sp.delO)
		s := reports.StrategyResult{
			Name: sp.name, Requests: 6000, RateRequested: 200, RateAchieved: 199.9, SuccessRatio: 0.998,
			LatencyMs: reports.UserLatency{Corrected: reports.PercentilesOf(corr), Uncorrected: reports.PercentilesOf(unc)},
			DeliveryMs: reports.Delivery{
				A: reports.PercentilesOf(lognormalHist(sp.seed+20, 6000, sp.delMed*0.6, sp.delP99*0.6, 0)),
				B: reports.PercentilesOf(deliv), Both: reports.PercentilesOf(deliv),
			},
			Outcomes:    reports.Outcomes{Both: 5990, AOnly: 4, BOnly: 6},
			Calls:       reports.AB{A: 6000, B: 7410},
			Retries:     reports.AB{A: 0, B: 1410},
			StatusCodes: map[string]int64{"200": 5988, "502": 12},
			Series:      series(sp.median+sp.offset, sp.p99+sp.offset, sp.okShare, sp.delivShare),
			Histograms: reports.Histograms{
				Corrected: encode(t, corr), Uncorrected: encode(t, unc), DeliveryBoth: encode(t, deliv),
			},
			CPUUsPerSend: 310 + float64(i)*45,
		}
		if sp.idealMed > 0 {
			ideal := lognormalHist(sp.seed+30, 20000, sp.idealMed, sp.idealP99, 0)
			s.IdealMs = reports.PercentilesOf(ideal)
			s.OverheadMs = s.LatencyMs.Corrected.Sub(s.IdealMs)
			s.Histograms.Ideal = encode(t, ideal)
		}
		r.Strategies = append(r.Strategies, s)
		r.Phases = append(r.Phases,
			reports.PhaseMark{Strategy: sp.name, AtS: 10, API: "b", Action: "set"},
			reports.PhaseMark{Strategy: sp.name, AtS: 20, API: "b", Action: "reset"})
	}
	eg := &r.Strategies[1]
	eg.SuccessRatio, eg.Lost = 0.981, 3
	eg.Outcomes = reports.Outcomes{Both: 5880, AOnly: 100, BOnly: 15, None: 5}
	eg.DuplicateDeliveries = reports.AB{B: 12}
	eg.BreakerOpens = reports.AB{B: 2}
	eg.StatusCodes = map[string]int64{"200": 5886, "502": 100, "0": 14}
	eg.Errors = map[string]int64{"timeout": 14}
	eg.DriverSaturated, eg.RateAchieved = true, 187.5
	eg.Saturation = reports.Saturation{InFlightCapHits: 120, MaxLagMs: 350, PeakInFlight: 10000}
	c := eg.LatencyMs.Corrected
	eg.Spread = &reports.Spread{
		Repeats: 3,
		LatencyMs: map[string]reports.Range{
			"p50": {Median: c.P50, Min: c.P50 * 0.95, Max: c.P50 * 1.05}, "p90": {Median: c.P90, Min: c.P90 * 0.95, Max: c.P90 * 1.05},
			"p99": {Median: c.P99, Min: c.P99 * 0.9, Max: c.P99 * 1.1}, "p999": {Median: c.P999, Min: c.P999 * 0.85, Max: c.P999 * 1.2},
			"max": {Median: c.Max, Min: c.Max * 0.8, Max: c.Max * 1.3},
		},
		RateAchieved: reports.Range{Median: 187.5, Min: 185, Max: 190},
		SuccessRatio: reports.Range{Median: 0.981, Min: 0.975, Max: 0.985},
		Lost:         reports.Range{Median: 3, Min: 1, Max: 5},
	}
	q := &r.Strategies[2]
	q.Calls = reports.AB{A: 6010, B: 7600}
	q.DeadLetters = 0
	q.Broker = &reports.BrokerStats{Published: 6000, Duplicates: 2, Redeliveries: 1600, PeakPending: 830}
	return r
}

// TestDecodeHistogramCorrupt damages a real encoding in seeded ways:
// hdrhistogram-go panics on some; DecodeHistogram must return an error.
func TestDecodeHistogramCorrupt(t *testing.T) {
	enc := encode(t, lognormalHist(1, 1000, 50, 200, 0))
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var refused, decoded int
	for range 3000 {
		b := []byte(enc)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(min(len(b), 60))] = alphabet[rng.IntN(64)]
		}
		h, err := reports.DecodeHistogram(string(b)) // must not panic
		switch {
		case err != nil:
			refused++
		case h == nil:
			t.Fatalf("DecodeHistogram(%q) = nil, nil; want a histogram or an error", b)
		default:
			decoded++
			_ = h.ValueAtQuantile(99) // a decoded histogram must be usable
		}
	}
	// Damage in the header is detected; damage in the payload may decode to
	// other counts. A decoder that never refuses is not checking anything.
	if refused == 0 || decoded == 0 {
		t.Errorf("3000 damaged encodings: %d refused, %d decoded; want some of each", refused, decoded)
	}
	if _, err := reports.DecodeHistogram("HISTFAAAACx42pNpmSzMwMDAxAABzFCaEUzbf4BYbDKJAQAAAP__"); err == nil {
		t.Error("a truncated encoding decoded without error")
	}
}
