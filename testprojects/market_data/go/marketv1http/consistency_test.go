package marketv1http_test

// Where the Go and TypeScript sides decide the same way (each decision is in the README).

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

func TestHeadOnGetRoutes(t *testing.T) {
	sendErr := make(chan error, 1)
	impl := &market{
		getInstrument: func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			return &marketv1.Instrument{Symbol: "X"}, nil
		},
		streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
			marketv1http.ResponseHeader(ctx).Set("X-Seen", "yes")
			err := s.Send(&marketv1.Quote{Symbol: "X"})
			sendErr <- err
			return err
		},
	}
	ts := startServer(t, impl)
	headers := map[string]string{"X-API-Key": apiKey}
	resp := rawRequest(t, testCtx(t), "HEAD", instrumentURL(ts), "", headers)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || readAll(t, resp.Body) != "" {
		t.Fatalf("unary HEAD: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp = rawRequest(t, testCtx(t), "HEAD", ts.URL+"/api/v1/quotes/X/stream", "", headers)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") || resp.Header.Get("X-Seen") != "yes" {
		t.Fatalf("stream HEAD: %d %v", resp.StatusCode, resp.Header)
	}
	// The handler learns at its first Send that nobody reads the events, and ends.
	select {
	case err := <-sendErr:
		if err == nil {
			t.Fatal("Send succeeded on a HEAD request")
		}
	case <-testCtx(t).Done():
		t.Fatal("the stream handler of a HEAD request never ended")
	}
}

func TestEnumNumbersInTheURL(t *testing.T) {
	impl := &market{getInstrument: func(_ context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
		return &marketv1.Instrument{Symbol: req.Symbol, Venue: req.Venue}, nil
	}}
	ts := startServer(t, impl)
	headers := map[string]string{"X-API-Key": apiKey}
	resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/venues/2/instruments/X", "", headers)
	if body := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.Contains(body, "VENUE_XNYS") {
		t.Fatalf("declared number: %d %s", resp.StatusCode, body)
	}
	resp = rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/venues/99/instruments/X", "", headers)
	if v := decodeValidationBody(t, resp); !hasViolation(v, "venue") {
		t.Fatalf("undeclared number: %v", v.Violations)
	}
}

func TestErrorEventsAreStatus500(t *testing.T) {
	impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if err := s.Send(&marketv1.Quote{Symbol: "X"}); err != nil {
			return err
		}
		return marketv1http.NewAPIError(http.StatusServiceUnavailable, "feed lost")
	}}
	ts := startServer(t, impl)
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	for stream.Next() {
	}
	if e := asAPIError(t, stream.Err()); e.Status != 500 || e.Message != "feed lost" {
		t.Fatalf("got %+v, want status 500 and the message", e)
	}
}

func TestEventDataMustBeAnObject(t *testing.T) {
	for _, data := range []string{"null", "5", `"text"`, "[]"} {
		srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte("data: " + data + "\n\n"))
		}))
		c := marketv1http.NewMarketDataServiceClient(srv.URL)
		stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
		if err != nil {
			t.Fatal(err)
		}
		if stream.Next() {
			t.Fatalf("data: %s was yielded as %v", data, stream.Msg())
		}
		if err := stream.Err(); err == nil || errors.Is(err, context.Canceled) {
			t.Fatalf("data: %s: got %v, want a decoding error", data, err)
		}
		stream.Close()
	}
}
