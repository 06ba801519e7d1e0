package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/reports/dashboard"
)

// dashFlags are the live dashboard's flags, shared by the commands that run load.
type dashFlags struct {
	addr   string
	linger time.Duration
}

func addDashFlags(fl *pflag.FlagSet, f *dashFlags) {
	fl.StringVar(&f.addr, "dashboard", "", "serve a live dashboard of the run at this address (--dashboard alone: "+dashboard.DefaultAddr+"; --dashboard=HOST:PORT; loopback only unless --allow-remote)")
	fl.Lookup("dashboard").NoOptDefVal = dashboard.DefaultAddr
	fl.DurationVar(&f.linger, "dashboard-linger", 0, "with --dashboard: keep serving the final page this long after the run (until Ctrl-C); 0 stops with the run")
}

// check refuses a linger without a dashboard, or a negative one.
func (f dashFlags) check() error {
	switch {
	case f.addr == "" && f.linger != 0:
		return usageError("--dashboard-linger needs --dashboard")
	case f.linger < 0:
		return usageError("--dashboard-linger %v: want 0 or more", f.linger)
	}
	return nil
}

// startDashboard starts the dashboard when --dashboard asks for one (nil
// otherwise), prints its link and hooks it to the run's progress, turning
// on bench's live delivery follower.
func startDashboard(f dashFlags, allowRemote bool, title string, opt *bench.Options, stderr io.Writer) (*dashboard.Server, error) {
	if err := f.check(); err != nil || f.addr == "" {
		return nil, err
	}
	d, err := dashboard.Start(dashboard.Config{Addr: f.addr, AllowRemote: allowRemote, Title: title})
	if err != nil {
		return nil, usageError("--dashboard: %v", err)
	}
	fmt.Fprintf(stderr, "dashboard: %s\n", d.URL())
	opt.Follow = true
	prev := opt.Progress
	opt.Progress = func(p bench.Progress) {
		if prev != nil {
			prev(p)
		}
		d.Publish(updateOf(p))
	}
	return d, nil
}

// updateOf turns the engine's progress into a dashboard update.
func updateOf(p bench.Progress) dashboard.Update {
	u := dashboard.Update{
		Strategy: p.Strategy, ElapsedS: p.Elapsed.Seconds(), TotalS: p.Total.Seconds(), Warmup: p.Warmup,
		T: (p.Elapsed - p.WarmupOf).Seconds(), P99SoFarMs: p.P99Ms, Requests: p.Requests, Errors: p.Errors,
		Phase: p.Phase, Saturated: p.Saturated,
	}
	if l := p.Live; l != nil {
		u.T, u.P50Ms, u.P99Ms = l.T, l.P50Ms, l.P99Ms
		u.Offered, u.Answered, u.Delivered = l.Offered, l.Answered, l.Delivered
		u.Outcomes, u.Backlog, u.Retries, u.BreakerOpens = l.Outcomes, l.Backlog, l.Retries, l.BreakerOpens
		u.Bands = reports.PhaseBands(l.Phases, p.Strategy, l.T)
	}
	return u
}

// runFinal is the end of a run as its dashboard shows it.
func runFinal(res *reports.Results, out string, interrupted bool) dashboard.Final {
	var tables bytes.Buffer
	_ = reports.WriteText(&tables, res, reports.TextOptions{})
	final := dashboard.Final{Tables: tables.String(), ReportPath: filepath.Join(out, "report.html"), Interrupted: interrupted}
	for _, s := range res.Strategies {
		if s.Harness.Saturated {
			final.Saturated = append(final.Saturated, fmt.Sprintf("%s: %v", s.Name, s.Harness.Reasons))
		}
	}
	return final
}

// finishDashboard shows the final tables and, with a linger, serves the
// page until it ends or ctx does.
func finishDashboard(ctx context.Context, d *dashboard.Server, f dashFlags, final dashboard.Final, stderr io.Writer) {
	if d == nil {
		return
	}
	d.Finish(final)
	if n := d.Dropped(); n > 0 {
		fmt.Fprintf(stderr, "dashboard: %d updates dropped for pages that did not keep up (the run did not wait for them)\n", n)
	}
	if f.linger <= 0 || ctx.Err() != nil {
		return
	}
	fmt.Fprintf(stderr, "dashboard: serving the final page at %s for %v (Ctrl-C stops)\n", d.URL(), f.linger)
	t := time.NewTimer(f.linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
