package queue_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/strategies/queue"
)

// TestStaleStoresRemoved plants the store directories a kill -9 leaves
// behind: only those whose owning process is gone are removed at start.
func TestStaleStoresRemoved(t *testing.T) {
	tmp := t.TempDir()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	me := os.Getpid()
	dirs := map[string]bool{ // name -> want removed
		fmt.Sprintf("fanbench-nats-RUN1.p%d.s%s.123", gone.Process.Pid, "1"):      true,  // owner exited
		fmt.Sprintf("fanbench-nats-RUN2.p%d.s%s.456", me, queue.ProcessStart(me)): false, // this process
		fmt.Sprintf("fanbench-nats-RUN3.p%d.s%s.789", me, "12"):                   true,  // pid reused by another process
		"fanbench-nats-1234567890":                                                false, // old name: owner unknown
	}
	for name := range dirs {
		if err := os.Mkdir(filepath.Join(tmp, name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := queue.MakeStoreDir(tmp, "MYRUN")
	if err != nil {
		t.Fatal(err)
	}
	dirs[filepath.Base(mine)] = false
	if !strings.Contains(filepath.Base(mine), "MYRUN") {
		t.Errorf("store directory %s is not named after the run MYRUN", mine)
	}

	removed := queue.RemoveStaleStores(tmp, t.Logf)
	for name, want := range dirs {
		_, err := os.Stat(filepath.Join(tmp, name))
		if gone := os.IsNotExist(err); gone != want {
			t.Errorf("%s: removed %v; want %v", name, gone, want)
		}
		if slices.Contains(removed, filepath.Join(tmp, name)) != want {
			t.Errorf("%s: reported removed %v; want %v (reported %v)", name, !want, want, removed)
		}
	}
}

func TestRetryTier(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 1}, {time.Microsecond, 1}, {time.Millisecond, 1}, {1500 * time.Microsecond, 2},
		{3 * time.Millisecond, 3}, {5 * time.Millisecond, 6}, {7 * time.Millisecond, 8},
		{50 * time.Millisecond, 64}, {1000 * time.Millisecond, 1024}, {1025 * time.Millisecond, 1536},
		{2 * time.Second, 2048},
	} {
		got := queue.RetryTier(tc.d)
		if got != tc.want {
			t.Errorf("retryTier(%v) = %dms; want %dms", tc.d, got, tc.want)
		}
		if ms := float64(tc.d) / float64(time.Millisecond); float64(got) < ms || (ms >= 1 && float64(got) > 1.5*ms) {
			t.Errorf("retryTier(%v) = %dms; want at least the delay and at most 1.5 times it", tc.d, got)
		}
	}
}
