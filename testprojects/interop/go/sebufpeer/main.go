// Command sebufpeer speaks sebuf's stream framing for the interop matrix, written from what
// sebuf's generated code does on the wire (no sebuf code is used):
//
//	sebufpeer -scenarios sebuf_scenarios.json -serve
//	    serves StreamQuotes as sebuf's Go server frames it: an optional `event:` line and one
//	    `data:` line per event, no ids, no end event, and `event: error` with a %q-quoted text.
//	    It prints "LISTENING <url>" and streams each scenario's expected events for its symbol.
//	sebufpeer -scenarios sebuf_scenarios.json -base-url URL
//	    reads StreamQuotes as sebuf's clients do (only `data: ` lines, split on LF, each decoded
//	    on its own) and prints a RESULT line per scenario.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"
)

type scenario struct {
	Name    string `json:"name"`
	Request struct {
		Symbol string `json:"symbol"`
	} `json:"request"`
	Expect struct {
		Events []struct {
			Event string          `json:"event"`
			Data  json.RawMessage `json:"data"`
		} `json:"events"`
		End   string `json:"end"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	} `json:"expect"`
}

type file struct {
	DefaultHeaders map[string]string `json:"default_headers"`
	Scenarios      []scenario        `json:"scenarios"`
}

func main() {
	path := flag.String("scenarios", "", "sebuf_scenarios.json")
	serve := flag.Bool("serve", false, "serve instead of reading")
	baseURL := flag.String("base-url", "", "server URL, when reading")
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
	if *serve {
		if err := serveScenarios(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	for _, sc := range f.Scenarios {
		detail := read(*baseURL, f.DefaultHeaders, sc)
		line, _ := json.Marshal(map[string]any{"scenario": sc.Name, "ok": detail == "", "detail": detail})
		fmt.Printf("RESULT %s\n", line)
	}
}

func serveScenarios(f file) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/quotes/{symbol}/stream", func(w http.ResponseWriter, r *http.Request) {
		for _, sc := range f.Scenarios {
			if sc.Request.Symbol != r.PathValue("symbol") {
				continue
			}
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("Connection", "keep-alive")
			for _, ev := range sc.Expect.Events {
				if ev.Event != "message" {
					fmt.Fprintf(w, "event: %s\n", ev.Event)
				}
				compact, _ := json.Marshal(ev.Data) // one line, as sebuf writes it
				fmt.Fprintf(w, "data: %s\n\n", compact)
				w.(http.Flusher).Flush()
			}
			if sc.Expect.Error != nil {
				fmt.Fprintf(w, "event: error\ndata: %q\n\n", sc.Expect.Error.Message)
			}
			return
		}
		http.Error(w, `{"message":"no such scenario"}`, http.StatusNotFound)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// read returns "" when sebuf's way of reading the stream gives the scenario's events' data,
// then the error message as a string, and nothing else.
func read(baseURL string, headers map[string]string, sc scenario) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/v1/quotes/"+url.PathEscape(sc.Request.Symbol)+"/stream", nil)
	if err != nil {
		return err.Error()
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("status %d", resp.StatusCode)
	}
	var got []any
	reader := bufio.NewReader(resp.Body)
	for {
		line, err := reader.ReadString('\n')
		if data, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data: "); ok {
			var item any
			if jerr := json.Unmarshal([]byte(data), &item); jerr != nil {
				return fmt.Sprintf("cannot decode data %q: %v", data, jerr)
			}
			got = append(got, item)
		}
		if err != nil {
			break
		}
	}
	var want []any
	for _, ev := range sc.Expect.Events {
		var item any
		_ = json.Unmarshal(ev.Data, &item)
		want = append(want, item)
	}
	if sc.Expect.Error != nil {
		want = append(want, sc.Expect.Error.Message)
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("read %v, want %v", got, want)
	}
	return ""
}
