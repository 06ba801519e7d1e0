// Package mockapi is fanbench's mock API: an HTTP server that delays,
// fails, rate-limits or drops requests as its fault profile (Config) says,
// and records every arrival in a Ledger keyed by Idempotency-Key — the
// ground truth the engine reconciles deliveries against.
//
// An API answers any method and path outside AdminPrefix. Per arrival, in
// this order:
//
//  1. read the body (for the idempotency fingerprint), at most
//     Limits.MaxBodyBytes (413 past it, with no ledger record);
//  2. record the arrival in the ledger and decide idempotency (take the
//     key, replay, 409 or 422 — see idempotency.go);
//  3. apply concurrency_limit (only arrivals whose body is in count), then
//     the rate_limit token bucket;
//  4. answer replays (200, Idempotent-Replayed: true), 409s and 422s;
//  5. draw latency and outcome, then sleep (ending early if the client
//     goes away or the server closes);
//  6. record the outcome in the ledger, then answer: an error status, a
//     connection fault, or 200 {"api":"<name>","id":"<id>"} with the effect
//     applied.
//
// Outcome precedence: X-Fanbench-Fault > X-Fanbench-Status (both only with
// allow_header_faults) > fail_first > drawn fault > drawn error > success.
// One uniform draw picks among faults and errors, so each configured rate
// is exactly that share of arrivals and the rates must add up to at most 1.
//
// Randomness: every draw of an arrival comes from a generator seeded by
// hash(seed, API name, id key, arrival number) — see draw.go — so the n-th
// arrival of an id meets the same fate in every strategy's run with the
// same seed, whatever the order of arrivals, and no lock guards a shared
// stream.
//
// Driver ids are 16 lowercase hex digits and key the ledger as their own
// uint64; any other Idempotency-Key is hashed (FNV-1a 64). A request
// without a key gets a generated id, unless require_idempotency_key.
//
// Serve runs an API on a real HTTP/1.1 listener (connection faults hijack
// the connection); ServeHTTP can also be mounted elsewhere, where
// connection faults that cannot hijack answer 500 instead.
package mockapi
