// Command validationserver serves validation.v1.OrderService (testprojects/validation) with the
// generated Go server on a loopback port (printed as "LISTENING <url>") for the interop matrix's
// buf.validate pairs: protovalidate checks every request, and each valid one gets the same answer
// as from ts/validation_server.ts.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"example.com/ssegen/testprojects/validation/gen/validationv1"
	"example.com/ssegen/testprojects/validation/gen/validationv1/validationv1http"
)

type orders struct{}

func (orders) CreateOrder(ctx context.Context, req *validationv1.CreateOrderRequest) (*validationv1.Order, error) {
	return &validationv1.Order{Id: "o-1", AccountId: req.GetAccountId(), Symbol: req.GetSymbol()}, nil
}

func (orders) ListOrders(ctx context.Context, req *validationv1.ListOrdersRequest) (*validationv1.ListOrdersResponse, error) {
	return &validationv1.ListOrdersResponse{Orders: []*validationv1.Order{{Id: "o-1", AccountId: req.GetAccountId()}}}, nil
}

func (orders) WatchOrders(ctx context.Context, req *validationv1.WatchOrdersRequest, stream validationv1http.SSESender) error {
	return stream.Send(&validationv1.Order{Id: "o-1", AccountId: req.GetAccountId(), Symbol: req.GetSymbol()})
}

func (orders) StreamQuotes(ctx context.Context, req *validationv1.StreamQuotesRequest, stream validationv1http.SSESender) error {
	return stream.Send(&validationv1.Quote{Symbol: req.GetSymbols()[0]})
}

func (orders) UpdateContact(ctx context.Context, req *validationv1.Contact) (*validationv1.Contact, error) {
	return req, nil
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	srv := &http.Server{Handler: validationv1http.NewOrderServiceHandler(orders{}), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
