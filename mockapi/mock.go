package mockapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// serveMock answers one arrival (the steps are listed in doc.go). Its
// fate is decided once (decide), recorded once in the ledger, carried out
// (deliver), then recorded once in the stats: the ledger is written before
// any answer, so a client that has seen an answer can trust the ledger, and
// a lost_ack's effect is there before its connection is reset.
func (a *API) serveMock(w http.ResponseWriter, r *http.Request) {
	start := a.now()
	d := a.draws.get()
	defer a.draws.put(d)
	var ar arrival
	a.stats.reading.Add(1)
	v := a.readBody(w, r, d.buf[:], &ar)
	a.stats.reading.Add(-1)
	if v.answer == nil {
		// Only an arrival whose body is in counts against concurrency_limit:
		// a client trickling its body holds no slot.
		inFlight := a.stats.inFlight.Add(1)
		defer a.stats.inFlight.Add(-1)
		v = a.decide(w, r, a.profile.Load(), d, inFlight, start, &ar)
	}
	if ar.recorded {
		a.ledger.finish(ar.key, a.now(), v.status, v.applied, ar.claimed)
	}
	a.deliver(r.Context(), w, &ar, v, d)
	a.stats.record(v.status, v.fault, a.now().Sub(start))
}

// arrival is one request as the mock sees it.
type arrival struct {
	id       string // Idempotency-Key as sent; "" when the mock generated one
	key      key    // the ledger key
	fp       uint64 // body fingerprint
	recorded bool   // the arrival is in the ledger and must be finished
	claimed  bool   // the arrival holds its key (idempotency on, processed)
}

// verdict is what an arrival gets, decided before anything is recorded.
type verdict struct {
	status  int           // status answered; 0: the connection is cut or abandoned
	applied bool          // the effect is applied
	fault   faultKind     // the connection fault met, or faultNone
	answer  *errorAnswer  // an error answer to write
	replay  bool          // a success replayed without a new effect
	conn    net.Conn      // the taken-over connection of a cutting fault
	slow    time.Duration // how long slow_body dribbles
}

// refusal ends an arrival with an error answer and no effect.
func refusal(e *errorAnswer) verdict { return verdict{status: e.status, answer: e} }

// readBody reads the body to its end for the idempotency fingerprint (which
// also lets net/http notice a client that goes away), at most the API's
// body limit (413 past it). A zero verdict means the body is in.
func (a *API) readBody(w http.ResponseWriter, r *http.Request, buf []byte, ar *arrival) verdict {
	lim := a.limits.Load()
	fp, err := fingerprint(r.Body, buf, lim.maxBody)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return refusal(&lim.tooLarge)
		}
		return refusal(&a.answers.badBody)
	}
	ar.fp = fp
	return verdict{}
}

// decide takes the arrival into the ledger and decides its fate: limits,
// then idempotency, then the drawn (or header-forced) outcome after its
// latency. Precedence of outcomes: header fault > header status >
// fail_first > drawn fault > drawn error > success.
func (a *API) decide(w http.ResponseWriter, r *http.Request, p *profile, d *drawer, inFlight int64, start time.Time, ar *arrival) verdict {
	ar.id = r.Header.Get("Idempotency-Key")
	generated := ar.id == ""
	if generated {
		if p.requireKey {
			return refusal(&a.answers.missingKey)
		}
		ar.key = key{bits: mix64(a.genSalt + a.genSeq.Add(1))}
		a.stats.keyless.Add(1)
	} else {
		ar.key = parseKey(ar.id)
	}
	// A compensation is no arrival of the original: it draws an outcome of
	// its own and, when it succeeds, marks the key undone (compensate.go).
	comp := isCompensation(r) && !generated
	n, dec := 0, decideProcess
	if comp {
		n = compensationDraw - a.ledger.compensationAttempt(ar.key) + 1
	} else {
		idem := p.idempotent && !generated
		n, dec = a.ledger.arrive(ar.key, start, ar.fp, idem)
		ar.recorded = true
		ar.claimed = idem && dec == decideProcess
	}

	if p.concurrency > 0 && inFlight > p.concurrency {
		return refusal(&p.limitAnswer)
	}
	if p.bucket != nil {
		li := p.bucket.take(start)
		p.bucket.writeHeaders(w.Header(), start, li)
		if !li.allowed {
			return refusal(&p.rateAnswer)
		}
	}
	switch dec {
	case decideConflict:
		return refusal(&a.answers.conflict)
	case decideMismatch:
		return refusal(&a.answers.mismatch)
	case decideReplay:
		return verdict{status: http.StatusOK, replay: true}
	}

	d.seed(ar.key.bits, n)
	lat := p.latency.Sample(d.r)
	out := p.draw(d, n)
	if p.headerFaults {
		var hdrErr *errorAnswer
		if lat, out, hdrErr = headerOverrides(a.name, r.Header, lat, out, p); hdrErr != nil {
			return refusal(hdrErr)
		}
	}
	if !a.lateness.sleep(r.Context(), lat) { // the client went away or the server is closing
		return verdict{}
	}
	switch k := out.fault.kind; k {
	case faultNone:
	case faultHang:
		return verdict{fault: k}
	case faultSlowBody:
		a.compensateIf(comp, ar)
		return verdict{status: http.StatusOK, applied: !comp, fault: k, slow: out.fault.duration}
	default: // reset, empty, garbage, lost_ack: take the connection over
		conn, err := hijack(w)
		if err != nil {
			return refusal(&a.answers.noHijack)
		}
		if k == faultLostAck {
			a.compensateIf(comp, ar)
		}
		return verdict{applied: k == faultLostAck && !comp, fault: k, conn: conn}
	}
	if out.answer != nil {
		return refusal(out.answer)
	}
	a.compensateIf(comp, ar)
	return verdict{status: http.StatusOK, applied: !comp}
}

// deliver carries out a recorded verdict.
func (a *API) deliver(ctx context.Context, w http.ResponseWriter, ar *arrival, v verdict, d *drawer) {
	switch {
	case v.conn != nil:
		_ = cut(v.conn, v.fault, d)
	case v.fault == faultHang:
		hang(ctx)
		abandon(w)
	case v.fault == faultSlowBody:
		_ = slowBody(ctx, w, a.successBody(ar.id, ar.key.bits), v.slow)
	case v.answer != nil:
		v.answer.write(w)
	case v.status == 0: // the client went away during the latency
		abandon(w)
	default:
		if v.replay {
			w.Header()["Idempotent-Replayed"] = a.replayed
		}
		a.success(w, ar.id, ar.key.bits)
	}
}

// outcome is what an arrival will get once its latency has passed.
type outcome struct {
	fault  faultRule    // connection fault, if kind != faultNone
	answer *errorAnswer // HTTP error answer, if non-nil
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
