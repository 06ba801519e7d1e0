package scenarios

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fanbench/fanbench/field"
	"github.com/fanbench/fanbench/strategies"
)

// SLO is one parsed SLO gate, such as `errgroup.latency.p99 < 150ms`.
type SLO struct {
	// Expr is the expression as written, trimmed.
	Expr string
	// Strategy is the strategy the gate applies to, or "*" for every
	// strategy of the run.
	Strategy string
	// Metric is a metric of the results (see SLOMetrics), without the
	// strategy: "latency.p99".
	Metric string
	// Op is one of <, <=, >, >=, ==, !=.
	Op string
	// Value is the threshold in Unit: a duration is converted to
	// milliseconds.
	Value float64
	// Unit is what Value counts: "ms" (latencies), "ratio" (a share
	// between 0 and 1), "/s" (a rate), "us" (CPU microseconds) or "count".
	Unit string
}

// Units of SLO values (SLO.Unit).
const (
	UnitMillis    = "ms"
	UnitRatio     = "ratio"
	UnitPerSecond = "/s"
	UnitMicros    = "us"
	UnitCount     = "count"
)

// wildcardTarget is the SLO strategy that stands for every strategy.
const wildcardTarget = "*"

// metricFamily is a group of metrics sharing a prefix and a unit:
// "latency" with members p50 ... mean is latency.p50 ... latency.mean; a
// family without members is one metric.
type metricFamily struct {
	prefix  string
	members []string
	unit    string
}

// metricFamilies lists every metric an SLO can name, after the strategy.
func metricFamilies() []metricFamily {
	latency := []string{"p50", "p90", "p99", "p999", "max", "mean"}
	delivery := []string{"p50", "p99", "max"}
	apis := []string{"a", "b"}
	return []metricFamily{
		{"latency", latency, UnitMillis},
		{"latency_uncorrected", latency, UnitMillis},
		{"delivery.a", delivery, UnitMillis},
		{"delivery.b", delivery, UnitMillis},
		{"delivery.both", delivery, UnitMillis},
		{"success_ratio", nil, UnitRatio},
		{"rate_achieved", nil, UnitPerSecond},
		{"requests", nil, UnitCount},
		{"lost", nil, UnitCount},
		{"dead_letters", nil, UnitCount},
		{"cpu_us_per_send", nil, UnitMicros},
		{"outcomes", []string{"both", "a_only", "b_only", "none", "compensated"}, UnitCount},
		{"duplicate_deliveries", apis, UnitCount},
		{"duplicate_effects", apis, UnitCount},
		{"calls", apis, UnitCount},
		{"retries", apis, UnitCount},
		{"breaker_opens", apis, UnitCount},
	}
}

// SLOMetrics lists every metric name an SLO can use after its strategy,
// such as "latency.p99" or "success_ratio".
func SLOMetrics() []string {
	var out []string
	for _, f := range metricFamilies() {
		if len(f.members) == 0 {
			out = append(out, f.prefix)
		}
		for _, m := range f.members {
			out = append(out, f.prefix+"."+m)
		}
	}
	return out
}

// metricUnit returns the unit of metric, or an error saying what is valid.
func metricUnit(metric string) (string, error) {
	families := metricFamilies()
	for _, f := range families {
		if metric == f.prefix && len(f.members) == 0 {
			return f.unit, nil
		}
		if rest, ok := strings.CutPrefix(metric, f.prefix+"."); ok && len(f.members) > 0 {
			if slices.Contains(f.members, rest) {
				return f.unit, nil
			}
			return "", fmt.Errorf("unknown metric %q%s; %s takes %s", metric,
				field.Suggest(rest, f.members), f.prefix, strings.Join(f.members, ", "))
		}
		if metric == f.prefix {
			return "", fmt.Errorf("metric %s needs one of %s after it, such as %s.%s",
				metric, strings.Join(f.members, ", "), f.prefix, f.members[len(f.members)/2])
		}
	}
	var heads []string
	for _, f := range families {
		if len(f.members) > 0 {
			heads = append(heads, f.prefix+".*")
		} else {
			heads = append(heads, f.prefix)
		}
	}
	return "", fmt.Errorf("unknown metric %q%s; want one of %s", metric,
		field.Suggest(metric, SLOMetrics()), strings.Join(heads, ", "))
}

