package bench

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: the engine owns
// the mocks, fronts, drivers, recorders and strategies of every run, and
// Run returns only once they have all stopped.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
