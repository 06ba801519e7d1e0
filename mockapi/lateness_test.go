package mockapi

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Every value lands in the bucket whose bounds hold it, and buckets are
// contiguous and at most 12.5% wide.
func TestLatenessBuckets(t *testing.T) {
	prev := int64(-1)
	for i := range latenessBuckets - 1 {
		up := latenessUpper(i)
		if up <= prev {
			t.Fatalf("bucket %d upper %d; want above bucket %d's %d", i, up, i-1, prev)
		}
		lo := prev + 1
		if latenessIndex(lo) != i || latenessIndex(up) != i {
			t.Fatalf("bucket %d holds [%d,%d]; index(%d)=%d index(%d)=%d", i, lo, up, lo, latenessIndex(lo), up, latenessIndex(up))
		}
		if lo >= latenessExact && float64(up-lo+1) > 0.125*float64(lo)+1 {
			t.Fatalf("bucket %d [%d,%d] is wider than 12.5%%", i, lo, up)
		}
		prev = up
	}
	if got := latenessIndex(-5); got != 0 {
		t.Errorf("index(-5) = %d; want 0 (a timer never fires early, but clocks may say so)", got)
	}
}

func TestTimerLatenessQuantiles(t *testing.T) {
	var l lateness
	for range 98 {
		l.record(100 * time.Microsecond)
	}
	l.record(5 * time.Millisecond)
	l.record(9 * time.Millisecond)
	s := l.snapshot()
	for _, tc := range []struct {
		q      float64
		lo, hi time.Duration
	}{
		{0.5, 100 * time.Microsecond, 113 * time.Microsecond},
		{0.98, 100 * time.Microsecond, 113 * time.Microsecond},
		{0.99, 5 * time.Millisecond, 5625 * time.Microsecond},
		{1, 9 * time.Millisecond, 9 * time.Millisecond},
	} {
		if got := s.Quantile(tc.q); got < tc.lo || got > tc.hi {
			t.Errorf("Quantile(%v) = %v; want in [%v,%v]", tc.q, got, tc.lo, tc.hi)
		}
	}
	if s.Count() != 100 || s.Max() != 9*time.Millisecond {
		t.Errorf("Count, Max = %d, %v; want 100, 9ms", s.Count(), s.Max())
	}
	var other lateness
	other.record(20 * time.Millisecond)
	m := s.Merge(other.snapshot())
	if m.Count() != 101 || m.Max() != 20*time.Millisecond {
		t.Errorf("merged Count, Max = %d, %v; want 101, 20ms", m.Count(), m.Max())
	}
	if got := (TimerLateness{}).Quantile(0.99); got != 0 {
		t.Errorf("empty Quantile = %v; want 0", got)
	}
}

// A mock with a latency records one timer per answer, no earlier than the
// drawn latency allows; a mock without latency has no timers.
func TestMockRecordsTimerLateness(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want uint64
	}{
		{"fixed 2ms", Config{Latency: Latency{Dist: "fixed", Value: D(2 * time.Millisecond)}}, 5},
		{"no latency", Config{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t, "a", tc.cfg)
			s := withServer(t, a)
			c := newClient(t, 5*time.Second)
			for i := range 5 {
				if r := send(c, s.URL()+"/send", fmt.Sprintf("%016x", i+1), "{}"); r.err != nil || r.status != 200 {
					t.Fatalf("send %d: %d %v", i, r.status, r.err)
				}
			}
			if got := a.TimerLateness().Count(); got != tc.want {
				t.Errorf("timers recorded = %d; want %d", got, tc.want)
			}
		})
	}
}

// A timer cut short by the caller is not a late timer.
func TestLatenessSleepCanceled(t *testing.T) {
	var l lateness
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if l.sleep(ctx, time.Hour) {
		t.Fatal("sleep on a canceled context reported that the hour elapsed")
	}
	if n := l.snapshot().Count(); n != 0 {
		t.Errorf("recorded %d timers for a canceled sleep; want 0", n)
	}
}
