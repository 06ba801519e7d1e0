package reports

import (
	"bufio"
	"fmt"
	"io"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ResultsBin writes sends as vegeta results in vegeta's own binary
// encoding (gob), one per send, so `vegeta report`, `vegeta plot` and the
// rest of vegeta's tools read a strategy's <name>.results.bin. It buffers;
// call Flush before closing the file. Not safe for concurrent use: the
// engine's single recorder owns it.
type ResultsBin struct {
	w   *bufio.Writer
	enc vegeta.Encoder
	n   int64
}

// NewResultsBin returns a ResultsBin writing to w.
func NewResultsBin(w io.Writer) *ResultsBin {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &ResultsBin{w: bw, enc: vegeta.NewEncoder(bw)}
}

// Add appends one result. vegeta reads Timestamp as the send time and
// Latency as its duration; Code 0 with Error set is a send with no answer.
func (b *ResultsBin) Add(r *vegeta.Result) error {
	if err := b.enc.Encode(r); err != nil {
		return fmt.Errorf("results.bin: encode result %d: %w", b.n, err)
	}
	b.n++
	return nil
}

// Count is the number of results added.
func (b *ResultsBin) Count() int64 { return b.n }

// Flush writes what is buffered to the underlying writer.
func (b *ResultsBin) Flush() error {
	if err := b.w.Flush(); err != nil {
		return fmt.Errorf("results.bin: flush: %w", err)
	}
	return nil
}
