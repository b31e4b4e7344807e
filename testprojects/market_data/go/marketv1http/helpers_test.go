package marketv1http_test

// Shared fixtures of the loopback tests: the generated server on a fresh ServeMux behind
// httptest, driven by the generated client (and by raw HTTP where the wire itself is checked).
// Waits use generous deadlines only; nothing asserts on elapsed time.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

const (
	apiKey    = "mk_test_0123456789abcdef"
	requestID = "7f4c1e2a-93d5-4b8e-a1f0-5d2c9b7e6a31"
	// A deadline for things that happen at once unless something is broken.
	patience = 20 * time.Second
)

// market implements MarketDataServiceServer with one replaceable function per method;
// a method a test does not set answers 501.
type market struct {
	getInstrument    func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error)
	listInstruments  func(context.Context, *marketv1.ListInstrumentsRequest) (*marketv1.ListInstrumentsResponse, error)
	getOrderBook     func(context.Context, *marketv1.GetOrderBookRequest) (*marketv1.OrderBook, error)
	submitOrder      func(context.Context, *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error)
	replaceWatchlist func(context.Context, *marketv1.Watchlist) (*marketv1.Watchlist, error)
	updateWatchlist  func(context.Context, *marketv1.UpdateWatchlistRequest) (*marketv1.Watchlist, error)
	deleteWatchlist  func(context.Context, *marketv1.DeleteWatchlistRequest) (*marketv1.DeleteWatchlistResponse, error)
	getServerTime    func(context.Context, *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error)
	getMarketStatus  func(context.Context, *marketv1.GetMarketStatusRequest) (*marketv1.MarketStatus, error)
	streamQuotes     func(context.Context, *marketv1.StreamQuotesRequest, marketv1http.SSESender) error
	watchTrades      func(context.Context, *marketv1.WatchTradesRequest, marketv1http.SSESender) error
}

var _ marketv1http.MarketDataServiceServer = (*market)(nil)

var errNotImplemented = marketv1http.NewAPIError(http.StatusNotImplemented, "not implemented by this test")

func (m *market) GetInstrument(ctx context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
	if m.getInstrument == nil {
		return nil, errNotImplemented
	}
	return m.getInstrument(ctx, req)
}

func (m *market) ListInstruments(ctx context.Context, req *marketv1.ListInstrumentsRequest) (*marketv1.ListInstrumentsResponse, error) {
	if m.listInstruments == nil {
		return nil, errNotImplemented
	}
	return m.listInstruments(ctx, req)
}

func (m *market) GetOrderBook(ctx context.Context, req *marketv1.GetOrderBookRequest) (*marketv1.OrderBook, error) {
	if m.getOrderBook == nil {
		return nil, errNotImplemented
	}
	return m.getOrderBook(ctx, req)
}

func (m *market) SubmitOrder(ctx context.Context, req *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error) {
	if m.submitOrder == nil {
		return nil, errNotImplemented
	}
	return m.submitOrder(ctx, req)
}

func (m *market) ReplaceWatchlist(ctx context.Context, req *marketv1.Watchlist) (*marketv1.Watchlist, error) {
	if m.replaceWatchlist == nil {
		return nil, errNotImplemented
	}
	return m.replaceWatchlist(ctx, req)
}

func (m *market) UpdateWatchlist(ctx context.Context, req *marketv1.UpdateWatchlistRequest) (*marketv1.Watchlist, error) {
	if m.updateWatchlist == nil {
		return nil, errNotImplemented
	}
	return m.updateWatchlist(ctx, req)
}

func (m *market) DeleteWatchlist(ctx context.Context, req *marketv1.DeleteWatchlistRequest) (*marketv1.DeleteWatchlistResponse, error) {
	if m.deleteWatchlist == nil {
		return nil, errNotImplemented
	}
	return m.deleteWatchlist(ctx, req)
}

func (m *market) GetServerTime(ctx context.Context, req *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error) {
	if m.getServerTime == nil {
		return nil, errNotImplemented
	}
	return m.getServerTime(ctx, req)
}

func (m *market) GetMarketStatus(ctx context.Context, req *marketv1.GetMarketStatusRequest) (*marketv1.MarketStatus, error) {
	if m.getMarketStatus == nil {
		return nil, errNotImplemented
	}
	return m.getMarketStatus(ctx, req)
}

func (m *market) StreamQuotes(ctx context.Context, req *marketv1.StreamQuotesRequest, stream marketv1http.SSESender) error {
	if m.streamQuotes == nil {
		return errNotImplemented
	}
	return m.streamQuotes(ctx, req, stream)
}

func (m *market) WatchTrades(ctx context.Context, req *marketv1.WatchTradesRequest, stream marketv1http.SSESender) error {
	if m.watchTrades == nil {
		return errNotImplemented
	}
	return m.watchTrades(ctx, req, stream)
}

// recordedRequest is what reached the server, before the generated handler saw it.
type recordedRequest struct {
	Method   string
	Path     string // escaped, as sent
	RawQuery string
	Header   http.Header
	Body     []byte
}

type connKey struct{}

// testServer is the generated server registered on a fresh mux, behind a recorder.
type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recordedRequest
}

type serverSetup struct {
	opts         []marketv1http.ServerOption
	writeTimeout time.Duration
}

