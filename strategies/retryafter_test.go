package strategies

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"99999999999999999999999", maxRetryAfterSeconds * time.Second, true},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
		{"Sunday, 29-Nov-26 18:01:00 GMT", time.Minute, true},  // RFC 850
		{"Sun Nov 29 18:00:30 2026", 30 * time.Second, true},   // ANSI C asctime
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true}, // past: now
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"+3", 0, false},
		{"soon", 0, false},
		{"2026-11-29T18:00:03Z", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "120", "Sun, 29 Nov 2026 18:00:03 GMT", "soon", "", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, now)
		if d < 0 {
			t.Errorf("parseRetryAfter(%q) = %v; want no negative wait", s, d)
		}
		if !ok && d != 0 {
			t.Errorf("parseRetryAfter(%q) = %v, false; want 0 when not ok", s, d)
		}
	})
}
