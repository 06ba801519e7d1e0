package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/fanbench/fanbench/bench"
)

// progressLine keeps one live line on a terminal, rewritten in place.
type progressLine struct {
	w     io.Writer
	width int
	color bool // mark a saturated harness in red
}

func (p *progressLine) show(pr bench.Progress) {
	// Each stage counts its own time: "warm-up 1s/2s", then "measuring 3s/10s".
	stage, done, of := "measuring", pr.Elapsed-pr.WarmupOf, pr.Total-pr.WarmupOf
	if pr.Warmup {
		stage, done, of = "warm-up", pr.Elapsed, pr.WarmupOf
	}
	line := fmt.Sprintf("%s  %s %.0fs/%.0fs  %.0f/s  p99 %.1fms  errors %d",
		pr.Strategy, stage, max(done, 0).Seconds(), of.Seconds(), pr.Rate, pr.P99Ms, pr.Errors)
	if pr.Phase != "" {
		line += "  phase: " + pr.Phase
	}
	if len(pr.Saturated) > 0 {
		line += "  SATURATED: " + strings.Join(pr.Saturated, "; ")
	}
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	if len(pr.Saturated) > 0 && p.color {
		line = "\x1b[31m" + line + "\x1b[0m"
	}
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// clear removes the line, so that what follows starts clean.
func (p *progressLine) clear() {
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}
