package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// storePrefix starts the name of every embedded server's store directory.
// The full name is storePrefix + label + ".p" + pid + ".s" + start time +
// "." + random: the run it belongs to, and the process that owns it (its
// start time too, so a recycled pid is not taken for the owner).
const storePrefix = "fanbench-nats-"

// makeStoreDir creates a store directory in tmp named after label and this
// process.
func makeStoreDir(tmp, label string) (string, error) {
	pid := os.Getpid()
	return os.MkdirTemp(tmp, fmt.Sprintf("%s%s.p%d.s%s.*", storePrefix, label, pid, processStart(pid)))
}

// removeStaleStores removes the store directories in tmp whose owning
// process is gone (killed before it could remove its store) and returns
// them. Directories of live processes, and ones whose name does not say
// who owns them, are left alone. Errors are skipped: cleaning up after
// another run must never stop this one.
func removeStaleStores(tmp string, logf func(string, ...any)) []string {
	matches, err := filepath.Glob(filepath.Join(tmp, storePrefix+"*"))
	if err != nil {
		return nil
	}
	var removed []string
	for _, dir := range matches {
		pid, start, ok := storeOwner(filepath.Base(dir))
		if !ok || processAlive(pid, start) {
			continue
		}
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
			continue // never follow a link planted under our prefix
		}
		if err := os.RemoveAll(dir); err != nil {
			logf("queue: remove stale embedded NATS store %s: %v", dir, err)
			continue
		}
		removed = append(removed, dir)
	}
	return removed
}

// storeOwner parses the owner's pid and start time out of a store
// directory's name; ok is false when the name does not carry them.
func storeOwner(name string) (pid int, start string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(name, storePrefix), ".")
	if len(parts) != 4 || !strings.HasPrefix(parts[1], "p") || !strings.HasPrefix(parts[2], "s") {
		return 0, "", false
	}
	pid, err := strconv.Atoi(parts[1][1:])
	if err != nil || pid <= 0 {
		return 0, "", false
	}
	return pid, parts[2][1:], true
}

// processAlive reports whether process pid runs and, when start is known,
// started at start (a different start time is another process that was
// given the same pid).
func processAlive(pid int, start string) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if now := processStart(pid); start != "" && start != "0" && now != "0" {
		return now == start
	}
	return true
}

// processStart returns process pid's start time in clock ticks since boot
// (field 22 of /proc/PID/stat), or "0" where /proc does not say.
func processStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "0"
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return "0"
	}
	fields := strings.Fields(string(b[i+1:]))
	const startField = 22 - 3 // fields after the name start at field 3
	if len(fields) <= startField {
		return "0"
	}
	return fields[startField]
}
