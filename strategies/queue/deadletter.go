package queue

import (
	"strconv"

	"github.com/fanbench/fanbench/strategies"
)

// Headers of a dead letter, next to the original body: which API gave up
// on which send, after how many attempts, and why.
const (
	HeaderAPI      = "Fanbench-Api"      // "a" or "b"
	HeaderID       = "Fanbench-Id"       // the send's message id
	HeaderAttempts = "Fanbench-Attempts" // delivery attempts made
	HeaderStatus   = "Fanbench-Status"   // status of the last attempt, "0" when no answer came
	HeaderFailure  = "Fanbench-Failure"  // LegResult.Failure of the last attempt, e.g. "status 503"
)

// DeadLetterSuffix ends the name of a run's dead-letter stream.
const DeadLetterSuffix = "_DLQ"

// deadLetter is a send one API's consumer gave up on after MaxDeliver
// attempts.
type deadLetter struct {
	API      string
	Send     strategies.Send
	Attempts int
	Last     strategies.LegResult // the last attempt
}

// headers returns the dead letter's headers as name/value pairs.
func (d deadLetter) headers() [5][2]string {
	return [5][2]string{
		{HeaderAPI, d.API},
		{HeaderID, d.Send.ID},
		{HeaderAttempts, strconv.Itoa(d.Attempts)},
		{HeaderStatus, strconv.Itoa(d.Last.Status)},
		{HeaderFailure, d.Last.Failure()},
	}
}

// dedupID is the dead letter's deduplication id: one per API and send, so a
// message dead-lettered again after a lost Term is stored once.
func (d deadLetter) dedupID() string { return d.API + "/" + d.Send.ID }
