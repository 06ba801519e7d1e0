package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// WriteAll writes every report of r into the run directory dir, each file
// atomically: report.txt, summary.csv, report.md, report.html, one
// <strategy>.hgrm per strategy with a latency histogram and a
// <strategy>.hlog interval log per strategy with intervals, and each plot
// as .png and .svg (latency-spectrum, latency-over-time, throughput,
// outcomes and, when a strategy is asynchronous, user-vs-delivery). It
// does not write results.json (the run's record, which the reports are
// made from) nor the <strategy>.results.bin streams (every send, which
// results.json does not hold); calling it again on a stored run
// re-renders the reports. It writes what it can and returns every failure
// joined.
func WriteAll(dir string, r *Results) error {
	var errs []error
	figs, err := renderFigures(r, true) // what could be drawn, even with an error
	if err != nil {
		errs = append(errs, err)
	}
	write := func(name string, fn func(io.Writer) error) {
		if err := WriteFileAtomic(filepath.Join(dir, name), fn); err != nil {
			errs = append(errs, err)
		}
	}
	write("report.txt", func(w io.Writer) error { return WriteText(w, r, TextOptions{}) })
	write("summary.csv", func(w io.Writer) error { return WriteCSV(w, r) })
	write("report.md", func(w io.Writer) error { return WriteMarkdown(w, r) })
	write("report.html", func(w io.Writer) error { return writeHTML(w, r, figs) })
	for _, f := range figs {
		write(f.Name+".png", copyBytes(f.PNG))
		write(f.Name+".svg", copyBytes(f.SVG))
	}
	for _, s := range r.Strategies {
		h, err := DecodeHistogram(s.Histograms.Corrected)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
			continue
		}
		if h == nil {
			continue
		}
		write(hgrmFile(s.Name), func(w io.Writer) error { return WriteHgrm(w, h) })
		if len(s.Intervals) > 0 {
			write(hlogFile(s.Name), func(w io.Writer) error { return WriteHlog(w, s.MeasuredFrom, s.Intervals) })
		}
	}
	return errors.Join(errs...)
}

func copyBytes(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(b))
		return err
	}
}
