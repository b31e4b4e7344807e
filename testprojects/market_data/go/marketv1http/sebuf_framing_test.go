package marketv1http_test

// sebuf's stream framing, both ways: a server and a client written here to sebuf's wire
// behaviour (no end event; `event: error` with a %q-quoted string; clients that read only
// `data: ` lines, split on LF) against the generated client and server with the framing options.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

// sebufServer streams two quotes the way sebuf's Go server does (one named, one not), then
// ends the response; with symbol LATE it sends an error event with a Go-quoted string first.
func sebufServer(t *testing.T) string {
	srv := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		fmt.Fprint(w, "event: quote\ndata: {\"symbol\":\"A\",\"bid\":1}\n\n")
		fmt.Fprint(w, "data: {\"symbol\":\"B\",\"bid\":2}\n\n")
		if strings.Contains(r.URL.Path, "LATE") {
			// %q writes \a, which JSON does not allow: the client must read Go's quoting.
			fmt.Fprintf(w, "event: error\ndata: %q\n\n", "halted: \"venue\" closed\a")
		}
	}))
	return srv.URL
}

func TestSebufFramingClientReadsASebufServer(t *testing.T) {
	url := sebufServer(t)
	client := marketv1http.NewMarketDataServiceClient(url, marketv1http.WithSebufStreamFraming(),
		marketv1http.WithReconnect(quickReconnect))

	stream, err := client.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "OK"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for stream.Next() {
		got = append(got, stream.Event()+":"+stream.Msg().GetSymbol())
	}
	if !reflect.DeepEqual(got, []string{"quote:A", "message:B"}) || stream.Err() != nil {
		t.Fatalf("events %v, Err %v; want both events and a clean end", got, stream.Err())
	}

	late, err := client.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "LATE"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for late.Next() {
		n++
	}
	if e := asAPIError(t, late.Err()); n != 2 || e.Message != "halted: \"venue\" closed\a" {
		t.Fatalf("%d events, Err %+v; want 2 events and the server's text", n, e)
	}
}

func TestDefaultClientCallsASebufStreamInterrupted(t *testing.T) {
	stream, err := marketv1http.NewMarketDataServiceClient(sebufServer(t)).
		StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "OK"})
	if err != nil {
		t.Fatal(err)
	}
	for stream.Next() {
	}
	if !errors.Is(stream.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("Err %v; without the option a stream without end event was interrupted", stream.Err())
	}
}

// sebufClient reads a stream as sebuf's Go and TS clients do: only lines starting with
// "data: ", each decoded on its own. It returns the decoded items.
func sebufClient(t *testing.T, url string) []any {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-API-Key", apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var items []any
	reader := bufio.NewReader(resp.Body)
	for {
		line, err := reader.ReadString('\n')
		if data, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data: "); ok {
			var item any
			if jerr := json.Unmarshal([]byte(data), &item); jerr != nil {
				t.Fatalf("sebuf's client cannot decode %q: %v", data, jerr)
			}
			items = append(items, item)
		}
		if err != nil {
			return items
		}
	}
}

func TestSebufClientReadsTheSebufFramingServer(t *testing.T) {
	impl := &market{streamQuotes: func(_ context.Context, req *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if err := s.Send(&marketv1.Quote{Symbol: "A"}, marketv1http.WithEventName("quote"), marketv1http.WithEventID("1")); err != nil {
			return err
		}
		if req.GetSymbol() == "LATE" {
			return marketv1http.NewAPIError(http.StatusServiceUnavailable, "halted: \"venue\" closed")
		}
		if req.GetSymbol() == "INVALID" {
			return &marketv1http.ValidationError{Violations: []marketv1http.FieldViolation{{Field: "symbol", Description: "unknown"}}}
		}
		return nil
	}}
	quoteA := map[string]any{"symbol": "A"}
	cases := map[string][]any{
		"OK":      {quoteA},
		"LATE":    {quoteA, "halted: \"venue\" closed"},
		"INVALID": {quoteA, `{"violations":[{"field":"symbol","description":"unknown"}]}`},
	}
	sebuf := startServer(t, impl, marketv1http.WithSebufFraming(), marketv1http.WithHeartbeatInterval(0))
	plain := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	for symbol, want := range cases {
		if got := sebufClient(t, sebuf.URL+"/api/v1/quotes/"+symbol+"/stream"); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sebuf's client read %#v, want %#v", symbol, got, want)
		}
	}
	// Without the option, sebuf's client reads the end event as one more (empty) message.
	if got := sebufClient(t, plain.URL+"/api/v1/quotes/OK/stream"); !reflect.DeepEqual(got, []any{quoteA, map[string]any{}}) {
		t.Errorf("default framing: sebuf's client read %#v", got)
	}
	// The generated client with the option reads the sebuf-framed errors as typed errors.
	client := sebuf.client(t, marketv1http.WithSebufStreamFraming())
	for symbol, check := range map[string]func(error){
		"LATE":    func(err error) { asAPIError(t, err) },
		"INVALID": func(err error) { asValidationError(t, err) },
		"OK": func(err error) {
			if err != nil {
				t.Errorf("OK: Err %v", err)
			}
		},
	} {
		stream, err := client.StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: symbol})
		if err != nil {
			t.Fatal(err)
		}
		for stream.Next() {
		}
		check(stream.Err())
	}
}
