// Command driver runs the interop scenarios (scenarios.json) with the generated Go client against
// a server at -base-url and prints one "RESULT {json}" line per scenario: name, ok, detail.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/ssegen/testprojects/interop/wirerecord"
	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Deadlines, not timing checks: a hung call fails its scenario instead of the whole run.
const (
	scenarioDeadline    = 60 * time.Second
	observationDeadline = 20 * time.Second
)

type file struct {
	// "sebuf": the client reads streams with WithSebufStreamFraming.
	Framing        string            `json:"framing"`
	DefaultHeaders map[string]string `json:"default_headers"`
	Scenarios      []json.RawMessage `json:"scenarios"`
}

type scenario struct {
	Name               string            `json:"name"`
	Kind               string            `json:"kind"`
	Method             string            `json:"method"`
	Request            json.RawMessage   `json:"request"`
	Headers            map[string]string `json:"headers"`
	OmitDefaultHeaders bool              `json:"omit_default_headers"`
	CancelAfter        int               `json:"cancel_after"`
	Wire               *wireExpectation  `json:"wire"`
	InterceptorHeaders map[string]string `json:"interceptor_headers"` // set by a client interceptor
	Concurrency        int               `json:"concurrency"`
	Reconnect          *struct {
		MaxAttempts    int `json:"max_attempts"`
		InitialDelayMs int `json:"initial_delay_ms"`
		MaxDelayMs     int `json:"max_delay_ms"`
	} `json:"reconnect"`
	Expect struct {
		Response        json.RawMessage   `json:"response"`
		ResponseHeaders map[string]string `json:"response_headers"` // unary, prefix match
		Error           *expectedError    `json:"error"`
		Events          []expectedEvent   `json:"events"`
		End             string            `json:"end"`
		Observation     map[string]any    `json:"observation"`
	} `json:"expect"`
}

// wireExpectation is checked on the raw response the client read (see checkWire).
type wireExpectation struct {
	Headers      map[string]string `json:"headers"`
	Lines        []string          `json:"lines"`
	CommentLines bool              `json:"comment_lines"`
}

// checkWire compares the raw response the client read with the scenario's expectation.
func checkWire(rec *wirerecord.Recorder, want *wireExpectation) string {
	header := rec.Header()
	for k, v := range want.Headers {
		if got := header.Get(k); !strings.HasPrefix(got, v) {
			return fmt.Sprintf("wire: header %s = %q, want %q", k, got, v)
		}
	}
	lines := strings.FieldsFunc(rec.Body(), func(r rune) bool { return r == '\n' || r == '\r' })
	has := func(pred func(string) bool) bool {
		for _, l := range lines {
			if pred(l) {
				return true
			}
		}
		return false
	}
	for _, w := range want.Lines {
		if !has(func(l string) bool { return l == w }) {
			return fmt.Sprintf("wire: no line %q in the body", w)
		}
	}
	if want.CommentLines && !has(func(l string) bool { return strings.HasPrefix(l, ":") }) {
		return "wire: no comment line (heartbeat) in the body"
	}
	return ""
}

type expectedError struct {
	Kind       string  `json:"kind"`
	Status     *int    `json:"status"`
	Message    *string `json:"message"`
	Violations []struct {
		Field       string  `json:"field"`
		Description *string `json:"description"`
	} `json:"violations"`
}

type expectedEvent struct {
	Event            string          `json:"event"`
	ID               string          `json:"id"`
	Data             json.RawMessage `json:"data"`
	DataSymbolLength *int            `json:"data_symbol_length"`
}

// stream hides the generic EventStream[T] of each method.
type stream interface {
	Next() bool
	Msg() proto.Message
	Event() string
	ID() string
	Err() error
	Close() error
}

type typed[T proto.Message] struct{ *marketv1http.EventStream[T] }

func (s typed[T]) Msg() proto.Message { return s.EventStream.Msg() }

func wrap[T proto.Message](s *marketv1http.EventStream[T], err error) (stream, error) {
	if err != nil {
		return nil, err
	}
	return typed[T]{s}, nil
}

type unaryMethod struct {
	request, response func() proto.Message
	call              func(ctx context.Context, c *marketv1http.MarketDataServiceClient, req proto.Message, opts []marketv1http.CallOption) (proto.Message, error)
}

func unary[Req, Res proto.Message](newReq func() Req, newRes func() Res, f func(*marketv1http.MarketDataServiceClient, context.Context, Req, ...marketv1http.CallOption) (Res, error)) unaryMethod {
	return unaryMethod{
		request:  func() proto.Message { return newReq() },
		response: func() proto.Message { return newRes() },
		call: func(ctx context.Context, c *marketv1http.MarketDataServiceClient, req proto.Message, opts []marketv1http.CallOption) (proto.Message, error) {
			return f(c, ctx, req.(Req), opts...)
		},
	}
}

