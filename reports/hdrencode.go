package reports

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// encodeV2 writes h in the HdrHistogram V2 compressed encoding, byte for
// byte what h.Encode(V2CompressedEncodingCookieBase) writes (TestEncodeV2
// compares them), with a zlib writer taken from a pool: hdrhistogram-go
// makes a new one at best compression per call, and the per-second series
// encodes a histogram every second of a run. In the allocation profile of
// a 200/s errgroup run (go test -bench 'Strategy/errgroup$' -memprofile)
// those writers were 32% of the bytes allocated. BenchmarkEncodeHistogram:
// 838 → 170 KB and 362 → 118 µs per encode; what is left is mostly
// Export's copy of the counts array (hdrhistogram-go has no way to read
// them without one).
//
// The format: a header (compressed cookie, length of the zlib stream), then
// the zlib stream of an inner header (cookie, payload length, normalizing
// index offset 0, significant figures, lowest and highest trackable value,
// the integer-to-double ratio) and the payload: the counts up to the
// highest non-zero one as ZigZag LEB128 (9 bytes at most), a run of two or
// more zeros written as its negated length.
func encodeV2(h *hdrhistogram.Histogram) ([]byte, error) {
	s := h.Export()
	limit := 1 // an empty histogram still writes counts[0]
	for i := len(s.Counts) - 1; i > 0; i-- {
		if s.Counts[i] != 0 {
			limit = i + 1
			break
		}
	}
	payload := make([]byte, 0, 64)
	for i := 0; i < limit; {
		c := s.Counts[i]
		i++
		if c == 0 {
			zeros := int64(1)
			for i < limit && s.Counts[i] == 0 {
				zeros++
				i++
			}
			if zeros > 1 {
				payload = appendZigZag(payload, -zeros)
				continue
			}
		}
		payload = appendZigZag(payload, c)
	}
	ratio := s.IntegerToDoubleConversionRatio
	if ratio == 0 {
		ratio = 1
	}
	inner := make([]byte, 0, 40+len(payload))
	inner = binary.BigEndian.AppendUint32(inner, uint32(hdrhistogram.V2EncodingCookieBase|0x10))
	inner = binary.BigEndian.AppendUint32(inner, uint32(int32(len(payload))))
	inner = binary.BigEndian.AppendUint32(inner, 0) // normalizing index offset
	inner = binary.BigEndian.AppendUint32(inner, uint32(int32(s.SignificantFigures)))
	inner = binary.BigEndian.AppendUint64(inner, uint64(s.LowestTrackableValue))
	inner = binary.BigEndian.AppendUint64(inner, uint64(s.HighestTrackableValue))
	inner = binary.BigEndian.AppendUint64(inner, math.Float64bits(ratio))
	inner = append(inner, payload...)

	var z bytes.Buffer
	w := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(w)
	w.Reset(&z)
	if _, err := w.Write(inner); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 8+z.Len())
	out = binary.BigEndian.AppendUint32(out, uint32(hdrhistogram.V2CompressedEncodingCookieBase|0x10))
	out = binary.BigEndian.AppendUint32(out, uint32(int32(z.Len())))
	out = append(out, z.Bytes()...)
	return base64.StdEncoding.AppendEncode(nil, out), nil
}

var zlibPool = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestCompression) // a valid level: no error
	return w
}}

// appendZigZag appends v as HdrHistogram's ZigZag LEB128-64b9B: 7 bits a
// byte with a continuation bit, the ninth byte carrying the last 8 bits.
func appendZigZag(b []byte, v int64) []byte {
	u := uint64((v << 1) ^ (v >> 63))
	for i := 0; i < 8; i++ {
		if u>>7 == 0 {
			return append(b, byte(u))
		}
		b = append(b, byte(u&0x7f|0x80))
		u >>= 7
	}
	return append(b, byte(u))
}
