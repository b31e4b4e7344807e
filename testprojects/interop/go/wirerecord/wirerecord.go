// Package wirerecord lets the interop drivers check the raw response beside what a generated
// client decoded from it.
package wirerecord

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// Recorder is an http.RoundTripper that keeps a copy of the last response's headers and of the
// body bytes the client has read so far.
type Recorder struct {
	mu     sync.Mutex
	header http.Header
	body   bytes.Buffer
}

func (rec *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	rec.mu.Lock()
	rec.header = res.Header.Clone()
	rec.mu.Unlock()
	res.Body = &recordingBody{ReadCloser: res.Body, rec: rec}
	return res, nil
}

// Header is the last response's header.
func (rec *Recorder) Header() http.Header {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.header.Clone()
}

// Body is every body byte the client has read, across its requests.
func (rec *Recorder) Body() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.body.String()
}

type recordingBody struct {
	io.ReadCloser
	rec *Recorder
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.rec.mu.Lock()
	b.rec.body.Write(p[:n])
	b.rec.mu.Unlock()
	return n, err
}
