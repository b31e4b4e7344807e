package marketv1http_test

// Unary calls over loopback HTTP: binding from path, query, body and headers, both encodings,
// and every error path of SPEC §3.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

func TestUnaryPathVariablesAreEncodedAndDecoded(t *testing.T) {
	var got *marketv1.GetInstrumentRequest
	impl := &market{getInstrument: func(_ context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
		got = req
		return &marketv1.Instrument{
			Symbol: req.Symbol, Venue: req.Venue, Name: "Berkshire Hathaway B", TickSize: 0.01, LotSize: 1,
			Active: true, ListedAt: timestamppb.New(time.Date(1996, 5, 9, 0, 0, 0, 0, time.UTC)),
		}, nil
	}}
	ts := startServer(t, impl)
	// A slash, a space, a percent sign and a non-ASCII letter: all must survive the path.
	symbol := "BRK/B é%"
	res, err := ts.client(t).GetInstrument(context.Background(), &marketv1.GetInstrumentRequest{Venue: marketv1.Venue_VENUE_XNYS, Symbol: symbol})
	if err != nil {
		t.Fatal(err)
	}
	if got.Symbol != symbol || got.Venue != marketv1.Venue_VENUE_XNYS {
		t.Fatalf("handler got %v", got)
	}
	if res.Symbol != symbol || res.Name != "Berkshire Hathaway B" || !res.ListedAt.AsTime().Equal(time.Date(1996, 5, 9, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("response %v", res)
	}
	r := ts.lastRequest(t)
	if want := "/api/v1/venues/VENUE_XNYS/instruments/" + url.PathEscape(symbol); r.Method != http.MethodGet || r.Path != want {
		t.Fatalf("request %s %s, want GET %s", r.Method, r.Path, want)
	}
	if len(r.Body) != 0 {
		t.Fatalf("GET carried a body: %q", r.Body)
	}
}

func TestUnaryEnumPathVariableForms(t *testing.T) {
	impl := &market{getInstrument: func(_ context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
		return &marketv1.Instrument{Symbol: req.Symbol, Venue: req.Venue}, nil
	}}
	ts := startServer(t, impl)
	for _, venue := range []string{"VENUE_CRYPTO", "3"} {
		resp := rawRequest(t, context.Background(), "GET", ts.URL+"/api/v1/venues/"+venue+"/instruments/BTC-USD", "", map[string]string{"X-API-Key": apiKey})
		body := readAll(t, resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(body, "VENUE_CRYPTO") {
			t.Fatalf("venue %s: %d %s", venue, resp.StatusCode, body)
		}
	}
	resp := rawRequest(t, context.Background(), "GET", ts.URL+"/api/v1/venues/NOPE/instruments/X", "", map[string]string{"X-API-Key": apiKey})
	v := decodeValidationBody(t, resp)
	if !hasViolation(v, "venue") {
		t.Fatalf("violations %v, want one for venue", v.Violations)
	}
}

func TestUnaryEmptyPathVariableIsRejectedByTheClient(t *testing.T) {
	ts := startServer(t, &market{})
	_, err := ts.client(t).GetInstrument(context.Background(), &marketv1.GetInstrumentRequest{Venue: marketv1.Venue_VENUE_XNAS})
	if !hasViolation(asValidationError(t, err), "symbol") {
		t.Fatalf("got %v, want a violation for symbol", err)
	}
	if n := len(ts.recorded()); n != 0 {
		t.Fatalf("%d requests sent for an unusable path", n)
	}
}

func TestUnaryQueryParameters(t *testing.T) {
	var got *marketv1.ListInstrumentsRequest
	impl := &market{listInstruments: func(_ context.Context, req *marketv1.ListInstrumentsRequest) (*marketv1.ListInstrumentsResponse, error) {
		got = req
		return &marketv1.ListInstrumentsResponse{NextPageToken: "next"}, nil
	}}
	ts := startServer(t, impl)
	want := &marketv1.ListInstrumentsRequest{
		SymbolFilter: []string{"AAPL", "MSFT", "BRK B"}, PageSize: 50, AssetClass: marketv1.AssetClass_ASSET_CLASS_ETF,
		IncludeInactive: true, PageToken: "a b&c=d",
	}
	res, err := ts.client(t).ListInstruments(context.Background(), want)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) || res.NextPageToken != "next" {
		t.Fatalf("handler got %v, want %v", got, want)
	}
	r := ts.lastRequest(t)
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	wantQuery := url.Values{
		"symbols": {"AAPL", "MSFT", "BRK B"}, "page_size": {"50"}, "asset_class": {"ASSET_CLASS_ETF"},
		"include_inactive": {"true"}, "page_token": {"a b&c=d"},
	}
	if !reflect.DeepEqual(q, wantQuery) {
		t.Fatalf("query %v, want %v", q, wantQuery)
	}
}

// A required query parameter at its zero value is still sent: the server rejects a request
// without it.
func TestUnaryRequiredQueryParameterAtZeroValue(t *testing.T) {
	impl := &market{listInstruments: func(_ context.Context, req *marketv1.ListInstrumentsRequest) (*marketv1.ListInstrumentsResponse, error) {
		return &marketv1.ListInstrumentsResponse{}, nil
	}}
	ts := startServer(t, impl)
	if _, err := ts.client(t).ListInstruments(context.Background(), &marketv1.ListInstrumentsRequest{}); err != nil {
		t.Fatal(err)
	}
	q, err := url.ParseQuery(ts.lastRequest(t).RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	if want := (url.Values{"page_size": {"0"}}); !reflect.DeepEqual(q, want) {
		t.Fatalf("query %v, want %v", q, want)
	}
}

func TestUnaryQueryBindingFromRawURLs(t *testing.T) {
	var got *marketv1.ListInstrumentsRequest
	impl := &market{listInstruments: func(_ context.Context, req *marketv1.ListInstrumentsRequest) (*marketv1.ListInstrumentsResponse, error) {
		got = req
		return &marketv1.ListInstrumentsResponse{}, nil
	}}
	ts := startServer(t, impl)
	headers := map[string]string{"X-API-Key": apiKey}

	// Empty values are the default; repeated keys fill a repeated field; enums by number too.
	resp := rawRequest(t, context.Background(), "GET", ts.URL+"/api/v1/instruments?page_size=7&symbols=A&symbols=B&page_token=&asset_class=4", "", headers)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp.Body))
	}
	want := &marketv1.ListInstrumentsRequest{PageSize: 7, SymbolFilter: []string{"A", "B"}, AssetClass: marketv1.AssetClass_ASSET_CLASS_CRYPTO}
	if !proto.Equal(got, want) {
		t.Fatalf("handler got %v, want %v", got, want)
	}

	for name, query := range map[string]string{
		"missing required": "symbols=A",
		"empty required":   "page_size=",
		"not a number":     "page_size=ten",
	} {
		resp := rawRequest(t, context.Background(), "GET", ts.URL+"/api/v1/instruments?"+query, "", headers)
		if v := decodeValidationBody(t, resp); !hasViolation(v, "page_size") {
			t.Fatalf("%s: violations %v, want one for page_size", name, v.Violations)
		}
	}
}

