package strategies

import (
	"net"
	"net/http"
	"time"
)

// NewClient returns the HTTP client every leg of a run shares: keep-alive
// connections, an idle pool sized for maxConns concurrent calls per API, no
// compression (bodies are tiny; gzip would only cost CPU) and no overall
// timeout (each attempt gets its own from the policy).
func NewClient(maxConns int) *http.Client {
	if maxConns <= 0 {
		maxConns = 512
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy: nil, // never route loopback benchmarks through a proxy from the environment
			DialContext: (&net.Dialer{
				Timeout:   5 * time.Second,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			MaxIdleConns:          2 * maxConns,
			MaxIdleConnsPerHost:   maxConns,
			IdleConnTimeout:       90 * time.Second,
			DisableCompression:    true,
			ResponseHeaderTimeout: 0,
			ExpectContinueTimeout: 0,
		},
		// Redirects are answers too: a mock or service that redirects is measured as is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
