package mockapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// faultKind indexes the fault kinds; 0 means no fault.
type faultKind uint8

const (
	faultNone faultKind = iota
	faultReset
	faultHang
	faultEmpty
	faultGarbage
	faultSlowBody
	faultLostAck
	numFaultKinds
)

// String returns the Fault.Kind spelling of k ("" for none).
func (k faultKind) String() string {
	switch k {
	case faultReset:
		return FaultReset
	case faultHang:
		return FaultHang
	case faultEmpty:
		return FaultEmpty
	case faultGarbage:
		return FaultGarbage
	case faultSlowBody:
		return FaultSlowBody
	case faultLostAck:
		return FaultLostAck
	}
	return ""
}

func parseFaultKind(s string) (faultKind, bool) {
	for k := faultReset; k < numFaultKinds; k++ {
		if k.String() == s {
			return k, true
		}
	}
	return faultNone, false
}

// faultKindList lists the valid kinds for error messages.
func faultKindList() string {
	var b strings.Builder
	for k := faultReset; k < numFaultKinds; k++ {
		if k > faultReset {
			b.WriteString(", ")
		}
		b.WriteString(k.String())
	}
	return b.String()
}

// errNotHijackable is returned when a connection fault cannot take over the
// connection (HTTP/2, or a ResponseWriter that is not a real connection).
var errNotHijackable = errors.New("mockapi: connection faults need a hijackable HTTP/1.x connection")

// hijack takes the connection over from net/http.
func hijack(w http.ResponseWriter) (net.Conn, error) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotHijackable, err)
	}
	return conn, nil
}

// cut ends a hijacked connection the way kind says: reset and lost_ack send
// a TCP RST (SetLinger(0), then close), empty closes without a byte (FIN),
// garbage writes random bytes that are no HTTP response, then closes.
func cut(conn net.Conn, kind faultKind, d *drawer) error {
	switch kind {
	case faultReset, faultLostAck:
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	case faultGarbage:
		_, _ = conn.Write(garbage(d))
	}
	return conn.Close()
}

// garbage returns 64 random bytes that cannot start an HTTP response, with
// a CRLF in the middle so a client parses a status line and rejects it.
func garbage(d *drawer) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(d.r.Uint32())
	}
	b[0] = '\x16' // not 'H', so never "HTTP/"
	b[31], b[32] = '\r', '\n'
	return b
}

// hang blocks until the client goes away or the server shuts down (both
// cancel the request context, because the body has been read and net/http
// is watching the connection).
func hang(ctx context.Context) {
	<-ctx.Done()
}

// slowBody answers 200 with body, dribbling it out over d: one byte at a
// time, flushed, with equal pauses. It returns early if ctx ends.
func slowBody(ctx context.Context, w http.ResponseWriter, body string, d time.Duration) error {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return fmt.Errorf("slow_body: flush: %w", err)
	}
	step := d / time.Duration(len(body))
	t := time.NewTimer(step)
	defer t.Stop()
	for i := 0; i < len(body); i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if _, err := io.WriteString(w, body[i:i+1]); err != nil {
			return fmt.Errorf("slow_body: write: %w", err)
		}
		if err := rc.Flush(); err != nil {
			return fmt.Errorf("slow_body: flush: %w", err)
		}
		t.Reset(step)
	}
	return nil
}
