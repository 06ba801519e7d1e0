package reports

import (
	"fmt"
	"io"
	"strings"
)

// Formats are the names Render accepts, in the order a usage line lists them.
func Formats() []string { return []string{"text", "md", "json", "html", "csv"} }

// Render writes r in one format: "text" (the terminal table, no colour),
// "md" (or "markdown"), "json" (results.json), "html" (the self-contained
// page, plots inline) or "csv" (summary.csv).
func Render(w io.Writer, r *Results, format string) error {
	switch strings.ToLower(format) {
	case "text", "txt":
		return WriteText(w, r, TextOptions{})
	case "md", "markdown":
		return WriteMarkdown(w, r)
	case "json":
		return WriteJSON(w, r)
	case "html":
		return WriteHTML(w, r)
	case "csv":
		return WriteCSV(w, r)
	}
	return fmt.Errorf("report format %q: want one of %s", format, strings.Join(Formats(), ", "))
}
