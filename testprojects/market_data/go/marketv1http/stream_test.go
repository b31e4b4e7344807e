package marketv1http_test

// Server-Sent Event streams over loopback HTTP: the wire format, commit rules, errors before
// and after commit, heartbeats, cancellation both ways, limits and concurrent senders.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

var sseHeaders = map[string]string{"X-API-Key": apiKey, "Accept": "text/event-stream"}

// frame is one block of a raw stream: its field lines in order.
type frame []string

// splitFrames cuts a complete raw stream into blocks; it must end with a blank line.
func splitFrames(t *testing.T, body string) []frame {
	t.Helper()
	if !strings.HasSuffix(body, "\n\n") {
		t.Fatalf("stream does not end with a blank line: %q", body)
	}
	var frames []frame
	for _, block := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		frames = append(frames, strings.Split(block, "\n"))
	}
	return frames
}

// field returns the value of the only line named name in f ("" and false when absent).
func (f frame) field(t *testing.T, name string) (string, bool) {
	t.Helper()
	value, found := "", false
	for _, line := range f {
		if strings.HasPrefix(line, name+": ") {
			if found {
				t.Fatalf("frame %q has two %s lines", f, name)
			}
			value, found = strings.TrimPrefix(line, name+": "), true
		}
	}
	return value, found
}

func checkStreamHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("Cache-Control %q, X-Accel-Buffering %q", resp.Header.Get("Cache-Control"), resp.Header.Get("X-Accel-Buffering"))
	}
	if v, ok := resp.Header["Connection"]; ok {
		t.Fatalf("Connection header %q (HTTP/2 forbids it)", v)
	}
}

