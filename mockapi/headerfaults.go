package mockapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Header-controlled faults, in the style of Envoy's fault filter and
// fortio's echo server. Off unless Config.AllowHeaderFaults is set; then a
// request may carry
//
//	X-Fanbench-Delay: 250ms   replaces the drawn latency (a Go duration)
//	X-Fanbench-Status: 503    answers that status (400-599), or forces
//	                          success with any 2xx
//	X-Fanbench-Fault: reset   meets that fault (a Fault.Kind); slow_body
//	                          dribbles over the profile's slow_body duration
//	                          or 1s
//
// A header fault beats a header status, and both beat fail_first and the
// drawn fault and error. A malformed header value gets 400 naming it.
const (
	HeaderDelay  = "X-Fanbench-Delay"
	HeaderStatus = "X-Fanbench-Status"
	HeaderFault  = "X-Fanbench-Fault"
)

// headerOverrides applies the X-Fanbench-* headers to the drawn latency and
// outcome. A malformed header yields a 400 answer.
func headerOverrides(api string, h http.Header, lat time.Duration, out outcome, p *profile) (time.Duration, outcome, *errorAnswer) {
	bad := func(name, v, want string) *errorAnswer {
		e := newErrorAnswer(api, http.StatusBadRequest, "", nil, fmt.Sprintf("%s: %q; want %s", name, v, want))
		return &e
	}
	if v := h.Get(HeaderDelay); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, out, bad(HeaderDelay, v, "a non-negative Go duration such as 250ms")
		}
		lat = d
	}
	if v := h.Get(HeaderStatus); v != "" {
		code, err := strconv.Atoi(v)
		switch {
		case err == nil && code >= 200 && code <= 299:
			out = outcome{}
		case err == nil && code >= 400 && code <= 599:
			e := newErrorAnswer(api, code, "", nil, HeaderStatus)
			out = outcome{answer: &e}
		default:
			return 0, out, bad(HeaderStatus, v, "a 2xx status (success) or 400-599")
		}
	}
	if v := h.Get(HeaderFault); v != "" {
		k, ok := parseFaultKind(v)
		if !ok {
			return 0, out, bad(HeaderFault, v, "one of "+faultKindList())
		}
		f := faultRule{kind: k}
		if k == faultSlowBody {
			f.duration = defaultSlowBody
			for _, r := range p.faults {
				if r.kind == faultSlowBody {
					f.duration = r.duration
					break
				}
			}
		}
		out = outcome{fault: f}
	}
	return lat, out, nil
}
