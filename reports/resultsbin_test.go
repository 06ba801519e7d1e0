package reports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/reports"
)

// sends are a few results as the engine writes them: successes, a 502 and
// a send that got no answer.
func sends() []vegeta.Result {
	t0 := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	var rs []vegeta.Result
	for i := range 7 {
		r := vegeta.Result{
			Attack: "errgroup", Seq: uint64(i), Code: 200, Timestamp: t0.Add(time.Duration(i) * 5 * time.Millisecond),
			Latency: time.Duration(40+i) * time.Millisecond, BytesIn: 64, BytesOut: 32, Method: "POST", URL: "http://127.0.0.1:1/send",
		}
		switch i {
		case 5:
			r.Code, r.Error = 502, "502 Bad Gateway"
		case 6:
			r.Code, r.Error = 0, "context deadline exceeded"
		}
		rs = append(rs, r)
	}
	return rs
}

func writeResultsBin(t *testing.T, path string, rs []vegeta.Result) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bin := reports.NewResultsBin(f)
	for i := range rs {
		if err := bin.Add(&rs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := bin.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := bin.Count(); got != int64(len(rs)) {
		t.Errorf("Count() = %d; want %d", got, len(rs))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestResultsBinDecodes reads the file back with vegeta's own decoder.
func TestResultsBinDecodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "errgroup.results.bin")
	want := sends()
	writeResultsBin(t, path, want)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := vegeta.NewDecoder(bytes.NewReader(b))
	for i := range want {
		var got vegeta.Result
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
		if !got.Equal(want[i]) {
			t.Errorf("result %d = %+v; want %+v", i, got, want[i])
		}
	}
}

// TestVegetaReportReadsResultsBin runs the vegeta CLI on a .results.bin,
// as a user would: `vegeta report -type=json <file>`.
func TestVegetaReportReadsResultsBin(t *testing.T) {
	// `go install` puts it in $GOPATH/bin, often not in PATH.
	vegetaBin := needTool(t, []string{"vegeta"}, filepath.Join(build.Default.GOPATH, "bin", "vegeta"))
	path := filepath.Join(t.TempDir(), "errgroup.results.bin")
	rs := sends()
	writeResultsBin(t, path, rs)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, vegetaBin, "report", "-type=json", path).Output()
	if err != nil {
		t.Fatalf("vegeta report: %v\n%s", err, out)
	}
	var m struct {
		Requests    uint64            `json:"requests"`
		Success     float64           `json:"success"`
		StatusCodes map[string]uint64 `json:"status_codes"`
		Errors      []string          `json:"errors"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("vegeta report output is not its JSON: %v\n%s", err, out)
	}
	if m.Requests != uint64(len(rs)) {
		t.Errorf("vegeta counted %d requests; want %d", m.Requests, len(rs))
	}
	if m.StatusCodes["200"] != 5 || m.StatusCodes["502"] != 1 || m.StatusCodes["0"] != 1 {
		t.Errorf("vegeta status codes %v; want 5×200, 1×502, 1×0", m.StatusCodes)
	}

	// The default text report too: what a user types first.
	text, err := exec.CommandContext(ctx, vegetaBin, "report", path).Output()
	if err != nil {
		t.Fatalf("vegeta report (text): %v\n%s", err, text)
	}
	if !regexp.MustCompile(`(?m)^Requests\s+\[total, [^\]]*\]\s+7,`).Match(text) {
		t.Errorf("vegeta text report does not show 7 requests:\n%s", text)
	}
}
