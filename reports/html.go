package reports

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// WriteHTML writes the report as one self-contained HTML page: the same
// content as the Markdown report, with every plot inline as SVG and the
// CSS in the page, so it reads offline and from a CI artifact. A plot that
// cannot be drawn is left out of the page and its error returned after
// the page is written.
func WriteHTML(w io.Writer, r *Results) error {
	figs, plotErr := renderFigures(r, false)
	return errors.Join(writeHTML(w, r, figs), plotErr)
}

// htmlPage is what the page template reads.
type htmlPage struct {
	R       *Results
	Started string
	Load    string
	Machine string
	Tables  []table
	SLO     table
	Notes   []note
	Figures []htmlFigure
	Hgrm    []htmlLink
	// Interactive holds the interactive charts (nil without strategies).
	Interactive *interactiveCharts
}

type htmlFigure struct {
	Name, Title, Caption string
	SVG                  template.HTML
}

type htmlLink struct{ Text, Href string }

// writeHTML writes the page with figures already drawn (WriteAll draws
// them once for the PNG and SVG files and the page).
func writeHTML(w io.Writer, r *Results, figs []renderedFigure) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"numeric": func(t table, i int) bool { return i < len(t.Numeric) && t.Numeric[i] },
		"partial": func(r *Results) string { return strings.TrimPrefix(partialText(r), "PARTIAL: ") },
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("html template: %w", err)
	}
	page := htmlPage{
		R:       r,
		Started: startedText(r.StartedAt),
		Load:    describeLoadInfo(r.Load),
		Machine: describeMachine(r.Machine),
		Tables:  tablesOf(r),
		SLO:     sloTable(r),
		Notes:   notesOf(r),
	}
	for _, f := range figs {
		page.Figures = append(page.Figures, htmlFigure{
			Name: f.Name, Title: f.Title, Caption: f.Caption,
			// The SVG is ours, drawn by reports/plot from numbers, not
			// from text a user controls beyond strategy names, which
			// the SVG writer escapes.
			SVG: template.HTML(inlineSVG(f.SVG)),
		})
	}
	if page.Interactive, err = interactiveOf(r); err != nil {
		return fmt.Errorf("interactive charts: %w", err)
	}
	for _, s := range r.Strategies {
		page.Hgrm = append(page.Hgrm, htmlLink{Text: s.Name, Href: hgrmFile(s.Name)})
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, page); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err = buf.WriteTo(w)
	return err
}

// inlineSVG drops the XML declaration and comments before the <svg>
// element of a standalone SVG document so it can sit inside HTML.
func inlineSVG(doc []byte) []byte {
	if i := bytes.Index(doc, []byte("<svg")); i >= 0 {
		return doc[i:]
	}
	return doc
}

// tablesOf lists the tables of the HTML report.
func tablesOf(r *Results) []table {
	ts := []table{comparisonTable(r), outcomesTable(r)}
	if len(r.Workers) > 0 {
		ts = append(ts, workersTable(r))
	}
	return ts
}
