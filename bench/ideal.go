package bench

import (
	"fmt"
	"math/rand/v2"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fanbench/fanbench/mockapi"
	"github.com/fanbench/fanbench/reports"
	"github.com/fanbench/fanbench/strategies"
)

// idealDraws is the Monte Carlo sample size: enough for a stable p99.9
// (100 draws beyond it) at a few milliseconds of CPU.
const idealDraws = 100_000

// ideal returns the latency a zero-overhead strategy would have, by seeded
// Monte Carlo over the two mock APIs' configured distributions: a+b for
// sequential, max(a,b) for concurrent sends, nothing for a user who does
// not wait (quantiles of a sum are not sums of quantiles, hence sampling).
// Errors, retries and faults are not part of the ideal.
func ideal(a, b mockapi.Latency, how strategies.Combine, seed int64) (*hdrhistogram.Histogram, error) {
	sa, err := a.Sampler()
	if err != nil {
		return nil, fmt.Errorf("apis.a.%w", err)
	}
	sb, err := b.Sampler()
	if err != nil {
		return nil, fmt.Errorf("apis.b.%w", err)
	}
	h := reports.NewHistogram()
	if how == strategies.CombineNone {
		return h, nil
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x1dea1))
	for range idealDraws {
		da, db := sa.Sample(r), sb.Sample(r)
		v := max(da, db)
		switch how {
		case strategies.CombineSum:
			v = da + db
		case strategies.CombineA:
			v = da
		}
		reports.RecordUs(h, v.Microseconds())
	}
	return h, nil
}
