package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// profileFlags are --cpuprofile and --memprofile, shared by run and sweep.
type profileFlags struct {
	cpu, mem string
}

func addProfileFlags(fl *pflag.FlagSet, p *profileFlags) {
	fl.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the whole command to this file (go tool pprof FILE)")
	fl.StringVar(&p.mem, "memprofile", "", "write a heap profile (live objects and allocations) to this file at the end")
}

// start begins CPU profiling when asked; the returned stop ends it and
// writes the heap profile.
func (p profileFlags) start() (stop func() error, err error) {
	var cpu, mem *os.File
	if p.mem != "" { // created now, so a bad path is refused before the run
		if mem, err = os.Create(p.mem); err != nil {
			return nil, usageError("--memprofile: %v", err)
		}
	}
	if p.cpu != "" {
		if cpu, err = os.Create(p.cpu); err != nil {
			if mem != nil {
				mem.Close()
			}
			return nil, usageError("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			if mem != nil {
				mem.Close()
			}
			return nil, withCode(exitFailed, fmt.Errorf("--cpuprofile: %w", err))
		}
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
		}
		if mem == nil {
			return nil
		}
		runtime.GC() // the live heap as of the end
		if err := pprof.Lookup("allocs").WriteTo(mem, 0); err != nil {
			mem.Close()
			return fmt.Errorf("--memprofile: %w", err)
		}
		return mem.Close()
	}, nil
}
