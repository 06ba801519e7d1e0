package reports

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Harness is the health of fanbench's own machinery (driver, fronts, mock
// APIs, one process) while a strategy ran. When Saturated, the strategy's
// figures are the harness's, not the strategy's: Reasons says why, one
// human-readable line per threshold crossed.
type Harness struct {
	Saturated bool     `json:"saturated"`
	Reasons   []string `json:"reasons"`
	// CPUUtilization is the process's CPU time over the load divided by
	// wall time × cores (0..1).
	CPUUtilization float64 `json:"cpu_utilization"`
	// DriverLagMs is how late the driver launched measured sends against
	// their intended times.
	DriverLagMs Tail `json:"driver_lag_ms"`
	// SchedLatencyP99Ms is the Go scheduler's p99 time a goroutine waited
	// runnable before it ran (runtime/metrics /sched/latencies:seconds).
	SchedLatencyP99Ms float64  `json:"sched_latency_p99_ms"`
	GCPauseMs         GCPauses `json:"gc_pause_ms"`
	MockLatenessMs    Tail     `json:"mock_lateness_ms"`
	FDs               FDUsage  `json:"fds"`
	InFlightPeak      int64    `json:"in_flight_peak"`
	// InFlightCap is the in-flight cap the driver used: the scenario's
	// max_in_flight, lowered to what the descriptor budget allows.
	InFlightCap    int   `json:"in_flight_cap"`
	GoroutinesPeak int64 `json:"goroutines_peak"`
	// CPUWaitRatio is how long the process's threads waited, runnable, for
	// a CPU per unit of time they ran over the load (Linux schedstat;
	// absent elsewhere): above 1, other processes held the cores.
	CPUWaitRatio *float64 `json:"cpu_wait_ratio,omitempty"`
}

// Tail is a delay's median, p99 and maximum in milliseconds.
type Tail struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// GCPauses are the garbage collector's stop-the-world pauses in milliseconds.
type GCPauses struct {
	Total float64 `json:"total"`
	Max   float64 `json:"max"`
}

// FDUsage is the process's open file descriptors: the most seen at once and
// the soft limit.
type FDUsage struct {
	Peak  int64 `json:"peak"`
	Limit int64 `json:"limit"`
}

// Saturated returns the names of r's strategies whose harness was saturated.
func (r *Results) Saturated() []string {
	var names []string
	for _, s := range r.Strategies {
		if s.Harness.Saturated {
			names = append(names, s.Name)
		}
	}
	return names
}

// MarshalJSON writes reasons as a list even when there are none, so a
// script can always iterate it.
func (h Harness) MarshalJSON() ([]byte, error) {
	type plain Harness
	if h.Reasons == nil {
		h.Reasons = []string{}
	}
	return json.Marshal(plain(h))
}

// SaturationBanner returns one line per strategy whose harness was
// saturated, naming it and the reasons, for the banner every report opens
// with. Empty when the harness kept up.
func (r *Results) SaturationBanner() []string {
	var lines []string
	for _, s := range r.Strategies {
		if s.Harness.Saturated {
			lines = append(lines, fmt.Sprintf("%s: these figures are the harness's, not %s's — %s",
				s.Name, s.Name, strings.Join(s.Harness.Reasons, "; ")))
		}
	}
	return lines
}

// MarkInconclusive makes every SLO check that reads a saturated strategy
// inconclusive: not passed, not failed. It reports whether any was.
func (r *Results) MarkInconclusive() bool {
	saturated := map[string]bool{}
	for _, s := range r.Strategies {
		saturated[s.Name] = s.Harness.Saturated
	}
	marked := false
	for i := range r.SLO {
		if c := &r.SLO[i]; saturated[c.Strategy] {
			c.Inconclusive, c.Pass = true, false
			marked = true
		}
	}
	return marked
}
