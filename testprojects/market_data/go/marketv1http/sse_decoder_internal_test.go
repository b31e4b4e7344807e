package marketv1http

// White-box tests of the generated SSE decoder (newSSEDecoder), copied by the harness into the
// generated package. The vectors are the language-neutral set in testprojects/conformance, which
// the harness copies to testdata/sse_vectors.json.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// Large enough for every vector; the limit itself is tested separately.
const vectorMaxEventSize = 16 << 20

type wantEvent struct {
	Type string `json:"type"`
	Data string `json:"data"`
	ID   string `json:"id"`
}

type sseVector struct {
	Name        string      `json:"name"`
	Input       *string     `json:"input"`
	InputBase64 *string     `json:"input_base64"`
	Events      []wantEvent `json:"events"`
	LastEventID string      `json:"last_event_id"`
	Retry       *int64      `json:"retry"`
}

func (v sseVector) bytes(t testing.TB) []byte {
	if v.InputBase64 != nil {
		b, err := base64.StdEncoding.DecodeString(*v.InputBase64)
		if err != nil {
			t.Fatalf("%s: bad input_base64: %v", v.Name, err)
		}
		return b
	}
	return []byte(*v.Input)
}

func loadVectors(t testing.TB) []sseVector {
	raw, err := os.ReadFile("testdata/sse_vectors.json")
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	var file struct {
		Vectors []sseVector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parsing vectors: %v", err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	return file.Vectors
}

// decodeResult is everything a vector checks: the events, then the decoder's state at EOF.
type decodeResult struct {
	Events      []wantEvent
	LastEventID string
	Retry       *int64
}

func (r decodeResult) String() string {
	retry := "null"
	if r.Retry != nil {
		retry = fmt.Sprint(*r.Retry)
	}
	return fmt.Sprintf("events=%q last_event_id=%q retry=%s", r.Events, r.LastEventID, retry)
}

func decodeAll(r io.Reader, maxEventSize int) (decodeResult, error) {
	d := newSSEDecoder(r, maxEventSize)
	var res decodeResult
	for {
		ev, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		res.Events = append(res.Events, wantEvent{Type: ev.Type, Data: string(ev.Data), ID: ev.ID})
		// A decoder past its last event keeps answering EOF, never more events.
		if len(res.Events) > 1<<20 {
			return res, errors.New("runaway decoder")
		}
	}
	if _, err := d.Next(); !errors.Is(err, io.EOF) {
		return res, fmt.Errorf("Next after EOF returned %v, want io.EOF again", err)
	}
	res.LastEventID = d.LastEventID()
	if retry, ok := d.Retry(); ok {
		ms := int64(retry / time.Millisecond)
		if retry%time.Millisecond != 0 {
			return res, fmt.Errorf("retry %v is not a whole number of milliseconds", retry)
		}
		res.Retry = &ms
	}
	return res, nil
}

func (v sseVector) want() decodeResult {
	return decodeResult{Events: v.Events, LastEventID: v.LastEventID, Retry: v.Retry}
}

func sameResult(a, b decodeResult) bool {
	if len(a.Events) == 0 && len(b.Events) == 0 {
		a.Events, b.Events = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// chunkReader hands out one chunk per Read (less when p is shorter), like a network connection.
type chunkReader struct {
	chunks [][]byte
	// eofWithLast returns the final bytes together with io.EOF, which io.Reader allows.
	eofWithLast bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.chunks) > 0 && len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if c.eofWithLast && len(c.chunks) == 1 && len(c.chunks[0]) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func chunks(parts ...[]byte) *chunkReader {
	cs := make([][]byte, len(parts))
	for i, p := range parts {
		cs[i] = append([]byte(nil), p...) // the reader consumes its chunks
	}
	return &chunkReader{chunks: cs}
}

// splitOffsets is every offset for small inputs; large ones sample near both ends, near every
// multiple of 4 KiB (common buffer sizes) and on a stride, as the vectors file allows.
func splitOffsets(n int) []int {
	if n <= 4<<10 {
		out := make([]int, 0, n+1)
		for i := 0; i <= n; i++ {
			out = append(out, i)
		}
		return out
	}
	seen := map[int]bool{}
	var out []int
	add := func(i int) {
		if i >= 0 && i <= n && !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	ends, near, stride := 512, 3, 977
	if raceDetector {
		ends, near, stride = 64, 1, 4999
	}
	for i := 0; i <= ends; i++ {
		add(i)
		add(n - i)
	}
	for k := 4096; k < n; k += 4096 {
		for d := -near; d <= near; d++ {
			add(k + d)
		}
	}
	for i := 0; i <= n; i += stride {
		add(i)
	}
	return out
}

func TestSSEVectorsWhole(t *testing.T) {
	for _, v := range loadVectors(t) {
		v := v
		t.Run(v.Name, func(t *testing.T) {
			in := v.bytes(t)
			got, err := decodeAll(bytes.NewReader(in), vectorMaxEventSize)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !sameResult(got, v.want()) {
				t.Fatalf("input %q\n got %v\nwant %v", in, got, v.want())
			}
		})
	}
}

func TestSSEVectorsSplitInTwo(t *testing.T) {
	for _, v := range loadVectors(t) {
		v := v
		t.Run(v.Name, func(t *testing.T) {
			in := v.bytes(t)
			for _, i := range splitOffsets(len(in)) {
				// The EOF-with-data variant only matters at the end; once is enough for large inputs.
				for _, eofWithLast := range []bool{false, true} {
					if eofWithLast && len(in) > 4<<10 && i != len(in) {
						continue
					}
					r := chunks(in[:i], in[i:])
					r.eofWithLast = eofWithLast
					got, err := decodeAll(r, vectorMaxEventSize)
					if err != nil {
						t.Fatalf("split at %d (EOF with last chunk: %v): %v", i, eofWithLast, err)
					}
					if !sameResult(got, v.want()) {
						t.Fatalf("input %q split at %d (EOF with last chunk: %v)\n got %v\nwant %v",
							in, i, eofWithLast, got, v.want())
					}
				}
			}
		})
	}
}

func TestSSEVectorsOneByteAtATime(t *testing.T) {
	for _, v := range loadVectors(t) {
		v := v
		t.Run(v.Name, func(t *testing.T) {
			in := v.bytes(t)
			readers := map[string]io.Reader{
				"OneByteReader":          iotest.OneByteReader(bytes.NewReader(in)),
				"OneByteReader+DataErr":  iotest.DataErrReader(iotest.OneByteReader(bytes.NewReader(in))),
				"HalfReader":             iotest.HalfReader(bytes.NewReader(in)),
				"three-byte chunks":      threeByteChunks(in),
				"TimeoutReader-retrying": &retryTimeout{r: iotest.TimeoutReader(bytes.NewReader(in))},
			}
			for name, r := range readers {
				got, err := decodeAll(r, vectorMaxEventSize)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !sameResult(got, v.want()) {
					t.Fatalf("%s: input %q\n got %v\nwant %v", name, in, got, v.want())
				}
			}
		})
	}
}

func threeByteChunks(in []byte) io.Reader {
	var parts [][]byte
	for len(in) > 3 {
		parts = append(parts, in[:3])
		in = in[3:]
	}
	return chunks(append(parts, in)...)
}

// retryTimeout turns iotest.TimeoutReader's one-off ErrTimeout into a (0, nil) read, which a
// decoder must tolerate: io.Reader allows empty reads without error.
type retryTimeout struct{ r io.Reader }

func (r *retryTimeout) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if errors.Is(err, iotest.ErrTimeout) {
		return n, nil
	}
	return n, err
}

func TestSSEDecoderMultiChunkSplits(t *testing.T) {
	// Three-way splits of the small vectors, where that is cheap: catches state lost across two
	// boundaries (a CR at the end of one chunk followed by an empty chunk, then the LF).
	for _, v := range loadVectors(t) {
		in := v.bytes(t)
		if len(in) > 48 {
			continue
		}
		for i := 0; i <= len(in); i++ {
			for j := i; j <= len(in); j++ {
				r := chunks(in[:i], nil, in[i:j], nil, in[j:])
				got, err := decodeAll(r, vectorMaxEventSize)
				if err != nil || !sameResult(got, v.want()) {
					t.Fatalf("%s: split at %d and %d: err=%v\n got %v\nwant %v", v.Name, i, j, err, got, v.want())
				}
			}
		}
	}
}

func TestSSEDecoderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom))
	d := newSSEDecoder(r, vectorMaxEventSize)
	ev, err := d.Next()
	if err != nil || string(ev.Data) != "a" {
		t.Fatalf("first event: %+v, %v", ev, err)
	}
	_, err = d.Next()
	if !errors.Is(err, boom) {
		t.Fatalf("after a read error: got %v, want an error wrapping %v", err, boom)
	}
}

