// Command tpclient consumes one StreamQuotes stream with the generated Go client and prints one
// JSON line per event ({"event", "id", "data"}), then {"end": "clean"} or {"end": "error", ...}.
// The thirdparty harness builds it in the interop Go module and points it at a third-party SSE
// server.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
	"google.golang.org/protobuf/encoding/protojson"
)

// A deadline so a hung stream fails the run instead of blocking it; not a timing check.
const deadline = 60 * time.Second

func main() {
	baseURL := flag.String("base-url", "", "server URL")
	symbol := flag.String("symbol", "", "StreamQuotes symbol")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	out := json.NewEncoder(os.Stdout)
	client := marketv1http.NewMarketDataServiceClient(*baseURL)
	s, err := client.StreamQuotes(ctx, &marketv1.StreamQuotesRequest{Symbol: *symbol})
	if err != nil {
		out.Encode(map[string]string{"end": "error", "error": fmt.Sprintf("%T: %v", err, err)})
		return
	}
	defer s.Close()
	for s.Next() {
		data, err := protojson.Marshal(s.Msg())
		if err != nil {
			out.Encode(map[string]string{"end": "error", "error": "marshal: " + err.Error()})
			return
		}
		out.Encode(map[string]any{"event": s.Event(), "id": s.ID(), "data": json.RawMessage(data)})
	}
	if err := s.Err(); err != nil {
		out.Encode(map[string]string{"end": "error", "error": fmt.Sprintf("%T: %v", err, err)})
		return
	}
	if err := s.Close(); err != nil {
		out.Encode(map[string]string{"end": "error", "error": "Close: " + err.Error()})
		return
	}
	out.Encode(map[string]string{"end": "clean"})
}
