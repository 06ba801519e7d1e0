package reports

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown, fit for
// $GITHUB_STEP_SUMMARY: the run's context (scenario, seed, load, machine),
// the comparison table, outcomes, notes, the SLO table and links to the
// plots and .hgrm files. The links are relative: they resolve in the run
// directory, where WriteAll puts those files.
func WriteMarkdown(w io.Writer, r *Results) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# fanbench · scenario `%s`\n\n", r.Scenario)
	if d := strings.TrimSpace(r.Description); d != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(d))
	}
	fmt.Fprintf(&b, "- **seed** %d · started %s\n", r.Seed, startedText(r.StartedAt))
	fmt.Fprintf(&b, "- **load** %s, request timeout %gs\n", describeLoadInfo(r.Load), r.Load.TimeoutS)
	fmt.Fprintf(&b, "- **machine** %s (driver, fronts and mock APIs share it)\n\n", describeMachine(r.Machine))
	if lines := r.SaturationBanner(); len(lines) > 0 {
		b.WriteString("> [!CAUTION]\n> **Harness saturated**: fanbench itself could not keep up, so these strategies' figures measure it, not them.\n>\n")
		for _, l := range lines {
			fmt.Fprintf(&b, "> - %s\n", mdEscape(l))
		}
		b.WriteString("\n")
	}
	if r.Partial {
		b.WriteString("> [!WARNING]\n> **Partial run**: " + mdEscape(strings.TrimPrefix(partialText(r), "PARTIAL: ")) + ".\n\n")
	}

	b.WriteString("## Comparison\n\n")
	writeMarkdownTable(&b, comparisonTable(r))
	b.WriteString("## Delivery and outcomes\n\n")
	writeMarkdownTable(&b, outcomesTable(r))
	if len(r.Workers) > 0 {
		b.WriteString("## Workers\n\n")
		writeMarkdownTable(&b, workersTable(r))
	}

	if ns := notesOf(r); len(ns) > 0 {
		b.WriteString("### Notes\n\n")
		for _, n := range ns {
			mark := "ℹ️"
			if n.Warn {
				mark = "⚠️"
			}
			fmt.Fprintf(&b, "- %s %s\n", mark, mdEscape(n.Text))
		}
		b.WriteString("\n")
	}

	b.WriteString("## SLO\n\n")
	if len(r.SLO) == 0 {
		b.WriteString("The scenario sets no SLO.\n\n")
	} else {
		writeMarkdownTable(&b, sloTable(r))
	}

	if figs := figuresOf(r); len(figs) > 0 {
		b.WriteString("## Plots\n\n")
		for _, f := range figs {
			fmt.Fprintf(&b, "- [%s](%s.png) ([SVG](%s.svg))\n", f.Title, f.Name, f.Name)
		}
		b.WriteString("- latency distributions in HdrHistogram format:")
		for i, s := range r.Strategies {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s [%s](%s)", sep, s.Name, hgrmFile(s.Name))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownTable writes t as a GitHub table with its caption above it.
func writeMarkdownTable(b *strings.Builder, t table) {
	if t.Caption != "" {
		fmt.Fprintf(b, "%s\n\n", t.Caption)
	}
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			fmt.Fprintf(b, " %s |", mdEscape(c))
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for i := range t.Header {
		if i < len(t.Numeric) && t.Numeric[i] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	b.WriteString("\n")
}

// mdEscape keeps text from breaking a table or turning into markup.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`).Replace(s)
}

// startedText is a run's start in UTC, or "unknown" for a zero time.
func startedText(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