type C = marketv1http.MarketDataServiceClient

var unaryMethods = map[string]unaryMethod{
	"GetInstrument":    unary(func() *marketv1.GetInstrumentRequest { return new(marketv1.GetInstrumentRequest) }, func() *marketv1.Instrument { return new(marketv1.Instrument) }, (*C).GetInstrument),
	"ListInstruments":  unary(func() *marketv1.ListInstrumentsRequest { return new(marketv1.ListInstrumentsRequest) }, func() *marketv1.ListInstrumentsResponse { return new(marketv1.ListInstrumentsResponse) }, (*C).ListInstruments),
	"GetOrderBook":     unary(func() *marketv1.GetOrderBookRequest { return new(marketv1.GetOrderBookRequest) }, func() *marketv1.OrderBook { return new(marketv1.OrderBook) }, (*C).GetOrderBook),
	"SubmitOrder":      unary(func() *marketv1.SubmitOrderRequest { return new(marketv1.SubmitOrderRequest) }, func() *marketv1.SubmitOrderResponse { return new(marketv1.SubmitOrderResponse) }, (*C).SubmitOrder),
	"ReplaceWatchlist": unary(func() *marketv1.Watchlist { return new(marketv1.Watchlist) }, func() *marketv1.Watchlist { return new(marketv1.Watchlist) }, (*C).ReplaceWatchlist),
	"UpdateWatchlist":  unary(func() *marketv1.UpdateWatchlistRequest { return new(marketv1.UpdateWatchlistRequest) }, func() *marketv1.Watchlist { return new(marketv1.Watchlist) }, (*C).UpdateWatchlist),
	"GetServerTime":    unary(func() *marketv1.GetServerTimeRequest { return new(marketv1.GetServerTimeRequest) }, func() *marketv1.GetServerTimeResponse { return new(marketv1.GetServerTimeResponse) }, (*C).GetServerTime),
	"GetMarketStatus":  unary(func() *marketv1.GetMarketStatusRequest { return new(marketv1.GetMarketStatusRequest) }, func() *marketv1.MarketStatus { return new(marketv1.MarketStatus) }, (*C).GetMarketStatus),
	"DeleteWatchlist":  unary(func() *marketv1.DeleteWatchlistRequest { return new(marketv1.DeleteWatchlistRequest) }, func() *marketv1.DeleteWatchlistResponse { return new(marketv1.DeleteWatchlistResponse) }, (*C).DeleteWatchlist),
}

type streamMethod struct {
	request, event func() proto.Message
	open           func(ctx context.Context, c *C, req proto.Message, opts []marketv1http.CallOption) (stream, error)
}

var streamMethods = map[string]streamMethod{
	"StreamQuotes": {
		request: func() proto.Message { return new(marketv1.StreamQuotesRequest) },
		event:   func() proto.Message { return new(marketv1.Quote) },
		open: func(ctx context.Context, c *C, req proto.Message, opts []marketv1http.CallOption) (stream, error) {
			return wrap(c.StreamQuotes(ctx, req.(*marketv1.StreamQuotesRequest), opts...))
		},
	},
	"WatchTrades": {
		request: func() proto.Message { return new(marketv1.WatchTradesRequest) },
		event:   func() proto.Message { return new(marketv1.Trade) },
		open: func(ctx context.Context, c *C, req proto.Message, opts []marketv1http.CallOption) (stream, error) {
			return wrap(c.WatchTrades(ctx, req.(*marketv1.WatchTradesRequest), opts...))
		},
	},
}

type runner struct {
	baseURL        string
	defaultHeaders map[string]string
	sebufFraming   bool
}

func main() {
	baseURL := flag.String("base-url", "", "server URL")
	path := flag.String("scenarios", "", "scenarios.json")
	only := flag.String("only", "", "run only the scenario with this name")
	flag.Parse()
	raw, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var f file
	if err := json.Unmarshal(raw, &f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r := &runner{baseURL: *baseURL, defaultHeaders: f.DefaultHeaders, sebufFraming: f.Framing == "sebuf"}
	for _, text := range f.Scenarios {
		var name struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(text, &name)
		if *only != "" && name.Name != *only {
			continue
		}
		detail := r.run(text)
		line, _ := json.Marshal(map[string]any{"scenario": name.Name, "ok": detail == "", "detail": detail})
		fmt.Printf("RESULT %s\n", line)
	}
}

// run returns "" when the scenario passed, else what went wrong. Concurrent copies get their
// index substituted for {i} in the scenario text.
func (r *runner) run(text json.RawMessage) (detail string) {
	defer func() {
		if p := recover(); p != nil {
			detail = fmt.Sprintf("driver panic: %v", p)
		}
	}()
	var probe scenario
	if err := json.Unmarshal(text, &probe); err != nil {
		return "bad scenario: " + err.Error()
	}
	n := probe.Concurrency
	if n <= 0 {
		n = 1
	}
	details := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var sc scenario
			copyText := bytes.ReplaceAll(text, []byte("{i}"), []byte(strconv.Itoa(i)))
			if err := json.Unmarshal(copyText, &sc); err != nil {
				details[i] = "bad scenario: " + err.Error()
				return
			}
			details[i] = r.runOne(&sc)
		}(i)
	}
	wg.Wait()
	for i, d := range details {
		if d != "" {
			if n > 1 {
				return fmt.Sprintf("copy %d: %s", i, d)
			}
			return d
		}
	}
	return ""
}

