// Command server serves market.v1.MarketDataService with the generated Go server on a loopback
// port (printed as "LISTENING <url>") for the interop matrix. Its behaviour is picked by the
// request (see testprojects/interop/README.md) and mirrors ts/server.ts exactly.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// acceptedAt is fixed so both servers answer byte-identical messages.
var acceptedAt = timestamppb.New(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))

// headers of the current request, as the generated server hands them to handlers.
func headers(ctx context.Context) http.Header {
	return marketv1http.RequestFromContext(ctx).Header
}

// secret stands for what an internal error may hold; it must never reach a client.
const secret = "postgres://admin:hunter2@10.0.0.7/prices"

// intercept names the method in a response header, and rejects calls that ask for it.
func intercept(ctx context.Context, call *marketv1http.ServerCall, next func(context.Context) error) error {
	marketv1http.ResponseHeader(ctx).Set("X-Interop-Method", call.Method)
	if call.Request.Header.Get("X-Interop-Deny") != "" {
		return marketv1http.NewAPIError(http.StatusUnauthorized, "denied by interceptor")
	}
	return next(ctx)
}

// observation is what the server saw of the streams of one X-Request-ID; drivers read it from
// GET /interop/observations/{id} to check what a client cannot see (cancellation, resume).
type observation struct {
	Cancelled    bool     `json:"cancelled"`
	Stopped      bool     `json:"stopped"`
	LastEventIDs []string `json:"last_event_ids"`
}

type observations struct {
	mu sync.Mutex
	m  map[string]*observation
}

func (o *observations) update(id string, f func(*observation)) {
	if id == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	ob := o.m[id]
	if ob == nil {
		ob = &observation{LastEventIDs: []string{}}
		o.m[id] = ob
	}
	f(ob)
}

func (o *observations) get(id string) observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	if ob := o.m[id]; ob != nil {
		return observation{Cancelled: ob.Cancelled, Stopped: ob.Stopped, LastEventIDs: append([]string{}, ob.LastEventIDs...)}
	}
	return observation{LastEventIDs: []string{}}
}

type market struct {
	obs *observations
}

func (m *market) GetInstrument(ctx context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
	switch req.GetSymbol() {
	case "MISSING":
		return nil, marketv1http.NewAPIError(404, "instrument MISSING not found")
	case "BOOM":
		return nil, errors.New("boom: exchange unavailable at " + secret)
	case "PANIC":
		panic("nil map at " + secret)
	case "ECHO":
		return &marketv1.Instrument{Symbol: "ECHO", Name: headers(ctx).Get("X-Interop-Echo")}, nil
	}
	return &marketv1.Instrument{Symbol: req.GetSymbol(), Venue: req.GetVenue(), Name: "Instrument " + req.GetSymbol()}, nil
}

func (m *market) ListInstruments(ctx context.Context, req *marketv1.ListInstrumentsRequest) (*marketv1.ListInstrumentsResponse, error) {
	res := &marketv1.ListInstrumentsResponse{NextPageToken: "page-" + strconv.Itoa(int(req.GetPageSize()))}
	for _, s := range req.GetSymbolFilter() {
		res.Instruments = append(res.Instruments, &marketv1.Instrument{
			Symbol: s, AssetClass: req.GetAssetClass(), Name: req.GetPageToken(), Active: req.GetIncludeInactive(),
		})
	}
	return res, nil
}

func (m *market) GetOrderBook(ctx context.Context, req *marketv1.GetOrderBookRequest) (*marketv1.OrderBook, error) {
	return &marketv1.OrderBook{
		Symbol:   req.GetSymbol(),
		Sequence: uint64(req.GetDepth()),
		Bids:     []*marketv1.OrderBook_Level{{Price: 10.5, Size: float64(req.GetDepth()), OrderCount: 1}},
	}, nil
}

