// Package reports holds the result model of a run (results.json) and its
// renderers: text, JSON and, in later files, Markdown, CSV, HTML and plots.
package reports

import "time"

// Schema is the results.json schema version this package reads and writes.
const Schema = "fanbench/results/v1"

// Results is one run of a scenario: every strategy's figures and the SLO checks.
type Results struct {
	Schema      string           `json:"schema"`
	Scenario    string           `json:"scenario"`
	Description string           `json:"description,omitempty"`
	Seed        int64            `json:"seed"`
	StartedAt   time.Time        `json:"started_at"`
	Partial     bool             `json:"partial"`
	Machine     Machine          `json:"machine"`
	Load        LoadInfo         `json:"load"`
	Strategies  []StrategyResult `json:"strategies"`
	SLO         []SLOCheck       `json:"slo"`
	Phases      []PhaseMark      `json:"phases"`
	// Workers are the drivers of a distributed run (fanbench run
	// --workers N); the figures above are their exact merge.
	Workers []Worker `json:"workers,omitempty"`
	// PartialReason says why a run is partial when it was not interrupted
	// (a worker of a distributed run was lost).
	PartialReason string `json:"partial_reason,omitempty"`
}

// Worker is one driver of a distributed run.
type Worker struct {
	Name string `json:"name"`
	Host string `json:"host"`
	// Part is the worker's share of the schedule: the sends whose
	// sequence number is ≡ k (mod n).
	K int `json:"k"`
	N int `json:"n"`
	// ClockOffsetMs is the worker's clock minus the coordinator's,
	// estimated over NATS round trips; ClockUncertaintyMs (half the
	// fastest round trip) bounds the estimate's error.
	ClockOffsetMs      float64 `json:"clock_offset_ms"`
	ClockUncertaintyMs float64 `json:"clock_uncertainty_ms"`
	// Missing is set when the worker stopped heartbeating during the run.
	Missing    bool             `json:"missing,omitempty"`
	Strategies []WorkerStrategy `json:"strategies"`
}

// WorkerStrategy is what one worker did of one strategy.
type WorkerStrategy struct {
	Strategy string `json:"strategy"`
	// Assigned counts the worker's sends the schedule held in the
	// measurement window; Sent those it sent (and got an answer or error for).
	Assigned     int64   `json:"assigned"`
	Sent         int64   `json:"sent"`
	RateAchieved float64 `json:"rate_achieved"`
	// DriverLagMs is the longest one of its sends left after its intended time.
	DriverLagMs float64 `json:"driver_lag_ms"`
	// Missing is set when the worker was lost before it reported this strategy.
	Missing bool `json:"missing,omitempty"`
	// Harness is the worker's own health verdict over its load.
	Harness *Harness `json:"harness,omitempty"`
}

// Machine says where the run happened; the driver, fronts and mock APIs
// share it, so its size bounds what was measured.
type Machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// LoadInfo echoes the load the scenario asked for.
type LoadInfo struct {
	Profile     string  `json:"profile"`
	Rate        float64 `json:"rate"`
	DurationS   float64 `json:"duration_s"`
	WarmupS     float64 `json:"warmup_s"`
	MaxInFlight int     `json:"max_in_flight"`
	TimeoutS    float64 `json:"timeout_s"`
}