func TestUnaryPathAndQueryTogether(t *testing.T) {
	book := &marketv1.OrderBook{
		Symbol:   "ES=F",
		Bids:     []*marketv1.OrderBook_Level{{Price: 5000.25, Size: 3, OrderCount: 2}},
		Asks:     []*marketv1.OrderBook_Level{{Price: 5000.5, Size: 1, OrderCount: 1}, {Price: 5000.75, Size: 9, OrderCount: 4}},
		Sequence: 1<<64 - 1,
		AsOf:     timestamppb.New(time.Unix(1700000000, 123456789)),
	}
	var got *marketv1.GetOrderBookRequest
	impl := &market{getOrderBook: func(_ context.Context, req *marketv1.GetOrderBookRequest) (*marketv1.OrderBook, error) {
		got = req
		return book, nil
	}}
	ts := startServer(t, impl)
	res, err := ts.client(t).GetOrderBook(context.Background(), &marketv1.GetOrderBookRequest{Symbol: "ES=F", Depth: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got.Symbol != "ES=F" || got.Depth != 10 || !proto.Equal(res, book) {
		t.Fatalf("handler got %v; response %v", got, res)
	}
	if r := ts.lastRequest(t); r.RawQuery != "depth=10" {
		t.Fatalf("query %q", r.RawQuery)
	}
}

func TestUnaryDefaultRoutes(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	impl := &market{
		getServerTime: func(context.Context, *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error) {
			return &marketv1.GetServerTimeResponse{Now: timestamppb.New(now)}, nil
		},
		getMarketStatus: func(_ context.Context, req *marketv1.GetMarketStatusRequest) (*marketv1.MarketStatus, error) {
			return &marketv1.MarketStatus{Venue: req.Venue, Phase: marketv1.MarketStatus_PHASE_OPEN}, nil
		},
	}
	ts := startServer(t, impl)
	c := ts.client(t)

	res, err := c.GetServerTime(context.Background(), &marketv1.GetServerTimeRequest{})
	if err != nil || !res.Now.AsTime().Equal(now) {
		t.Fatalf("GetServerTime: %v, %v", res, err)
	}
	if r := ts.lastRequest(t); r.Method != "POST" || r.Path != "/api/v1/get_server_time" {
		t.Fatalf("GetServerTime went to %s %s", r.Method, r.Path)
	}

	status, err := c.GetMarketStatus(context.Background(), &marketv1.GetMarketStatusRequest{Venue: marketv1.Venue_VENUE_CRYPTO, Symbol: "BTC-USD"})
	if err != nil || status.Venue != marketv1.Venue_VENUE_CRYPTO || status.Phase != marketv1.MarketStatus_PHASE_OPEN {
		t.Fatalf("GetMarketStatus: %v, %v", status, err)
	}
	r := ts.lastRequest(t)
	q, _ := url.ParseQuery(r.RawQuery)
	if r.Method != "GET" || r.Path != "/api/v1/get_market_status" || q.Get("venue") != "VENUE_CRYPTO" || q.Get("symbol") != "BTC-USD" {
		t.Fatalf("GetMarketStatus went to %s %s?%s", r.Method, r.Path, r.RawQuery)
	}
}

func fullOrder() *marketv1.SubmitOrderRequest {
	return &marketv1.SubmitOrderRequest{
		AccountId:   "ACC-1001",
		Symbol:      "AAPL",
		Side:        marketv1.Side_SIDE_BUY,
		Quantity:    1 << 53, // beyond float64 precision: int64 travels as a JSON string
		Pricing:     &marketv1.SubmitOrderRequest_Market{Market: &marketv1.PriceBand{ReferencePrice: 187.25, WidthBps: 15}},
		TimeInForce: marketv1.SubmitOrderRequest_TIME_IN_FORCE_IOC,
		Legs: []*marketv1.SubmitOrderRequest_Leg{
			{Symbol: "AAPL", Side: marketv1.Side_SIDE_BUY, Quantity: 10},
			{Symbol: "MSFT", Side: marketv1.Side_SIDE_SELL, Quantity: 5},
		},
		Annotations:    map[string]*marketv1.SubmitOrderRequest_Annotation{"desk": {Author: "kim", Text: "hedge ✓"}},
		RiskToken:      []byte{0, 1, 2, 0xfe, 0xff},
		ExpireAt:       timestamppb.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)),
		MaxLatency:     durationpb.New(1500 * time.Millisecond),
		ClientOrderId:  wrapperspb.String(""),
		PostOnly:       proto.Bool(false), // explicit presence of a zero value must survive
		MaxSlippageBps: proto.Float64(0),
		Band:           &marketv1.PriceBand{ReferencePrice: 1, WidthBps: 2},
	}
}