func (r *runner) runOne(sc *scenario) string {
	ctx, cancel := context.WithTimeout(context.Background(), scenarioDeadline)
	defer cancel()
	// No client timeout (it would cover whole streams); the context is the deadline.
	var clientOpts []marketv1http.ClientOption
	if !sc.OmitDefaultHeaders {
		for k, v := range r.defaultHeaders {
			clientOpts = append(clientOpts, marketv1http.WithDefaultHeader(k, v))
		}
	}
	if sc.Reconnect != nil {
		clientOpts = append(clientOpts, marketv1http.WithReconnect(marketv1http.ReconnectPolicy{
			MaxAttempts:    sc.Reconnect.MaxAttempts,
			InitialBackoff: time.Duration(sc.Reconnect.InitialDelayMs) * time.Millisecond,
			MaxBackoff:     time.Duration(sc.Reconnect.MaxDelayMs) * time.Millisecond,
		}))
	}
	if r.sebufFraming {
		clientOpts = append(clientOpts, marketv1http.WithSebufStreamFraming())
	}
	rec := &wirerecord.Recorder{}
	if sc.Wire != nil {
		clientOpts = append(clientOpts, marketv1http.WithHTTPClient(&http.Client{Transport: rec}))
	}
	if len(sc.InterceptorHeaders) > 0 {
		clientOpts = append(clientOpts, marketv1http.WithClientInterceptors(
			func(ctx context.Context, call *marketv1http.ClientCall, next func(context.Context) error) error {
				for k, v := range sc.InterceptorHeaders {
					call.Header.Set(k, v)
				}
				return next(ctx)
			}))
	}
	client := marketv1http.NewMarketDataServiceClient(r.baseURL, clientOpts...)
	var callOpts []marketv1http.CallOption
	for k, v := range sc.Headers {
		callOpts = append(callOpts, marketv1http.WithHeader(k, v))
	}
	switch sc.Kind {
	case "unary":
		m, ok := unaryMethods[sc.Method]
		if !ok {
			return "unknown unary method " + sc.Method
		}
		req := m.request()
		if err := protojson.Unmarshal(sc.Request, req); err != nil {
			return "bad request: " + err.Error()
		}
		var info marketv1http.ResponseInfo
		res, err := m.call(ctx, client, req, append(callOpts, marketv1http.WithResponseInfo(&info)))
		if sc.Expect.Error != nil {
			if err == nil {
				return "expected an error, got response " + protojson.Format(res)
			}
			return matchError(sc.Expect.Error, err)
		}
		if err != nil {
			return "unexpected error: " + describe(err)
		}
		for k, v := range sc.Expect.ResponseHeaders {
			if got := info.Header.Get(k); !strings.HasPrefix(got, v) {
				return fmt.Sprintf("response header %s = %q, want %q", k, got, v)
			}
		}
		return matchMessage(m.response, sc.Expect.Response, res)
	case "stream":
		if d := r.runStream(ctx, client, sc, callOpts); d != "" {
			return d
		}
		if sc.Wire != nil {
			if d := checkWire(rec, sc.Wire); d != "" {
				return d
			}
		}
		if sc.Expect.Observation != nil {
			return r.awaitObservation(sc)
		}
		return ""
	}
	return "unknown kind " + sc.Kind
}

