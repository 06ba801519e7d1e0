package bench

import "github.com/fanbench/fanbench/strategies"

// descriptorsPerSend is how many file descriptors one in-flight send holds
// in this process: for a strategy behind our front, both ends of the
// driver→front, front→a and front→b connections (6); for an external
// service, the driver's end to it and the mocks' ends from it (3).
func descriptorsPerSend(strategy string) int {
	if strategy == strategies.NameExternal {
		return 3
	}
	return 6
}

// fdReserve is what the budget keeps for everything but in-flight sends:
// listeners, the broker, output files, idle connections left from the
// warm-up. A twentieth of the limit, at least 32 and at most 1,024.
func fdReserve(limit int64) int64 { return min(max(limit/20, 32), 1024) }

// inFlightBudget returns the in-flight cap a strategy's load may use under
// the descriptor limit: the scenario's max_in_flight, lowered to what the
// limit leaves after the reserve (at least 1). byFDs reports whether the
// descriptor budget, not the scenario, set the cap. A limit of 0 (unknown)
// leaves the scenario's cap.
func inFlightBudget(strategy string, maxInFlight int, limit int64) (limitCap int, byFDs bool) {
	if limit <= 0 {
		return maxInFlight, false
	}
	fit := max((limit-fdReserve(limit))/int64(descriptorsPerSend(strategy)), 1)
	if int64(maxInFlight) <= fit {
		return maxInFlight, false
	}
	return int(fit), true
}