func TestUnaryBodyRoundTrip(t *testing.T) {
	for _, contentType := range []string{marketv1http.ContentTypeJSON, marketv1http.ContentTypeProtobuf} {
		t.Run(contentType, func(t *testing.T) {
			var got *marketv1.SubmitOrderRequest
			impl := &market{submitOrder: func(_ context.Context, req *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error) {
				got = req
				return &marketv1.SubmitOrderResponse{OrderId: "ord-1", AcceptedAt: timestamppb.New(time.Unix(1700000000, 0))}, nil
			}}
			ts := startServer(t, impl)
			c := ts.client(t, marketv1http.WithContentType(contentType))
			want := fullOrder()
			res, err := c.SubmitOrder(context.Background(), want,
				marketv1http.WithMarketDataServiceRequestID(requestID), marketv1http.WithMarketDataServiceClientSequence("42"))
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, want) {
				t.Fatalf("handler got\n%v\nwant\n%v", got, want)
			}
			if res.OrderId != "ord-1" || res.AcceptedAt.AsTime().Unix() != 1700000000 {
				t.Fatalf("response %v", res)
			}
			r := ts.lastRequest(t)
			if r.Method != "POST" || r.Path != "/api/v1/accounts/ACC-1001/orders" {
				t.Fatalf("request %s %s", r.Method, r.Path)
			}
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != contentType {
				t.Fatalf("Content-Type %q, want %s", r.Header.Get("Content-Type"), contentType)
			}
			if r.Header.Get("X-Request-ID") != requestID || r.Header.Get("X-Client-Sequence") != "42" || r.Header.Get("X-API-Key") != apiKey {
				t.Fatalf("headers %v", r.Header)
			}
			if contentType == marketv1http.ContentTypeJSON && !json.Valid(r.Body) {
				t.Fatalf("JSON body is not JSON: %q", r.Body)
			}
		})
	}
}

