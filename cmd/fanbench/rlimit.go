package main

import "syscall"

// raiseFDLimit raises the soft limit on open file descriptors to the hard
// limit: every in-flight send holds several descriptors in this one process
// (driver, front and mock APIs), and the engine sizes its in-flight cap from
// the soft limit. Go's runtime does the same at start on Linux; doing it
// here keeps that promise on every platform and says what the limit is.
func raiseFDLimit() (limit uint64, err error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return rl.Cur, err
		}
	}
	return rl.Cur, nil
}
