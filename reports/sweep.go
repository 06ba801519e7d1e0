package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fanbench/fanbench/reports/plot"
)

// SweepSchema is the sweep.json schema version.
const SweepSchema = "fanbench/sweep/v1"

// SweepResults is a `fanbench sweep`: per strategy, steps of increasing
// rate and the knee, the highest rate that still met the good-step rule.
type SweepResults struct {
	Schema    string    `json:"schema"`
	Scenario  string    `json:"scenario"`
	Seed      int64     `json:"seed"`
	StartedAt time.Time `json:"started_at"`
	Partial   bool      `json:"partial"`
	Machine   Machine   `json:"machine"`
	// Rule is the good-step rule the sweep applied.
	Rule       SweepRule       `json:"rule"`
	Strategies []SweepStrategy `json:"strategies"`
}

// SweepRule is what makes a step good.
type SweepRule struct {
	MinAchievedShare float64  `json:"min_achieved_share"` // of the offered rate
	MinSuccessRatio  float64  `json:"min_success_ratio"`  // when the scenario has no SLOs
	SLO              []string `json:"slo,omitempty"`      // the scenario's SLOs, used instead
	// P99MaxMs is the corrected p99 limit per strategy.
	P99MaxMs          map[string]float64 `json:"p99_max_ms"`
	HarnessSaturation bool               `json:"harness_saturation"` // a saturated step is bad
	StepDurationS     float64            `json:"step_duration_s"`
	WarmupS           float64            `json:"warmup_s"`
}

// SweepStrategy is one strategy's steps, in the order they ran.
type SweepStrategy struct {
	Name  string      `json:"name"`
	Steps []SweepStep `json:"steps"`
	// Knee is the good step with the highest rate below the first bad one;
	// nil when none was found (see Note).
	Knee *SweepStep `json:"knee"`
	Note string     `json:"note,omitempty"`
}

// SweepStep is one step: a short run at one offered rate.
type SweepStep struct {
	Offered      float64      `json:"offered"`
	Achieved     float64      `json:"achieved"`
	Success      float64      `json:"success"`
	LatencyMs    Percentiles  `json:"latency_ms"` // corrected
	CPUUsPerSend float64      `json:"cpu_us_per_send"`
	Harness      SweepHarness `json:"harness"`
	Good         bool         `json:"good"`
	// Why lists the rules a bad step broke.
	Why      []string `json:"why"`
	Bisected bool     `json:"bisected,omitempty"`
}

// SweepHarness is the harness verdict of a step.
type SweepHarness struct {
	Saturated bool     `json:"saturated"`
	Reasons   []string `json:"reasons"`
}

// KneeLine is the stdout summary of one strategy: "knee: errgroup 4,250
// sends/s (p99 6.1 ms)", or why there is none.
func (s SweepStrategy) KneeLine() string {
	if s.Knee == nil {
		return fmt.Sprintf("knee: %s not found (%s)", s.Name, s.Note)
	}
	return fmt.Sprintf("knee: %s %s sends/s (p99 %.1f ms)", s.Name, commas(s.Knee.Achieved), s.Knee.LatencyMs.P99)
}

func commas(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return string(b)
}

func (s SweepStep) verdict() string {
	switch {
	case s.Good:
		return "good"
	default:
		return "bad: " + strings.Join(s.Why, "; ")
	}
}