func startServer(t *testing.T, impl marketv1http.MarketDataServiceServer, opts ...marketv1http.ServerOption) *testServer {
	t.Helper()
	return startServerWith(t, impl, serverSetup{opts: opts})
}

func startServerWith(t *testing.T, impl marketv1http.MarketDataServiceServer, setup serverSetup) *testServer {
	t.Helper()
	mux := http.NewServeMux()
	opts := append([]marketv1http.ServerOption{marketv1http.WithMux(mux)}, setup.opts...)
	if err := marketv1http.RegisterMarketDataServiceServer(impl, opts...); err != nil {
		t.Fatalf("RegisterMarketDataServiceServer: %v", err)
	}
	ts := &testServer{}
	ts.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ts.mu.Lock()
		ts.requests = append(ts.requests, recordedRequest{
			Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body,
		})
		ts.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	// Handlers reach their connection through the request context, to drop it on purpose.
	ts.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	ts.Config.WriteTimeout = setup.writeTimeout
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) recorded() []recordedRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recordedRequest(nil), ts.requests...)
}

func (ts *testServer) lastRequest(t *testing.T) recordedRequest {
	t.Helper()
	all := ts.recorded()
	if len(all) == 0 {
		t.Fatal("no request reached the server")
	}
	return all[len(all)-1]
}

// newClient returns a client with its own transport, so tests can close its idle connections
// and count goroutines without interference.
func (ts *testServer) newClient(t *testing.T, opts ...marketv1http.ClientOption) (*marketv1http.MarketDataServiceClient, *http.Transport) {
	t.Helper()
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	all := append([]marketv1http.ClientOption{marketv1http.WithHTTPClient(&http.Client{Transport: transport})}, opts...)
	return marketv1http.NewMarketDataServiceClient(ts.URL, all...), transport
}

// client is newClient with the API key every method requires.
func (ts *testServer) client(t *testing.T, opts ...marketv1http.ClientOption) *marketv1http.MarketDataServiceClient {
	t.Helper()
	c, _ := ts.newClient(t, append([]marketv1http.ClientOption{marketv1http.WithDefaultHeader("X-API-Key", apiKey)}, opts...)...)
	return c
}

// dropConnection closes the TCP connection of the request whose context is ctx, as a crashing
// proxy or server would: no terminal event, no chunked-encoding trailer.
func dropConnection(t *testing.T, ctx context.Context) {
	c, ok := ctx.Value(connKey{}).(net.Conn)
	if !ok {
		t.Error("the handler context does not carry the connection (is it derived from the request's?)")
		return
	}
	_ = c.Close()
}

// newPlainServer serves h, for tests of the client against servers ssegen did not generate.
func newPlainServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// testCtx ends after patience, so a stream that never ends fails its test instead of hanging
// the whole run.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return ctx
}

// rawRequest sends a request with the standard library alone.
func rawRequest(t *testing.T, ctx context.Context, method, url string, body string, header map[string]string) *http.Response {
	t.Helper()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, patience)
		t.Cleanup(cancel)
	}
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

// readLinesUntil reads lines (LF-terminated, as ssegen servers write them) until one matches.
func readLinesUntil(t *testing.T, r *bufio.Reader, match func(string) bool) []string {
	t.Helper()
	var lines []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended (%v) before the expected line; read %q", err, lines)
		}
		line = strings.TrimSuffix(line, "\n")
		lines = append(lines, line)
		if match(line) {
			return lines
		}
	}
}

// waitFor fails the test if ch is not closed (or sent to) within patience.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(patience):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// cancelSignal returns a channel closed once, and the function that closes it.
func cancelSignal() (chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

// waitForGoroutines polls until the goroutine count is back to baseline: a leaked goroutine
// (heartbeat, body reader, connection) keeps it above. On failure it prints every stack.
func waitForGoroutines(t *testing.T, baseline int, transports ...*http.Transport) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		for _, tr := range transports {
			tr.CloseIdleConnections()
		}
		n := runtime.NumGoroutine()
		if n <= baseline {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines remain, %d before the test:\n%s", n, baseline, buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitForStack polls until some goroutine's stack contains fragment (a function name).
func waitForStack(t *testing.T, fragment string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	buf := make([]byte, 1<<20)
	for !strings.Contains(string(buf[:runtime.Stack(buf, true)]), fragment) {
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine reached %s", fragment)
		}
		time.Sleep(time.Millisecond)
	}
}

// asAPIError and asValidationError unwrap the typed errors or fail the test.
func asAPIError(t *testing.T, err error) *marketv1http.APIError {
	t.Helper()
	var apiErr *marketv1http.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got error %v (%T), want *APIError", err, err)
	}
	return apiErr
}

func asValidationError(t *testing.T, err error) *marketv1http.ValidationError {
	t.Helper()
	var invalid *marketv1http.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("got error %v (%T), want *ValidationError", err, err)
	}
	return invalid
}

// hasViolation reports whether field is among the violations (header names case-insensitively).
func hasViolation(v *marketv1http.ValidationError, field string) bool {
	for _, fv := range v.Violations {
		if strings.EqualFold(fv.Field, field) && fv.Description != "" {
			return true
		}
	}
	return false
}
