package marketv1http_test

// Reconnection always ends, whatever the server does: servers written here by hand end streams
// without the end event, ignore Last-Event-ID, or close at once.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"testing"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

// rawStreamServer answers every request with the events events(n, lastEventID) returns for the
// n-th request (from 1), as `id` + `data` blocks, then ends the response without an end event.
func rawStreamServer(t *testing.T, events func(n int, lastEventID string) []int) (url string, lastIDs func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Last-Event-ID"))
		n := len(seen)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for _, id := range events(n, r.Header.Get("Last-Event-ID")) {
			fmt.Fprintf(w, "id: %d\ndata: {\"symbol\":\"quote %d\"}\n\n", id, id)
		}
	}))
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func streamAll(t *testing.T, url string, policy marketv1http.ReconnectPolicy) ([]string, error) {
	t.Helper()
	client := marketv1http.NewMarketDataServiceClient(url, marketv1http.WithReconnect(policy))
	stream, err := client.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	return collectIDs(stream), stream.Err()
}

func after(lastEventID string, ids ...int) []int {
	last, _ := strconv.Atoi(lastEventID)
	var out []int
	for _, id := range ids {
		if id > last {
			out = append(out, id)
		}
	}
	return out
}

func TestReconnectEndsWhenTheServerEndsWithoutTheEndEvent(t *testing.T) {
	// The server honours Last-Event-ID and has nothing after 3: every reconnect brings nothing.
	url, lastIDs := rawStreamServer(t, func(_ int, last string) []int { return after(last, 1, 2, 3) })
	ids, err := streamAll(t, url, quickReconnect)
	if !reflect.DeepEqual(ids, []string{"1", "2", "3"}) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ids %v, Err %v; want 1 2 3 once and io.ErrUnexpectedEOF", ids, err)
	}
	if got := lastIDs(); !reflect.DeepEqual(got, []string{"", "3", "3", "3"}) {
		t.Fatalf("Last-Event-ID per request %q, want the first request and MaxAttempts (3) reconnects", got)
	}
}

func TestReconnectSkipsTheEventsOfAServerThatIgnoresLastEventID(t *testing.T) {
	url, lastIDs := rawStreamServer(t, func(int, string) []int { return []int{1, 2, 3} })
	ids, err := streamAll(t, url, quickReconnect)
	if !reflect.DeepEqual(ids, []string{"1", "2", "3"}) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ids %v, Err %v; want 1 2 3 once (replays skipped) and io.ErrUnexpectedEOF", ids, err)
	}
	if got := lastIDs(); !reflect.DeepEqual(got, []string{"", "3", "3", "3"}) {
		t.Fatalf("Last-Event-ID per request %q, want 4 requests", got)
	}
}

func TestReconnectEndsWhenTheServerClosesAtOnce(t *testing.T) {
	url, lastIDs := rawStreamServer(t, func(int, string) []int { return nil })
	ids, err := streamAll(t, url, quickReconnect)
	if len(ids) != 0 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ids %v, Err %v; want none and io.ErrUnexpectedEOF", ids, err)
	}
	if n := len(lastIDs()); n != 4 {
		t.Fatalf("%d requests, want 1 + MaxAttempts (3)", n)
	}
}

func TestReconnectStopsAtMaxReconnectsEvenWithNewEvents(t *testing.T) {
	// Each connection brings one new event, so MaxAttempts never runs out; the total cap does.
	url, lastIDs := rawStreamServer(t, func(n int, _ string) []int { return []int{n} })
	policy := quickReconnect
	policy.MaxReconnects = 4
	ids, err := streamAll(t, url, policy)
	if !reflect.DeepEqual(ids, []string{"1", "2", "3", "4", "5"}) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ids %v, Err %v; want 1..5 and io.ErrUnexpectedEOF", ids, err)
	}
	if n := len(lastIDs()); n != 5 {
		t.Fatalf("%d requests, want 1 + MaxReconnects (4)", n)
	}
}
