package marketv1http_test

// What a production service needs of the generated server: errors that leak nothing, recovered
// panics, request and response headers through ctx, a mountable http.Handler and interceptors.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

const secret = "postgres://admin:hunter2@10.0.0.7/prices"

// errorLog is an ErrorHandler that keeps what it saw.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) handler(_ *http.Request, err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
	return nil
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

func instrumentRequest() *marketv1.GetInstrumentRequest {
	return &marketv1.GetInstrumentRequest{Symbol: "X", Venue: marketv1.Venue_VENUE_XNAS}
}

func instrumentURL(ts *testServer) string {
	return ts.URL + "/api/v1/venues/VENUE_XNAS/instruments/X"
}

func decodeMessage(t *testing.T, body string) string {
	t.Helper()
	var answer struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("body %q is not {\"message\"}: %v", body, err)
	}
	return answer.Message
}

// streamErrorData reads a raw stream up to its error event and returns the event's data.
func streamErrorData(t *testing.T, ts *testServer) string {
	t.Helper()
	resp := rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/X/stream", "", sseHeaders)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	body := bufio.NewReader(resp.Body)
	readLinesUntil(t, body, func(l string) bool { return l == "event: error" })
	line, err := body.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(strings.TrimSuffix(line, "\n"), "data: ")
}

func TestPlainErrorsDoNotReachClients(t *testing.T) {
	t.Run("unary", func(t *testing.T) {
		log := &errorLog{}
		impl := &market{getInstrument: func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			return nil, errors.New("cannot reach " + secret)
		}}
		ts := startServer(t, impl, marketv1http.WithErrorHandler(log.handler))
		_, err := ts.client(t).GetInstrument(context.Background(), instrumentRequest())
		if e := asAPIError(t, err); e.Status != 500 || e.Message != "internal server error" {
			t.Fatalf("got %+v, want 500 internal server error", e)
		}
		resp := rawRequest(t, testCtx(t), "GET", instrumentURL(ts), "", map[string]string{"X-API-Key": apiKey})
		if body := readAll(t, resp.Body); strings.Contains(body, "hunter2") || decodeMessage(t, body) != "internal server error" {
			t.Fatalf("body %q", body)
		}
		if errs := log.all(); len(errs) != 2 || !strings.Contains(errs[0].Error(), secret) {
			t.Fatalf("the error handler saw %v, want the original errors", errs)
		}
	})
	t.Run("error event", func(t *testing.T) {
		log := &errorLog{}
		impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
			if err := s.Send(&marketv1.Quote{Symbol: "X"}); err != nil {
				return err
			}
			return errors.New("lost " + secret)
		}}
		ts := startServer(t, impl, marketv1http.WithErrorHandler(log.handler))
		if data := streamErrorData(t, ts); decodeMessage(t, data) != "internal server error" {
			t.Fatalf("error event data %q", data)
		}
		if errs := log.all(); len(errs) != 1 || !strings.Contains(errs[0].Error(), secret) {
			t.Fatalf("the error handler saw %v", errs)
		}
	})
	t.Run("exposed on purpose", func(t *testing.T) {
		impl := &market{getInstrument: func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			return nil, errors.New("the feed is late")
		}}
		expose := marketv1http.WithErrorHandler(func(_ *http.Request, err error) error {
			return marketv1http.NewAPIError(http.StatusServiceUnavailable, err.Error())
		})
		ts := startServer(t, impl, expose)
		_, err := ts.client(t).GetInstrument(context.Background(), instrumentRequest())
		if e := asAPIError(t, err); e.Status != 503 || e.Message != "the feed is late" {
			t.Fatalf("got %+v", e)
		}
	})
}

