package jsonmapv1http_test

// The generated server and client of json_mapping against each other and against raw HTTP:
// every option travels through a unary call, a stream and the URL.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	jsonmapv1 "example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1"
	"example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1/jsonmapv1http"
)

// echo answers every call with what it was given; WatchItems sends the request's item twice.
type echo struct{}

func (echo) PutItem(_ context.Context, req *jsonmapv1.Item) (*jsonmapv1.Item, error) { return req, nil }
func (echo) GetItem(_ context.Context, req *jsonmapv1.GetItemRequest) (*jsonmapv1.Item, error) {
	return &jsonmapv1.Item{Id: req.GetId(), Status: req.GetStatus(), History: req.GetAlso()}, nil
}
func (echo) FindByStatus(_ context.Context, req *jsonmapv1.FindRequest) (*jsonmapv1.ItemList, error) {
	return &jsonmapv1.ItemList{Items: []*jsonmapv1.Item{{Status: req.GetStatus()}}}, nil
}
func (echo) PutItems(_ context.Context, req *jsonmapv1.ItemList) (*jsonmapv1.ItemList, error) {
	return req, nil
}
func (echo) GetBars(_ context.Context, req *jsonmapv1.Plain) (*jsonmapv1.BarsResponse, error) {
	return &jsonmapv1.BarsResponse{Bars: map[string]*jsonmapv1.BarList{
		req.GetId(): {Bars: []*jsonmapv1.Bar{{Time: req.GetN(), Price: 1.5}}},
	}}, nil
}
func (echo) GetBarsBySymbol(_ context.Context, req *jsonmapv1.BarsBySymbol) (*jsonmapv1.BarsBySymbol, error) {
	return req, nil
}
func (echo) PutPlace(_ context.Context, req *jsonmapv1.Place) (*jsonmapv1.Place, error) {
	return req, nil
}
func (echo) Echo(_ context.Context, req *jsonmapv1.Plain) (*jsonmapv1.Plain, error) { return req, nil }
func (echo) Lookup(_ context.Context, req *jsonmapv1.LookupRequest) (*jsonmapv1.LookupRequest, error) {
	return req, nil
}
func (echo) StreamItems(_ context.Context, req *jsonmapv1.ItemList, s jsonmapv1http.SSESender) error {
	for _, item := range req.GetItems() {
		if err := s.Send(item); err != nil {
			return err
		}
	}
	return nil
}
func (echo) WatchItems(_ context.Context, req *jsonmapv1.GetItemRequest, s jsonmapv1http.SSESender) error {
	for i := 0; i < 2; i++ {
		if err := s.Send(fullItem(req.GetId())); err != nil {
			return err
		}
	}
	return nil
}

func fullItem(id string) *jsonmapv1.Item {
	middle := "Q"
	level := jsonmapv1.Priority_PRIORITY_HIGH
	return &jsonmapv1.Item{
		Id: id, Count: 9007199254740993, Total: 18446744073709551615, Priority: jsonmapv1.Priority_PRIORITY_LOW,
		Status: jsonmapv1.Status_STATUS_ACTIVE, History: []jsonmapv1.Status{jsonmapv1.Status_STATUS_INACTIVE},
		ByRegion: map[string]jsonmapv1.Status{"eu": jsonmapv1.Status_STATUS_ACTIVE}, MiddleName: &middle,
		Home: &jsonmapv1.Address{}, Work: &jsonmapv1.Address{City: "W"}, Other: &jsonmapv1.Address{},
		Created: timestamppb.New(time.Unix(1705312200, 0)), Updated: timestamppb.New(time.UnixMilli(1705312200123)),
		Birthday: timestamppb.New(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)),
		Seen:     timestamppb.New(time.Unix(1705312200, 5)), Raw: []byte{0xfb, 0xff, 1}, Token: []byte{0xfb, 0xff},
		TokenRaw: []byte{0xff}, Digest: []byte{0xab, 0x01}, Plain: []byte("p"),
		Billing:    &jsonmapv1.Address{Street: "1 Main St", ZipCode: "12345"},
		MainTag:    &jsonmapv1.Tag{Name: "m", Status: jsonmapv1.Status_STATUS_INACTIVE},
		Tags:       []*jsonmapv1.Tag{{Name: "a", Status: jsonmapv1.Status_STATUS_ACTIVE}},
		TagsByName: map[string]*jsonmapv1.Tag{"b": {Name: "b", Status: jsonmapv1.Status_STATUS_ACTIVE}},
		Samples:    []int64{-1, 1 << 40}, Level: &level,
		Media:   &jsonmapv1.Item_Video{Video: &jsonmapv1.Video{Url: "u", Seconds: 3}},
		Content: &jsonmapv1.Item_Photo{Photo: &jsonmapv1.Photo{Uri: "p.png", PhotoStatus: jsonmapv1.Status_STATUS_INACTIVE}},
	}
}

