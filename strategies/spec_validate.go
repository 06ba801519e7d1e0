package strategies

import (
	"slices"
	"strings"

	"github.com/fanbench/fanbench/field"
)

// Gateway wait modes (Spec.Wait). The empty string is the gateway's
// default, WaitAll.
const (
	// WaitAll answers after both legs: 200 when both succeeded, else 502.
	WaitAll = "all"
	// WaitNone answers 202 at once and delivers in the background.
	WaitNone = "none"
)

// Validate returns every problem with s, each with the path of its field
// relative to the spec ("name", "queue.concurrency", "policy.retries"): a
// known strategy, and options only where they apply.
func (s Spec) Validate() []field.Error {
	var es field.Errors
	switch names := Names(); {
	case s.Name == "":
		es.Addf("name", "missing; want one of %s", strings.Join(names, ", "))
	case !slices.Contains(names, s.Name):
		es.OneOf("name", "strategy", s.Name, names...)
	}
	if s.CancelOnError && s.Name != NameErrgroup {
		es.Addf("cancel_on_error", "only errgroup takes cancel_on_error; remove it")
	}
	switch {
	case s.Name == NameGateway && s.Wait != "":
		es.OneOf("wait", "gateway wait", s.Wait, WaitAll, WaitNone)
	case s.Name != NameGateway && s.Wait != "":
		es.Addf("wait", "only gateway takes wait; remove it")
	}
	switch {
	case s.Name == NameQueue:
		es.Nest("queue", s.Queue.Validate())
	case s.Queue != QueueOptions{}:
		es.Addf("queue", "only queue takes queue options; remove them")
	}
	if s.Policy != nil {
		es.Nest("policy", s.Policy.Validate())
	}
	return es
}

// Validate returns every problem with o; zero values take the queue's
// defaults.
func (o QueueOptions) Validate() []field.Error {
	var es field.Errors
	es.NonNegative("concurrency", float64(o.Concurrency), "messages in flight per consumer, 0 (default 64) or more")
	es.Duration("ack_wait", o.AckWait, "0 (default 30s) or more")
	es.NonNegative("max_deliver", float64(o.MaxDeliver), "delivery attempts, 0 (default: retries + 1) or more")
	return es
}
