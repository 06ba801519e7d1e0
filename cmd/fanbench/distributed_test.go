package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/nats-io/nuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/reports"
)

// The distributed tests run real fanbench processes (a binary built from
// this package) against the machine's NATS server.
const machineNATS = "nats://127.0.0.1:4222"

// needMachineNATS skips unless the machine's NATS answers, or fails when
// FANBENCH_REQUIRE_BROKERS is set and not "0".
func needMachineNATS(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second)
	if err == nil {
		c.Close()
		return
	}
	if v := os.Getenv("FANBENCH_REQUIRE_BROKERS"); v != "" && v != "0" {
		t.Fatalf("NATS at %s unreachable (%v) and FANBENCH_REQUIRE_BROKERS=%s", machineNATS, err, v)
	}
	t.Skipf("NATS at %s unreachable (%v); set FANBENCH_REQUIRE_BROKERS=1 to fail instead", machineNATS, err)
}

// built is the fanbench binary the distributed tests share, built once
// (without the race detector, so its timing is a release build's) into a
// directory TestMain removes.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func buildFanbench(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "fanbench-test-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "fanbench")
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// removeBuilt removes the shared binary once the tests are over.
func removeBuilt() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// proc is a fanbench process of a test; its stderr is kept and watched.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{} // closed once stderr is read to its end
	err  error         // Wait's, once done
}

func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// startProc starts bin with args; every process still running when the
// test ends is killed.
func startProc(t *testing.T, name string, prefix []string, bin string, args ...string) *proc {
	t.Helper()
	argv := append(append(append([]string{}, prefix...), bin), args...)
	p := &proc{name: name, cmd: exec.Command(argv[0], argv[1:]...), done: make(chan struct{})}
	r, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, r)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- %s stderr:\n%s", name, p.stderr())
		}
	})
	return p
}

// waitFor waits until the process's stderr holds s.
func (p *proc) waitFor(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.stderr(), s) {
		select {
		case <-p.done:
			t.Fatalf("%s exited before saying %q:\n%s", p.name, s, p.stderr())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not say %q within %v:\n%s", p.name, s, timeout, p.stderr())
		}
	}
}

// waitMeasuring waits, after the coordinator said "workers start at
// HH:MM:SS.mmm", until into seconds past the end of the scenario's 1s
// warm-up of that agreed start: a point in the run's own schedule, however
// late the machine made the start.
func (p *proc) waitMeasuring(t *testing.T, into time.Duration) {
	t.Helper()
	m := regexp.MustCompile(`workers start at (\d\d:\d\d:\d\d\.\d\d\d)`).FindStringSubmatch(p.stderr())
	if m == nil {
		t.Fatalf("%s has not said when the workers start:\n%s", p.name, p.stderr())
	}
	now := time.Now().UTC()
	clock, err := time.Parse("15:04:05.000", m[1])
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(now.Year(), now.Month(), now.Day(), clock.Hour(), clock.Minute(), clock.Second(), clock.Nanosecond(), time.UTC)
	if start.Sub(now) > 12*time.Hour { // the start was before midnight
		start = start.AddDate(0, 0, -1)
	}
	time.Sleep(time.Until(start.Add(time.Second + into))) // warm-up, then into the measurement
}

// exit waits for the process and returns its exit code.
func (p *proc) exit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s still running after %v:\n%s", p.name, timeout, p.stderr())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// distScenario is the seed article's a = 200ms, b = 300ms fixed, at
// 150 sends/s (shortened to 4s after a 1s warm-up).
const distScenario = `name: seed-article-150
seed: 11
apis:
  a: {latency: {dist: fixed, value: 200ms}}
  b: {latency: {dist: fixed, value: 300ms}}
load: {rate: 150, duration: %s, warmup: 1s}
strategies: [%s]
`

// cluster is one serve host and n workers on a fresh pool, each run by
// prefix (nothing, or "ip netns exec NS").
type cluster struct {
	pool    string
	workers []*proc
	serve   *proc
}

func startCluster(t *testing.T, bin string, n int) *cluster {
	t.Helper()
	return startClusterAt(t, bin, machineNATS, n, nil, noPrefix)
}

func startClusterAt(t *testing.T, bin, url string, n int, serveArgs []string, prefix func(i int) []string) *cluster {
	t.Helper()
	c := &cluster{pool: "t" + nuid.Next()}
	c.serve = startProc(t, "serve", prefix(0), bin, append([]string{"serve", "--nats-url", url,
		"--pool", c.pool, "--name", "sut"}, serveArgs...)...)
	for k := range n {
		w := startProc(t, fmt.Sprintf("w%d", k), prefix(k+1), bin, "worker", "--nats-url", url,
			"--pool", c.pool, "--name", fmt.Sprintf("w%d", k))
		c.workers = append(c.workers, w)
	}
	c.serve.waitFor(t, "joined pool", 20*time.Second)
	for _, w := range c.workers {
		w.waitFor(t, "joined pool", 20*time.Second)
	}
	return c
}