func TestStreamWireFormat(t *testing.T) {
	first := &marketv1.Quote{Symbol: "ACME", Bid: 1.5, Ask: 1.75, Time: timestamppb.New(time.Unix(1, 0))}
	second := &marketv1.Quote{Symbol: "ACME"}
	impl := &market{streamQuotes: func(_ context.Context, req *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if err := s.SetRetry(1500 * time.Millisecond); err != nil {
			return err
		}
		if err := s.Send(first, marketv1http.WithEventName("quote"), marketv1http.WithEventID("7")); err != nil {
			return err
		}
		return s.Send(second)
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/ACME/stream", "", sseHeaders)
	checkStreamHeaders(t, resp)
	frames := splitFrames(t, readAll(t, resp.Body))
	if len(frames) != 4 {
		t.Fatalf("frames %q, want retry, two events and the end event", frames)
	}
	if !reflect.DeepEqual(frames[0], frame{"retry: 1500"}) {
		t.Fatalf("retry frame %q", frames[0])
	}
	for i, want := range []struct {
		msg       *marketv1.Quote
		id, event string
	}{{first, "7", "quote"}, {second, "", ""}} {
		f := frames[i+1]
		if last := f[len(f)-1]; !strings.HasPrefix(last, "data: ") {
			t.Fatalf("frame %q does not end with its data line", f)
		}
		id, hasID := f.field(t, "id")
		event, hasEvent := f.field(t, "event")
		data, _ := f.field(t, "data")
		if id != want.id || hasID != (want.id != "") || event != want.event || hasEvent != (want.event != "") {
			t.Fatalf("frame %q, want id %q and event %q", f, want.id, want.event)
		}
		var got marketv1.Quote
		if err := protojson.Unmarshal([]byte(data), &got); err != nil || !proto.Equal(&got, want.msg) {
			t.Fatalf("data %q: %v, %v", data, &got, err)
		}
		if len(f) != 1+btoi(hasID)+btoi(hasEvent) {
			t.Fatalf("unexpected lines in frame %q", f)
		}
	}
	end := frames[3]
	if event, _ := end.field(t, "event"); event != "end" {
		t.Fatalf("last frame %q, want the end event", end)
	}
	if data, _ := end.field(t, "data"); data != "{}" {
		t.Fatalf("end event data %q, want {}", data)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestStreamThroughTheClient(t *testing.T) {
	wantReq := &marketv1.StreamQuotesRequest{Symbol: "AC/ME", ThrottleMs: 250, Venues: []marketv1.Venue{marketv1.Venue_VENUE_XNAS, marketv1.Venue_VENUE_CRYPTO}}
	quotes := []*marketv1.Quote{{Symbol: "q1"}, {Symbol: "q2", Bid: 2}, {Symbol: "q3", Ask: 3}, {Symbol: "q4"}}
	impl := &market{streamQuotes: func(_ context.Context, req *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if !proto.Equal(req, wantReq) {
			return marketv1http.NewAPIError(http.StatusTeapot, fmt.Sprintf("bound %v", req))
		}
		steps := [][]marketv1http.EventOption{
			nil,
			{marketv1http.WithEventName("quote"), marketv1http.WithEventID("2")},
			{marketv1http.WithEventID("3")},
			nil, // the last event id carries over
		}
		for i, q := range quotes {
			if err := s.Send(q, steps[i]...); err != nil {
				return err
			}
		}
		return nil
	}}
	ts := startServer(t, impl)
	stream, err := ts.client(t).StreamQuotes(testCtx(t), wantReq)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	type seen struct{ symbol, event, id string }
	var got []seen
	for stream.Next() {
		got = append(got, seen{stream.Msg().GetSymbol(), stream.Event(), stream.ID()})
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("Err after the end event: %v", err)
	}
	want := []seen{{"q1", "message", ""}, {"q2", "quote", "2"}, {"q3", "message", "3"}, {"q4", "message", "3"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if stream.Next() {
		t.Fatal("Next after the end returned true")
	}
	r := ts.lastRequest(t)
	if r.Method != "GET" || r.Path != "/api/v1/quotes/AC%2FME/stream" || r.Header.Get("Accept") != "text/event-stream" {
		t.Fatalf("request %s %s, Accept %q", r.Method, r.Path, r.Header.Get("Accept"))
	}
}

func TestStreamWithPostBody(t *testing.T) {
	for _, contentType := range []string{marketv1http.ContentTypeJSON, marketv1http.ContentTypeProtobuf} {
		t.Run(contentType, func(t *testing.T) {
			wantReq := &marketv1.WatchTradesRequest{Symbols: []string{"AAPL", "MSFT"}, Since: timestamppb.New(time.Unix(1700000000, 5))}
			impl := &market{watchTrades: func(_ context.Context, req *marketv1.WatchTradesRequest, s marketv1http.SSESender) error {
				if !proto.Equal(req, wantReq) {
					return marketv1http.NewAPIError(http.StatusTeapot, fmt.Sprintf("bound %v", req))
				}
				for i, sym := range req.Symbols {
					trade := &marketv1.Trade{TradeId: fmt.Sprint(i), Symbol: sym, Price: 10.5, Quantity: 1 << 60, Aggressor: marketv1.Side_SIDE_SELL}
					if err := s.Send(trade, marketv1http.WithEventName("trade")); err != nil {
						return err
					}
				}
				return nil
			}}
			ts := startServer(t, impl)
			stream, err := ts.client(t, marketv1http.WithContentType(contentType)).WatchTrades(testCtx(t), wantReq)
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			var symbols []string
			for stream.Next() {
				if stream.Msg().Quantity != 1<<60 || stream.Event() != "trade" {
					t.Fatalf("event %q: %v", stream.Event(), stream.Msg())
				}
				symbols = append(symbols, stream.Msg().Symbol)
			}
			if stream.Err() != nil || !reflect.DeepEqual(symbols, []string{"AAPL", "MSFT"}) {
				t.Fatalf("symbols %v, Err %v", symbols, stream.Err())
			}
			r := ts.lastRequest(t)
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method != "POST" || mt != contentType {
				t.Fatalf("request %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestStreamJSONIsCompactWhateverTheMarshalOptions(t *testing.T) {
	impl := &market{streamQuotes: func(_ context.Context, req *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		return s.Send(&marketv1.Quote{Symbol: "ACME", Bid: 1, Time: timestamppb.New(time.Unix(5, 0))})
	}}
	opts := protojson.MarshalOptions{Multiline: true, Indent: "    ", EmitUnpopulated: true}
	ts := startServer(t, impl, marketv1http.WithMarshalOptions(opts), marketv1http.WithHeartbeatInterval(0))
	resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/ACME/stream", "", sseHeaders)
	checkStreamHeaders(t, resp)
	frames := splitFrames(t, readAll(t, resp.Body))
	data, ok := frames[0].field(t, "data")
	if !ok || len(frames[0]) != 1 {
		t.Fatalf("first frame %q, want one data line", frames[0])
	}
	if !json.Valid([]byte(data)) || strings.ContainsAny(data, "\r\n") {
		t.Fatalf("data line %q is not a complete single-line JSON document", data)
	}
	// The other options still apply.
	if !strings.Contains(data, `"bidSize"`) {
		t.Fatalf("EmitUnpopulated was dropped: %s", data)
	}
	// And the client still reads it.
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if !stream.Next() || stream.Msg().Symbol != "ACME" {
		t.Fatalf("client: %v", stream.Err())
	}
}

func TestStreamHeartbeats(t *testing.T) {
	cancelled, markCancelled := cancelSignal()
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, _ marketv1http.SSESender) error {
		<-ctx.Done()
		markCancelled()
		return ctx.Err()
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(10*time.Millisecond))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	// The handler sends nothing: only the first heartbeat can commit the stream.
	resp := rawRequest(t, ctx, "GET", ts.URL+"/api/v1/quotes/ACME/stream", "", sseHeaders)
	checkStreamHeaders(t, resp)
	lines := readLinesUntil(t, bufio.NewReader(resp.Body), func(line string) bool { return strings.HasPrefix(line, ":") })
	for _, line := range lines {
		if line != "" && !strings.HasPrefix(line, ":") {
			t.Fatalf("line %q before the first heartbeat of a silent handler", line)
		}
	}
	cancel()
	waitFor(t, cancelled, "the handler's context to end after the client left")
}

func TestStreamCommitsOnHeartbeatForTheClient(t *testing.T) {
	release, releaseHandler := cancelSignal()
	t.Cleanup(releaseHandler)
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return s.Send(&marketv1.Quote{Symbol: "after heartbeats"})
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(5*time.Millisecond))
	stream := openWithin(t, func() (*marketv1http.EventStream[*marketv1.Quote], error) {
		return ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	})
	defer stream.Close()
	releaseHandler()
	if !stream.Next() || stream.Msg().Symbol != "after heartbeats" {
		t.Fatalf("Next: %v", stream.Err())
	}
	if stream.Next() || stream.Err() != nil {
		t.Fatalf("want a clean end, got Err %v", stream.Err())
	}
}

func TestStreamCommitsOnFlush(t *testing.T) {
	release, releaseHandler := cancelSignal()
	t.Cleanup(releaseHandler)
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if err := s.Flush(); err != nil {
			return err
		}
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return s.Send(&marketv1.Quote{Symbol: "after flush"})
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	stream := openWithin(t, func() (*marketv1http.EventStream[*marketv1.Quote], error) {
		return ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	})
	defer stream.Close()
	releaseHandler()
	if !stream.Next() || stream.Msg().Symbol != "after flush" {
		t.Fatalf("Next: %v", stream.Err())
	}
}

// openWithin opens a stream on another goroutine and fails if that does not return in time:
// the call returns once the response headers arrive, i.e. once the server committed.
func openWithin(t *testing.T, open func() (*marketv1http.EventStream[*marketv1.Quote], error)) *marketv1http.EventStream[*marketv1.Quote] {
	t.Helper()
	type result struct {
		stream *marketv1http.EventStream[*marketv1.Quote]
		err    error
	}
	done := make(chan result, 1)
	go func() {
		s, err := open()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("opening the stream: %v", r.err)
		}
		return r.stream
	case <-time.After(patience):
		t.Fatal("the stream was not committed: the call did not return")
		return nil
	}
}

func TestStreamErrorsBeforeCommitAreHTTPErrors(t *testing.T) {
	violations := []marketv1http.FieldViolation{{Field: "symbol", Description: "unknown"}}
	cases := []struct {
		name   string
		err    error
		status int
		check  func(t *testing.T, err error)
	}{
		{"API error", marketv1http.NewAPIError(http.StatusNotFound, "no such symbol"), 404, func(t *testing.T, err error) {
			if e := asAPIError(t, err); e.Status != 404 || e.Message != "no such symbol" {
				t.Fatalf("got %+v", e)
			}
		}},
		{"validation error", &marketv1http.ValidationError{Violations: violations}, 400, func(t *testing.T, err error) {
			if v := asValidationError(t, err); !reflect.DeepEqual(v.Violations, violations) {
				t.Fatalf("got %v", v.Violations)
			}
		}},
		{"plain error", errors.New("boom"), 500, func(t *testing.T, err error) {
			if e := asAPIError(t, err); e.Status != 500 {
				t.Fatalf("got %+v", e)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			impl := &market{streamQuotes: func(context.Context, *marketv1.StreamQuotesRequest, marketv1http.SSESender) error {
				return tc.err
			}}
			ts := startServer(t, impl)
			stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
			if stream != nil {
				stream.Close()
				t.Fatal("got a stream for a handler that failed before its first event")
			}
			tc.check(t, err)
			resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/X/stream", "", sseHeaders)
			if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); resp.StatusCode != tc.status || mt != "application/json" {
				t.Fatalf("raw: %d %q, want %d application/json", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
			}
		})
	}

	t.Run("binding error", func(t *testing.T) {
		called := false
		impl := &market{streamQuotes: func(context.Context, *marketv1.StreamQuotesRequest, marketv1http.SSESender) error {
			called = true
			return nil
		}}
		ts := startServer(t, impl)
		bare, _ := ts.newClient(t)
		_, err := bare.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
		if v := asValidationError(t, err); !hasViolation(v, "X-API-Key") {
			t.Fatalf("violations %v", v.Violations)
		}
		resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/X/stream?throttle_ms=soon", "", sseHeaders)
		if v := decodeValidationBody(t, resp); !hasViolation(v, "throttle_ms") {
			t.Fatalf("violations %v", v.Violations)
		}
		if called {
			t.Fatal("the handler ran for a request that could not be bound")
		}
	})
}

func TestStreamErrorsAfterCommitAreErrorEvents(t *testing.T) {
	violations := []marketv1http.FieldViolation{{Field: "venue", Description: "closed for the day"}}
	cases := []struct {
		name  string
		err   error
		opts  []marketv1http.ServerOption
		check func(t *testing.T, err error)
	}{
		{"API error", marketv1http.NewAPIError(http.StatusConflict, "trading halted"), nil, func(t *testing.T, err error) {
			if e := asAPIError(t, err); e.Message != "trading halted" {
				t.Fatalf("got %+v", e)
			}
		}},
		{"validation error", &marketv1http.ValidationError{Violations: violations}, nil, func(t *testing.T, err error) {
			if v := asValidationError(t, err); !reflect.DeepEqual(v.Violations, violations) {
				t.Fatalf("got %v", v.Violations)
			}
		}},
		{"plain error", errors.New("feed lost"), nil, func(t *testing.T, err error) {
			asAPIError(t, err)
		}},
		{"translated by the error handler", &quotaExceeded{remaining: 3}, []marketv1http.ServerOption{
			marketv1http.WithErrorHandler(func(_ *http.Request, err error) error {
				var quota *quotaExceeded
				if errors.As(err, &quota) {
					return marketv1http.NewAPIError(http.StatusTooManyRequests, fmt.Sprintf("quota: %d", quota.remaining))
				}
				return nil
			}),
		}, func(t *testing.T, err error) {
			if e := asAPIError(t, err); e.Message != "quota: 3" {
				t.Fatalf("got %+v", e)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
				if err := s.Send(&marketv1.Quote{Symbol: "before"}); err != nil {
					return err
				}
				return tc.err
			}}
			ts := startServer(t, impl, tc.opts...)
			stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			if !stream.Next() || stream.Msg().Symbol != "before" {
				t.Fatalf("first event: %v", stream.Err())
			}
			if stream.Next() {
				t.Fatal("an event after the error")
			}
			tc.check(t, stream.Err())
		})
	}

	t.Run("raw", func(t *testing.T) {
		impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
			if err := s.Send(&marketv1.Quote{Symbol: "before"}); err != nil {
				return err
			}
			return marketv1http.NewAPIError(http.StatusConflict, "trading halted")
		}}
		ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
		resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/X/stream", "", sseHeaders)
		checkStreamHeaders(t, resp)
		frames := splitFrames(t, readAll(t, resp.Body))
		last := frames[len(frames)-1]
		event, _ := last.field(t, "event")
		data, _ := last.field(t, "data")
		var body map[string]interface{}
		if event != "error" || json.Unmarshal([]byte(data), &body) != nil || body["message"] != "trading halted" {
			t.Fatalf("last frame %q, want an error event with {\"message\":\"trading halted\"}", last)
		}
		for _, f := range frames {
			if e, _ := f.field(t, "event"); e == "end" {
				t.Fatal("an end event after an error event")
			}
		}
	})
}

// streamingHandler sends one quote, then waits for its context to end and reports that.
func streamingHandler(cancelled func()) func(context.Context, *marketv1.StreamQuotesRequest, marketv1http.SSESender) error {
	return func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		defer cancelled()
		if err := s.Send(&marketv1.Quote{Symbol: "first"}); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	}
}

func TestStreamCloseCancelsTheHandlerAndLeaksNothing(t *testing.T) {
	cancelled, markCancelled := cancelSignal()
	ts := startServer(t, &market{streamQuotes: streamingHandler(markCancelled)}, marketv1http.WithHeartbeatInterval(2*time.Millisecond))
	c, transport := ts.newClient(t, marketv1http.WithDefaultHeader("X-API-Key", apiKey))
	baseline := runtime.NumGoroutine()

	stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() {
		t.Fatalf("first event: %v", stream.Err())
	}
	if err := stream.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	waitFor(t, cancelled, "the handler's context to end after Close")
	if stream.Next() || stream.Err() != nil {
		t.Fatalf("after Close: Next true or Err %v", stream.Err())
	}
	if err := stream.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	waitForGoroutines(t, baseline, transport)
}

func TestStreamContextCancelEndsTheStream(t *testing.T) {
	cancelled, markCancelled := cancelSignal()
	ts := startServer(t, &market{streamQuotes: streamingHandler(markCancelled)})
	c, transport := ts.newClient(t, marketv1http.WithDefaultHeader("X-API-Key", apiKey))
	baseline := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	stream, err := c.StreamQuotes(ctx, &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() {
		t.Fatalf("first event: %v", stream.Err())
	}
	cancel()
	if stream.Next() {
		t.Fatal("Next true after the context was cancelled")
	}
	if !errors.Is(stream.Err(), context.Canceled) {
		t.Fatalf("Err %v, want context.Canceled", stream.Err())
	}
	waitFor(t, cancelled, "the handler's context to end after the client's")
	stream.Close()
	waitForGoroutines(t, baseline, transport)
}

func TestStreamCloseUnblocksAConcurrentNext(t *testing.T) {
	cancelled, markCancelled := cancelSignal()
	ts := startServer(t, &market{streamQuotes: streamingHandler(markCancelled)}, marketv1http.WithHeartbeatInterval(0))
	c, transport := ts.newClient(t, marketv1http.WithDefaultHeader("X-API-Key", apiKey))
	baseline := runtime.NumGoroutine()

	stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() {
		t.Fatalf("first event: %v", stream.Err())
	}
	next := make(chan bool, 1)
	go func() { next <- stream.Next() }() // blocks: the handler sends nothing more
	// Close only once that Next is reading, or the test would not test anything.
	waitForStack(t, "(*sseDecoder).Next")
	stream.Close()
	select {
	case more := <-next:
		if more {
			t.Fatal("Next true after Close")
		}
	case <-time.After(patience):
		t.Fatal("Close did not unblock Next")
	}
	waitFor(t, cancelled, "the handler's context to end after Close")
	waitForGoroutines(t, baseline, transport)
}

func TestStreamResumeSendsLastEventID(t *testing.T) {
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		return s.Send(&marketv1.Quote{Symbol: "resumed after " + s.LastEventID()})
	}}
	ts := startServer(t, impl)
	c := ts.client(t)
	stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"}, marketv1http.WithLastEventID("41"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if !stream.Next() || stream.Msg().Symbol != "resumed after 41" {
		t.Fatalf("got %v, %v", stream.Msg(), stream.Err())
	}
	if got := ts.lastRequest(t).Header.Get("Last-Event-ID"); got != "41" {
		t.Fatalf("Last-Event-ID %q", got)
	}

	fresh, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if !fresh.Next() || fresh.Msg().Symbol != "resumed after " {
		t.Fatalf("got %v, %v", fresh.Msg(), fresh.Err())
	}
	if _, sent := ts.lastRequest(t).Header["Last-Event-Id"]; sent {
		t.Fatal("Last-Event-ID sent on a fresh stream")
	}
}

func TestStreamLargeEvent(t *testing.T) {
	// 8 MiB of data in one event: far past any 64 KiB line limit, within the default maximum.
	symbol := strings.Repeat("0123456789abcdef", 8<<20/16)
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if err := s.Send(&marketv1.Quote{Symbol: symbol, Bid: 1}); err != nil {
			return err
		}
		return s.Send(&marketv1.Quote{Symbol: "small"})
	}}
	ts := startServer(t, impl)
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if !stream.Next() || stream.Msg().Symbol != symbol {
		t.Fatalf("large event not received intact: %v", stream.Err())
	}
	if !stream.Next() || stream.Msg().Symbol != "small" {
		t.Fatalf("event after the large one: %v", stream.Err())
	}
	if stream.Next() || stream.Err() != nil {
		t.Fatalf("want a clean end: %v", stream.Err())
	}
}

func TestStreamMaxEventSize(t *testing.T) {
	big := strings.Repeat("x", 4096)
	cancelled, markCancelled := cancelSignal()
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if err := s.Send(&marketv1.Quote{Symbol: "small"}); err != nil {
			return err
		}
		if err := s.Send(&marketv1.Quote{Symbol: big}); err != nil {
			return err
		}
		if s.LastEventID() == "stay" {
			defer markCancelled()
			<-ctx.Done()
		}
		return nil
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	c := ts.client(t, marketv1http.WithMaxEventSize(1024))

	stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"}, marketv1http.WithLastEventID("stay"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if !stream.Next() || stream.Msg().Symbol != "small" {
		t.Fatalf("small event: %v", stream.Err())
	}
	if stream.Next() {
		t.Fatal("an event over the limit was delivered")
	}
	var tooLarge *marketv1http.EventTooLargeError
	if !errors.As(stream.Err(), &tooLarge) || tooLarge.Limit != 1024 {
		t.Fatalf("Err %v, want *EventTooLargeError{Limit: 1024}", stream.Err())
	}
	waitFor(t, cancelled, "the connection to be released after an oversized event")

	// A per-call limit overrides the client's.
	stream, err = c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"}, marketv1http.WithCallMaxEventSize(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var symbols []string
	for stream.Next() {
		symbols = append(symbols, stream.Msg().Symbol)
	}
	if stream.Err() != nil || len(symbols) != 2 || symbols[1] != big {
		t.Fatalf("with a larger per-call limit: %d events, Err %v", len(symbols), stream.Err())
	}
}

