// Command jsonmapdriver runs the JSON-mapping interop scenarios (json_mapping_scenarios.json)
// with the generated Go client of jsonmap.v1.JsonMapService against a server at -base-url and
// prints one "RESULT {json}" line per scenario: name, ok, detail. Each answer must decode to
// the scenario's `proto`, and its raw JSON (the body, or each event's data) must be the
// scenario's `wire`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"example.com/ssegen/testprojects/interop/wirerecord"
	jsonmapv1 "example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1"
	"example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1/jsonmapv1http"
)

// A deadline, not a timing check: a hung call fails its scenario instead of the whole run.
const scenarioDeadline = 60 * time.Second

type value struct {
	Proto json.RawMessage `json:"proto"`
	Wire  json.RawMessage `json:"wire"`
}

type scenario struct {
	Name     string  `json:"name"`
	Kind     string  `json:"kind"`
	Method   string  `json:"method"`
	Request  value   `json:"request"`
	Response value   `json:"response"`
	Events   []value `json:"events"`
}

// eventData is the data of each unnamed event of an SSE body (the terminal `end` event and
// heartbeats left out).
func eventData(body string) []string {
	var data []string
	for _, block := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		var lines []string
		named := false
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "data:"):
				lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
			case strings.HasPrefix(line, "event:"):
				named = true
			}
		}
		if len(lines) > 0 && !named {
			data = append(data, strings.Join(lines, "\n"))
		}
	}
	return data
}

func parseJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// sameJSON compares JSON values; integers exactly, other numbers as doubles.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			j, err := strconv.ParseInt(string(y), 10, 64)
			return err == nil && i == j
		}
		f, err1 := x.Float64()
		g, err2 := y.Float64()
		return err1 == nil && err2 == nil && f == g
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func checkWire(what string, got []byte, want json.RawMessage) error {
	g, err := parseJSON(got)
	if err != nil {
		return fmt.Errorf("%s: not JSON: %q", what, got)
	}
	w, err := parseJSON(want)
	if err != nil {
		return err
	}
	if !sameJSON(g, w) {
		return fmt.Errorf("%s on the wire: %s; want %s", what, got, bytes.TrimSpace(want))
	}
	return nil
}

func checkMessage(what string, got proto.Message, want json.RawMessage) error {
	expected := got.ProtoReflect().New().Interface()
	if err := protojson.Unmarshal(want, expected); err != nil {
		return fmt.Errorf("%s: the scenario's proto: %w", what, err)
	}
	if !proto.Equal(got, expected) {
		return fmt.Errorf("%s decoded as %v; want %v", what, protojson.Format(got), protojson.Format(expected))
	}
	return nil
}

type call struct {
	client *jsonmapv1http.JsonMapServiceClient
	rec    *wirerecord.Recorder
	opt    jsonmapv1http.CallOption
}

func unary[Req, Res proto.Message](c call, sc scenario, req Req, method func(context.Context, Req, ...jsonmapv1http.CallOption) (Res, error)) error {
	if err := protojson.Unmarshal(sc.Request.Proto, req); err != nil {
		return fmt.Errorf("the scenario's request: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scenarioDeadline)
	defer cancel()
	res, err := method(ctx, req, c.opt)
	if err != nil {
		return fmt.Errorf("call: %w", err)
	}
	if err := checkMessage("the response", res, sc.Response.Proto); err != nil {
		return err
	}
	return checkWire("the response", []byte(c.rec.Body()), sc.Response.Wire)
}

func stream[Req proto.Message](c call, sc scenario, req Req, method func(context.Context, Req, ...jsonmapv1http.CallOption) (*jsonmapv1http.EventStream[*jsonmapv1.Item], error)) error {
	if err := protojson.Unmarshal(sc.Request.Proto, req); err != nil {
		return fmt.Errorf("the scenario's request: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scenarioDeadline)
	defer cancel()
	s, err := method(ctx, req, c.opt)
	if err != nil {
		return fmt.Errorf("call: %w", err)
	}
	defer s.Close()
	var got []*jsonmapv1.Item
	for s.Next() {
		got = append(got, s.Msg())
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if len(got) != len(sc.Events) {
		return fmt.Errorf("%d events; want %d", len(got), len(sc.Events))
	}
	data := eventData(c.rec.Body())
	if len(data) != len(sc.Events) {
		return fmt.Errorf("%d data events on the wire; want %d", len(data), len(sc.Events))
	}
	for i, ev := range sc.Events {
		what := fmt.Sprintf("event %d", i)
		if err := checkMessage(what, got[i], ev.Proto); err != nil {
			return err
		}
		if err := checkWire(what, []byte(data[i]), ev.Wire); err != nil {
			return err
		}
	}
	return nil
}

func run(baseURL string, sc scenario) error {
	rec := &wirerecord.Recorder{}
	c := call{
		client: jsonmapv1http.NewJsonMapServiceClient(baseURL, jsonmapv1http.WithHTTPClient(&http.Client{Transport: rec})),
		rec:    rec,
		opt:    jsonmapv1http.WithHeader("X-Interop-Scenario", sc.Name),
	}
	cl := c.client
	switch sc.Method {
	case "PutItem":
		return unary(c, sc, new(jsonmapv1.Item), cl.PutItem)
	case "GetItem":
		return unary(c, sc, new(jsonmapv1.GetItemRequest), cl.GetItem)
	case "FindByStatus":
		return unary(c, sc, new(jsonmapv1.FindRequest), cl.FindByStatus)
	case "PutItems":
		return unary(c, sc, new(jsonmapv1.ItemList), cl.PutItems)
	case "GetBars":
		return unary(c, sc, new(jsonmapv1.Plain), cl.GetBars)
	case "GetBarsBySymbol":
		return unary(c, sc, new(jsonmapv1.BarsBySymbol), cl.GetBarsBySymbol)
	case "PutPlace":
		return unary(c, sc, new(jsonmapv1.Place), cl.PutPlace)
	case "Echo":
		return unary(c, sc, new(jsonmapv1.Plain), cl.Echo)
	case "Lookup":
		return unary(c, sc, new(jsonmapv1.LookupRequest), cl.Lookup)
	case "StreamItems":
		return stream(c, sc, new(jsonmapv1.ItemList), cl.StreamItems)
	case "WatchItems":
		return stream(c, sc, new(jsonmapv1.GetItemRequest), cl.WatchItems)
	}
	return fmt.Errorf("unknown method %q", sc.Method)
}

func main() {
	path := flag.String("scenarios", "", "json_mapping_scenarios.json")
	baseURL := flag.String("base-url", "", "the server's URL")
	flag.Parse()
	data, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var doc struct {
		Scenarios []scenario `json:"scenarios"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, sc := range doc.Scenarios {
		detail := ""
		if err := run(*baseURL, sc); err != nil {
			detail = err.Error()
		}
		line, _ := json.Marshal(map[string]any{"scenario": sc.Name, "ok": detail == "", "detail": detail})
		fmt.Printf("RESULT %s\n", line)
	}
}