func TestPanicsAreRecovered(t *testing.T) {
	log := &errorLog{}
	var panicking atomic.Bool
	panicking.Store(true)
	impl := &market{
		getInstrument: func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			if panicking.Load() {
				panic("nil map in " + secret)
			}
			return &marketv1.Instrument{Symbol: "X"}, nil
		},
		streamQuotes: func(_ context.Context, req *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
			if req.Symbol == "late" {
				if err := s.Send(&marketv1.Quote{Symbol: "late"}); err != nil {
					return err
				}
			}
			panic(errors.New("stream " + secret))
		},
	}
	ts := startServer(t, impl, marketv1http.WithErrorHandler(log.handler))
	c := ts.client(t)

	_, err := c.GetInstrument(context.Background(), instrumentRequest())
	if e := asAPIError(t, err); e.Status != 500 || e.Message != "internal server error" {
		t.Fatalf("unary panic: got %+v", e)
	}
	_, err = c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "early"})
	if e := asAPIError(t, err); e.Status != 500 || e.Message != "internal server error" {
		t.Fatalf("stream panic before the commit: got %+v", e)
	}
	stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "late"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if !stream.Next() || stream.Msg().Symbol != "late" {
		t.Fatalf("first event: %v", stream.Err())
	}
	if stream.Next() {
		t.Fatal("an event after the panic")
	}
	if e := asAPIError(t, stream.Err()); e.Message != "internal server error" {
		t.Fatalf("stream panic after the commit: got %+v", e)
	}

	errs := log.all()
	if len(errs) != 3 {
		t.Fatalf("the error handler saw %d errors, want 3: %v", len(errs), errs)
	}
	for _, err := range errs {
		var p *marketv1http.PanicError
		if !errors.As(err, &p) || !strings.Contains(err.Error(), secret) || len(p.Stack) == 0 {
			t.Fatalf("the error handler saw %v (%T), want a *PanicError with the value and a stack", err, err)
		}
	}
	// The server is unharmed.
	panicking.Store(false)
	if got, err := c.GetInstrument(context.Background(), instrumentRequest()); err != nil || got.Symbol != "X" {
		t.Fatalf("after the panics: %v, %v", got, err)
	}
}

func TestHandlersReachHeadersThroughContext(t *testing.T) {
	impl := &market{
		getInstrument: func(ctx context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			r := marketv1http.RequestFromContext(ctx)
			marketv1http.ResponseHeader(ctx).Set("X-Key-Seen", r.Header.Get("X-API-Key"))
			if req.Symbol == "fail" {
				marketv1http.ResponseHeader(ctx).Set("WWW-Authenticate", `Bearer realm="market"`)
				return nil, marketv1http.NewAPIError(http.StatusUnauthorized, "who are you")
			}
			return &marketv1.Instrument{Symbol: r.URL.Path}, nil
		},
		streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
			marketv1http.ResponseHeader(ctx).Set("X-Key-Seen", marketv1http.RequestFromContext(ctx).Header.Get("X-API-Key"))
			return s.Send(&marketv1.Quote{Symbol: "X"})
		},
	}
	ts := startServer(t, impl)
	headers := map[string]string{"X-API-Key": apiKey}
	resp := rawRequest(t, testCtx(t), "GET", instrumentURL(ts), "", headers)
	if got := resp.Header.Get("X-Key-Seen"); resp.StatusCode != 200 || got != apiKey {
		t.Fatalf("unary: status %d, X-Key-Seen %q", resp.StatusCode, got)
	}
	if body := readAll(t, resp.Body); !strings.Contains(body, "/api/v1/venues/VENUE_XNAS/instruments/X") {
		t.Fatalf("the handler did not see the *http.Request: %s", body)
	}
	resp = rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/venues/VENUE_XNAS/instruments/fail", "", headers)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || resp.Header.Get("X-Key-Seen") != apiKey {
		t.Fatalf("error: status %d, headers %v", resp.StatusCode, resp.Header)
	}
	resp = rawRequest(t, testCtx(t), "GET", ts.URL+"/api/v1/quotes/X/stream", "", sseHeaders)
	if got := resp.Header.Get("X-Key-Seen"); got != apiKey || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: X-Key-Seen %q, Content-Type %q", got, resp.Header.Get("Content-Type"))
	}
	if marketv1http.RequestFromContext(context.Background()) != nil {
		t.Fatal("a request outside any call")
	}
	marketv1http.ResponseHeader(context.Background()).Set("X", "y") // harmless outside a call
}

