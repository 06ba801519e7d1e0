package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteComparison writes c as "text" (a terminal table), "md" (GitHub
// Markdown, fit for $GITHUB_STEP_SUMMARY or a PR comment) or "json".
// Every figure is listed with base, new, delta and relative change; the
// last line gives the verdict.
func WriteComparison(w io.Writer, c *Comparison, format string) error {
	switch strings.ToLower(format) {
	case "text", "txt":
		return writeComparisonText(w, c)
	case "md", "markdown":
		return writeComparisonMarkdown(w, c)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	}
	return fmt.Errorf("comparison format %q: want text, md or json", format)
}

func writeComparisonText(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "base %s · new %s · a tracked figure regresses when worse by more than %s\n",
		runText(c.Base), runText(c.New), pct(c.MaxRegression))
	for _, x := range c.Warnings {
		fmt.Fprintf(&b, "!! %s\n", x)
	}
	for _, s := range c.Strategies {
		b.WriteString("\n")
		if s.Only != "" {
			fmt.Fprintf(&b, "%s: only in the %s run%s\n", s.Name, s.Only, missingNote(c, s))
			continue
		}
		fmt.Fprintf(&b, "%s\n", s.Name)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  figure\tbase\tnew\tdelta\tchange\tverdict")
		for _, f := range s.Figures {
			verdict := f.Verdict
			if f.Regression {
				verdict = "REGRESSION: " + verdict
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", f.Figure, valueText(f, f.Base, f.BaseRange),
				valueText(f, f.New, f.NewRange), deltaText(f), changeText(f), verdict)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	b.WriteString("\n" + verdictText(c) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeComparisonMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	b.WriteString("# fanbench comparison\n\n")
	fmt.Fprintf(&b, "- **base** %s\n- **new** %s\n- a tracked figure regresses when worse by more than %s\n\n",
		mdEscape(runText(c.Base)), mdEscape(runText(c.New)), pct(c.MaxRegression))
	if c.Regressed() {
		fmt.Fprintf(&b, "> [!CAUTION]\n> %s\n\n", mdEscape(verdictText(c)))
	} else {
		fmt.Fprintf(&b, "> [!NOTE]\n> %s\n\n", mdEscape(verdictText(c)))
	}
	if len(c.Warnings) > 0 {
		b.WriteString("### Warnings\n\n")
		for _, x := range c.Warnings {
			fmt.Fprintf(&b, "- ⚠️ %s\n", mdEscape(x))
		}
		b.WriteString("\n")
	}
	t := table{
		ID:      "compare",
		Header:  []string{"strategy", "figure", "base", "new", "delta", "change", "verdict"},
		Numeric: []bool{false, false, true, true, true, true, false},
	}
	for _, s := range c.Strategies {
		if s.Only != "" {
			t.Rows = append(t.Rows, []string{s.Name, "–", "–", "–", "–", "–", "only in the " + s.Only + " run" + missingNote(c, s)})
			continue
		}
		for _, f := range s.Figures {
			verdict := f.Verdict
			if f.Regression {
				verdict = "❌ regression: " + verdict
			}
			t.Rows = append(t.Rows, []string{s.Name, f.Figure, valueText(f, f.Base, f.BaseRange),
				valueText(f, f.New, f.NewRange), deltaText(f), changeText(f), verdict})
		}
	}
	writeMarkdownTable(&b, t)
	_, err := io.WriteString(w, b.String())
	return err
}

// verdictText sums a comparison up in one line.
func verdictText(c *Comparison) string {
	rs := c.Regressions()
	if len(rs) == 0 {
		return "no regression"
	}
	word := "regressions"
	if len(rs) == 1 {
		word = "regression"
	}
	return fmt.Sprintf("%d %s: %s", len(rs), word, strings.Join(rs, "; "))
}

func runText(r RunInfo) string {
	s := fmt.Sprintf("%s (seed %d, started %s)", r.Scenario, r.Seed, startedText(r.StartedAt))
	if r.Partial {
		s += " PARTIAL"
	}
	return s
}

// valueText is a figure in its unit, with its repeat range if known.
func valueText(f FigureDelta, v float64, rg *Range) string {
	s := unitValue(f.Unit, v)
	if rg != nil {
		s += fmt.Sprintf(" (%s–%s)", unitValue(f.Unit, rg.Min), unitValue(f.Unit, rg.Max))
	}
	return s
}

func unitValue(unit string, v float64) string {
	switch unit {
	case "ratio":
		return fmt.Sprintf("%.2f%%", 100*v)
	case "sends":
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func deltaText(f FigureDelta) string {
	switch f.Unit {
	case "ratio":
		return fmt.Sprintf("%+.2fpp", 100*f.Delta)
	case "sends":
		return fmt.Sprintf("%+.0f", f.Delta)
	}
	return fmt.Sprintf("%+.1f", f.Delta)
}

// missingNote says whether a strategy missing from the new run is judged:
// only --require-all makes it a regression.
func missingNote(c *Comparison, s StrategyComparison) string {
	switch {
	case s.Only != "base":
		return ""
	case c.RequireAll:
		return " (REGRESSION: required by --require-all)"
	default:
		return " (not compared; --require-all makes this a regression)"
	}
}