// StrategyResult is what one strategy did under the scenario's load.
type StrategyResult struct {
	Name string `json:"name"`
	// Requests is the number of sends in the measurement window.
	Requests      int64   `json:"requests"`
	RateRequested float64 `json:"rate_requested"`
	RateAchieved  float64 `json:"rate_achieved"`
	// Interrupted counts sends still in flight when an interrupt's grace
	// ran out: canceled, and neither successes nor failures (not in Requests).
	Interrupted int64 `json:"interrupted"`
	// SuccessRatio is the share of sends the user got a 2xx for.
	SuccessRatio float64 `json:"success_ratio"`
	// DriverSaturated is true when the load driver could not keep the
	// requested schedule (in-flight cap reached, rate below 99%, or its
	// launches lagged the schedule beyond the harness threshold).
	DriverSaturated bool       `json:"driver_saturated"`
	Saturation      Saturation `json:"saturation"`
	// Harness is the health of fanbench itself during the run (harness.go).
	Harness Harness `json:"harness"`

	LatencyMs  UserLatency `json:"latency_ms"`
	IdealMs    Percentiles `json:"ideal_ms"`
	OverheadMs Percentiles `json:"overhead_ms"`
	DeliveryMs Delivery    `json:"delivery_ms"`

	Outcomes            Outcomes `json:"outcomes"`
	Lost                int64    `json:"lost"`
	DuplicateDeliveries AB       `json:"duplicate_deliveries"`
	DuplicateEffects    AB       `json:"duplicate_effects"`
	Calls               AB       `json:"calls"`
	Retries             AB       `json:"retries"`
	BreakerOpens        AB       `json:"breaker_opens"`
	DeadLetters         int64    `json:"dead_letters"`
	// StatusCodes counts the user's answers by HTTP status; "0" counts
	// requests that got no answer (see Errors).
	StatusCodes map[string]int64 `json:"status_codes"`
	// Errors counts user requests that got no answer, by kind.
	Errors map[string]int64 `json:"errors"`
	// CPUUsPerSend is the process CPU time (driver, front and mock APIs
	// together) per send during measurement, in microseconds. In a
	// distributed run: every worker's CPU over its measured sends, plus
	// the serve host's over the warm-up and measurement shared by all
	// those sends.
	CPUUsPerSend float64 `json:"cpu_us_per_send"`

	Warmup WarmupResult `json:"warmup"`
	// Series is the user's view per second of measurement.
	Series []SeriesPoint `json:"series,omitempty"`
	// MeasuredFrom is when measurement began (the end of the warm-up): the
	// origin of Series and Intervals, and the start time of the .hlog.
	MeasuredFrom time.Time `json:"measured_from,omitzero"`
	// Intervals are the corrected latency histograms of each second of
	// measurement (by intended send time, as Series), one per second and
	// driver; <strategy>.hlog is written from them. Their counts add up to
	// Requests.
	Intervals []Interval `json:"intervals,omitempty"`
	// Broker holds the queue strategy's broker figures.
	Broker *BrokerStats `json:"broker,omitempty"`
	// Stats are a strategy's own further counts by name (cold starts,
	// relayed messages, compensations, ...).
	Stats map[string]int64 `json:"stats,omitempty"`
	// StatsSeries are a strategy's own time series by name.
	StatsSeries map[string][]StatPoint `json:"stats_series,omitempty"`
	// Spread, with --repeat N, is the spread of the main figures across the
	// N repeats; the figures above are then those of the median repeat.
	Spread *Spread `json:"spread,omitempty"`
	// Undelivered samples the ids of sends that did not reach both APIs,
	// the first few per kind ("a_only", "b_only", "none", "lost"), so a
	// user can look them up in the mocks' ledgers
	// (GET /_fanbench/ledger?ids=ID,...).
	Undelivered map[string][]string `json:"undelivered,omitempty"`
	// Histograms are HdrHistogram V2 compressed, base64 encodings (values
	// in microseconds), so a stored run can be re-rendered and compared.
	Histograms Histograms `json:"histograms"`
}

// Saturation gives the figures behind DriverSaturated.
type Saturation struct {
	// InFlightCapHits counts sends that had to wait for the in-flight cap.
	InFlightCapHits int64 `json:"in_flight_cap_hits"`
	// MaxLagMs is the longest a send left after its intended time.
	MaxLagMs float64 `json:"max_lag_ms"`
	// PeakInFlight is the most user requests in flight at once.
	PeakInFlight int64 `json:"peak_in_flight"`
}

// UserLatency is the user's latency: corrected is measured from the intended
// send time (coordinated omission corrected, as wrk2 does), uncorrected from
// the actual send time.
type UserLatency struct {
	Corrected   Percentiles `json:"corrected"`
	Uncorrected Percentiles `json:"uncorrected"`
}

// Percentiles are latency quantiles in milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Delivery is the delivery latency: intended send → first successful
// arrival at an API's ledger; Both is the later of the two.
type Delivery struct {
	A    Percentiles `json:"a"`
	B    Percentiles `json:"b"`
	Both Percentiles `json:"both"`
}

// Outcomes count sends by where they were delivered.
type Outcomes struct {
	Both  int64 `json:"both"`
	AOnly int64 `json:"a_only"`
	BOnly int64 `json:"b_only"`
	None  int64 `json:"none"`
	// Compensated sends were applied on one API and then undone there by
	// a compensating request (on_partial: compensate), the other API
	// never applying them.
	Compensated int64 `json:"compensated,omitempty"`
}

// Consistent counts the sends that left both APIs agreeing: delivered to
// both, to neither, or compensated.
func (o Outcomes) Consistent() int64 { return o.Both + o.None + o.Compensated }

