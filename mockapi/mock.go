package mockapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Per arrival, in this order: read the body (fingerprint), record the
// arrival in the ledger (with the idempotency decision), apply the limits,
// answer idempotency replays and conflicts, draw latency/error/fault, sleep,
// then record the outcome in the ledger and only then answer — so a client
// that has seen an answer can trust the ledger, and a lost_ack's effect is
// there before its connection is reset.
//
// Precedence of outcomes: header fault > header status > fail_first >
// drawn fault > drawn error > success.

// outcome is what an arrival will get once its latency has passed.
type outcome struct {
	fault  faultRule    // connection fault, if kind != faultNone
	answer *errorAnswer // HTTP error answer, if non-nil
}

func (a *API) serveMock(w http.ResponseWriter, r *http.Request) {
	start := a.now()
	p := a.profile.Load()
	inFlight := a.stats.inFlight.Add(1)
	defer a.stats.inFlight.Add(-1)

	d := a.draws.get()
	defer a.draws.put(d)
	fp, err := fingerprint(r.Body, d.buf[:])
	if err != nil {
		a.answer(w, start, &a.answers.badBody)
		return
	}

	id := r.Header.Get("Idempotency-Key")
	generated := id == ""
	var key uint64
	if generated {
		if p.requireKey {
			a.answer(w, start, &a.answers.missingKey)
			return
		}
		key = mix64(a.genSalt + a.genSeq.Add(1))
	} else {
		key = parseKey(id)
	}
	idem := p.idempotent && !generated
	n, dec := a.ledger.arrive(key, start, fp, idem)
	claimed := idem && dec == decideProcess
	// refuse ends an arrival with an error answer and no effect.
	refuse := func(e *errorAnswer) {
		end := a.now()
		a.ledger.finish(key, end, e.status, false, claimed)
		e.write(w)
		a.stats.record(e.status, faultNone, end.Sub(start))
	}

	if p.concurrency > 0 && inFlight > p.concurrency {
		refuse(&p.limitAnswer)
		return
	}
	if p.bucket != nil {
		li := p.bucket.take(start)
		p.bucket.writeHeaders(w.Header(), start, li)
		if !li.allowed {
			refuse(&p.rateAnswer)
			return
		}
	}
	switch dec {
	case decideConflict:
		refuse(&a.answers.conflict)
		return
	case decideMismatch:
		refuse(&a.answers.mismatch)
		return
	case decideReplay:
		end := a.now()
		a.ledger.finish(key, end, http.StatusOK, false, false)
		w.Header()["Idempotent-Replayed"] = a.replayed
		a.success(w, id, key)
		a.stats.record(http.StatusOK, faultNone, end.Sub(start))
		return
	}

	d.seed(key, n)
	lat := p.latency.Sample(d.r)
	out := p.draw(d, n)
	if p.headerFaults {
		var hdrErr *errorAnswer
		if lat, out, hdrErr = headerOverrides(a.name, r.Header, lat, out, p); hdrErr != nil {
			refuse(hdrErr)
			return
		}
	}

	ctx := r.Context()
	if !a.lateness.sleep(ctx, lat) { // the client went away or the server is closing
		a.ledger.finish(key, a.now(), 0, false, claimed)
		abandon(w)
		a.stats.record(0, faultNone, a.now().Sub(start))
		return
	}

	switch out.fault.kind {
	case faultNone:
	case faultHang:
		a.ledger.finish(key, a.now(), 0, false, claimed)
		hang(ctx)
		abandon(w)
		a.stats.record(0, faultHang, a.now().Sub(start))
		return
	case faultSlowBody:
		a.ledger.finish(key, a.now(), http.StatusOK, true, claimed)
		_ = slowBody(ctx, w, a.successBody(id, key), out.fault.duration)
		a.stats.record(http.StatusOK, faultSlowBody, a.now().Sub(start))
		return
	default: // reset, empty, garbage, lost_ack: take the connection over
		conn, err := hijack(w)
		if err != nil {
			refuse(&a.answers.noHijack)
			return
		}
		a.ledger.finish(key, a.now(), 0, out.fault.kind == faultLostAck, claimed)
		_ = cut(conn, out.fault.kind, d)
		a.stats.record(0, out.fault.kind, a.now().Sub(start))
		return
	}

	if out.answer != nil {
		refuse(out.answer)
		return
	}
	end := a.now()
	a.ledger.finish(key, end, http.StatusOK, true, claimed)
	a.success(w, id, key)
	a.stats.record(http.StatusOK, faultNone, end.Sub(start))
}

// draw decides the outcome of arrival n from the arrival's own generator.
// The uniform is drawn even when fail_first decides, so draws never shift.
func (p *profile) draw(d *drawer, n int) outcome {
	u := d.r.Float64()
	if n <= p.failFirst {
		return outcome{answer: &p.failAnswer}
	}
	if i := pick(p.faultCum, u); i >= 0 {
		return outcome{fault: p.faults[i]}
	}
	if i := pick(p.errCum, u); i >= 0 {
		return outcome{answer: &p.errors[i]}
	}
	return outcome{}
}

// answer writes an error answer and records it in the stats.
func (a *API) answer(w http.ResponseWriter, start time.Time, e *errorAnswer) {
	e.write(w)
	a.stats.record(e.status, faultNone, a.now().Sub(start))
}

// success writes the 200 body {"api":"<name>","id":"<id>"}.
func (a *API) success(w http.ResponseWriter, id string, key uint64) {
	// Shared, never-mutated value slice: Header.Set would allocate one per
	// answer (BenchmarkServeHTTP); net/http only reads it.
	w.Header()["Content-Type"] = a.jsonContentType
	if id == "" || !plainID(id) {
		_, _ = io.WriteString(w, a.successBody(id, key))
		return
	}
	_, _ = io.WriteString(w, a.successPrefix)
	_, _ = io.WriteString(w, id)
	_, _ = io.WriteString(w, "\"}\n")
}

// successBody returns the 200 body as one string (slow path).
func (a *API) successBody(id string, key uint64) string {
	if id == "" {
		id = formatKey(key)
	}
	if plainID(id) {
		return a.successPrefix + id + "\"}\n"
	}
	b, err := json.Marshal(id)
	if err != nil {
		b = []byte(`""`)
	}
	return a.successPrefix[:len(a.successPrefix)-1] + string(b) + "}\n"
}

// plainID reports whether id needs no JSON escaping.
func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// abandon closes the connection of an arrival that gets no answer, so that
// net/http does not send the implicit empty 200 of a handler that returns
// without writing.
func abandon(w http.ResponseWriter) {
	if conn, err := hijack(w); err == nil {
		_ = conn.Close()
	}
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
