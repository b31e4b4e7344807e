package marketv1http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

// Send writes a large event's data in place, between its frame's head and end, rather than
// copying it into the frame: on the wire each frame is still whole and in order, with no
// heartbeat (every millisecond here) inside one, whether the events are large or small.
func TestStreamLargeEventFrames(t *testing.T) {
	var sent []*marketv1.Quote
	for i := 0; i < 6; i++ {
		size := 10
		if i%2 == 0 {
			size = 100 << 10
		}
		sent = append(sent, &marketv1.Quote{Symbol: strings.Repeat(string(rune('a'+i)), size), Bid: float64(i)})
	}
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		for i, q := range sent {
			opts := []marketv1http.EventOption{marketv1http.WithEventID(fmt.Sprint(i))}
			if i%3 == 0 {
				opts = append(opts, marketv1http.WithEventName("quote"))
			}
			if err := s.Send(q, opts...); err != nil {
				return err
			}
			time.Sleep(2 * time.Millisecond)
		}
		return nil
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(time.Millisecond))
	resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/ACME/stream", "", sseHeaders)
	checkStreamHeaders(t, resp)
	var events []frame
	for _, f := range splitFrames(t, readAll(t, resp.Body)) {
		if len(f) == 1 && strings.HasPrefix(f[0], ":") {
			continue // a heartbeat
		}
		events = append(events, f)
	}
	if len(events) != len(sent)+1 {
		t.Fatalf("%d frames besides heartbeats, want %d events and the end event", len(events), len(sent))
	}
	for i, q := range sent {
		f := events[i]
		want := []string{fmt.Sprint("id: ", i)}
		if i%3 == 0 {
			want = append(want, "event: quote")
		}
		if len(f) != len(want)+1 || strings.Join(f[:len(want)], "\n") != strings.Join(want, "\n") || !strings.HasPrefix(f[len(want)], "data: ") {
			t.Fatalf("frame %d: %.200q, want %q and a data line", i, f, want)
		}
		var got marketv1.Quote
		if err := protojson.Unmarshal([]byte(strings.TrimPrefix(f[len(want)], "data: ")), &got); err != nil || !proto.Equal(&got, q) {
			t.Fatalf("frame %d: data of %d bytes does not decode to the event sent: %v", i, len(f[len(want)]), err)
		}
	}
	if event, _ := events[len(sent)].field(t, "event"); event != "end" {
		t.Fatalf("last frame %.200q, want the end event", events[len(sent)])
	}
}