func TestUnaryProtobufResponseWhenAsked(t *testing.T) {
	impl := &market{getServerTime: func(context.Context, *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error) {
		return &marketv1.GetServerTimeResponse{Now: timestamppb.New(time.Unix(42, 0))}, nil
	}}
	ts := startServer(t, impl)
	resp := rawRequest(t, context.Background(), "POST", ts.URL+"/api/v1/get_server_time", "{}",
		map[string]string{"X-API-Key": apiKey, "Content-Type": "application/json", "Accept": "application/x-protobuf"})
	body := readAll(t, resp.Body)
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); resp.StatusCode != 200 || mt != "application/x-protobuf" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var res marketv1.GetServerTimeResponse
	if err := proto.Unmarshal([]byte(body), &res); err != nil || res.Now.GetSeconds() != 42 {
		t.Fatalf("binary response %v, %v", &res, err)
	}
}

func TestUnaryURLWinsOverBody(t *testing.T) {
	var got *marketv1.SubmitOrderRequest
	impl := &market{submitOrder: func(_ context.Context, req *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error) {
		got = req
		return &marketv1.SubmitOrderResponse{OrderId: "x"}, nil
	}}
	ts := startServer(t, impl)
	resp := rawRequest(t, context.Background(), "POST", ts.URL+"/api/v1/accounts/URL-ACC/orders",
		`{"accountId":"BODY-ACC","symbol":"MSFT","quantity":"3"}`,
		map[string]string{"X-API-Key": apiKey, "X-Request-ID": requestID, "Content-Type": "application/json"})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp.Body))
	}
	if got.AccountId != "URL-ACC" || got.Symbol != "MSFT" || got.Quantity != 3 {
		t.Fatalf("handler got %v", got)
	}
}

func TestUnaryPutPatchDelete(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]proto.Message{}
	record := func(verb string, m proto.Message) {
		mu.Lock()
		defer mu.Unlock()
		seen[verb] = m
	}
	impl := &market{
		replaceWatchlist: func(_ context.Context, req *marketv1.Watchlist) (*marketv1.Watchlist, error) {
			record("PUT", req)
			return req, nil
		},
		updateWatchlist: func(_ context.Context, req *marketv1.UpdateWatchlistRequest) (*marketv1.Watchlist, error) {
			record("PATCH", req)
			return &marketv1.Watchlist{Id: req.Id, Name: req.GetName(), Symbols: req.AddSymbols}, nil
		},
		deleteWatchlist: func(_ context.Context, req *marketv1.DeleteWatchlistRequest) (*marketv1.DeleteWatchlistResponse, error) {
			record("DELETE", req)
			return &marketv1.DeleteWatchlistResponse{}, nil
		},
	}
	ts := startServer(t, impl)
	c := ts.client(t)
	ctx := context.Background()

	wl := &marketv1.Watchlist{Id: "tech #1", Name: "Tech", Symbols: []string{"AAPL", "MSFT"}}
	if res, err := c.ReplaceWatchlist(ctx, wl); err != nil || !proto.Equal(res, wl) || !proto.Equal(seen["PUT"], wl) {
		t.Fatalf("PUT: %v, %v (handler got %v)", res, err, seen["PUT"])
	}
	if r := ts.lastRequest(t); r.Method != "PUT" || r.Path != "/api/v1/watchlists/tech%20%231" {
		t.Fatalf("PUT went to %s %s", r.Method, r.Path)
	}

	upd := &marketv1.UpdateWatchlistRequest{Id: "tech #1", Name: proto.String(""), AddSymbols: []string{"NVDA"}}
	if res, err := c.UpdateWatchlist(ctx, upd); err != nil || res.Id != "tech #1" || !proto.Equal(seen["PATCH"], upd) {
		t.Fatalf("PATCH: %v, %v (handler got %v)", res, err, seen["PATCH"])
	}
	if r := ts.lastRequest(t); r.Method != "PATCH" {
		t.Fatalf("PATCH went as %s", r.Method)
	}

	del := &marketv1.DeleteWatchlistRequest{Id: "tech #1"}
	if _, err := c.DeleteWatchlist(ctx, del); err != nil || !proto.Equal(seen["DELETE"], del) {
		t.Fatalf("DELETE: %v (handler got %v)", err, seen["DELETE"])
	}
	r := ts.lastRequest(t)
	if r.Method != "DELETE" || len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
		t.Fatalf("DELETE sent %s with body %q and Content-Type %q", r.Method, r.Body, r.Header.Get("Content-Type"))
	}
}