func (r *runner) runStream(ctx context.Context, client *C, sc *scenario, callOpts []marketv1http.CallOption) string {
	m, ok := streamMethods[sc.Method]
	if !ok {
		return "unknown stream method " + sc.Method
	}
	req := m.request()
	if err := protojson.Unmarshal(sc.Request, req); err != nil {
		return "bad request: " + err.Error()
	}
	s, err := m.open(ctx, client, req, callOpts)
	got := 0
	var streamErr error
	if err != nil {
		streamErr = err
	} else {
		defer s.Close()
		for s.Next() {
			if got >= len(sc.Expect.Events) {
				return fmt.Sprintf("unexpected event #%d: event=%q id=%q data=%s", got+1, s.Event(), s.ID(), protojson.Format(s.Msg()))
			}
			want := sc.Expect.Events[got]
			if s.Event() != want.Event || s.ID() != want.ID {
				return fmt.Sprintf("event #%d: got event=%q id=%q, want event=%q id=%q", got+1, s.Event(), s.ID(), want.Event, want.ID)
			}
			if want.DataSymbolLength != nil {
				quote, _ := s.Msg().(*marketv1.Quote)
				if n := len(quote.GetSymbol()); n != *want.DataSymbolLength {
					return fmt.Sprintf("event #%d: symbol of %d bytes, want %d", got+1, n, *want.DataSymbolLength)
				}
			} else if d := matchMessage(m.event, want.Data, s.Msg()); d != "" {
				return fmt.Sprintf("event #%d: %s", got+1, d)
			}
			got++
			if sc.CancelAfter > 0 && got == sc.CancelAfter {
				// The client goes away mid-stream; Close must release the connection.
				if err := s.Close(); err != nil {
					return "Close: " + err.Error()
				}
				if s.Next() {
					return "Next after Close returned true"
				}
				if err := s.Err(); err != nil {
					return "Err after Close: " + describe(err)
				}
				break
			}
		}
		streamErr = s.Err()
	}
	if got != len(sc.Expect.Events) {
		return fmt.Sprintf("got %d events, want %d (stream error: %s)", got, len(sc.Expect.Events), describe(streamErr))
	}
	switch sc.Expect.End {
	case "clean", "cancelled":
		if streamErr != nil {
			return "stream did not end cleanly: " + describe(streamErr)
		}
	case "error":
		if streamErr == nil {
			return "stream ended cleanly, want an error"
		}
		return matchError(sc.Expect.Error, streamErr)
	default:
		return "unknown end " + sc.Expect.End
	}
	return ""
}

// awaitObservation polls the server's record of the stream until it matches or the deadline
// passes: cancellation reaches the handler asynchronously.
func (r *runner) awaitObservation(sc *scenario) string {
	id := sc.Headers["X-Request-ID"]
	deadline := time.Now().Add(observationDeadline)
	last := ""
	for {
		res, err := http.Get(r.baseURL + "/interop/observations/" + id)
		if err == nil {
			var got map[string]any
			err = json.NewDecoder(res.Body).Decode(&got)
			res.Body.Close()
			if err == nil {
				mismatch := ""
				for k, want := range sc.Expect.Observation {
					if !reflect.DeepEqual(got[k], want) {
						mismatch = fmt.Sprintf("%s = %v, want %v", k, got[k], want)
						break
					}
				}
				if mismatch == "" {
					return ""
				}
				last = "server observation: " + mismatch
			}
		}
		if err != nil {
			last = "observations: " + err.Error()
		}
		if time.Now().After(deadline) {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// matchMessage compares through protobuf, so JSON spelling (1 vs 1.0, enum numbers) is irrelevant.
func matchMessage(newMsg func() proto.Message, want json.RawMessage, got proto.Message) string {
	expected := newMsg()
	if err := protojson.Unmarshal(want, expected); err != nil {
		return "bad expected message: " + err.Error()
	}
	if !proto.Equal(expected, got) {
		return fmt.Sprintf("got %s, want %s", compact(got), compact(expected))
	}
	return ""
}

func compact(m proto.Message) string {
	b, _ := protojson.Marshal(m)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func describe(err error) string {
	if err == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T: %v", err, err)
}

func matchError(want *expectedError, err error) string {
	if want == nil {
		return "unexpected error: " + describe(err)
	}
	switch want.Kind {
	case "validation":
		var v *marketv1http.ValidationError
		if !errors.As(err, &v) {
			return "want a *ValidationError, got " + describe(err)
		}
		if len(v.Violations) != len(want.Violations) {
			return fmt.Sprintf("got violations %+v, want %d", v.Violations, len(want.Violations))
		}
		for i, w := range want.Violations {
			g := v.Violations[i]
			if g.Field != w.Field || (w.Description != nil && g.Description != *w.Description) {
				return fmt.Sprintf("violation %d: got %+v, want field %q", i, g, w.Field)
			}
		}
	case "api":
		var a *marketv1http.APIError
		if !errors.As(err, &a) {
			return "want an *APIError, got " + describe(err)
		}
		if want.Status != nil && a.Status != *want.Status {
			return fmt.Sprintf("got status %d, want %d (%s)", a.Status, *want.Status, a.Message)
		}
		if want.Message != nil && a.Message != *want.Message {
			return fmt.Sprintf("got message %q, want %q", a.Message, *want.Message)
		}
	case "interrupted":
		// The stream ended without its end event and reconnection (if on) gave up.
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			return "want an error wrapping io.ErrUnexpectedEOF, got " + describe(err)
		}
	default:
		return "unknown error kind " + want.Kind
	}
	return ""
}
