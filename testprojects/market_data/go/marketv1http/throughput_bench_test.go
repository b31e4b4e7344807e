package marketv1http_test

// Throughput of the server on messages without JSON-mapping options, a unary call and a stream
// of 200 events, served in-process (no network). Compare runs of two generator versions with
//   go test -run '^$' -bench Throughput ./market_data/gen/marketv1/marketv1http
// Figures are not asserted.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

type benchImpl struct {
	marketv1http.MarketDataServiceServer // methods the benchmarks do not call
}

func (benchImpl) ReplaceWatchlist(_ context.Context, req *marketv1.Watchlist) (*marketv1.Watchlist, error) {
	return req, nil
}

func (benchImpl) StreamQuotes(_ context.Context, req *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
	quote := &marketv1.Quote{Symbol: req.GetSymbol(), Bid: 101.25, Ask: 101.5, BidSize: 300, AskSize: 200}
	for i := 0; i < 200; i++ {
		if err := s.Send(quote); err != nil {
			return err
		}
	}
	return nil
}

func benchMux(b *testing.B) *http.ServeMux {
	mux := http.NewServeMux()
	if err := marketv1http.RegisterMarketDataServiceServer(benchImpl{}, marketv1http.WithMux(mux), marketv1http.WithHeartbeatInterval(0)); err != nil {
		b.Fatal(err)
	}
	return mux
}

func BenchmarkThroughputUnary(b *testing.B) {
	mux := benchMux(b)
	body := `{"id":"w1","name":"Tech","symbols":["AAPL","MSFT","GOOG","AMZN"],"updatedAt":"2024-01-02T03:04:05Z"}`
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPut, "/api/v1/watchlists/w1", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", "k")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkThroughputStream200Events(b *testing.B) {
	mux := benchMux(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/quotes/AAPL/stream", nil)
		req.Header.Set("X-API-Key", "k")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