func TestStreamConcurrentSends(t *testing.T) {
	const senders, perSender = 8, 100
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		var wg sync.WaitGroup
		errs := make(chan error, senders)
		for g := 0; g < senders; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < perSender; i++ {
					key := fmt.Sprintf("g%d-%03d", g, i)
					q := &marketv1.Quote{Symbol: key + strings.Repeat("~", i*37%500), Bid: float64(i)}
					if err := s.Send(q, marketv1http.WithEventID(key), marketv1http.WithEventName(fmt.Sprintf("g%d", g))); err != nil {
						errs <- err
						return
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		return <-errs
	}}
	// Heartbeats every millisecond compete with the senders for the connection.
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(time.Millisecond))
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	next := map[string]int{}
	total := 0
	for stream.Next() {
		m := stream.Msg()
		key := stream.ID()
		var g, i int
		if _, err := fmt.Sscanf(key, "g%d-%d", &g, &i); err != nil {
			t.Fatalf("id %q: %v", key, err)
		}
		if !strings.HasPrefix(m.Symbol, key) || stream.Event() != fmt.Sprintf("g%d", g) || m.Bid != float64(i) {
			t.Fatalf("event %q id %q carries %q (bid %v): frames were mixed up", stream.Event(), key, m.Symbol, m.Bid)
		}
		if want := next[stream.Event()]; i != want {
			t.Fatalf("sender %s: event %d, want %d (one sender's events stay in order)", stream.Event(), i, want)
		}
		next[stream.Event()] = i + 1
		total++
	}
	if stream.Err() != nil || total != senders*perSender {
		t.Fatalf("%d events, Err %v", total, stream.Err())
	}
}

