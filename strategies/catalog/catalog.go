// Package catalog is the one table of fanbench's strategies: each row
// names a strategy and its strategies.Constructor. The engine builds every
// strategy through this table and knows nothing else about any of them.
//
// Adding a strategy takes its own package (a constructor returning
// strategies.Built, see strategies.Constructor) and one row here. What a
// strategy may need from the run comes in strategies.Deps (the mock APIs'
// URLs, the shared client, the policy, the per-API LegStats, the seed, the
// in-flight cap, a logger, the broker URL and the environment and output
// of commands it starts); what it gives back is its strategy or handler or
// target, how its latency composes its legs' (for the ideal), and optional
// drain, close and stats functions. Its own figures reach results.json
// through strategies.Stats without an edit to the engine.
package catalog

import (
	"slices"

	"github.com/fanbench/fanbench/strategies"
	"github.com/fanbench/fanbench/strategies/external"
	"github.com/fanbench/fanbench/strategies/gateway"
	"github.com/fanbench/fanbench/strategies/outbox"
	"github.com/fanbench/fanbench/strategies/queue"
	"github.com/fanbench/fanbench/strategies/serverless"
)

// Entry is one row of the table.
type Entry struct {
	// Name is the strategy's name in scenarios, flags and reports.
	Name string
	// Build constructs it for one run.
	Build strategies.Constructor
	// Hidden strategies are not chosen by name in a scenario or with
	// --strategies (external is chosen by giving a target).
	Hidden bool
}

// Entries returns the table in the order reports show the strategies (a
// fresh slice each call: callers may keep or change it).
func Entries() []Entry {
	return []Entry{
		{Name: strategies.NameSequential, Build: strategies.BuildSequential},
		{Name: strategies.NameErrgroup, Build: strategies.BuildErrgroup},
		{Name: strategies.NameQueue, Build: queue.Build},
		{Name: strategies.NameGateway, Build: gateway.Build},
		{Name: strategies.NameServerless, Build: serverless.Build},
		{Name: strategies.NameOutbox, Build: outbox.Build},
		{Name: strategies.NameExternal, Build: external.Build, Hidden: true},
	}
}

// Lookup returns the constructor of the strategy called name.
func Lookup(name string) (strategies.Constructor, bool) {
	entries := Entries()
	i := slices.IndexFunc(entries, func(e Entry) bool { return e.Name == name })
	if i < 0 {
		return nil, false
	}
	return entries[i].Build, true
}

// Names lists the strategies a scenario may name, in the table's order.
func Names() []string {
	var names []string
	for _, e := range Entries() {
		if !e.Hidden {
			names = append(names, e.Name)
		}
	}
	return names
}