func noPrefix(int) []string { return nil }

// checkMerged checks a distributed run's results: the merged figures are
// the workers' sum, every scheduled send once with a unique id, 0 lost,
// and the p50 in the single-process bounds.
func checkMerged(t *testing.T, out string, want int64, bounds map[string][2]float64) {
	t.Helper()
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Partial || len(res.Workers) != 3 {
		t.Fatalf("partial %v (%s), %d workers; want a whole run over 3", res.Partial, res.PartialReason, len(res.Workers))
	}
	for _, s := range res.Strategies {
		var sent int64
		for _, w := range res.Workers {
			for _, ws := range w.Strategies {
				if ws.Strategy == s.Name {
					sent += ws.Sent
				}
			}
		}
		h, err := reports.DecodeHistogram(s.Histograms.Corrected)
		if err != nil {
			t.Fatal(err)
		}
		if s.Requests != want || sent != want || h.TotalCount() != sent {
			t.Errorf("%s: requests %d, workers' sends %d, merged histogram %d; want %d scheduled each", s.Name, s.Requests, sent, h.TotalCount(), want)
		}
		if s.Lost != 0 || s.Outcomes.Both != want {
			t.Errorf("%s: lost %d, outcomes %+v; want 0 lost and all %d to both", s.Name, s.Lost, s.Outcomes, want)
		}
		b := bounds[s.Name]
		if p := s.LatencyMs.Corrected.P50; p < b[0] || p > b[1] {
			t.Errorf("%s: merged p50 %vms; want in [%v, %v] as a single process", s.Name, p, b[0], b[1])
		} else {
			t.Logf("%s: merged p50 %vms p99 %vms over %d sends", s.Name, p, s.LatencyMs.Corrected.P99, s.Requests)
		}
		// The merged vegeta results: every send once, ids unique across
		// workers, sorted by intended time.
		f, err := os.Open(filepath.Join(out, s.Name+".results.bin"))
		if err != nil {
			t.Fatal(err)
		}
		dec := vegeta.NewDecoder(f)
		ids := map[string]bool{}
		var last time.Time
		for {
			var r vegeta.Result
			if err := dec.Decode(&r); err != nil {
				break
			}
			if ids[r.URL] {
				t.Errorf("%s: id %s sent twice", s.Name, r.URL)
			}
			if r.Timestamp.Before(last) {
				t.Errorf("%s: results.bin not sorted by intended time at seq %d", s.Name, r.Seq)
			}
			ids[r.URL], last = true, r.Timestamp
		}
		f.Close()
		if int64(len(ids)) != want {
			t.Errorf("%s: results.bin holds %d ids; want %d", s.Name, len(ids), want)
		}
		// The interval log: one interval per second per worker, tagged
		// with its name, adding up to the requests.
		hf, err := os.Open(filepath.Join(out, s.Name+".hlog"))
		if err != nil {
			t.Fatal(err)
		}
		lr := hdrhistogram.NewHistogramLogReader(hf)
		tags := map[string]int64{}
		for {
			ih, err := lr.NextIntervalHistogram()
			if err != nil || ih == nil {
				break
			}
			tags[ih.Tag()] += ih.TotalCount()
		}
		hf.Close()
		var inLog int64
		for _, n := range tags {
			inLog += n
		}
		if len(tags) != 3 || tags["w0"] == 0 || tags["w1"] == 0 || tags["w2"] == 0 || inLog != want {
			t.Errorf("%s.hlog: counts by tag %v (total %d); want w0, w1 and w2 adding up to %d", s.Name, tags, inLog, want)
		}
	}
}

var singleProcessBounds = map[string][2]float64{"sequential": {498, 515}, "errgroup": {298, 312}}

// One serve host, three workers and a coordinator as separate processes
// over the machine's NATS give what one process would.
func TestDistributedProcesses(t *testing.T) {
	needMachineNATS(t)
	bin := buildFanbench(t)
	c := startCluster(t, bin, 3)
	sc := writeFile(t, "dist.yaml", fmt.Sprintf(distScenario, "4s", "sequential, errgroup"))
	out := filepath.Join(t.TempDir(), "out")
	coord := startProc(t, "coordinator", nil, bin, "run", "--workers", "3", "--nats-url", machineNATS, "--pool", c.pool,
		"--serve", "sut", "--scenario", sc, "--out", out, "--quiet",
		"--allow-saturated") // a busy shared machine may saturate a worker's harness: the merges are what is tested
	if code := coord.exit(t, 90*time.Second); code != exitOK {
		t.Fatalf("coordinator exit %d; want 0\n%s", code, coord.stderr())
	}
	checkMerged(t, out, 600, singleProcessBounds)
}