func TestUnaryHeaders(t *testing.T) {
	impl := &market{getServerTime: func(context.Context, *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error) {
		return &marketv1.GetServerTimeResponse{}, nil
	}}
	ts := startServer(t, impl)
	c, _ := ts.newClient(t,
		marketv1http.WithDefaultHeader("X-Default", "d"),
		marketv1http.WithDefaultHeader("X-Request-ID", "00000000-0000-0000-0000-000000000000"))
	_, err := c.GetServerTime(context.Background(), &marketv1.GetServerTimeRequest{},
		marketv1http.WithMarketDataServiceAPIKey(apiKey),
		marketv1http.WithHeader("X-Call", "c"),
		marketv1http.WithMarketDataServiceRequestID(requestID))
	if err != nil {
		t.Fatal(err)
	}
	h := ts.lastRequest(t).Header
	if h.Get("X-API-Key") != apiKey || h.Get("X-Default") != "d" || h.Get("X-Call") != "c" {
		t.Fatalf("headers %v", h)
	}
	if got := h.Values("X-Request-ID"); len(got) != 1 || got[0] != requestID {
		t.Fatalf("X-Request-ID %q: a call option must replace the default header", got)
	}
}

func TestUnaryMissingRequiredHeaders(t *testing.T) {
	called := false
	impl := &market{
		submitOrder: func(context.Context, *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error) {
			called = true
			return &marketv1.SubmitOrderResponse{}, nil
		},
		getServerTime: func(context.Context, *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error) {
			return &marketv1.GetServerTimeResponse{}, nil
		},
	}
	ts := startServer(t, impl)
	bare, _ := ts.newClient(t)
	ctx := context.Background()

	// The service-wide X-API-Key.
	_, err := bare.GetServerTime(ctx, &marketv1.GetServerTimeRequest{})
	if v := asValidationError(t, err); !hasViolation(v, "X-API-Key") {
		t.Fatalf("violations %v, want X-API-Key", v.Violations)
	}
	// X-Request-ID is optional for the service but required by SubmitOrder.
	if _, err := ts.client(t).GetServerTime(ctx, &marketv1.GetServerTimeRequest{}); err != nil {
		t.Fatalf("X-Request-ID is optional for GetServerTime: %v", err)
	}
	_, err = ts.client(t).SubmitOrder(ctx, &marketv1.SubmitOrderRequest{AccountId: "A"})
	if v := asValidationError(t, err); !hasViolation(v, "X-Request-ID") {
		t.Fatalf("violations %v, want X-Request-ID", v.Violations)
	}
	// An integer header with a non-integer value.
	_, err = ts.client(t).SubmitOrder(ctx, &marketv1.SubmitOrderRequest{AccountId: "A"},
		marketv1http.WithMarketDataServiceRequestID(requestID), marketv1http.WithMarketDataServiceClientSequence("forty-two"))
	if v := asValidationError(t, err); !hasViolation(v, "X-Client-Sequence") {
		t.Fatalf("violations %v, want X-Client-Sequence", v.Violations)
	}
	if called {
		t.Fatal("the handler ran for a request with bad headers")
	}
	// The raw answer: 400, JSON, the header as the field.
	resp := rawRequest(t, ctx, "POST", ts.URL+"/api/v1/get_server_time", "{}", map[string]string{"Content-Type": "application/json"})
	if v := decodeValidationBody(t, resp); !hasViolation(v, "X-API-Key") {
		t.Fatalf("violations %v", v.Violations)
	}
}

