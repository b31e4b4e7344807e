package marketv1http

// Fuzzing of the generated SSE decoder. `go test` runs the seeds (every vector); the harness also
// runs `go test -fuzz=FuzzSSEDecoder -fuzztime=...` for a short while.

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

func FuzzSSEDecoder(f *testing.F) {
	for _, v := range loadVectors(f) {
		in := v.bytes(f)
		if len(in) <= 4096 { // keep the seed corpus quick to mutate
			f.Add(in, uint16(len(in)/2))
		}
	}
	f.Add([]byte("data: a\r"), uint16(8))
	f.Add([]byte("\xef\xbb\xbfid: 1\r\nretry: 10\r\n\r\n"), uint16(1))

	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		whole, errWhole := decodeAll(bytes.NewReader(in), vectorMaxEventSize)
		if errWhole != nil {
			t.Fatalf("whole input %q: %v", in, errWhole)
		}
		oneByte, err := decodeAll(iotest.OneByteReader(bytes.NewReader(in)), vectorMaxEventSize)
		if err != nil || !sameResult(whole, oneByte) {
			t.Fatalf("input %q: one byte per read differs (err %v)\n whole %v\n bytes %v", in, err, whole, oneByte)
		}
		i := int(split) % (len(in) + 1)
		two, err := decodeAll(chunks(in[:i], in[i:]), vectorMaxEventSize)
		if err != nil || !sameResult(whole, two) {
			t.Fatalf("input %q: split at %d differs (err %v)\n whole %v\n split %v", in, i, err, whole, two)
		}

		for _, ev := range whole.Events {
			// Line terminators never survive into fields; data keeps only the LFs that join lines.
			if strings.ContainsAny(ev.Type, "\r\n") || strings.ContainsAny(ev.ID, "\r\n\x00") ||
				strings.Contains(ev.Data, "\r") {
				t.Fatalf("input %q: line terminator or NUL leaked into %+v", in, ev)
			}
			if ev.Type == "" {
				t.Fatalf("input %q: event with an empty type: %+v", in, ev)
			}
			if !utf8.ValidString(ev.Type) || !utf8.ValidString(ev.Data) || !utf8.ValidString(ev.ID) {
				t.Fatalf("input %q: invalid UTF-8 in %+v (the stream is decoded with replacement)", in, ev)
			}
		}
		// The reference below follows the standard step by step; it has no UTF-8 replacement of its
		// own, so it is only an oracle for valid input.
		if utf8.Valid(in) {
			ref, retryUnspecified := referenceDecode(in)
			if retryUnspecified {
				ref.Retry = whole.Retry
			}
			if !sameResult(whole, ref) {
				t.Fatalf("input %q differs from the reference\n got %v\nwant %v", in, whole, ref)
			}
		}
	})
}

// referenceDecode is a direct, unbuffered transcription of the WHATWG event-stream interpretation
// for valid UTF-8 input. Retry values above 2^53-1 ms are ignored, as the vectors specify; between
// the largest time.Duration and that, the outcome is left to the implementation (retryUnspecified).
func referenceDecode(in []byte) (res decodeResult, retryUnspecified bool) {
	s := string(in)
	s = strings.TrimPrefix(s, "\ufeff")
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			start = i + 1
		case '\n':
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	var data, eventType, idBuffer strings.Builder
	lastID := ""
	for _, line := range lines {
		if line == "" {
			lastID = idBuffer.String()
			if data.Len() == 0 {
				eventType.Reset()
				continue
			}
			d := strings.TrimSuffix(data.String(), "\n")
			typ := eventType.String()
			if typ == "" {
				typ = "message"
			}
			res.Events = append(res.Events, wantEvent{Type: typ, Data: d, ID: lastID})
			data.Reset()
			eventType.Reset()
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, found := strings.Cut(line, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch field {
		case "event":
			eventType.Reset()
			eventType.WriteString(value)
		case "data":
			data.WriteString(value)
			data.WriteString("\n")
		case "id":
			if !strings.Contains(value, "\x00") {
				idBuffer.Reset()
				idBuffer.WriteString(value)
			}
		case "retry":
			if value != "" && strings.Trim(value, "0123456789") == "" {
				ms, err := strconv.ParseInt(value, 10, 64)
				switch {
				case err == nil && ms <= maxDurationMillis:
					res.Retry = &ms
					retryUnspecified = false
				case err == nil && ms <= 1<<53-1:
					retryUnspecified = true
				}
			}
		}
	}
	res.LastEventID = lastID
	return res, retryUnspecified
}

const maxDurationMillis = int64(1<<63-1) / int64(time.Millisecond)

// TestReferenceDecoderAgreesWithVectors keeps the fuzz oracle honest.
func TestReferenceDecoderAgreesWithVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		in := v.bytes(t)
		if !utf8.Valid(in) {
			continue
		}
		if got, _ := referenceDecode(in); !sameResult(got, v.want()) {
			t.Errorf("%s: reference decoder\n got %v\nwant %v", v.Name, got, v.want())
		}
	}
}
