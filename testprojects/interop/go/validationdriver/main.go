// Command validationdriver runs the buf.validate cases (testprojects/conformance/validation.json)
// with the generated Go client of validation.v1.OrderService against a server, printing
// `RESULT {"scenario", "ok", "detail"}` per case: a valid request must succeed (a stream: its one
// event, then the clean end), an invalid one must fail with the *ValidationError of exactly the
// case's violations, decoded from the server's 400. With -standard-rules-only (a server that
// leaves CEL rules to the Go side, as the TypeScript server does), a case that breaks only a CEL
// rule must succeed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"example.com/ssegen/testprojects/validation/gen/validationv1"
	"example.com/ssegen/testprojects/validation/gen/validationv1/validationv1http"
)

type validationCase struct {
	Name       string                            `json:"name"`
	RPC        string                            `json:"rpc"`
	Message    string                            `json:"message"`
	Request    json.RawMessage                   `json:"request"`
	Violations []validationv1http.FieldViolation `json:"violations"`
	LeftToGo   bool                              `json:"left_to_go"`
}

func main() {
	baseURL := flag.String("base-url", "", "server URL")
	path := flag.String("cases", "", "validation.json")
	standardOnly := flag.Bool("standard-rules-only", false, "the server does not check CEL rules")
	flag.Parse()
	raw, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var doc struct {
		Cases []validationCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	client := validationv1http.NewOrderServiceClient(*baseURL)
	for _, c := range doc.Cases {
		if c.Message == "" {
			continue
		}
		want := c.Violations
		if *standardOnly && c.LeftToGo {
			want = nil
		}
		detail := run(client, c, want)
		line, _ := json.Marshal(map[string]any{"scenario": c.Name, "ok": detail == "", "detail": detail})
		fmt.Printf("RESULT %s\n", line)
	}
}

// run returns "" when the case passed, else what went wrong.
func run(client *validationv1http.OrderServiceClient, c validationCase, want []validationv1http.FieldViolation) string {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(c.Message))
	if err != nil {
		return err.Error()
	}
	req := mt.New().Interface()
	if err := protojson.Unmarshal(c.Request, req); err != nil {
		return "bad request: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = call(ctx, client, c.RPC, req)
	if len(want) == 0 {
		if err != nil {
			return fmt.Sprintf("want success, got %v", err)
		}
		return ""
	}
	var invalid *validationv1http.ValidationError
	if !errors.As(err, &invalid) {
		return fmt.Sprintf("want a ValidationError, got %v (%T)", err, err)
	}
	if !reflect.DeepEqual(invalid.Violations, want) {
		return fmt.Sprintf("violations %+v, want %+v", invalid.Violations, want)
	}
	return ""
}

func call(ctx context.Context, client *validationv1http.OrderServiceClient, rpc string, req proto.Message) error {
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
		return drain(stream.Next, stream.Err, stream.Close)
	case "StreamQuotes":
		stream, err := client.StreamQuotes(ctx, req.(*validationv1.StreamQuotesRequest))
		if err != nil {
			return err
		}
		return drain(stream.Next, stream.Err, stream.Close)
	}
	return errors.New("no client method for " + rpc)
}

// drain reads a stream that must bring one event and then its clean end.
func drain(next func() bool, streamErr func() error, close func() error) error {
	defer close()
	events := 0
	for next() {
		events++
	}
	if err := streamErr(); err != nil {
		return err
	}
	if events != 1 {
		return fmt.Errorf("%d events, want 1", events)
	}
	return nil
}