func (m *market) SubmitOrder(ctx context.Context, req *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error) {
	if req.GetQuantity() <= 0 {
		return nil, &marketv1http.ValidationError{Violations: []marketv1http.FieldViolation{{Field: "quantity", Description: "must be positive"}}}
	}
	h := headers(ctx)
	id := strings.Join([]string{
		req.GetAccountId(), req.GetSymbol(), req.GetSide().String(), strconv.FormatInt(req.GetQuantity(), 10),
		h.Get("X-Client-Sequence"), h.Get("X-Request-ID"),
	}, "|")
	return &marketv1.SubmitOrderResponse{OrderId: id, AcceptedAt: acceptedAt}, nil
}

func (m *market) ReplaceWatchlist(ctx context.Context, req *marketv1.Watchlist) (*marketv1.Watchlist, error) {
	return &marketv1.Watchlist{Id: req.GetId(), Name: req.GetName(), Symbols: req.GetSymbols(), UpdatedAt: acceptedAt}, nil
}

func (m *market) UpdateWatchlist(ctx context.Context, req *marketv1.UpdateWatchlistRequest) (*marketv1.Watchlist, error) {
	return &marketv1.Watchlist{Id: req.GetId(), Name: req.GetName(), Symbols: req.GetAddSymbols(), UpdatedAt: acceptedAt}, nil
}

func (m *market) DeleteWatchlist(ctx context.Context, req *marketv1.DeleteWatchlistRequest) (*marketv1.DeleteWatchlistResponse, error) {
	return &marketv1.DeleteWatchlistResponse{}, nil
}

func (m *market) GetServerTime(ctx context.Context, req *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error) {
	return &marketv1.GetServerTimeResponse{Now: acceptedAt}, nil
}

func (m *market) GetMarketStatus(ctx context.Context, req *marketv1.GetMarketStatusRequest) (*marketv1.MarketStatus, error) {
	return &marketv1.MarketStatus{Venue: req.GetVenue(), Phase: marketv1.MarketStatus_PHASE_OPEN}, nil
}

// sleep waits for d or the end of the request; false means the client went away.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func quote(symbol string, bid float64) *marketv1.Quote {
	return &marketv1.Quote{Symbol: symbol, Bid: bid}
}

