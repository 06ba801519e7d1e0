package mockapi

import (
	"bytes"
	"net/http"
)

// recorder is a minimal, reusable ResponseWriter (httptest.ResponseRecorder
// allocates per use, which would blur the handler benchmark).
type recorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteString(s string) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.WriteString(s)
}
func (r *recorder) reset() {
	clear(r.h)
	r.code = 0
	r.body.Reset()
}
