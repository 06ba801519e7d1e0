package bench

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/strategies"
)

// A front that stalls holds the driver back (one send in flight at most):
// the .results.bin stream still carries each send's intended time as its
// Timestamp, and latencies measured from it include the stall (issue 16
// item 4: timestamps built from the actual send time would hide it).
func TestResultsStreamCarriesTheStall(t *testing.T) {
	const stall = 300 * time.Millisecond
	var n atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1) == 1 {
			time.Sleep(stall) // the stall: the first send holds the only in-flight slot
		}
	}))
	defer front.Close()

	sc := fixedScenario(0, 0, 100, time.Second)
	sc.Strategies = []strategies.Spec{{Name: strategies.NameExternal, External: strategies.ExternalOptions{Target: front.URL}}}
	sc.Load.MaxInFlight = 1
	var buf bytes.Buffer
	res, err := Run(t.Context(), sc, Options{
		ResultsOut: func(string) (io.WriteCloser, error) { return nopCloser{&buf}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Strategies[0].DriverSaturated {
		t.Error("driver_saturated false; want true (the stall held the driver back)")
	}
	dec := vegeta.NewDecoder(&buf)
	var got []vegeta.Result
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		got = append(got, r)
	}
	if len(got) != 100 {
		t.Fatalf("decoded %d results; want 100", len(got))
	}
	for i, r := range got {
		if want := got[0].Timestamp.Add(time.Duration(i) * 10 * time.Millisecond); !r.Timestamp.Equal(want) {
			t.Fatalf("result %d timestamp %v; want the schedule's %v (first + %d × 10ms)", i, r.Timestamp, want, i)
		}
	}
	// Send k (k ≥ 1) was due at k×10ms but could leave only after the first
	// answered, ≥ 300ms in: its latency from the intended time includes that.
	for k := 1; k < 25; k++ {
		if min := stall - time.Duration(k)*10*time.Millisecond; got[k].Latency < min {
			t.Errorf("result %d latency %v; want ≥ %v (the stall, from the intended time)", k, got[k].Latency, min)
		}
	}
	if got[0].Latency < stall {
		t.Errorf("result 0 latency %v; want ≥ %v", got[0].Latency, stall)
	}
}

// Beside a CPU hog that keeps every core busy (two busy-loop processes per
// core), the run is flagged: its threads wait for a CPU longer than they
// run. The hog is real, bounded by the test and killed at its end.
func TestRunBesideCPUHogIsSaturated(t *testing.T) {
	if _, _, ok := cpuWait(); !ok {
		t.Skip("no /proc/self/task/*/schedstat here: the CPU-wait rule is not measured")
	}
	if testing.Short() {
		t.Skip("keeps every core busy for a few seconds")
	}
	var hogs []*exec.Cmd
	t.Cleanup(func() {
		for _, h := range hogs {
			_ = h.Process.Kill()
			_ = h.Wait()
		}
	})
	for range 2 * runtime.NumCPU() {
		h := exec.Command("sh", "-c", "while :; do :; done")
		if err := h.Start(); err != nil {
			t.Skipf("start a busy loop: %v", err)
		}
		hogs = append(hogs, h)
	}
	sc := fixedScenario(time.Millisecond, time.Millisecond, 100, 2*time.Second, "errgroup")
	res, err := Run(t.Context(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Strategies[0].Harness
	if !h.Saturated || h.CPUWaitRatio == nil || *h.CPUWaitRatio <= DefaultThresholds().CPUWait ||
		!slices.ContainsFunc(h.Reasons, func(r string) bool { return strings.Contains(r, "waited for a CPU") }) {
		t.Fatalf("harness %+v (cpu wait %v); want saturated, naming the wait for a CPU", h, deref(h.CPUWaitRatio))
	}
	t.Logf("beside %d busy loops: cpu wait %.2f× run time, reasons %q", len(hogs), *h.CPUWaitRatio, h.Reasons)
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// The engine's front holds a slow client no longer than its timeouts: a
// connection that never finishes its headers (slowloris) and one that
// never finishes its body are closed by the front while a run goes on,
// and the run's own sends are unaffected.
func TestFrontClosesSlowClients(t *testing.T) {
	sc := fixedScenario(time.Millisecond, time.Millisecond, 50, 2*time.Second, "errgroup")
	addr := make(chan string, 1)
	type attack struct {
		name, send string
		closed     time.Duration // how long the front held it; -1: not closed
	}
	attacks := []*attack{
		{name: "headers never finished", send: "POST /send HTTP/1.1\r\nHost: front\r\nIdempotency-Key: 00000000000000aa\r\n"},
		{name: "body never finished", send: "POST /send HTTP/1.1\r\nHost: front\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":"},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var a string
		select {
		case a = <-addr:
		case <-t.Context().Done():
			return
		}
		var wg sync.WaitGroup
		for _, at := range attacks {
			wg.Go(func() {
				at.closed = -1
				c, err := net.Dial("tcp", a)
				if err != nil {
					return
				}
				defer c.Close()
				start := time.Now()
				if _, err := io.WriteString(c, at.send); err != nil {
					return
				}
				_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
				_, _ = io.Copy(io.Discard, c) // until the front closes it (or the deadline)
				if el := time.Since(start); el < 3*time.Second {
					at.closed = el
				}
			})
		}
		wg.Wait()
	}()
	res, err := Run(t.Context(), sc, Options{
		FrontTimeouts: mockapi.Timeouts{ReadHeader: 300 * time.Millisecond, Read: 500 * time.Millisecond},
		FrontURL: func(a net.Addr) string {
			select {
			case addr <- a.String():
			default:
			}
			return "http://" + a.String() + "/send"
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	<-done
	for _, at := range attacks {
		if at.closed < 0 {
			t.Errorf("%s: the front held the connection 3s; want it closed by its timeout", at.name)
		} else {
			t.Logf("%s: closed after %v", at.name, at.closed.Round(time.Millisecond))
		}
	}
	if s := res.Strategies[0]; s.Outcomes.Both != s.Requests || s.Requests == 0 {
		t.Errorf("outcomes %+v of %d sends; want every send delivered to both", s.Outcomes, s.Requests)
	}
	if _, err := Run(t.Context(), sc, Options{FrontTimeouts: mockapi.Timeouts{Read: -time.Second}}); err == nil || !strings.Contains(err.Error(), "read timeout") {
		t.Errorf("a negative front timeout: err %v; want it refused naming the read timeout", err)
	}
}