func (m *market) StreamQuotes(ctx context.Context, req *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
	symbol := req.GetSymbol()
	requestID := headers(ctx).Get("X-Request-ID")
	m.obs.update(requestID, func(o *observation) { o.LastEventIDs = append(o.LastEventIDs, s.LastEventID()) })
	if echo := headers(ctx).Get("X-Interop-Echo"); echo != "" {
		marketv1http.ResponseHeader(ctx).Set("X-Interop-Echo", echo)
	}
	id := marketv1http.WithEventID
	name := marketv1http.WithEventName
	switch {
	case symbol == "EVENTS":
		if err := s.SetRetry(1500 * time.Millisecond); err != nil {
			return err
		}
		for _, step := range []struct {
			bid  float64
			opts []marketv1http.EventOption
		}{
			{1, []marketv1http.EventOption{name("quote"), id("1")}},
			{2, []marketv1http.EventOption{name("quote"), id("2")}},
			{3, nil},
			{4, []marketv1http.EventOption{name("summary"), id("4")}},
		} {
			if err := s.Send(quote(symbol, step.bid), step.opts...); err != nil {
				return err
			}
		}
		return nil
	case symbol == "SLOW":
		// Longer than the heartbeat interval: the stream commits on a heartbeat, and comment
		// lines arrive between the events.
		for bid := 1.0; bid <= 2; bid++ {
			if !sleep(ctx, 400*time.Millisecond) {
				return ctx.Err()
			}
			if err := s.Send(quote(symbol, bid)); err != nil {
				return err
			}
		}
		return nil
	case symbol == "UNICODE":
		// Line breaks inside the JSON string, and U+2028/U+2029, which SSE parsers must not split on.
		return s.Send(quote("a\nb\r\nc \u2028 d \u2029 é 😀 \"q\"", 1))
	case symbol == "EMPTY":
		return nil
	case symbol == "EARLY":
		return marketv1http.NewAPIError(404, "no quotes for EARLY")
	case symbol == "LATE":
		for bid := 1.0; bid <= 2; bid++ {
			if err := s.Send(quote(symbol, bid)); err != nil {
				return err
			}
		}
		return marketv1http.NewAPIError(503, "feed lost")
	case symbol == "EARLYPANIC":
		panic("stream at " + secret)
	case symbol == "LATEPLAIN" || symbol == "LATEPANIC":
		if err := s.Send(quote(symbol, 1)); err != nil {
			return err
		}
		if symbol == "LATEPANIC" {
			panic("stream at " + secret)
		}
		return errors.New("feed lost at " + secret)
	case symbol == "LATEVALIDATION":
		if err := s.Send(quote(symbol, 1)); err != nil {
			return err
		}
		return &marketv1http.ValidationError{Violations: []marketv1http.FieldViolation{{Field: "symbol", Description: "delisted"}}}
	case symbol == "INFINITE":
		defer m.obs.update(requestID, func(o *observation) { o.Stopped = true })
		for n := 1; ; n++ {
			if err := s.Send(quote(symbol, float64(n)), id(strconv.Itoa(n))); err != nil {
				m.obs.update(requestID, func(o *observation) { o.Cancelled = ctx.Err() != nil })
				return err
			}
			if !sleep(ctx, 20*time.Millisecond) {
				m.obs.update(requestID, func(o *observation) { o.Cancelled = true })
				return ctx.Err()
			}
		}
	case symbol == "DROP":
		// First connection: events 1-3, then the server drops the connection. A resuming
		// client (Last-Event-ID) gets the rest and a clean end.
		last, _ := strconv.Atoi(s.LastEventID())
		for n := last + 1; n <= 5; n++ {
			if err := s.Send(quote(symbol, float64(n)), id(strconv.Itoa(n))); err != nil {
				return err
			}
			if last == 0 && n == 3 {
				// Aborts the response without a terminal chunk: a dropped connection.
				panic(http.ErrAbortHandler)
			}
		}
		return nil
	case strings.HasPrefix(symbol, "LARGE-"):
		size, err := strconv.Atoi(strings.TrimPrefix(symbol, "LARGE-"))
		if err != nil {
			return marketv1http.NewAPIError(400, "bad size")
		}
		return s.Send(quote(strings.Repeat("x", size), 0))
	case strings.HasPrefix(symbol, "CONC-"):
		for n := 1; n <= 5; n++ {
			if err := s.Send(quote(symbol, float64(n)), id(strconv.Itoa(n))); err != nil {
				return err
			}
			// Keeps the concurrent streams open at the same time.
			if !sleep(ctx, 10*time.Millisecond) {
				return ctx.Err()
			}
		}
		return nil
	}
	return marketv1http.NewAPIError(400, "unknown behaviour "+symbol)
}

func (m *market) WatchTrades(ctx context.Context, req *marketv1.WatchTradesRequest, s marketv1http.SSESender) error {
	for _, symbol := range req.GetSymbols() {
		trade := &marketv1.Trade{TradeId: "t-" + symbol, Symbol: symbol, Price: 1.25, Quantity: 10, Aggressor: marketv1.Side_SIDE_BUY, Time: req.GetSince()}
		if err := s.Send(trade, marketv1http.WithEventName("trade"), marketv1http.WithEventID(symbol)); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	framing := flag.String("framing", "ssegen", "stream framing: ssegen or sebuf")
	flag.Parse()
	obs := &observations{m: map[string]*observation{}}
	mux := http.NewServeMux()
	// Heartbeats far below the default so every stream that idles gets some.
	opts := []marketv1http.ServerOption{marketv1http.WithMux(mux), marketv1http.WithHeartbeatInterval(50 * time.Millisecond),
		marketv1http.WithInterceptors(intercept),
		// Any origin: the browser test (browser_test.py) calls from a page of another origin.
		marketv1http.WithCORS(marketv1http.CORS{AllowedOrigins: []string{"*"}, ExposedHeaders: []string{"X-Interop-Method"}})}
	if *framing == "sebuf" {
		opts = append(opts, marketv1http.WithSebufFraming())
	}
	if err := marketv1http.RegisterMarketDataServiceServer(&market{obs: obs}, opts...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux.HandleFunc("GET /interop/observations/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(obs.get(r.PathValue("id")))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	// The harness ends the process; a server-wide WriteTimeout would not hurt streams (the
	// generated code clears it per stream), so set one as a real deployment would.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