func serve(t *testing.T) (*httptest.Server, *jsonmapv1http.JsonMapServiceClient) {
	t.Helper()
	mux := http.NewServeMux()
	if err := jsonmapv1http.RegisterJsonMapServiceServer(echo{}, jsonmapv1http.WithMux(mux)); err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	return server, jsonmapv1http.NewJsonMapServiceClient(server.URL)
}

func TestEveryOptionRoundTripsThroughAUnaryCall(t *testing.T) {
	_, client := serve(t)
	want := fullItem("i1")
	got, err := client.PutItem(context.Background(), want)
	if err != nil {
		t.Fatal(err)
	}
	// Home is all defaults with empty_behavior NULL: it comes back unset; Work is OMIT but not empty.
	want.Home = nil
	if !proto.Equal(got, want) {
		t.Fatalf("got\n%v\nwant\n%v", got, want)
	}
}

func TestUnwrappedMessagesRoundTrip(t *testing.T) {
	_, client := serve(t)
	ctx := context.Background()
	list := &jsonmapv1.ItemList{Items: []*jsonmapv1.Item{{Id: "a"}, {Status: jsonmapv1.Status_STATUS_INACTIVE}}}
	if got, err := client.PutItems(ctx, list); err != nil || !proto.Equal(got, list) {
		t.Fatalf("PutItems: %v, %v", got, err)
	}
	bars := &jsonmapv1.BarsBySymbol{Bars: map[string]*jsonmapv1.BarList{"AAPL": {Bars: []*jsonmapv1.Bar{{Time: 7, Price: 2}}}}}
	if got, err := client.GetBarsBySymbol(ctx, bars); err != nil || !proto.Equal(got, bars) {
		t.Fatalf("GetBarsBySymbol: %v, %v", got, err)
	}
	got, err := client.GetBars(ctx, &jsonmapv1.Plain{Id: "MSFT", N: 5})
	if err != nil || got.GetBars()["MSFT"].GetBars()[0].GetTime() != 5 {
		t.Fatalf("GetBars: %v, %v", got, err)
	}
	place := &jsonmapv1.Place{Label: "home", Address: &jsonmapv1.Address{Street: "s", City: "c"}}
	if got, err := client.PutPlace(ctx, place); err != nil || !proto.Equal(got, place) {
		t.Fatalf("PutPlace: %v, %v", got, err)
	}
}

