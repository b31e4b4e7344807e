// Command jsonmapserver serves jsonmap.v1.JsonMapService with the generated Go server on a
// loopback port (printed as "LISTENING <url>") for the JSON-mapping interop scenarios
// (json_mapping_scenarios.json). Each call names its scenario in X-Interop-Scenario: the
// server checks that it decoded the request the scenario gives, then answers the scenario's
// response or events. It mirrors ts/jsonmap_server.ts.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	jsonmapv1 "example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1"
	"example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1/jsonmapv1http"
)

type value struct {
	Proto json.RawMessage `json:"proto"`
	Sent  *struct {
		Proto json.RawMessage `json:"proto"`
	} `json:"sent"`
}

// sent is what the handler returns: the scenario's `sent` form when it has one.
func (v value) sent() json.RawMessage {
	if v.Sent != nil {
		return v.Sent.Proto
	}
	return v.Proto
}

type scenario struct {
	Name     string  `json:"name"`
	Request  value   `json:"request"`
	Response value   `json:"response"`
	Events   []value `json:"events"`
}

type server struct {
	scenarios map[string]scenario
}

// scenario finds the call's scenario and checks the request the generated server decoded.
func (s *server) scenario(ctx context.Context, req proto.Message) (scenario, error) {
	name := jsonmapv1http.RequestFromContext(ctx).Header.Get("X-Interop-Scenario")
	sc, ok := s.scenarios[name]
	if !ok {
		return sc, jsonmapv1http.NewAPIError(http.StatusNotFound, "no scenario "+name)
	}
	want := req.ProtoReflect().New().Interface()
	if err := protojson.Unmarshal(sc.Request.Proto, want); err != nil {
		return sc, fmt.Errorf("scenario %q: request: %w", name, err)
	}
	if !proto.Equal(req, want) {
		return sc, jsonmapv1http.NewAPIError(http.StatusUnprocessableEntity,
			fmt.Sprintf("the server decoded the request as %v; want %v", protojson.Format(req), protojson.Format(want)))
	}
	return sc, nil
}

func answer[Res proto.Message](s *server, ctx context.Context, req proto.Message, res Res) (Res, error) {
	sc, err := s.scenario(ctx, req)
	if err != nil {
		return res, err
	}
	return res, protojson.Unmarshal(sc.Response.sent(), res)
}

func stream[Ev proto.Message](s *server, ctx context.Context, req proto.Message, sender jsonmapv1http.SSESender, newEvent func() Ev) error {
	sc, err := s.scenario(ctx, req)
	if err != nil {
		return err
	}
	for _, ev := range sc.Events {
		msg := newEvent()
		if err := protojson.Unmarshal(ev.sent(), msg); err != nil {
			return err
		}
		if err := sender.Send(msg); err != nil {
			return err
		}
	}
	return nil
}

func (s *server) PutItem(ctx context.Context, req *jsonmapv1.Item) (*jsonmapv1.Item, error) {
	return answer(s, ctx, req, new(jsonmapv1.Item))
}

func (s *server) GetItem(ctx context.Context, req *jsonmapv1.GetItemRequest) (*jsonmapv1.Item, error) {
	return answer(s, ctx, req, new(jsonmapv1.Item))
}

func (s *server) FindByStatus(ctx context.Context, req *jsonmapv1.FindRequest) (*jsonmapv1.ItemList, error) {
	return answer(s, ctx, req, new(jsonmapv1.ItemList))
}

func (s *server) PutItems(ctx context.Context, req *jsonmapv1.ItemList) (*jsonmapv1.ItemList, error) {
	return answer(s, ctx, req, new(jsonmapv1.ItemList))
}

func (s *server) GetBars(ctx context.Context, req *jsonmapv1.Plain) (*jsonmapv1.BarsResponse, error) {
	return answer(s, ctx, req, new(jsonmapv1.BarsResponse))
}

func (s *server) GetBarsBySymbol(ctx context.Context, req *jsonmapv1.BarsBySymbol) (*jsonmapv1.BarsBySymbol, error) {
	return answer(s, ctx, req, new(jsonmapv1.BarsBySymbol))
}

func (s *server) PutPlace(ctx context.Context, req *jsonmapv1.Place) (*jsonmapv1.Place, error) {
	return answer(s, ctx, req, new(jsonmapv1.Place))
}

func (s *server) Echo(ctx context.Context, req *jsonmapv1.Plain) (*jsonmapv1.Plain, error) {
	return answer(s, ctx, req, new(jsonmapv1.Plain))
}

func (s *server) Lookup(ctx context.Context, req *jsonmapv1.LookupRequest) (*jsonmapv1.LookupRequest, error) {
	return answer(s, ctx, req, new(jsonmapv1.LookupRequest))
}

func (s *server) StreamItems(ctx context.Context, req *jsonmapv1.ItemList, sender jsonmapv1http.SSESender) error {
	return stream(s, ctx, req, sender, func() *jsonmapv1.Item { return new(jsonmapv1.Item) })
}

func (s *server) WatchItems(ctx context.Context, req *jsonmapv1.GetItemRequest, sender jsonmapv1http.SSESender) error {
	return stream(s, ctx, req, sender, func() *jsonmapv1.Item { return new(jsonmapv1.Item) })
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	path := flag.String("scenarios", "", "json_mapping_scenarios.json")
	flag.Parse()
	data, err := os.ReadFile(*path)
	if err != nil {
		fail(err)
	}
	var doc struct {
		Scenarios []scenario `json:"scenarios"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		fail(err)
	}
	s := &server{scenarios: map[string]scenario{}}
	for _, sc := range doc.Scenarios {
		s.scenarios[sc.Name] = sc
	}
	mux := http.NewServeMux()
	if err := jsonmapv1http.RegisterJsonMapServiceServer(s, jsonmapv1http.WithMux(mux)); err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fail(srv.Serve(ln))
}