func TestNewHandler(t *testing.T) {
	h := marketv1http.NewMarketDataServiceHandler(&market{getInstrument: func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
		return &marketv1.Instrument{Symbol: "X"}, nil
	}})
	// Mounted under a prefix by the user's own mux, with their own middleware around it.
	mux := http.NewServeMux()
	mux.Handle("/market/", http.StripPrefix("/market", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := marketv1http.NewMarketDataServiceClient(srv.URL+"/market", marketv1http.WithDefaultHeader("X-API-Key", apiKey))
	if got, err := c.GetInstrument(context.Background(), instrumentRequest()); err != nil || got.Symbol != "X" {
		t.Fatalf("%v, %v", got, err)
	}

	resp := rawRequest(t, testCtx(t), "GET", srv.URL+"/market/api/v1/nothing", "", nil)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 404 || ct != "application/json" {
		t.Fatalf("404: %d %q", resp.StatusCode, ct)
	}
	if msg := decodeMessage(t, readAll(t, resp.Body)); msg != "no route for GET /api/v1/nothing" {
		t.Fatalf("404 message %q", msg)
	}
	resp = rawRequest(t, testCtx(t), "DELETE", srv.URL+"/market/api/v1/instruments", "", nil)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("405: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if msg := decodeMessage(t, readAll(t, resp.Body)); msg != "method DELETE not allowed; use GET, HEAD" {
		t.Fatalf("405 message %q", msg)
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Error("NewMarketDataServiceHandler(nil) did not panic")
			}
		}()
		marketv1http.NewMarketDataServiceHandler(nil)
	}()
}

func TestRegisterNeedsAMux(t *testing.T) {
	if err := marketv1http.RegisterMarketDataServiceServer(&market{}); err == nil || !strings.Contains(err.Error(), "WithMux") {
		t.Fatalf("got %v, want an error asking for WithMux", err)
	}
	// Nothing was registered on the global mux.
	req := httptest.NewRequest("GET", "/api/v1/instruments", nil)
	if _, pattern := http.DefaultServeMux.Handler(req); pattern != "" {
		t.Fatalf("http.DefaultServeMux has %q", pattern)
	}
}

type userKey struct{}

