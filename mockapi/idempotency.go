package mockapi

import (
	"errors"
	"io"
)

// Idempotency (draft-ietf-httpapi-idempotency-key-header), with
// Config.Idempotency "on" (the default):
//
//   - the first arrival of a key takes it and is processed;
//   - a repeat after that arrival completed with success (its effect
//     applied) replays the stored response — 200 with the same body and
//     Idempotent-Replayed: true — without a new effect;
//   - a repeat while the first is still being processed gets 409;
//   - a repeat whose body differs from the body the key is bound to gets 422.
//
// Only a completed success is stored for replay. An arrival that did not
// apply its effect (an error status, a 429, a connection fault before the
// effect, a client that went away) leaves the key free, so a retry is
// processed afresh and draws its own fate. This is the choice that lets
// fail_first and injected errors be retried to success; Stripe, which stores
// 500s too, would instead replay the failure. A lost_ack applies the effect
// before cutting the connection, so its retry is a replay.
//
// With "off" every arrival that reaches success applies its effect, so a
// retried or duplicated delivery shows up in the ledger as a duplicate
// effect (Entry.Effects > 1).
//
// The replayed response is not stored bytes: a success body is a pure
// function of the API name and the id, so the ledger keeps one bit (effects
// > 0) instead of a copy. The body binding is a 64-bit FNV-1a fingerprint
// kept in the ledger slot: a different body is taken as the same body only
// if their fingerprints collide (about 1 in 2^64 for bodies that are not
// crafted for it).

// errBodyTooLarge is fingerprint's error for a body over its limit.
var errBodyTooLarge = errors.New("mockapi: request body over the limit")

// fingerprint reads body to its end (which also lets net/http notice a
// client that goes away) and returns its FNV-1a 64 hash; past limit bytes
// it stops with errBodyTooLarge. buf is scratch.
func fingerprint(body io.Reader, buf []byte, limit int64) (uint64, error) {
	h := uint64(14695981039346656037)
	if body == nil {
		return h, nil
	}
	var read int64
	for {
		n, err := body.Read(buf)
		if read += int64(n); read > limit {
			return 0, errBodyTooLarge
		}
		for _, c := range buf[:n] {
			h ^= uint64(c)
			h *= 1099511628211
		}
		if err == io.EOF {
			return h, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
