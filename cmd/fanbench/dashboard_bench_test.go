package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/reports"
)

const benchScenario = `name: dash-bench
apis:
  a: {latency: {dist: fixed, value: 2ms}}
  b: {latency: {dist: fixed, value: 3ms}}
load: {rate: 1000, duration: 3s, warmup: 500ms}
strategies: [errgroup]
`

// BenchmarkRunDashboardCPU measures the process CPU per send (driver, front,
// mocks and, when on, the dashboard) of the same run without a dashboard,
// with one nobody watches, and with a page connected to its event stream:
//
//	go test -run '^$' -bench RunDashboardCPU -benchtime 1x -count 5 ./cmd/fanbench | tee new.txt; benchstat new.txt
func BenchmarkRunDashboardCPU(b *testing.B) {
	for _, mode := range []string{"none", "dashboard", "page"} {
		b.Run(mode, func(b *testing.B) {
			sc := filepath.Join(b.TempDir(), "bench.yaml")
			if err := os.WriteFile(sc, []byte(benchScenario), 0o644); err != nil {
				b.Fatal(err)
			}
			var cpu float64
			runs := 0
			for b.Loop() {
				out := filepath.Join(b.TempDir(), "out")
				args := []string{"run", "--scenario", sc, "--out", out, "--quiet"}
				ctx, cancel := context.WithCancel(context.Background())
				stopped := make(chan struct{})
				if mode != "none" {
					addr := freeAddrB(b)
					args = append(args, "--dashboard="+addr)
					if mode == "page" {
						go func() { defer close(stopped); readEvents(ctx, "http://"+addr+"/events") }()
					}
				}
				if mode != "page" {
					close(stopped)
				}
				code, _, stderr := fanbenchB(ctx, args...)
				cancel()
				<-stopped
				if code != exitOK && code != 4 {
					b.Fatalf("exit %d: %s", code, stderr)
				}
				res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
				if err != nil {
					b.Fatal(err)
				}
				cpu += res.Strategies[0].CPUUsPerSend
				runs++
			}
			b.ReportMetric(cpu/float64(runs), "cpu-µs/send")
		})
	}
}

// readEvents reads an event stream (retrying every 10 ms until it is up)
// until ctx ends.
func readEvents(ctx context.Context, url string) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			_ = strings.HasPrefix(sc.Text(), "data: ")
		}
		resp.Body.Close()
	}
}

// fanbenchB runs the CLI in-process, for benchmarks.
func fanbenchB(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	err := run(ctx, args, func(string) string { return "" }, &out, &errb)
	code = exitCode(err, &errb)
	return code, out.String(), errb.String()
}

func freeAddrB(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