func TestStreamRejectsReservedNamesAndBadIDs(t *testing.T) {
	bad := map[string]marketv1http.EventOption{
		`name "error"`:   marketv1http.WithEventName("error"),
		`name "end"`:     marketv1http.WithEventName("end"),
		"name with LF":   marketv1http.WithEventName("a\nb"),
		"name with CR":   marketv1http.WithEventName("a\rb"),
		"name with NUL":  marketv1http.WithEventName("a\x00b"),
		"name with CRLF": marketv1http.WithEventName("quote\r\n"),
		"id with LF":     marketv1http.WithEventID("1\n2"),
		"id with CR":     marketv1http.WithEventID("1\r"),
		"id with NUL":    marketv1http.WithEventID("\x00"),
	}
	accepted := make(chan string, len(bad))
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		for name, opt := range bad {
			if err := s.Send(&marketv1.Quote{Symbol: name}, opt); err == nil {
				accepted <- name
			}
		}
		close(accepted)
		return s.Send(&marketv1.Quote{Symbol: "ok"}, marketv1http.WithEventName("ok"), marketv1http.WithEventID("1"))
	}}
	ts := startServer(t, impl)
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var events []string
	for stream.Next() {
		events = append(events, stream.Event()+"/"+stream.Msg().Symbol)
	}
	for name := range accepted {
		t.Errorf("Send accepted an event with %s", name)
	}
	if stream.Err() != nil || !reflect.DeepEqual(events, []string{"ok/ok"}) {
		t.Fatalf("events %q, Err %v", events, stream.Err())
	}
}

