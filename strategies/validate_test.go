package strategies

import (
	"slices"
	"testing"
	"time"
)

// Policy.Validate and Spec.Validate name each field by its path, the way
// scenarios reports it at the field's line.
func TestValidatePaths(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"bare name", Spec{Name: NameSequential}, nil},
		{"default policy", Spec{Name: NameErrgroup, Policy: &Policy{}}, nil},
		{"missing name", Spec{}, []string{"name"}},
		{"unknown name", Spec{Name: "errgrp"}, []string{"name"}},
		{"options elsewhere", Spec{Name: NameSequential, CancelOnError: true, Wait: WaitNone, Queue: QueueOptions{Concurrency: 1}},
			[]string{"cancel_on_error", "wait", "queue"}},
		{"gateway wait", Spec{Name: NameGateway, Wait: "some"}, []string{"wait"}},
		{"gateway default wait", Spec{Name: NameGateway}, nil},
		{"queue options", Spec{Name: NameQueue, Queue: QueueOptions{Concurrency: -1, AckWait: -time.Second, MaxDeliver: -1}},
			[]string{"queue.concurrency", "queue.ack_wait", "queue.max_deliver"}},
		{"policy", Spec{Name: NameSequential, Policy: &Policy{
			Timeout: -1, Retries: -1,
			Backoff:     Backoff{Initial: 100 * time.Millisecond, Max: 10 * time.Millisecond, Multiplier: 0.5, Jitter: "half"},
			RetryOn:     []string{"5xx", "4xx", "503", "200"},
			RetryBudget: 2, Breaker: &Breaker{}, ClientRateLimit: -1,
		}}, []string{"policy.timeout", "policy.retries", "policy.backoff.max", "policy.backoff.multiplier", "policy.backoff.jitter",
			"policy.retry_on[1]", "policy.retry_on[3]", "policy.retry_budget", "policy.breaker.failures", "policy.breaker.open_for", "policy.client_rate_limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range tt.spec.Validate() {
				got = append(got, e.Path)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate paths = %q; want %q", got, tt.want)
			}
		})
	}
}