// Total is every send the outcomes account for.
func (o Outcomes) Total() int64 { return o.Both + o.AOnly + o.BOnly + o.None + o.Compensated }

// AB is a count per API.
type AB struct {
	A int64 `json:"a"`
	B int64 `json:"b"`
}

// WarmupResult is the warm-up, measured apart and excluded from the figures above.
type WarmupResult struct {
	Requests int64   `json:"requests"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
}

// SeriesPoint is one second of a run, from the start of measurement. Sent,
// OK, Errors, Delivered and the latencies are counted by the second each
// send was intended; DeliveredByArrival by the second it arrived. Seconds
// after the measurement window (the drain) carry only DeliveredByArrival.
type SeriesPoint struct {
	T      float64 `json:"t_s"`    // start of the second, from the start of measurement
	Sent   int64   `json:"sent"`   // sends intended in this second
	OK     int64   `json:"ok"`     // of which the user got a 2xx
	Errors int64   `json:"errors"` // of which failed (non-2xx or no answer)
	// Delivered counts sends intended in this second that reached both APIs
	// (whenever they arrived).
	Delivered int64 `json:"delivered"`
	// DeliveredByArrival counts sends that reached both APIs in this second:
	// the later of the two ledgers' first successful arrivals fell in it.
	DeliveredByArrival int64   `json:"delivered_by_arrival,omitempty"`
	P50Ms              float64 `json:"p50_ms"`
	P99Ms              float64 `json:"p99_ms"`
	MaxMs              float64 `json:"max_ms"`
}

// Interval is one second's corrected latency histogram.
type Interval struct {
	// Tag names the driver that measured it: the worker in a distributed
	// run, empty in a single process.
	Tag string `json:"tag,omitempty"`
	// T is the start of the second, from the start of measurement.
	T float64 `json:"t_s"`
	// Histogram is the HdrHistogram V2 compressed, base64 encoding (µs).
	Histogram string `json:"histogram"`
}

// Histograms hold encoded HdrHistograms of a strategy's latencies.
type Histograms struct {
	Corrected    string `json:"corrected,omitempty"`
	Uncorrected  string `json:"uncorrected,omitempty"`
	Ideal        string `json:"ideal,omitempty"`
	DeliveryBoth string `json:"delivery_both,omitempty"`
}

// SLOCheck is one evaluated SLO gate.
type SLOCheck struct {
	Expr  string  `json:"expr"`
	Value float64 `json:"value"`
	Pass  bool    `json:"pass"`
	// Strategy is the strategy the check reads.
	Strategy string `json:"strategy,omitempty"`
	// Inconclusive is set (and Pass cleared) when that strategy's harness
	// was saturated: its figures are the harness's, so they neither pass
	// nor fail the gate.
	Inconclusive bool `json:"inconclusive,omitempty"`
	// Error says why the expression could not be evaluated (it then fails).
	Error string `json:"error,omitempty"`
}

// PhaseMark is a fault phase boundary as it happened, for reports to mark.
type PhaseMark struct {
	Strategy string  `json:"strategy"`
	AtS      float64 `json:"at_s"` // from the start of measurement
	API      string  `json:"api"`
	Action   string  `json:"action"` // "set" or "reset"
	// Error is set when the mock API refused the change.
	Error string `json:"error,omitempty"`
}

// Spread is how a figure varied across repeats of a run.
type Spread struct {
	Repeats int `json:"repeats"`
	// LatencyMs is the spread of each corrected latency percentile.
	LatencyMs map[string]Range `json:"latency_ms"`
	// RateAchieved and SuccessRatio spread likewise.
	RateAchieved Range `json:"rate_achieved"`
	SuccessRatio Range `json:"success_ratio"`
	Lost         Range `json:"lost"`
}

// Range is the median, minimum and maximum of a figure across repeats.
type Range struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// StatPoint is one sample of a strategy's own time series.
type StatPoint struct {
	T float64 `json:"t"` // seconds from the start of measurement (negative in warm-up)
	V float64 `json:"v"`
}

// BrokerStats are what the queue strategy's broker did during a run.
type BrokerStats struct {
	Published     int64 `json:"published"`
	Duplicates    int64 `json:"duplicates"`
	PublishErrors int64 `json:"publish_errors"`
	Redeliveries  int64 `json:"redeliveries"`
	DeadLetters   int64 `json:"dead_letters"`
	// PeakPending is the largest backlog of either consumer.
	PeakPending int64 `json:"peak_pending"`
}
