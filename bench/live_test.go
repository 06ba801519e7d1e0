package bench

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/mockapi/mocktest"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/strategies"
)

// The follower finds in the ledgers which of the sends intended so far
// reached both APIs, counts each once (when first found) and keeps the
// others as the backlog.
func TestFollowerCountsDeliveriesOnce(t *testing.T) {
	var apis [2]*mockapi.API
	var urls [2]string
	for i, name := range []string{"a", "b"} {
		apis[i], urls[i] = mocktest.Serve(t, name, mockapi.Config{}, 1)
	}
	ids := newIDSpace(7)
	deliver := func(seq uint64, to ...int) {
		t.Helper()
		for _, i := range to {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, urls[i]+"/send", strings.NewReader("{}"))
			req.Header.Set("Idempotency-Key", ids.id(seq))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	legs := [2]*strategies.LegStats{new(strategies.LegStats), new(strategies.LegStats)}
	legs[1].Retries.Add(99) // the legs' own count is not what the view shows
	f := newFollower(constantPacer(10), ids, apis, legs)

	for seq := range uint64(5) {
		deliver(seq, 0, 1)
	}
	deliver(0, 1) // send 0 arrives at b twice (delivered), send 6 at a twice (pending)
	deliver(5, 0)
	deliver(6, 0)
	deliver(6, 0)
	var l Live
	f.step(1050*time.Millisecond, &l) // 10/s: ten sends due by then
	if want := (reports.Outcomes{Both: 5, AOnly: 2, None: 3}); l.Outcomes != want || l.Backlog != 5 || l.Delivered != 5/1.05 || l.Offered != 10/1.05 {
		t.Errorf("after 1s: outcomes %+v, backlog %d, delivered %v/s, offered %v/s; want %+v, 5, 5/1.05, 10/1.05", l.Outcomes, l.Backlog, l.Delivered, l.Offered, want)
	}
	if (l.Retries != reports.AB{A: 1, B: 1}) {
		t.Errorf("retries %+v; want a: 1, b: 1 from the ledgers' repeated arrivals", l.Retries)
	}
	deliver(5, 1)
	f.step(2050*time.Millisecond, &l) // ten more intended; send 5 now in both
	if want := (reports.Outcomes{Both: 6, AOnly: 1, None: 13}); l.Outcomes != want || l.Backlog != 14 || l.Delivered != 1 {
		t.Errorf("after 2s: outcomes %+v, backlog %d, delivered %v/s; want %+v, 14, 1 (each send counted once)", l.Outcomes, l.Backlog, l.Delivered, want)
	}
	if (l.Retries != reports.AB{A: 1, B: 1}) {
		t.Errorf("after 2s: retries %+v; want still a: 1, b: 1 (a delivered send's retries kept once)", l.Retries)
	}
	// Send 6 reached a only; its compensation undoes it there: the live
	// view counts it compensated and out of the backlog, as reconcile does.
	req, _ := http.NewRequestWithContext(t.Context(), mockapi.CompensationMethod, urls[0]+"/send", nil)
	req.Header.Set("Idempotency-Key", ids.id(6))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	f.step(2150*time.Millisecond, &l) // one more send intended
	if want := (reports.Outcomes{Both: 6, Compensated: 1, None: 14}); l.Outcomes != want || l.Backlog != 14 {
		t.Errorf("after a compensation: outcomes %+v, backlog %d; want %+v, 14", l.Outcomes, l.Backlog, want)
	}
}
