package bench

// descriptorsPerSend is how many file descriptors one in-flight send holds
// in this process: for a strategy behind a front in this process, both ends
// of the driver→front, front→a and front→b connections (6); for one that
// takes the load outside it (Built.Target: the user's service, nginx), the
// driver's end to it and the mocks' ends from it (3); plus one for churn —
// past the clients' idle pools connections are closed and redialled, and a
// closed connection's server end lingers until its reader sees EOF. With 6
// alone, zero-latency errgroup at 5,000/s reached 19,952 of 20,000
// descriptors and a listener failed to accept.
func descriptorsPerSend(frontOutside bool) int {
	if frontOutside {
		return 3 + 1
	}
	return 6 + 1
}

// driverOnlyDescriptors is what one in-flight send holds in a distributed
// worker, whose front and mocks are on the serve host: its own end of the
// connection, plus one for churn.
const driverOnlyDescriptors = 1 + 1

// fdReserve is what the budget keeps for everything but in-flight sends:
// listeners, the broker, output files, idle connections left from the
// warm-up. A tenth of the limit, at least 32 and at most 2,048.
func fdReserve(limit int64) int64 { return min(max(limit/10, 32), 2048) }

// inFlightBudget returns the in-flight cap a strategy's load may use under
// the descriptor limit, perSend descriptors a send: the scenario's
// max_in_flight, lowered to what the limit leaves after the reserve (at
// least 1). byFDs reports whether the
// descriptor budget, not the scenario, set the cap. A limit of 0 (unknown)
// leaves the scenario's cap.
func inFlightBudget(perSend, maxInFlight int, limit int64) (limitCap int, byFDs bool) {
	if limit <= 0 {
		return maxInFlight, false
	}
	fit := max((limit-fdReserve(limit))/int64(perSend), 1)
	if int64(maxInFlight) <= fit {
		return maxInFlight, false
	}
	return int(fit), true
}