func TestCustomEnumNamesInPathAndQuery(t *testing.T) {
	server, client := serve(t)
	ctx := context.Background()
	got, err := client.GetItem(ctx, &jsonmapv1.GetItemRequest{
		Id: "x", Status: jsonmapv1.Status_STATUS_INACTIVE, Also: []jsonmapv1.Status{jsonmapv1.Status_STATUS_ACTIVE},
	})
	if err != nil || got.GetStatus() != jsonmapv1.Status_STATUS_INACTIVE || len(got.GetHistory()) != 1 {
		t.Fatalf("GetItem: %v, %v", got, err)
	}
	found, err := client.FindByStatus(ctx, &jsonmapv1.FindRequest{Status: jsonmapv1.Status_STATUS_ACTIVE})
	if err != nil || found.GetItems()[0].GetStatus() != jsonmapv1.Status_STATUS_ACTIVE {
		t.Fatalf("FindByStatus: %v, %v", found, err)
	}
	// What a sebuf client sends: the custom names.
	status, body := get(t, server.URL+"/api/status/inactive")
	if status != http.StatusOK || body != `[{"status":"inactive","middleName":null,"rank":null,"home":null,"level":null}]` {
		t.Fatalf("%d %s", status, body)
	}
	if status, body := get(t, server.URL+"/api/items/x?status=nope"); status != http.StatusBadRequest || !strings.Contains(body, `"field":"status"`) {
		t.Fatalf("%d %s", status, body)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestSebufWireFormsAreReadAndWrittenBack(t *testing.T) {
	server, _ := serve(t)
	in := `{"id":"w","count":12,"status":"active","digest":"abcd","created":1705312200,"birthday":"2024-01-15",` +
		`"billing_city":"C","kind":"image","image":{"src":"s"},"type":"text","body":"hi"}`
	status, body := post(t, server.URL+"/api/items", in)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	want := `{"id":"w","count":12,"status":"active","middleName":null,"rank":null,"home":null,"created":1705312200,` +
		`"birthday":"2024-01-15","digest":"abcd","billing_city":"C","level":null,"kind":"image","image":{"src":"s"},` +
		`"type":"text","body":"hi"}`
	if body != want {
		t.Fatalf("got  %s\nwant %s", body, want)
	}
}

func TestBodiesThatDoNotFitAreViolations(t *testing.T) {
	server, _ := serve(t)
	for body, field := range map[string]string{
		`{"status":"STATUS_NOPE"}`:  "status",
		`{"tags":[{"status":"x"}]}`: "tags[0].status",
		`{"count":"abc"}`:           "count",
		`{"kind":"vid","image":{}}`: "image",
		`{"raw":"+/8="}`:            "raw",
	} {
		status, got := post(t, server.URL+"/api/items", body)
		var answer struct {
			Violations []jsonmapv1http.FieldViolation `json:"violations"`
		}
		if status != http.StatusBadRequest || json.Unmarshal([]byte(got), &answer) != nil || len(answer.Violations) != 1 ||
			answer.Violations[0].Field != field {
			t.Errorf("%s: %d %s; want a 400 naming %s", body, status, got, field)
		}
	}
	// A message without options: unknown enum-free bodies are protojson's, unknown fields ignored.
	if status, got := post(t, server.URL+"/api/plain", `{"id":"a","later":true}`); status != http.StatusOK || got != `{"id":"a"}` {
		t.Fatalf("%d %s", status, got)
	}
}

func TestLenientEnumNamesOption(t *testing.T) {
	mux := http.NewServeMux()
	if err := jsonmapv1http.RegisterJsonMapServiceServer(echo{}, jsonmapv1http.WithMux(mux), jsonmapv1http.WithLenientEnumNames()); err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(mux)
	defer server.Close()
	if status, got := post(t, server.URL+"/api/items", `{"id":"a","status":"later"}`); status != http.StatusOK ||
		!strings.HasPrefix(got, `{"id":"a","middleName"`) {
		t.Fatalf("%d %s", status, got)
	}
}

func TestEveryOptionRoundTripsThroughAStream(t *testing.T) {
	_, client := serve(t)
	stream, err := client.WatchItems(context.Background(), &jsonmapv1.GetItemRequest{Id: "s", Status: jsonmapv1.Status_STATUS_ACTIVE})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	want := fullItem("s")
	want.Home = nil
	n := 0
	for stream.Next() {
		if !proto.Equal(stream.Msg(), want) {
			t.Fatalf("event %d:\n%v\nwant\n%v", n, protojson.Format(stream.Msg()), protojson.Format(want))
		}
		n++
	}
	if stream.Err() != nil || n != 2 {
		t.Fatalf("%d events, %v", n, stream.Err())
	}
}