func TestInterceptors(t *testing.T) {
	var mu sync.Mutex
	var trace []string
	record := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		trace = append(trace, s)
	}
	auth := func(ctx context.Context, call *marketv1http.ServerCall, next func(context.Context) error) error {
		if call.Request.Header.Get("X-API-Key") != apiKey {
			return marketv1http.NewAPIError(http.StatusUnauthorized, "bad key")
		}
		return next(context.WithValue(ctx, userKey{}, "alice"))
	}
	logging := func(ctx context.Context, call *marketv1http.ServerCall, next func(context.Context) error) error {
		symbol := ""
		switch m := call.Message.(type) {
		case *marketv1.GetInstrumentRequest:
			symbol = m.Symbol
		case *marketv1.StreamQuotesRequest:
			symbol = m.Symbol
		}
		record("before " + call.Method + " " + symbol)
		err := next(ctx)
		response := ""
		if call.Response != nil {
			response = call.Response.(*marketv1.Instrument).Name
		}
		record("after " + response)
		return err
	}
	cache := func(ctx context.Context, call *marketv1http.ServerCall, next func(context.Context) error) error {
		if m, ok := call.Message.(*marketv1.GetInstrumentRequest); ok && m.Symbol == "CACHED" {
			call.Response = &marketv1.Instrument{Name: "from cache"}
			return nil
		}
		return next(ctx)
	}
	var handled atomic.Int32
	impl := &market{
		getInstrument: func(ctx context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			handled.Add(1)
			return &marketv1.Instrument{Symbol: req.Symbol, Name: ctx.Value(userKey{}).(string)}, nil
		},
		streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
			handled.Add(1)
			return s.Send(&marketv1.Quote{Symbol: ctx.Value(userKey{}).(string)})
		},
	}
	ts := startServer(t, impl, marketv1http.WithInterceptors(logging, auth), marketv1http.WithInterceptors(cache))
	c := ts.client(t)

	got, err := c.GetInstrument(context.Background(), instrumentRequest())
	if err != nil || got.Name != "alice" {
		t.Fatalf("%v, %v", got, err)
	}
	if got, err := c.GetInstrument(context.Background(), &marketv1.GetInstrumentRequest{Symbol: "CACHED", Venue: 1}); err != nil || got.Name != "from cache" {
		t.Fatalf("short-circuit: %v, %v", got, err)
	}
	stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "S"})
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() || stream.Msg().Symbol != "alice" {
		t.Fatalf("stream: %v", stream.Err())
	}
	// Read to the end event, which is sent once the interceptors have returned.
	if stream.Next() || stream.Err() != nil {
		t.Fatalf("stream end: %v", stream.Err())
	}
	stream.Close()
	if handled.Load() != 2 {
		t.Fatalf("the handlers ran %d times, want 2", handled.Load())
	}

	wrongKey := marketv1http.NewMarketDataServiceClient(ts.URL, marketv1http.WithDefaultHeader("X-API-Key", "wrong"))
	if _, err := wrongKey.GetInstrument(context.Background(), instrumentRequest()); asAPIError(t, err).Status != 401 {
		t.Fatalf("got %v, want 401", err)
	}
	if _, err := wrongKey.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "S"}); asAPIError(t, err).Status != 401 {
		t.Fatalf("stream: got %v, want 401", err)
	}
	if handled.Load() != 2 {
		t.Fatal("a rejected call reached its handler")
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"before market.v1.MarketDataService.GetInstrument X", "after alice",
		"before market.v1.MarketDataService.GetInstrument CACHED", "after from cache",
		"before market.v1.MarketDataService.StreamQuotes S", "after ",
		"before market.v1.MarketDataService.GetInstrument X", "after ",
		"before market.v1.MarketDataService.StreamQuotes S", "after ",
	}
	if strings.Join(trace, "|") != strings.Join(want, "|") {
		t.Fatalf("trace\n%q\nwant\n%q", trace, want)
	}
}

