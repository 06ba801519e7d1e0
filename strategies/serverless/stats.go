package serverless

import (
	"time"
)

// Stats counts what a Platform did; Stats() takes a snapshot.
type Stats struct {
	// Accepted is the sends the platform queued (202 to the user).
	Accepted int64
	// Events is the asynchronous invocations queued: one per send in the
	// orchestrator mode, three in the fanout mode.
	Events int64
	// Invocations is the invocations started, retries included.
	Invocations int64
	// ColdStarts is the invocations that started a new instance.
	ColdStarts int64
	// PeakInstances is the most instances alive at once, busy or idle.
	PeakInstances int
	// Throttles is the times an event found every slot of the concurrency
	// cap taken and went back to the queue.
	Throttles int64
	// Failures is the invocations that failed (a leg failed after its policy).
	Failures int64
	// Retries is the invocations the platform scheduled again after a failure.
	Retries int64
	// Delivered is the events whose invocation succeeded.
	Delivered int64
	// DeadLetters is the events given up on: every attempt failed, or the
	// event outlived MaxEventAge.
	DeadLetters int64
	// EventAgeP50 and EventAgeP99 are the age of an event (since it was
	// queued) when an invocation of it started, over every invocation.
	EventAgeP50, EventAgeP99 time.Duration
}

// ColdStartShare is the share of invocations that paid a cold start.
func (s Stats) ColdStartShare() float64 {
	if s.Invocations == 0 {
		return 0
	}
	return float64(s.ColdStarts) / float64(s.Invocations)
}

// DeadLetter is an event the platform gave up on.
type DeadLetter struct {
	ID       string        // the send's id
	Function string        // "orchestrator", or the API's name in the fanout mode
	Reason   string        // why: the last failure, or the age exceeded
	Attempts int           // invocations made
	Age      time.Duration // since it was queued, when dropped
}

// Stats returns a snapshot of the platform's counters.
func (p *Platform) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.counts
	if p.age.TotalCount() > 0 {
		s.EventAgeP50 = time.Duration(p.age.ValueAtQuantile(50)) * time.Microsecond
		s.EventAgeP99 = time.Duration(p.age.ValueAtQuantile(99)) * time.Microsecond
	}
	return s
}

// DeadLetters returns the dead letters kept (at most MaxDeadLetters), in
// the order they were dropped.
func (p *Platform) DeadLetters() []DeadLetter {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]DeadLetter(nil), p.dead...)
}

// Point is one second of the instances' timeline.
type Point struct {
	T          int // seconds since the origin; the point covers (T-1, T]
	Instances  int // most instances alive during the second
	ColdStarts int // cold starts during the second
}

// Series returns n one-second points from origin: the most instances
// alive and the cold starts in each second.
func (p *Platform) Series(origin time.Time, n int) []Point {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.timeline.series(origin, n)
}

// timeline records every change of the number of live instances; there is
// one per cold start and one per reclaim, so it stays small.
type timeline struct {
	start   time.Time
	changes []change
}

type change struct {
	at    time.Time
	alive int
	cold  bool
}

func (t *timeline) note(at time.Time, alive int, cold bool) {
	t.changes = append(t.changes, change{at: at, alive: alive, cold: cold})
}

func (t *timeline) series(origin time.Time, n int) []Point {
	pts := make([]Point, n)
	alive := 0 // alive at the start of the current second
	i := 0
	for ; i < len(t.changes) && !t.changes[i].at.After(origin); i++ {
		alive = t.changes[i].alive
	}
	for s := range pts {
		end := origin.Add(time.Duration(s+1) * time.Second)
		pts[s] = Point{T: s + 1, Instances: alive}
		for ; i < len(t.changes) && !t.changes[i].at.After(end); i++ {
			c := t.changes[i]
			alive = c.alive
			pts[s].Instances = max(pts[s].Instances, alive)
			if c.cold {
				pts[s].ColdStarts++
			}
		}
	}
	return pts
}
