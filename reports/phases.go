package reports

import "github.com/fanbench/fanbench/reports/plot"

// phasesOf turns a strategy's fault phase marks into shaded intervals: a
// "set" on an API starts a phase that the next mark on the same API (a
// "reset" or another "set") ends, or the end of measurement at endS; a
// broker restart's "stop" opens the outage (API "broker") that its "start"
// ends. Marks the mock refused changed nothing and are skipped.
func phasesOf(marks []PhaseMark, strategy string, endS float64) []plot.Phase {
	var out []plot.Phase
	open := map[string]float64{} // API → start of its current phase
	var order []string           // APIs in the order their phases opened
	closePhase := func(api string, at float64) {
		if from, ok := open[api]; ok {
			out = append(out, plot.Phase{From: from, To: at, API: api})
			delete(open, api)
		}
	}
	for _, m := range marks {
		if m.Strategy != strategy || m.Error != "" {
			continue
		}
		closePhase(m.API, m.AtS)
		if m.Action == "set" || m.Action == "stop" {
			open[m.API] = m.AtS
			order = append(order, m.API)
		}
	}
	for _, api := range order {
		closePhase(api, endS)
	}
	return out
}