func TestStreamSenderIsUnusableAfterTheHandlerReturned(t *testing.T) {
	leaked := make(chan marketv1http.SSESender, 1)
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		leaked <- s
		return s.Send(&marketv1.Quote{Symbol: "only"})
	}}
	ts := startServer(t, impl)
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	for stream.Next() {
	}
	if stream.Err() != nil {
		t.Fatal(stream.Err())
	}
	s := <-leaked
	if err := s.Send(&marketv1.Quote{Symbol: "late"}); err == nil {
		t.Fatal("Send after the handler returned succeeded")
	}
	if err := s.Flush(); err == nil {
		t.Fatal("Flush after the handler returned succeeded")
	}
}

func TestStreamOutlivesTheServerWriteTimeout(t *testing.T) {
	const writeTimeout = 100 * time.Millisecond
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		// At least 250ms between the first and the last write, whatever the machine's speed.
		ticker := time.NewTicker(writeTimeout / 2)
		defer ticker.Stop()
		for i := 0; i < 6; i++ {
			if err := s.Send(&marketv1.Quote{Symbol: fmt.Sprint(i)}); err != nil {
				return err
			}
			select {
			case <-ticker.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}}
	ts := startServerWith(t, impl, serverSetup{writeTimeout: writeTimeout})
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	n := 0
	for stream.Next() {
		n++
	}
	if stream.Err() != nil || n != 6 {
		t.Fatalf("%d events, Err %v: the WriteTimeout ended the stream", n, stream.Err())
	}
}

func TestStreamDroppedConnectionWithoutReconnect(t *testing.T) {
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		for i := 1; i <= 2; i++ {
			if err := s.Send(&marketv1.Quote{Symbol: fmt.Sprint(i)}, marketv1http.WithEventID(fmt.Sprint(i))); err != nil {
				return err
			}
		}
		dropConnection(t, ctx)
		<-ctx.Done()
		return nil
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	n := 0
	for stream.Next() {
		n++
	}
	if n != 2 || !errors.Is(stream.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("%d events, Err %v; want 2 and io.ErrUnexpectedEOF", n, stream.Err())
	}
	if got := len(ts.recorded()); got != 1 {
		t.Fatalf("%d requests: reconnected without a policy", got)
	}
}

func TestStreamAbortedHandler(t *testing.T) {
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if err := s.Send(&marketv1.Quote{Symbol: "1"}); err != nil {
			return err
		}
		panic(http.ErrAbortHandler) // net/http's way to cut a response short
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	n := 0
	for stream.Next() {
		n++
	}
	if n != 1 || !errors.Is(stream.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("%d events, Err %v; want 1 and io.ErrUnexpectedEOF", n, stream.Err())
	}
}
