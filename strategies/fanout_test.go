package strategies

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// legPair returns legs to a and b, each answering with its own replies.
func legPair(p Policy, a, b []fakeReply) (*Leg, *Leg, *fakeTransport, *fakeTransport) {
	fa, fb := newFakeTransport(a...), newFakeTransport(b...)
	return fakeLeg(fa, p, nil), fakeLeg(fb, p, nil), fa, fb
}

// Issue 16 item 8: with cancel_on_error a failing leg cancels its sibling
// at once; without it the sibling runs to its own end.
func TestErrgroupCancelOnError(t *testing.T) {
	p := Policy{Timeout: 5 * time.Second}
	fail := []fakeReply{{status: 503, delay: 10 * ms}}
	hang := []fakeReply{{hang: true}}
	tests := []struct {
		name          string
		cancelOnError bool
		wantLatency   time.Duration
		wantBErr      error
	}{
		{"cancel_on_error", true, 10 * ms, context.Canceled},
		{"independent", false, 5 * time.Second, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b, _, fb := legPair(p, fail, hang)
				start := time.Now()
				rep := NewErrgroup(a, b, tt.cancelOnError).Send(context.Background(), Send{ID: "x"})
				if took := time.Since(start); took != tt.wantLatency {
					t.Errorf("send took %v; want %v", took, tt.wantLatency)
				}
				if rep.Status != 502 || rep.Legs[0].Status != 503 || !errors.Is(rep.Legs[1].Err, tt.wantBErr) {
					t.Errorf("reply %+v; want 502, a 503, b ending with %v", rep, tt.wantBErr)
				}
				if n := len(fb.times()); n != 1 {
					t.Errorf("b got %d calls; want 1 (started at once, beside a)", n)
				}
			})
		})
	}
}

// Issue 16 item 8: sequential still calls b when a failed, because the
// user request carries information both need.
func TestSequentialCallsBWhenAFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, fa, fb := legPair(Policy{}, []fakeReply{{status: 503, delay: 20 * ms}}, []fakeReply{{status: 200, delay: 30 * ms}})
		start := time.Now()
		rep := NewSequential(a, b).Send(context.Background(), Send{ID: "x"})
		if rep.Status != 502 || rep.Legs[0].Status != 503 || !rep.Legs[1].OK() {
			t.Errorf("reply %+v; want 502 with a's 503 and b delivered", rep)
		}
		if ta, tb := fa.times(), fb.times(); len(ta) != 1 || len(tb) != 1 || tb[0] != 20*ms {
			t.Errorf("a called at %v, b at %v; want b called once, after a's answer at 20ms", ta, tb)
		}
		if took := time.Since(start); took != 50*ms {
			t.Errorf("send took %v; want a + b = 50ms", took)
		}
	})
}
