package reports_test

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/fanbench/fanbench/reports"
)

// FuzzRender feeds results.json files, valid JSON but any figures (negative,
// huge, empty), to every renderer and to Compare: a stored run, however
// odd, must give reports or an error, never a panic.
func FuzzRender(f *testing.F) {
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, fixture(&testing.T{})); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema":"fanbench/results/v1","strategies":[{"name":"x","requests":-5,"latency_ms":{"corrected":{"p50":-1,"p99":1e308}},"series":[{"t_s":-3,"sent":-1,"p50_ms":-2,"p99_ms":0}]}]}`))
	f.Add([]byte(`{"strategies":[{"name":"q","latency_ms":{"corrected":{"p50":1}},"delivery_ms":{"both":{"p50":1e300}},"histograms":{"corrected":"not base64"}}],"phases":[{"strategy":"q","at_s":1e300,"api":"a","action":"set"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r reports.Results
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		for _, format := range reports.Formats() {
			_ = reports.Render(io.Discard, &r, format) // an error is fine; a panic is not
		}
		if c, err := reports.Compare(&r, &r, reports.CompareOptions{}); err == nil {
			_ = reports.WriteComparison(io.Discard, c, "text")
		}
	})
}
