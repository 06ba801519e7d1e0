package dashboard

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/reports/charts"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartRefusesNonLoopbackWithoutAllowRemote(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0"} {
		d, err := Start(Config{Addr: addr})
		if err == nil {
			d.Close()
			t.Errorf("Start(%q) listened; want ErrNotLoopback", addr)
			continue
		}
		if !errors.Is(err, ErrNotLoopback) || !strings.Contains(err.Error(), DefaultAddr) {
			t.Errorf("Start(%q): %v; want ErrNotLoopback suggesting %s", addr, err, DefaultAddr)
		}
	}
	d, err := Start(Config{Addr: "0.0.0.0:0", AllowRemote: true})
	if err != nil {
		t.Fatalf("Start(0.0.0.0:0, AllowRemote): %v", err)
	}
	d.Close()
	if _, err := Start(Config{Addr: "127.0.0.1"}); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("Start(no port): %v; want an error asking for host:port", err)
	}
}

// A page on another site cannot reach the dashboard by rebinding a DNS name
// to 127.0.0.1: a request naming another host is refused.
func TestForeignHostRefused(t *testing.T) {
	d := start(t)
	req, _ := http.NewRequest(http.MethodGet, d.URL(), nil)
	req.Host = "attacker.example:8089"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("Host attacker.example: status %d; want 403", resp.StatusCode)
	}
}

func start(t *testing.T) *Server {
	t.Helper()
	d, err := Start(Config{Addr: "127.0.0.1:0", Title: "test", ClientBuffer: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return d
}

// bigUpdate is an update of about size bytes of JSON.
func bigUpdate(i, size int) Update {
	u := Update{Strategy: "errgroup", T: float64(i), P50Ms: 10, P99Ms: 20}
	for len(u.Bands)*40 < size {
		u.Bands = append(u.Bands, charts.Band{From: 1, To: 2, API: "b"})
	}
	return u
}

// A client that connected and stopped reading never holds the run: every
// flush returns while its socket is full, and what it misses is dropped
// and counted; a client that reads gets every event meanwhile.
func TestStuckClientIsDroppedNotWaitedFor(t *testing.T) {
	d := start(t)
	stuck, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(d.URL(), "/"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	fmt.Fprintf(stuck, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") // and never read
	reader, err := http.Get(d.URL() + "events")
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Body.Close()
	got := make(chan string, 1024)
	go func() {
		defer close(got)
		sc := bufio.NewScanner(reader.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "event: ") {
				got <- strings.TrimPrefix(line, "event: ")
			}
		}
	}()
	if ev := <-got; ev != "snapshot" {
		t.Fatalf("first event %q; want snapshot", ev)
	}
	waitClients(t, d, 2)
	// Events of 1 MB until the stuck client's socket buffers are full and
	// its queue too (a few MB on Linux), at most 64 MB.
	const events, size = 64, 1 << 20
	for i := 0; i < events && d.Dropped() == 0; i++ {
		d.Publish(bigUpdate(i, size))
		d.flush() // the pusher's step, without waiting a second
		if ev := <-got; ev != "update" {
			t.Fatalf("reader's event %d is %q; want update", i, ev)
		}
	}
	if d.Dropped() == 0 {
		t.Errorf("no update dropped for a client that reads nothing, after %d events of %d kB", events, size>>10)
	}
	t.Logf("pushed %d, dropped %d for the stuck client", d.Pushed(), d.Dropped())
}

func waitClients(t *testing.T, d *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d.mu.Lock()
		have := len(d.clients)
		d.mu.Unlock()
		if have >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients subscribed; want %d", have, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Updates reach pages at most once per interval: publishing many in
// between sends one event.
func TestOneEventPerInterval(t *testing.T) {
	d := start(t)
	c, _ := d.subscribe()
	defer d.unsubscribe(c)
	for i := range 10 {
		d.Publish(Update{Strategy: "queue", T: float64(i)})
	}
	select {
	case msg := <-c.ch:
		if n := strings.Count(string(msg), `"strategy":"queue"`); !strings.HasPrefix(string(msg), "event: update") || n != 10 {
			t.Errorf("event %.80q… holds %d updates; want one update event with all 10", msg, n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s of publishing")
	}
	select {
	case msg := <-c.ch:
		t.Errorf("a second event %.80q; want one per interval", msg)
	default:
	}
	d.Finish(Final{Tables: "the tables"})
	if msg := <-c.ch; !strings.HasPrefix(string(msg), "event: final") || !strings.Contains(string(msg), "the tables") {
		t.Errorf("after Finish: %.80q; want the final event with the tables", msg)
	}
	if snap := d.snapshot(); len(snap.Series) != 1 || len(snap.Series[0].T) != 10 || snap.Final == nil {
		t.Errorf("snapshot %+v; want queue's 10 seconds and the final tables for pages that connect later", snap)
	}
	// A repeat of the strategy (time going back) starts its history over.
	d.Publish(Update{Strategy: "queue", T: 0.5})
	d.flush()
	if snap := d.snapshot(); len(snap.Series[0].T) != 1 {
		t.Errorf("after a repeat's first second: %v; want a history of that second only", snap.Series[0].T)
	}
	// The page had its final tables: later flushes send it updates only,
	// and nothing when there is nothing new.
	if msg := <-c.ch; !strings.HasPrefix(string(msg), "event: update") {
		t.Errorf("after the final event: %.80q; want an update, not the final tables again", msg)
	}
	d.flush()
	select {
	case msg := <-c.ch:
		t.Errorf("a flush with nothing new sent %.80q; want nothing", msg)
	default:
	}
}

// A figure JSON cannot carry (NaN, +Inf) does not keep a second's updates
// from the pages: it goes out as 0, and the history keeps it as a gap.
func TestNonFiniteUpdateStillReachesPages(t *testing.T) {
	d := start(t)
	c := &client{ch: make(chan []byte, 4)}
	d.mu.Lock()
	d.clients[c] = struct{}{}
	d.mu.Unlock()
	u := Update{Strategy: "errgroup", T: 1, P50Ms: math.NaN(), P99Ms: math.Inf(1), Offered: 100}
	if sseEvent("update", event{Updates: []Update{u}}) != nil {
		t.Fatal("the raw NaN update encoded; the test no longer shows what flush guards against")
	}
	d.Publish(u)
	d.flush()
	select {
	case ev := <-c.ch:
		if !strings.Contains(string(ev), `"offered":100`) || !strings.Contains(string(ev), `"p50_ms":0`) {
			t.Fatalf("event for a NaN/Inf update: %q; want it with 0 in their place", ev)
		}
	default:
		t.Fatal("a NaN/Inf update reached no page")
	}
}