func TestClientInterceptorsAndResponseInfo(t *testing.T) {
	impl := &market{
		getInstrument: func(ctx context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			marketv1http.ResponseHeader(ctx).Set("X-Trace", "t-1")
			if req.Symbol == "GONE" {
				return nil, marketv1http.NewAPIError(http.StatusNotFound, "gone")
			}
			return &marketv1.Instrument{Symbol: req.Symbol, Name: marketv1http.RequestFromContext(ctx).Header.Get("X-Token")}, nil
		},
		streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
			marketv1http.ResponseHeader(ctx).Set("X-Trace", "t-2")
			return s.Send(&marketv1.Quote{Symbol: marketv1http.RequestFromContext(ctx).Header.Get("X-Token")})
		},
	}
	ts := startServer(t, impl)
	var mu sync.Mutex
	var trace []string
	record := func(call *marketv1http.ClientCall, err error) {
		mu.Lock()
		defer mu.Unlock()
		name := ""
		if call.Response != nil {
			name = call.Response.(*marketv1.Instrument).Name
		}
		trace = append(trace, fmt.Sprintf("%s stream=%v status=%d trace=%s response=%s err=%v",
			call.Method, call.Streaming, call.Status, call.ResponseHeader.Get("X-Trace"), name, err != nil))
	}
	token := func(ctx context.Context, call *marketv1http.ClientCall, next func(context.Context) error) error {
		call.Header.Set("X-Token", "secret-token")
		err := next(ctx)
		record(call, err)
		return err
	}
	deny := func(ctx context.Context, call *marketv1http.ClientCall, next func(context.Context) error) error {
		if m, ok := call.Message.(*marketv1.GetInstrumentRequest); ok && m.Symbol == "LOCAL" {
			return errors.New("refused by the client")
		}
		return next(ctx)
	}
	c := ts.client(t, marketv1http.WithClientInterceptors(token, deny))

	var info marketv1http.ResponseInfo
	got, err := c.GetInstrument(context.Background(), instrumentRequest(), marketv1http.WithResponseInfo(&info))
	if err != nil || got.Name != "secret-token" {
		t.Fatalf("%v, %v", got, err)
	}
	if info.Status != 200 || info.Header.Get("X-Trace") != "t-1" {
		t.Fatalf("response info %+v", info)
	}
	_, err = c.GetInstrument(context.Background(), &marketv1.GetInstrumentRequest{Symbol: "GONE", Venue: 1}, marketv1http.WithResponseInfo(&info))
	if asAPIError(t, err).Status != 404 || info.Status != 404 || info.Header.Get("X-Trace") != "t-1" {
		t.Fatalf("error: %v, info %+v", err, info)
	}
	if _, err := c.GetInstrument(context.Background(), &marketv1.GetInstrumentRequest{Symbol: "LOCAL", Venue: 1}); err == nil || err.Error() != "refused by the client" {
		t.Fatalf("got %v, want the interceptor's error", err)
	}
	stream, err := c.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "S"}, marketv1http.WithResponseInfo(&info))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if !stream.Next() || stream.Msg().Symbol != "secret-token" {
		t.Fatalf("stream: %v", stream.Err())
	}
	if info.Status != 200 || info.Header.Get("X-Trace") != "t-2" {
		t.Fatalf("stream response info %+v", info)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"market.v1.MarketDataService.GetInstrument stream=false status=200 trace=t-1 response=secret-token err=false",
		"market.v1.MarketDataService.GetInstrument stream=false status=404 trace=t-1 response= err=true",
		"market.v1.MarketDataService.GetInstrument stream=false status=0 trace= response= err=true",
		"market.v1.MarketDataService.StreamQuotes stream=true status=200 trace=t-2 response= err=false",
	}
	if strings.Join(trace, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trace\n%s\nwant\n%s", strings.Join(trace, "\n"), strings.Join(want, "\n"))
	}
}

func TestCORS(t *testing.T) {
	impl := &market{getInstrument: func(ctx context.Context, _ *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
		marketv1http.ResponseHeader(ctx).Set("X-Trace", "t-1")
		return &marketv1.Instrument{Symbol: "X"}, nil
	}}
	ts := startServer(t, impl, marketv1http.WithCORS(marketv1http.CORS{
		AllowedOrigins: []string{"https://app.example.com"}, AllowCredentials: true, MaxAge: 10 * time.Minute,
		ExposedHeaders: []string{"X-Trace"},
	}))
	preflight := map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
		"Access-Control-Request-Headers": "x-api-key, last-event-id",
	}
	resp := rawRequest(t, testCtx(t), "OPTIONS", instrumentURL(ts), "", preflight)
	want := map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "GET, HEAD",
		"Access-Control-Allow-Headers": "x-api-key, last-event-id", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Max-Age": "600",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("preflight %s = %q, want %q", k, got, v)
		}
	}
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight status %d", resp.StatusCode)
	}
	resp = rawRequest(t, testCtx(t), "GET", instrumentURL(ts), "", map[string]string{"Origin": "https://app.example.com", "X-API-Key": apiKey})
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || resp.Header.Get("Access-Control-Expose-Headers") != "X-Trace" {
		t.Errorf("actual request headers %v", resp.Header)
	}
	// Another origin gets no permission, and its preflight no Allow-Origin.
	preflight["Origin"] = "https://evil.example.com"
	resp = rawRequest(t, testCtx(t), "OPTIONS", instrumentURL(ts), "", preflight)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("foreign preflight allowed %q", got)
	}
	resp = rawRequest(t, testCtx(t), "GET", instrumentURL(ts), "", map[string]string{"Origin": "https://evil.example.com", "X-API-Key": apiKey})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("foreign origin allowed %q", got)
	}
}
