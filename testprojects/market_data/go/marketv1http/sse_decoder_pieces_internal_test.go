package marketv1http

// The decoder reads a line longer than linePiece straight into its pieces and gives the bytes
// read past the line's end back to its buffered reader; it reuses the buffer of an event's data
// once the next Next is called. These tests put line ends, CRLFs, UTF-8 sequences and EOF at the
// boundaries of those reads, where a slip would lose, repeat or reorder bytes.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// piecesInput is long events around short ones, in every arrangement the long-line reads meet:
// a long line followed in the same read by short events, by another long line, by its CRLF's LF
// alone; data with multi-byte UTF-8 and with invalid bytes across the pieces' boundaries.
func piecesInput() ([]byte, []wantEvent) {
	var in strings.Builder
	var want []wantEvent
	add := func(raw, data, typ, id string) {
		in.WriteString(raw)
		want = append(want, wantEvent{Type: typ, Data: data, ID: id})
	}
	long := strings.Repeat("0123456789", linePiece/10+500) // past the first piece
	add("data: "+long+"\n\n", long, "message", "")
	add("data: short\n\n", "short", "message", "")
	add("id: 1\r\nevent: big\r\ndata: "+long+"\r\ndata: tail\r\n\r\n", long+"\ntail", "big", "1")
	add("data: "+long+long+"\ndata: "+long+"\n\n", long+long+"\n"+long, "message", "1")
	// 'é' is two bytes: some of them straddle every boundary an offset below can pick.
	accents := strings.Repeat("é", linePiece)
	add("event: big\ndata: "+accents+"\n\n", accents, "big", "1")
	// Invalid bytes every 4093 bytes (a prime, so they land on many boundaries): one U+FFFD each.
	chunk := strings.Repeat("x", 4092)
	var invalid, replaced strings.Builder
	for invalid.Len() < 2*linePiece {
		invalid.WriteString(chunk + "\xff")
		replaced.WriteString(chunk + "\uFFFD")
	}
	add("id: 2\ndata: "+invalid.String()+"\n\n", replaced.String(), "message", "2")
	add("data: "+long+"\r\r", long, "message", "2")
	add("data: after CRs\r\n\r\n", "after CRs", "message", "2")
	return []byte(in.String()), want
}

// readSizes hands out the input in reads of the given sizes, cycling, as a connection might
// (0: an empty read, which io.Reader allows).
type readSizes struct {
	in    []byte
	sizes []int
	i     int
}

func (r *readSizes) Read(p []byte) (int, error) {
	if len(r.in) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.sizes[r.i%len(r.sizes)], len(r.in))
	r.i++
	copy(p, r.in[:n])
	r.in = r.in[n:]
	return n, nil
}

func TestSSEDecoderLongLinesAcrossReads(t *testing.T) {
	in, events := piecesInput()
	want := decodeResult{Events: events, LastEventID: "2"}
	readers := map[string]func() io.Reader{
		"whole":                func() io.Reader { return bytes.NewReader(in) },
		"OneByteReader":        func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) },
		"HalfReader":           func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) },
		"DataErrReader":        func() io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) },
		"reads of 1000 B":      func() io.Reader { return &readSizes{in: in, sizes: []int{1000}} },
		"reads of a piece ± 1": func() io.Reader { return &readSizes{in: in, sizes: []int{linePiece - 1, linePiece + 1, 7}} },
		"reads of 4097 B":      func() io.Reader { return &readSizes{in: in, sizes: []int{4097}} },
		"empty reads between":  func() io.Reader { return &readSizes{in: in, sizes: []int{linePiece, 0, 3, 0}} },
	}
	for name, r := range readers {
		got, err := decodeAll(r(), vectorMaxEventSize)
		if err != nil || !sameResult(got, want) {
			t.Errorf("%s: err %v\n got %.300v\nwant %.300v", name, err, got, want)
		}
	}
	// Two reads, split at every offset near each line end and each piece boundary of a line
	// (fewer under the race detector, which makes each run some twenty times slower).
	lineNear, pieceNear, eofVariants := 3, 9, []bool{false, true}
	if raceDetector {
		lineNear, pieceNear, eofVariants = 1, 2, []bool{false}
	}
	offsets := map[int]bool{}
	for i := 0; i < len(in); i++ {
		if in[i] == '\n' || in[i] == '\r' {
			for d := -lineNear; d <= lineNear; d++ {
				offsets[i+d] = true
			}
		}
	}
	for k := linePiece; k < len(in); k += linePiece {
		for d := -pieceNear; d <= pieceNear; d++ {
			offsets[k+d] = true
		}
	}
	for i := range offsets {
		if i < 0 || i > len(in) {
			continue
		}
		for _, eofWithLast := range eofVariants {
			r := chunks(in[:i], in[i:])
			r.eofWithLast = eofWithLast
			got, err := decodeAll(r, vectorMaxEventSize)
			if err != nil || !sameResult(got, want) {
				t.Fatalf("split at %d (EOF with the last bytes: %v): err %v\n got %.300v\nwant %.300v", i, eofWithLast, err, got, want)
			}
		}
	}
}

