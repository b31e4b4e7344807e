package validationv1http

// The buf.validate conformance cases (testprojects/conformance/validation.json) against the
// generated Go server over real HTTP, unary and stream, body, path and query: a valid request
// reaches its handler, an invalid one is a 400 with exactly the expected violations, before
// any handler runs or a stream commits. Then the client: WithRequestValidation returns the
// same *ValidationError without sending anything, and without it the server's 400 decodes to
// that error.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"example.com/ssegen/testprojects/validation/gen/validationv1"
)

type validationCase struct {
	Name       string           `json:"name"`
	RPC        string           `json:"rpc"`
	Method     string           `json:"method"`
	Path       string           `json:"path"`
	Body       json.RawMessage  `json:"body"`
	Message    string           `json:"message"`
	Request    json.RawMessage  `json:"request"`
	Violations []FieldViolation `json:"violations"`
}

func loadValidationCases(t *testing.T) []validationCase {
	t.Helper()
	data, err := os.ReadFile("testdata/validation.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []validationCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) == 0 {
		t.Fatal("no cases")
	}
	return doc.Cases
}

// orders answers every valid request and counts the calls that reached it.
type orders struct{ calls atomic.Int64 }

func (o *orders) CreateOrder(ctx context.Context, req *validationv1.CreateOrderRequest) (*validationv1.Order, error) {
	o.calls.Add(1)
	return &validationv1.Order{Id: "o-1", AccountId: req.GetAccountId(), Symbol: req.GetSymbol()}, nil
}

func (o *orders) ListOrders(ctx context.Context, req *validationv1.ListOrdersRequest) (*validationv1.ListOrdersResponse, error) {
	o.calls.Add(1)
	return &validationv1.ListOrdersResponse{}, nil
}

func (o *orders) WatchOrders(ctx context.Context, req *validationv1.WatchOrdersRequest, stream SSESender) error {
	o.calls.Add(1)
	return stream.Send(&validationv1.Order{Id: "o-1", AccountId: req.GetAccountId()})
}

func (o *orders) StreamQuotes(ctx context.Context, req *validationv1.StreamQuotesRequest, stream SSESender) error {
	o.calls.Add(1)
	return stream.Send(&validationv1.Quote{Symbol: req.GetSymbols()[0]})
}

func (o *orders) UpdateContact(ctx context.Context, req *validationv1.Contact) (*validationv1.Contact, error) {
	o.calls.Add(1)
	return req, nil
}

func isStream(rpc string) bool { return rpc == "WatchOrders" || rpc == "StreamQuotes" }

func TestValidationConformanceServer(t *testing.T) {
	handler := &orders{}
	server := httptest.NewServer(NewOrderServiceHandler(handler))
	defer server.Close()
	for _, c := range loadValidationCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			var body io.Reader
			if c.Body != nil {
				body = bytes.NewReader(c.Body)
			}
			req, err := http.NewRequest(c.Method, server.URL+c.Path, body)
			if err != nil {
				t.Fatal(err)
			}
			if c.Body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			before := handler.calls.Load()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			reached := handler.calls.Load() - before
			if len(c.Violations) == 0 {
				if resp.StatusCode != http.StatusOK || reached != 1 {
					t.Fatalf("status %d, handler calls %d: %s; want 200 from the handler", resp.StatusCode, reached, got)
				}
				if isStream(c.RPC) && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
					t.Fatalf("a valid stream request got %q", resp.Header.Get("Content-Type"))
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || reached != 0 {
				t.Fatalf("status %d, handler calls %d: %s; want a 400 before the handler", resp.StatusCode, reached, got)
			}
			// Streams are refused before they commit: a plain JSON error, not an event.
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q, want application/json", ct)
			}
			var wire struct {
				Violations []FieldViolation `json:"violations"`
			}
			if err := json.Unmarshal(got, &wire); err != nil {
				t.Fatalf("%s: %v", got, err)
			}
			if !reflect.DeepEqual(wire.Violations, c.Violations) {
				t.Fatalf("violations\n got %+v\nwant %+v", wire.Violations, c.Violations)
			}
		})
	}
}

// call sends req with the typed client method of rpc, opening (and closing) streams.
func call(ctx context.Context, client *OrderServiceClient, rpc string, req proto.Message) error {
	switch rpc {
	case "CreateOrder":
		_, err := client.CreateOrder(ctx, req.(*validationv1.CreateOrderRequest))
		return err
	case "ListOrders":
		_, err := client.ListOrders(ctx, req.(*validationv1.ListOrdersRequest))
		return err
	case "UpdateContact":
		_, err := client.UpdateContact(ctx, req.(*validationv1.Contact))
		return err
	case "WatchOrders":
		stream, err := client.WatchOrders(ctx, req.(*validationv1.WatchOrdersRequest))
		if err != nil {
			return err
		}
		return stream.Close()
	case "StreamQuotes":
		stream, err := client.StreamQuotes(ctx, req.(*validationv1.StreamQuotesRequest))
		if err != nil {
			return err
		}
		return stream.Close()
	}
	return errors.New("no client method for " + rpc)
}

func requestOf(t *testing.T, c validationCase) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(c.Message))
	if err != nil {
		t.Fatal(err)
	}
	msg := mt.New().Interface()
	if err := protojson.Unmarshal(c.Request, msg); err != nil {
		t.Fatalf("%s: %v", c.Request, err)
	}
	return msg
}

func TestValidationConformanceClient(t *testing.T) {
	var received atomic.Int64
	handler := NewOrderServiceHandler(&orders{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		handler.ServeHTTP(w, r)
	}))
	defer server.Close()
	validating := NewOrderServiceClient(server.URL, WithRequestValidation())
	plain := NewOrderServiceClient(server.URL)
	ctx := context.Background()
	for _, c := range loadValidationCases(t) {
		if c.Message == "" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			req := requestOf(t, c)
			before := received.Load()
			err := call(ctx, validating, c.RPC, req)
			sent := received.Load() - before
			if len(c.Violations) == 0 {
				if err != nil || sent != 1 {
					t.Fatalf("err %v, requests sent %d; want one successful call", err, sent)
				}
				return
			}
			var invalid *ValidationError
			if !errors.As(err, &invalid) || sent != 0 {
				t.Fatalf("err %v (%T), requests sent %d; want a *ValidationError and nothing sent", err, err, sent)
			}
			if !reflect.DeepEqual(invalid.Violations, c.Violations) {
				t.Fatalf("client violations\n got %+v\nwant %+v", invalid.Violations, c.Violations)
			}
			// Without the option the request goes out, and the server's 400 is the same error.
			var answered *ValidationError
			if err := call(ctx, plain, c.RPC, req); !errors.As(err, &answered) {
				t.Fatalf("without WithRequestValidation: %v (%T), want the server's *ValidationError", err, err)
			}
			if !reflect.DeepEqual(answered, invalid) {
				t.Fatalf("the server's 400 decodes to %+v, the client's check gives %+v", answered, invalid)
			}
		})
	}
}
