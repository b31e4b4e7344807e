package marketv1http

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// A long line read in small pieces is copied into one buffer once, at its end: growing the line
// by append allocated about five times its size (append grows a large slice by a quarter).
func TestSSEDecoderLongLineAllocatesAboutTwiceItsSize(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector's own allocations blur the count")
	}
	data := strings.Repeat("0123456789", 400*1024) // 4 MB
	in := []byte("data: " + data + "\n\n")
	var parts [][]byte
	for len(in) > 4096 {
		parts = append(parts, in[:4096])
		in = in[4096:]
	}
	d := newSSEDecoder(chunks(append(parts, in)...), vectorMaxEventSize)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ev, err := d.Next()
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ev.Data, []byte(data)) {
		t.Fatalf("the line was not decoded intact (%d bytes)", len(ev.Data))
	}
	// Pieces plus the joined line: 2x, with room for the reader's buffer and slack.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 3*uint64(len(data)) {
		t.Fatalf("decoding a %d-byte line allocated %d bytes (%.1fx)", len(data), allocated, float64(allocated)/float64(len(data)))
	}
}