// decodeValidationBody checks a raw 400 answer and returns its violations.
func decodeValidationBody(t *testing.T, resp *http.Response) *marketv1http.ValidationError {
	t.Helper()
	body := readAll(t, resp.Body)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d (%s), want 400", resp.StatusCode, body)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", resp.Header.Get("Content-Type"))
	}
	var v marketv1http.ValidationError
	if err := json.Unmarshal([]byte(body), &v); err != nil || len(v.Violations) == 0 {
		t.Fatalf("body %s is not {\"violations\":[...]} (%v)", body, err)
	}
	return &v
}

func TestUnaryMalformedBodiesAre400(t *testing.T) {
	called := false
	impl := &market{submitOrder: func(context.Context, *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error) {
		called = true
		return &marketv1.SubmitOrderResponse{}, nil
	}}
	ts := startServer(t, impl)
	headers := map[string]string{"X-API-Key": apiKey, "X-Request-ID": requestID, "Content-Type": "application/json"}
	// Unknown enum names are not among them: the default unmarshal options discard unknown
	// fields and enum names alike, so newer clients can talk to older servers.
	for name, body := range map[string]string{
		"truncated JSON":   `{"symbol":`,
		"not JSON":         `not json`,
		"wrong type":       `{"quantity":"lots"}`,
		"array not object": `[1,2]`,
	} {
		t.Run(name, func(t *testing.T) {
			resp := rawRequest(t, context.Background(), "POST", ts.URL+"/api/v1/accounts/A/orders", body, headers)
			decodeValidationBody(t, resp)
		})
	}
	protoHeaders := map[string]string{"X-API-Key": apiKey, "X-Request-ID": requestID, "Content-Type": "application/x-protobuf"}
	resp := rawRequest(t, context.Background(), "POST", ts.URL+"/api/v1/accounts/A/orders", "\xff\xff\xff", protoHeaders)
	decodeValidationBody(t, resp)
	if called {
		t.Fatal("the handler ran for a malformed body")
	}
}

func TestUnaryHandlerErrors(t *testing.T) {
	type quotaError struct{ error }
	cases := []struct {
		name  string
		err   error
		check func(t *testing.T, err error)
	}{
		{"validation", &marketv1http.ValidationError{Violations: []marketv1http.FieldViolation{
			{Field: "symbol", Description: "unknown symbol"}, {Field: "venue", Description: "closed"},
		}}, func(t *testing.T, err error) {
			want := []marketv1http.FieldViolation{{Field: "symbol", Description: "unknown symbol"}, {Field: "venue", Description: "closed"}}
			if v := asValidationError(t, err); !reflect.DeepEqual(v.Violations, want) {
				t.Fatalf("violations %v, want %v", v.Violations, want)
			}
		}},
		{"API error 404", marketv1http.NewAPIError(http.StatusNotFound, "no such instrument"), func(t *testing.T, err error) {
			if e := asAPIError(t, err); e.Status != 404 || e.Message != "no such instrument" {
				t.Fatalf("got %+v", e)
			}
		}},
		{"wrapped API error 409", fmt.Errorf("context: %w", marketv1http.NewAPIError(http.StatusConflict, "busy")), func(t *testing.T, err error) {
			if e := asAPIError(t, err); e.Status != 409 || e.Message != "busy" {
				t.Fatalf("got %+v", e)
			}
		}},
		{"plain error", quotaError{errors.New("database is down")}, func(t *testing.T, err error) {
			if e := asAPIError(t, err); e.Status != 500 {
				t.Fatalf("got %+v, want status 500", e)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			impl := &market{getInstrument: func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
				return nil, tc.err
			}}
			ts := startServer(t, impl)
			_, err := ts.client(t).GetInstrument(context.Background(), &marketv1.GetInstrumentRequest{Symbol: "X", Venue: marketv1.Venue_VENUE_XNAS})
			tc.check(t, err)
		})
	}
}