func TestSSEDecoderMaxEventSize(t *testing.T) {
	const limit = 1024
	big := strings.Repeat("x", 64*limit)

	cases := map[string]string{
		"one long data line":           "data: " + big + "\n\n",
		"many data lines in one event": strings.Repeat("data: "+strings.Repeat("y", 100)+"\n", 100) + "\n",
		"long line without terminator": "data: " + big,
		"long event name":              "event: " + big + "\ndata: x\n\n",
	}
	for name, input := range cases {
		t.Run(name, func(t *testing.T) {
			d := newSSEDecoder(strings.NewReader("data: small\n\n"+input), limit)
			if ev, err := d.Next(); err != nil || string(ev.Data) != "small" {
				t.Fatalf("small event before the big one: %+v, %v", ev, err)
			}
			_, err := d.Next()
			var tooLarge *EventTooLargeError
			if !errors.As(err, &tooLarge) {
				t.Fatalf("got %v, want *EventTooLargeError", err)
			}
			if tooLarge.Limit != limit {
				t.Fatalf("Limit = %d, want %d", tooLarge.Limit, limit)
			}
		})
	}

	t.Run("limit is per event, not per stream", func(t *testing.T) {
		event := "data: " + strings.Repeat("z", limit/4) + "\n\n"
		got, err := decodeAll(strings.NewReader(strings.Repeat(event, 200)), limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Events) != 200 {
			t.Fatalf("got %d events, want 200", len(got.Events))
		}
	})
}

func TestSSEDecoderLongLinesHaveNoHiddenCap(t *testing.T) {
	// 5 MiB in one line, delivered in 1000-byte reads: no bufio.Scanner-style 64 KiB limit.
	data := strings.Repeat("0123456789", 512*1024)
	in := []byte("data: " + data + "\n\n")
	var parts [][]byte
	for len(in) > 1000 {
		parts = append(parts, in[:1000])
		in = in[1000:]
	}
	got, err := decodeAll(chunks(append(parts, in)...), vectorMaxEventSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 1 || got.Events[0].Data != data {
		t.Fatalf("long line not decoded intact (%d events)", len(got.Events))
	}
}
