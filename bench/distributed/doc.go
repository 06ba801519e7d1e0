// Package distributed runs a fanbench scenario over several processes,
// coordinated over NATS: workers drive the load (worker k of N sends the
// sends whose sequence number is ≡ k mod N of the single-driver schedule,
// with the same ids and intended times), a serve host runs the system under
// test (mock APIs and strategy fronts, set up by the same code a one-process
// run uses), and a coordinator assigns the work, starts everyone at one
// instant, merges the histograms exactly and has the serve host reconcile
// every send against its mocks' ledgers.
//
// # Subjects
//
// Pool subjects (a pool is a set of members that share one NATS; the
// default pool is "default"):
//
//	fanbench.<pool>.presence          members publish Presence every heartbeat
//	fanbench.<pool>.discover          the coordinator asks every member to publish Presence now
//	fanbench.<pool>.claim.<name>      request Claim → Reply: the member joins run <run>
//
// Run subjects (<run> is a NUID the coordinator draws, so runs sharing a
// NATS never hear each other):
//
//	fanbench.run.<run>.coordinator        the coordinator's heartbeat (Beat)
//	fanbench.run.<run>.beat.<name>        each member's heartbeat (Beat)
//	fanbench.run.<run>.clock.<name>       request (empty) → Clock: the member's wall clock
//	fanbench.run.<run>.setup.<name>       serve host: request Setup → Reply{url}
//	fanbench.run.<run>.begin.<name>       serve host: request Begin → Reply (fault phases from Start)
//	fanbench.run.<run>.settle.<name>      serve host: request Settle → Reply{object}: drain and reconcile
//	fanbench.run.<run>.teardown.<name>    serve host: request Setup → Reply: stop the strategy and mocks
//	fanbench.run.<run>.assign.<name>      worker: request Assignment → Reply
//	fanbench.run.<run>.progress.<name>    worker: ProgressReport about once a second
//	fanbench.run.<run>.done.<name>        worker: Done once its load ended and its results are stored
//	fanbench.run.<run>.stop               coordinator: end the current load now (Ctrl-C, a lost worker)
//	fanbench.run.<run>.release            coordinator: the run is over
//
// Every message is JSON. Results travel through a JetStream object store,
// bucket fanbench_<run>: <strategy>/<worker>.json (bench.Measured),
// <strategy>/<worker>.bin (the worker's vegeta results, sorted by intended
// time), <strategy>/sends.json (bench.Sends) and <strategy>/settled.json
// (bench.Settled). An object store rather than a stream: a worker's results
// are one blob per strategy that can exceed NATS's 1 MB message limit (a
// results.bin holds every send), the object store chunks and checksums it,
// and the coordinator deletes the whole bucket when the run ends.
//
// # Time
//
// The coordinator estimates each member's clock offset from round trips
// (offset = member clock − the midpoint of the round trip; the fastest of
// several round trips is kept and half of it bounds the error) and gives
// each member the start instant on its own clock. Latency never depends on
// the offset — each driver measures from its own intended times on its own
// monotonic clock — but the interleaving of the workers' sends, the fault
// phases and the merged results.bin do. A member whose |offset| plus
// uncertainty exceeds Options.MaxClockOffset (default 50 ms) is refused:
// its host's clock is not synchronised (NTP) and would drift during the run.
package distributed
