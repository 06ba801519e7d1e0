package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// cpuWait returns how long the process's threads have run on a CPU and how
// long they have waited, runnable, for one (the first two fields of
// /proc/self/task/*/schedstat, summed over threads); ok is false where
// Linux's schedstat is missing.
//
// Waiting for a CPU longer than running on one means other processes hold
// the cores: a CPU hog beside the run. Go's own scheduler latency cannot
// see that (a goroutine that is running on a thread the kernel has
// preempted looks running), and the process's CPU utilization goes down,
// not up. On the 2-core development machine fanbench waits 0.58-0.69 × its
// run time when the machine is otherwise idle (thread wake-ups), from 50
// to 2,000 sends/s, 1.5-1.7 × beside two busy loops and 3.3 × beside four.
func cpuWait() (run, wait time.Duration, ok bool) {
	tasks, err := filepath.Glob("/proc/self/task/*/schedstat")
	if err != nil || len(tasks) == 0 {
		return 0, 0, false
	}
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // a thread that exited since the glob
		}
		f := bytes.Fields(b)
		if len(f) < 2 {
			return 0, 0, false
		}
		r, err1 := strconv.ParseInt(string(f[0]), 10, 64)
		w, err2 := strconv.ParseInt(string(f[1]), 10, 64)
		if err1 != nil || err2 != nil {
			return 0, 0, false
		}
		run += time.Duration(r)
		wait += time.Duration(w)
		ok = true
	}
	return run, wait, ok
}

// waitRatio is the wait for a CPU per unit of run time between two
// readings; ok is false when either reading failed or nothing ran.
func waitRatio(run0, wait0, run1, wait1 time.Duration, ok0, ok1 bool) (float64, bool) {
	if !ok0 || !ok1 || run1 <= run0 {
		return 0, false
	}
	return float64(max(wait1-wait0, 0)) / float64(run1-run0), true
}
