package distributed

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fanbench/fanbench/bench"
	"github.com/fanbench/fanbench/scenarios"
)

// Roles of the members of a pool.
const (
	RoleWorker = "worker"
	RoleServe  = "serve"
)

// Presence is a member announcing itself in its pool.
type Presence struct {
	Role string `json:"role"`
	Name string `json:"name"`
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// Run is the run the member is in, empty when it is free.
	Run string `json:"run,omitempty"`
}

// Claim asks a member to join a run.
type Claim struct {
	Run string `json:"run"`
	// Scenario is the scenario to run, with the coordinator's overrides
	// applied.
	Scenario *scenarios.Scenario `json:"scenario"`
	// HeartbeatNs is the heartbeat interval of the run.
	HeartbeatNs time.Duration `json:"heartbeat_ns"`
}

// Reply answers every request; Error is set when the request failed.
type Reply struct {
	Error  string `json:"error,omitempty"`
	URL    string `json:"url,omitempty"`
	Object string `json:"object,omitempty"`
}

// Beat is a heartbeat.
type Beat struct {
	Name string `json:"name"`
	At   int64  `json:"at_unix_ns"`
}

// Clock is a member's wall clock when it answered a clock request.
type Clock struct {
	At int64 `json:"at_unix_ns"`
}

// Setup names the strategy a serve host sets up (or tears down).
type Setup struct {
	Strategy string `json:"strategy"`
}

// Begin tells a serve host when the schedule starts, on its own clock.
type Begin struct {
	Strategy string `json:"strategy"`
	Start    int64  `json:"start_unix_ns"`
}

// Settle asks a serve host to drain and reconcile the sends stored under
// Object and store what it found.
type Settle struct {
	Strategy string `json:"strategy"`
	Object   string `json:"object"`
}

// Assignment gives a worker its part of one strategy's load.
type Assignment struct {
	Strategy string     `json:"strategy"`
	Target   string     `json:"target"`
	Part     bench.Part `json:"part"`
	// Start is the schedule's time zero on the worker's clock.
	Start int64 `json:"start_unix_ns"`
}

// ProgressReport is a worker's view of its load, about once a second.
type ProgressReport struct {
	Strategy  string        `json:"strategy"`
	ElapsedNs time.Duration `json:"elapsed_ns"`
	Requests  int64         `json:"requests"`
	Errors    int64         `json:"errors"`
	Rate      float64       `json:"rate"`
	P99Ms     float64       `json:"p99_ms"`
}

// Done says a worker's load of a strategy ended and where its results are.
type Done struct {
	Name     string `json:"name"`
	Strategy string `json:"strategy"`
	Measured string `json:"measured,omitempty"` // object name of its bench.Measured
	Results  string `json:"results,omitempty"`  // object name of its vegeta results
	Error    string `json:"error,omitempty"`
}

// subjects names a pool's and a run's subjects.
type subjects struct{ pool, run string }

func (s subjects) presence() string         { return "fanbench." + s.pool + ".presence" }
func (s subjects) discover() string         { return "fanbench." + s.pool + ".discover" }
func (s subjects) claim(name string) string { return "fanbench." + s.pool + ".claim." + name }
func (s subjects) inRun(what string) string { return "fanbench.run." + s.run + "." + what }
func (s subjects) of(what, name string) string {
	return "fanbench.run." + s.run + "." + what + "." + name
}
func bucketOf(run string) string { return "fanbench_" + run }

// token is what a pool or member name may be: one NATS subject token.
var token = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckName says what is wrong with a pool or member name, naming what.
func CheckName(what, name string) error {
	if !token.MatchString(name) {
		return fmt.Errorf("%s %q: want 1-64 letters, digits, '-' or '_' (it is part of NATS subjects)", what, name)
	}
	return nil
}

// ErrConnect is returned (wrapped) when the NATS server cannot be reached.
var ErrConnect = errors.New("distributed: cannot connect to NATS")

// connect dials NATS, naming the URL when it cannot.
func connect(url, name string) (*nats.Conn, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.Timeout(3*time.Second),
		nats.MaxReconnects(10), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %w", ErrConnect, url, err)
	}
	return nc, nil
}

// request sends a JSON request and decodes the JSON reply; a Reply with
// Error set is an error.
func request(nc *nats.Conn, subject string, in any, timeout time.Duration) (Reply, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return Reply{}, err
	}
	msg, err := nc.Request(subject, b, timeout)
	if err != nil {
		return Reply{}, fmt.Errorf("%s: %w", subject, err)
	}
	var r Reply
	if err := json.Unmarshal(msg.Data, &r); err != nil {
		return Reply{}, fmt.Errorf("%s: bad reply: %w", subject, err)
	}
	if r.Error != "" {
		return r, fmt.Errorf("%s: %s", subject, r.Error)
	}
	return r, nil
}

// respond answers msg with r.
func respond(msg *nats.Msg, r Reply) {
	b, _ := json.Marshal(r) // a Reply always marshals
	_ = msg.Respond(b)
}

func publish(nc *nats.Conn, subject string, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		_ = nc.Publish(subject, b)
	}
}