func TestUnaryBodyTooLargeIs413(t *testing.T) {
	called := false
	impl := &market{submitOrder: func(context.Context, *marketv1.SubmitOrderRequest) (*marketv1.SubmitOrderResponse, error) {
		called = true
		return &marketv1.SubmitOrderResponse{}, nil
	}}
	ts := startServer(t, impl, marketv1http.WithMaxRequestBodySize(256))
	c := ts.client(t)
	_, err := c.SubmitOrder(context.Background(), &marketv1.SubmitOrderRequest{AccountId: "A", Symbol: strings.Repeat("S", 1024)},
		marketv1http.WithMarketDataServiceRequestID(requestID))
	if e := asAPIError(t, err); e.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %+v, want 413", e)
	}
	if called {
		t.Fatal("the handler ran for a body over the limit")
	}
	// A body under the limit still works.
	if _, err := c.SubmitOrder(context.Background(), &marketv1.SubmitOrderRequest{AccountId: "A", Symbol: "S"},
		marketv1http.WithMarketDataServiceRequestID(requestID)); err != nil {
		t.Fatalf("small body: %v", err)
	}
}

type quotaExceeded struct{ remaining int }

func (e *quotaExceeded) Error() string { return fmt.Sprintf("quota exceeded, %d left", e.remaining) }

func TestUnaryErrorHandlerSeesTheOriginalError(t *testing.T) {
	var mu sync.Mutex
	var seen []error
	handler := func(r *http.Request, err error) error {
		mu.Lock()
		seen = append(seen, err)
		mu.Unlock()
		var quota *quotaExceeded
		if errors.As(err, &quota) {
			return marketv1http.NewAPIError(http.StatusTooManyRequests, fmt.Sprintf("slow down (%d left)", quota.remaining))
		}
		return nil // send the original
	}
	impl := &market{
		getServerTime: func(context.Context, *marketv1.GetServerTimeRequest) (*marketv1.GetServerTimeResponse, error) {
			return nil, fmt.Errorf("rate limiter: %w", &quotaExceeded{remaining: 0})
		},
		getInstrument: func(context.Context, *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error) {
			return nil, marketv1http.NewAPIError(http.StatusGone, "delisted")
		},
	}
	ts := startServer(t, impl, marketv1http.WithErrorHandler(handler))
	c := ts.client(t)
	ctx := context.Background()

	_, err := c.GetServerTime(ctx, &marketv1.GetServerTimeRequest{})
	if e := asAPIError(t, err); e.Status != http.StatusTooManyRequests || e.Message != "slow down (0 left)" {
		t.Fatalf("translated error: %+v", e)
	}
	_, err = c.GetInstrument(ctx, &marketv1.GetInstrumentRequest{Symbol: "X", Venue: marketv1.Venue_VENUE_XNAS})
	if e := asAPIError(t, err); e.Status != http.StatusGone || e.Message != "delisted" {
		t.Fatalf("untranslated error: %+v", e)
	}
	bare, _ := ts.newClient(t)
	_, err = bare.GetServerTime(ctx, &marketv1.GetServerTimeRequest{})
	asValidationError(t, err)

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("error handler saw %d errors, want 3: %v", len(seen), seen)
	}
	var quota *quotaExceeded
	var apiErr *marketv1http.APIError
	var invalid *marketv1http.ValidationError
	if !errors.As(seen[0], &quota) || !errors.As(seen[1], &apiErr) || !errors.As(seen[2], &invalid) {
		t.Fatalf("error handler saw %#v", seen)
	}
}

func TestClientTypesErrorsOfNonGeneratedServers(t *testing.T) {
	// A proxy in front of the service answering with its own statuses and bodies.
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/get_server_time", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
	})
	mux.HandleFunc("/api/v1/get_market_status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"not ours"}`))
	})
	mux.HandleFunc("/api/v1/quotes/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>login</html>"))
	})
	srv := newPlainServer(t, mux)
	c := marketv1http.NewMarketDataServiceClient(srv.URL, marketv1http.WithHTTPClient(srv.Client()))
	ctx := context.Background()

	_, err := c.GetServerTime(ctx, &marketv1.GetServerTimeRequest{})
	if e := asAPIError(t, err); e.Status != http.StatusBadGateway {
		t.Fatalf("got %+v, want 502", e)
	}
	_, err = c.GetMarketStatus(ctx, &marketv1.GetMarketStatusRequest{Venue: marketv1.Venue_VENUE_XNAS})
	if e := asAPIError(t, err); e.Status != http.StatusBadRequest {
		t.Fatalf("a 400 without violations: got %+v, want *APIError 400", e)
	}
	stream, err := c.StreamQuotes(ctx, &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err == nil {
		stream.Close()
		t.Fatal("a 200 text/html answer opened a stream")
	}
	asAPIError(t, err)
}
