package reports

import (
	"fmt"
	"io"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// hgrmTicksPerHalfDistance is the resolution of a .hgrm file: rows per
// halving of the remaining distance to 100%, HdrHistogram's own default.
const hgrmTicksPerHalfDistance = 5

// WriteHgrm writes h (values in µs) in HdrHistogram's percentile
// distribution format, values in milliseconds, the text the HdrHistogram
// plotter (hdrhistogram.github.io/HdrHistogram/plotFiles.html) reads.
func WriteHgrm(w io.Writer, h *hdrhistogram.Histogram) error {
	if h == nil {
		return fmt.Errorf("hgrm: no histogram")
	}
	if _, err := h.PercentilesPrint(w, hgrmTicksPerHalfDistance, 1000); err != nil {
		return fmt.Errorf("hgrm: %w", err)
	}
	return nil
}

// hgrmFile is the name of a strategy's .hgrm file in the run directory;
// anything but letters, digits, '-' and '.' becomes '_' so a strategy name
// can never leave the directory.
func hgrmFile(strategy string) string {
	return safeFileName(strategy) + ".hgrm"
}

func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}
