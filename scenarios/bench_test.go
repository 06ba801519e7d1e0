package scenarios

import "testing"

// BenchmarkParse parses the largest built-in scenario. Parsing happens once
// per run, so this guards against accidents, not for speed.
func BenchmarkParse(b *testing.B) {
	src, err := BuiltinSource("rate-limited")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("rate-limited.yaml", src); err != nil {
			b.Fatal(err)
		}
	}
}