// A line's end read together with a read error: the line is an event's, the error comes after.
func TestSSEDecoderLongLineThenErrorInOneRead(t *testing.T) {
	long := strings.Repeat("y", 3*linePiece)
	boom := errors.New("connection reset")
	for _, tail := range []string{"\n\n", "\n\ndata: cut", "\r"} {
		in := "data: " + long + tail
		r := &errWithLast{in: []byte(in), err: boom, size: 2 * linePiece}
		d := newSSEDecoder(r, vectorMaxEventSize)
		ev, err := d.Next()
		if tail == "\r" {
			// No blank line: the event is incomplete when the error comes.
			if !errors.Is(err, boom) {
				t.Fatalf("tail %q: got %v, want %v", tail, err, boom)
			}
			continue
		}
		if err != nil || string(ev.Data) != long {
			t.Fatalf("tail %q: the event before the error: %d bytes, %v", tail, len(ev.Data), err)
		}
		if _, err := d.Next(); !errors.Is(err, boom) {
			t.Fatalf("tail %q: after the event: %v, want %v", tail, err, boom)
		}
	}
}

// errWithLast returns its input in reads of size bytes, the last one with err, once: a decoder
// that loses it and reads again gets io.EOF.
type errWithLast struct {
	in   []byte
	err  error
	size int
}

func (r *errWithLast) Read(p []byte) (int, error) {
	if len(r.in) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.in[:min(len(r.in), r.size)])
	r.in = r.in[n:]
	if len(r.in) == 0 {
		return n, r.err
	}
	return n, nil
}

func TestSSEDecoderMaxEventSizeOfLongLines(t *testing.T) {
	limit := 2*linePiece + 123
	for _, tc := range []struct {
		data     int
		tooLarge bool
	}{{limit, false}, {limit + 1, true}, {3 * limit, true}} {
		in := "data: " + strings.Repeat("z", tc.data) + "\n\ndata: next\n\n"
		for _, size := range []int{1000, linePiece} {
			d := newSSEDecoder(&readSizes{in: []byte(in), sizes: []int{size}}, limit)
			ev, err := d.Next()
			var tooLarge *EventTooLargeError
			if tc.tooLarge != errors.As(err, &tooLarge) || (!tc.tooLarge && len(ev.Data) != tc.data) {
				t.Fatalf("%d bytes of data, limit %d, reads of %d: %d bytes, %v", tc.data, limit, size, len(ev.Data), err)
			}
			if !tc.tooLarge {
				if ev, err := d.Next(); err != nil || string(ev.Data) != "next" {
					t.Fatalf("the event after: %q, %v", ev.Data, err)
				}
			}
		}
	}
}

// The decoder reuses the buffer of an event's data for later lines: an event's data must stay
// intact until Next is called again, however the events' sizes alternate.
func TestSSEDecoderDataSurvivesUntilNextCall(t *testing.T) {
	var in strings.Builder
	var want []string
	for i := 0; i < 200; i++ {
		data := fmt.Sprintf("%d:%s", i, strings.Repeat(string(rune('a'+i%26)), (i*7919)%5000))
		if i%4 == 0 {
			data += fmt.Sprint("\nline 2 of ", i)
		}
		if i%50 == 49 {
			data += strings.Repeat("L", linePiece)
		}
		lines := strings.Split(data, "\n")
		fmt.Fprintf(&in, "id: %d\nevent: e%d\n", i, i%3)
		for _, l := range lines {
			fmt.Fprintf(&in, "data: %s\n", l)
		}
		in.WriteString(": a comment that reuses the line buffer\n\n")
		want = append(want, data)
	}
	d := newSSEDecoder(iotest.HalfReader(strings.NewReader(in.String())), vectorMaxEventSize)
	for i, w := range want {
		ev, err := d.Next()
		if err != nil {
			t.Fatal(err)
		}
		if string(ev.Data) != w || ev.ID != fmt.Sprint(i) || ev.Type != fmt.Sprintf("e%d", i%3) {
			t.Fatalf("event %d: %.60q id %q type %q", i, ev.Data, ev.ID, ev.Type)
		}
	}
}