// WriteSweepText writes the steps as a table and ends with one knee line
// per strategy.
func WriteSweepText(w io.Writer, r *SweepResults) error {
	var b strings.Builder
	fmt.Fprintf(&b, "sweep · scenario %s · seed %d · %.0fs steps after %.0fs warm-up · %s\n",
		r.Scenario, r.Seed, r.Rule.StepDurationS, r.Rule.WarmupS, describeMachine(r.Machine))
	if r.Partial {
		b.WriteString("!! PARTIAL: the sweep was interrupted; steps cover only what was measured\n")
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "strategy\toffered/s\tachieved/s\tsuccess\tp50 ms\tp99 ms\tp99.9 ms\tcpu µs/send\tverdict")
	for _, s := range r.Strategies {
		for _, st := range s.Steps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f%%\t%.1f\t%.1f\t%.1f\t%.0f\t%s\n", s.Name, commas(st.Offered), commas(st.Achieved),
				100*st.Success, st.LatencyMs.P50, st.LatencyMs.P99, st.LatencyMs.P999, st.CPUUsPerSend, st.verdict())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	for _, s := range r.Strategies {
		b.WriteString(s.KneeLine() + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSweepMarkdown writes sweep.md.
func WriteSweepMarkdown(w io.Writer, r *SweepResults) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# fanbench sweep · scenario `%s`\n\n", r.Scenario)
	fmt.Fprintf(&b, "- **seed** %d · started %s\n- **steps** %gs after %gs warm-up each\n- **machine** %s (driver, fronts and mock APIs share it)\n\n",
		r.Seed, startedText(r.StartedAt), r.Rule.StepDurationS, r.Rule.WarmupS, describeMachine(r.Machine))
	if r.Partial {
		b.WriteString("> [!WARNING]\n> **Partial sweep**: it was interrupted.\n\n")
	}
	b.WriteString("## Knees\n\n")
	for _, s := range r.Strategies {
		fmt.Fprintf(&b, "- %s\n", mdEscape(s.KneeLine()))
	}
	b.WriteString("\n![latency against throughput](sweep.svg)\n\n## Steps\n\n")
	writeMarkdownTable(&b, sweepTable(r))
	fmt.Fprintf(&b, "A step is good when it achieved ≥ %.0f%% of the offered rate, %s, its corrected p99 stayed within the limit (%s)%s.\n",
		100*r.Rule.MinAchievedShare, successRule(r.Rule), p99Limits(r.Rule), harnessRule(r.Rule))
	_, err := io.WriteString(w, b.String())
	return err
}

func successRule(r SweepRule) string {
	if len(r.SLO) > 0 {
		return "the scenario's SLOs held (" + strings.Join(r.SLO, ", ") + ")"
	}
	return fmt.Sprintf("≥ %.0f%% of sends succeeded", 100*r.MinSuccessRatio)
}

func harnessRule(r SweepRule) string {
	if r.HarnessSaturation {
		return " and the harness was not saturated"
	}
	return " (the harness verdict was not applied: --allow-saturated)"
}

func p99Limits(r SweepRule) string {
	var parts []string
	for name, v := range r.P99MaxMs {
		parts = append(parts, fmt.Sprintf("%s %.1f ms", name, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func sweepTable(r *SweepResults) table {
	t := table{
		ID:      "steps",
		Header:  []string{"strategy", "offered/s", "achieved/s", "success", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "cpu µs/send", "verdict"},
		Numeric: []bool{false, true, true, true, true, true, true, true, true, false},
	}
	for _, s := range r.Strategies {
		for _, st := range s.Steps {
			t.Rows = append(t.Rows, []string{s.Name, commas(st.Offered), commas(st.Achieved), fmt.Sprintf("%.2f%%", 100*st.Success),
				ms(st.LatencyMs.P50), ms(st.LatencyMs.P90), ms(st.LatencyMs.P99), ms(st.LatencyMs.P999), fmt.Sprintf("%.0f", st.CPUUsPerSend), st.verdict()})
		}
	}
	return t
}

// SweepChart draws the latency-versus-throughput plot of r.
func SweepChart(r *SweepResults) (*plot.Chart, error) {
	var curves []plot.SweepCurve
	for _, s := range r.Strategies {
		c := plot.SweepCurve{Name: s.Name}
		for _, st := range s.Steps {
			c.Points = append(c.Points, plot.SweepPoint{Achieved: st.Achieved, P50: st.LatencyMs.P50, P99: st.LatencyMs.P99, Saturated: st.Harness.Saturated})
		}
		if k := s.Knee; k != nil {
			c.Knee = &plot.SweepPoint{Achieved: k.Achieved, P50: k.LatencyMs.P50, P99: k.LatencyMs.P99}
		}
		curves = append(curves, c)
	}
	return plot.Sweep(curves)
}

const sweepHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fanbench sweep · {{.R.Scenario}}</title>
<style>
body { font-family: system-ui, sans-serif; color: #1f2328; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d1d9e0; padding: .3em .6em; } th { background: #f6f8fa; }
td.num { text-align: right; } .callout { border-left: 4px solid #9a6700; background: #fff8c5; padding: .6em 1em; }
svg { width: 100%; height: auto; max-width: 1000px; border: 1px solid #d1d9e0; }
</style></head><body>
<h1>fanbench sweep · scenario <code>{{.R.Scenario}}</code></h1>
<p>seed {{.R.Seed}} · started {{.Started}} · {{.R.Rule.StepDurationS}}s steps after {{.R.Rule.WarmupS}}s warm-up · {{.Machine}}</p>
{{if .R.Partial}}<div class="callout"><strong>Partial sweep</strong>: it was interrupted.</div>{{end}}
<h2>Knees</h2><ul>{{range .Knees}}<li>{{.}}</li>{{end}}</ul>
<figure>{{.SVG}}<figcaption>Corrected latency (p99 solid, p50 dashed, log scale) against the achieved rate; the knee ringed; hollow points: the harness was saturated.</figcaption></figure>
<h2>Steps</h2>
<table id="steps"><tr>{{range .T.Header}}<th>{{.}}</th>{{end}}</tr>
{{range .T.Rows}}<tr>{{range $i, $c := .}}<td{{if and (gt $i 0) (lt $i 9)}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</table>
<p>{{.Rule}}</p>
</body></html>
`

// WriteSweepFiles writes sweep.json, sweep.png, sweep.svg, sweep.md and
// sweep.html into dir.
func WriteSweepFiles(dir string, r *SweepResults) error {
	if err := WriteFileAtomic(filepath.Join(dir, "sweep.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}); err != nil {
		return err
	}
	chart, err := SweepChart(r)
	if err != nil {
		return err
	}
	var svg bytes.Buffer
	if err := chart.WriteSVG(&svg); err != nil {
		return fmt.Errorf("sweep.svg: %w", err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "sweep.svg"), func(w io.Writer) error { _, err := w.Write(svg.Bytes()); return err }); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "sweep.png"), chart.WritePNG); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "sweep.md"), func(w io.Writer) error { return WriteSweepMarkdown(w, r) }); err != nil {
		return err
	}
	t, err := template.New("sweep").Parse(sweepHTML)
	if err != nil {
		return fmt.Errorf("sweep html template: %w", err)
	}
	page := struct {
		R                      *SweepResults
		Started, Machine, Rule string
		Knees                  []string
		SVG                    template.HTML
		T                      table
	}{R: r, Started: startedText(r.StartedAt), Machine: describeMachine(r.Machine), T: sweepTable(r),
		// The SVG is drawn by reports/plot from numbers; strategy names are escaped by its writer.
		SVG: template.HTML(inlineSVG(svg.Bytes())),
		Rule: fmt.Sprintf("A step is good when it achieved ≥ %.0f%% of the offered rate, %s, its corrected p99 stayed within the limit (%s)%s.",
			100*r.Rule.MinAchievedShare, successRule(r.Rule), p99Limits(r.Rule), harnessRule(r.Rule))}
	for _, s := range r.Strategies {
		page.Knees = append(page.Knees, s.KneeLine())
	}
	return WriteFileAtomic(filepath.Join(dir, "sweep.html"), func(w io.Writer) error { return t.Execute(w, page) })
}

// ReadSweep reads a sweep.json.
func ReadSweep(r io.Reader) (*SweepResults, error) {
	var s SweepResults
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("sweep.json: %w", err)
	}
	if s.Schema != SweepSchema {
		return nil, fmt.Errorf("sweep.json: schema %q; want %q", s.Schema, SweepSchema)
	}
	return &s, nil
}