// sloOps are the comparison operators, longest first so that "<=" is not
// read as "<".
func sloOps() []string { return []string{"<=", ">=", "==", "!=", "<", ">"} }

// ParseSLO parses one SLO expression: `<strategy>.<metric> <op> <value>`,
// where strategy is a strategy name or * (every strategy), metric one of
// SLOMetrics, op one of < <= > >= == !=, and value a number or, for
// latencies, a Go duration (`150ms`, converted to milliseconds).
// Latencies must be given as durations and other metrics as numbers, so
// that no threshold is read in the wrong unit.
func ParseSLO(expr string) (SLO, error) {
	s := SLO{Expr: strings.TrimSpace(expr)}
	if s.Expr == "" {
		return SLO{}, errors.New("empty SLO; want <strategy>.<metric> <op> <value>, such as errgroup.latency.p99 < 150ms")
	}
	at := strings.IndexAny(s.Expr, "<>=!")
	if at < 0 {
		return SLO{}, fmt.Errorf("%q has no comparison; want one of < <= > >= == !=, as in errgroup.latency.p99 < 150ms", s.Expr)
	}
	lhs, rest := strings.TrimSpace(s.Expr[:at]), s.Expr[at:]
	for _, op := range sloOps() {
		if strings.HasPrefix(rest, op) {
			s.Op = op
			break
		}
	}
	if s.Op == "" {
		return SLO{}, fmt.Errorf("%q: bad comparison %q; want one of < <= > >= == !=", s.Expr, rest[:1])
	}
	rhs := strings.TrimSpace(rest[len(s.Op):])

	target, metric, ok := strings.Cut(lhs, ".")
	if lhs == "" || !ok || metric == "" {
		return SLO{}, fmt.Errorf("%q: want <strategy>.<metric> before %s, such as errgroup.latency.p99 or *.success_ratio", s.Expr, s.Op)
	}
	valid := append([]string{wildcardTarget}, strategies.Labels()...)
	valid = append(valid, strategies.NameExternal)
	if !slices.Contains(valid, target) {
		return SLO{}, fmt.Errorf("%q: unknown strategy %q%s; want one of %s", s.Expr, target,
			field.Suggest(target, valid), strings.Join(valid, ", "))
	}
	s.Strategy, s.Metric = target, metric
	unit, err := metricUnit(metric)
	if err != nil {
		return SLO{}, fmt.Errorf("%q: %w", s.Expr, err)
	}
	s.Unit = unit
	if s.Value, err = sloValue(rhs, unit); err != nil {
		return SLO{}, fmt.Errorf("%q: %s: %w", s.Expr, metric, err)
	}
	return s, nil
}

// sloValue parses the threshold of an SLO on a metric in unit.
func sloValue(text, unit string) (float64, error) {
	if text == "" {
		return 0, errors.New("no value after the comparison")
	}
	if unit == UnitMillis {
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Errorf("got %q; want a duration such as 150ms", text)
		}
		if d < 0 {
			return 0, fmt.Errorf("%s is negative; want a duration of 0 or more", text)
		}
		return float64(d) / float64(time.Millisecond), nil
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		if _, derr := time.ParseDuration(text); derr == nil {
			return 0, fmt.Errorf("got the duration %s; want a plain number (%s)", text, unitWords(unit))
		}
		return 0, fmt.Errorf("got %q; want a number (%s)", text, unitWords(unit))
	}
	if unit == UnitRatio && (v < 0 || v > 1) {
		return 0, fmt.Errorf("%s is out of range; want a share between 0 and 1", text)
	}
	return v, nil
}

// unitWords explains a unit in a message.
func unitWords(unit string) string {
	switch unit {
	case UnitRatio:
		return "a share between 0 and 1"
	case UnitPerSecond:
		return "per second"
	case UnitMicros:
		return "CPU microseconds"
	}
	return "a count"
}