// Small events reuse the decoder's buffers and repeated event names: what is left per event is
// the string of its id.
func TestSSEDecoderSmallEventsAllocateOnlyTheirIDs(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector's own allocations blur the count")
	}
	var in strings.Builder
	const events = 2000
	for i := 0; i < events; i++ {
		fmt.Fprintf(&in, "id: %d\nevent: quote\ndata: {\"symbol\":\"ACME\",\"seq\":%d}\n\n", i, i)
	}
	d := newSSEDecoder(strings.NewReader(in.String()), vectorMaxEventSize)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for ; ; n++ {
		if _, err := d.Next(); err != nil {
			break
		}
	}
	runtime.ReadMemStats(&after)
	if n != events {
		t.Fatalf("%d events, want %d", n, events)
	}
	if perEvent := float64(after.Mallocs-before.Mallocs) / events; perEvent > 1.1 {
		t.Fatalf("%.2f allocations per event, want about 1 (the id)", perEvent)
	}
}

// The read buffer grows from 4 KiB once a read has filled it, and only while it is empty and
// holds no read error: a slip there would lose the bytes or the error the old buffer held.
func TestSSEDecoderReadBufferGrowth(t *testing.T) {
	var in strings.Builder
	for i := 0; in.Len() < 3*smallReadBuffer; i++ {
		fmt.Fprintf(&in, "id: %d\ndata: %s\n\n", i, strings.Repeat("d", i%300))
	}
	stream := in.String()
	want, err := decodeAll(strings.NewReader(stream), vectorMaxEventSize)
	if err != nil {
		t.Fatal(err)
	}

	// A stream with more ready than 4 KiB: the buffer grows, and the events are the same.
	d := newSSEDecoder(strings.NewReader(stream), vectorMaxEventSize)
	for {
		if _, err := d.Next(); err != nil {
			break
		}
	}
	if d.r.Size() != largeReadBuffer {
		t.Fatalf("buffer of %d bytes after reads that filled it, want %d", d.r.Size(), largeReadBuffer)
	}
	// One that trickles keeps the small one.
	trickle := newSSEDecoder(&readSizes{in: []byte(stream), sizes: []int{100}}, vectorMaxEventSize)
	for {
		if _, err := trickle.Next(); err != nil {
			break
		}
	}
	if trickle.r.Size() != smallReadBuffer {
		t.Fatalf("buffer of %d bytes after reads of 100 bytes, want %d", trickle.r.Size(), smallReadBuffer)
	}

	// A read that fills the buffer and fails: the error comes after the events that read held.
	boom := errors.New("connection reset")
	first := stream[:smallReadBuffer]
	cut := strings.LastIndex(first, "\n\n") + 2
	d = newSSEDecoder(&errWithLast{in: []byte(first), err: boom, size: smallReadBuffer}, vectorMaxEventSize)
	var got []wantEvent
	for {
		ev, err := d.Next()
		if err != nil {
			if !errors.Is(err, boom) {
				t.Fatalf("after %d events: %v, want %v", len(got), err, boom)
			}
			break
		}
		got = append(got, wantEvent{Type: ev.Type, Data: string(ev.Data), ID: ev.ID})
	}
	complete, err := decodeAll(strings.NewReader(first[:cut]), vectorMaxEventSize)
	if err != nil || !sameResult(decodeResult{Events: got}, decodeResult{Events: complete.Events}) {
		t.Fatalf("events before the error: %d, want %d (%v)", len(got), len(complete.Events), err)
	}
	if len(want.Events) <= len(got) {
		t.Fatal("the stream is too short to test the growth")
	}
}

// A long line cut by a read error, wherever the failing read lands (in the buffer or straight
// in a piece): the decoder reports that error, not a later read's io.EOF.
func TestSSEDecoderLongLineCutByError(t *testing.T) {
	boom := errors.New("connection reset")
	for _, length := range []int{linePiece + 1000, 100 << 10, 130 << 10, 200 << 10} {
		for _, size := range []int{smallReadBuffer, 10000, largeReadBuffer, largeReadBuffer + 1} {
			in := "data: " + strings.Repeat("x", length)
			d := newSSEDecoder(&errWithLast{in: []byte(in), err: boom, size: size}, vectorMaxEventSize)
			if _, err := d.Next(); !errors.Is(err, boom) {
				t.Fatalf("a line of %d bytes in reads of %d: %v, want %v", length, size, err, boom)
			}
		}
	}
}