// A worker killed mid-run: the coordinator ends the strategy within a few
// heartbeats, keeps the other workers' sends (every one accounted), writes
// partial results naming the worker and exits 1.
func TestDistributedWorkerKilled(t *testing.T) {
	needMachineNATS(t)
	bin := buildFanbench(t)
	c := startCluster(t, bin, 3)
	sc := writeFile(t, "dist.yaml", fmt.Sprintf(distScenario, "20s", "errgroup"))
	out := filepath.Join(t.TempDir(), "out")
	coord := startProc(t, "coordinator", nil, bin, "run", "--workers", "3", "--nats-url", machineNATS, "--pool", c.pool,
		"--serve", "sut", "--scenario", sc, "--out", out)
	coord.waitFor(t, "workers start at", 30*time.Second)
	c.workers[1].waitFor(t, "part 1 of 3", 10*time.Second)
	coord.waitMeasuring(t, time.Second)
	if err := c.workers[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	code := coord.exit(t, 30*time.Second)
	if took := time.Since(killed); took > 10*time.Second {
		t.Errorf("coordinator took %v after the kill; want within 10s", took)
	}
	if code != exitFailed {
		t.Fatalf("coordinator exit %d; want 1\n%s", code, coord.stderr())
	}
	if !strings.Contains(coord.stderr(), "w1") {
		t.Errorf("coordinator's error does not name w1:\n%s", coord.stderr())
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial || !strings.Contains(res.PartialReason, "w1") {
		t.Errorf("partial %v, reason %q; want partial naming w1", res.Partial, res.PartialReason)
	}
	var live int64
	for _, w := range res.Workers {
		if (w.Name == "w1") != w.Missing {
			t.Errorf("worker %s missing = %v", w.Name, w.Missing)
		}
		for _, ws := range w.Strategies {
			live += ws.Sent
		}
	}
	s := res.Strategies[0]
	o := s.Outcomes
	if s.Requests != live || o.Both+o.AOnly+o.BOnly+o.None != live || s.Lost != 0 || live == 0 {
		t.Errorf("requests %d, outcomes %+v, lost %d; want the live workers' %d sends all accounted and none lost", s.Requests, o, s.Lost, live)
	}
	t.Logf("killed w1 %v into the run: coordinator done %v later, %d sends of w0 and w2 kept", 2500*time.Millisecond, time.Since(killed).Round(time.Millisecond), live)
}

// nsHostIP is the machine's end of the test namespaces' links.
const nsHostIP = "10.231.0.1"

// An unreachable --nats-url is bad input: exit 2, naming the flag; the
// distributed flags are refused without --workers.
func TestDistributedUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--workers", "2", "--nats-url", "nats://127.0.0.1:1", "--wait", "1s"}, "--nats-url"},
		{[]string{"run", "--workers", "2"}, "--workers needs --nats-url"},
		{[]string{"run", "--serve", "sut"}, "--serve goes with --workers"},
		{[]string{"run", "--workers", "0", "--nats-url", machineNATS}, "--workers 0"},
		{[]string{"worker"}, "--nats-url is required"},
		{[]string{"worker", "--nats-url", "nats://127.0.0.1:1"}, "--nats-url"},
		{[]string{"serve", "--nats-url", machineNATS, "--name", "a.b"}, `--name "a.b"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := fanbench(t, t.Context(), tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %q", code, stderr, tt.want)
			}
		})
	}
}

// Ctrl-C on the coordinator stops every worker's load: the coordinator
// writes what was measured (partial) and exits 130, long before the load's
// end, and the workers stay in their pool for the next run.
func TestDistributedInterrupt(t *testing.T) {
	needMachineNATS(t)
	bin := buildFanbench(t)
	c := startCluster(t, bin, 3)
	sc := writeFile(t, "dist.yaml", fmt.Sprintf(distScenario, "30s", "errgroup, sequential"))
	out := filepath.Join(t.TempDir(), "out")
	coord := startProc(t, "coordinator", nil, bin, "run", "--workers", "3", "--nats-url", machineNATS, "--pool", c.pool,
		"--serve", "sut", "--scenario", sc, "--out", out, "--allow-saturated")
	coord.waitFor(t, "workers start at", 30*time.Second)
	coord.waitMeasuring(t, time.Second)
	if err := coord.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := coord.exit(t, 20*time.Second); code != exitInterrupted {
		t.Fatalf("coordinator exit %d; want 130\n%s", code, coord.stderr())
	}
	res, err := reports.ReadJSON(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if !res.Partial || len(res.Strategies) != 1 || s.Requests == 0 || s.Requests >= 4500 || s.Lost != 0 {
		t.Errorf("partial %v, %d strategies, %d requests, lost %d; want the first strategy's sends until the interrupt",
			res.Partial, len(res.Strategies), s.Requests, s.Lost)
	}
	for _, w := range c.workers {
		w.waitFor(t, "left run", 10*time.Second)
		if strings.Contains(w.stderr(), "silent") {
			t.Errorf("%s left because the coordinator fell silent, not because it was released:\n%s", w.name, w.stderr())
		}
	}
}
