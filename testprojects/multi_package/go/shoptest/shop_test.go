// Package shoptest runs the generated Go of the multi_package project: three services from two
// generated packages (each with its own copy of the runtime) served by one mux, with the
// repeated method names Get and Watch, messages from a third proto package, and both streams on
// their default paths.
package shoptest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	catalogv1 "example.com/ssegen/testprojects/multi_package/gen/shop/catalog/v1"
	"example.com/ssegen/testprojects/multi_package/gen/shop/catalog/v1/catalogv1http"
	commonv1 "example.com/ssegen/testprojects/multi_package/gen/shop/common/v1"
	ordersv1 "example.com/ssegen/testprojects/multi_package/gen/shop/orders/v1"
	"example.com/ssegen/testprojects/multi_package/gen/shop/orders/v1/ordersv1http"
	"google.golang.org/protobuf/proto"
)

type orders struct{}

func (orders) Get(_ context.Context, req *ordersv1.GetOrderRequest) (*ordersv1.Order, error) {
	return &ordersv1.Order{Id: req.OrderId, Status: ordersv1.OrderStatus_ORDER_STATUS_PLACED}, nil
}

func (orders) List(_ context.Context, req *ordersv1.ListOrdersRequest) (*ordersv1.ListOrdersResponse, error) {
	res := &ordersv1.ListOrdersResponse{}
	for _, s := range req.Statuses {
		res.Orders = append(res.Orders, &ordersv1.Order{CustomerId: req.CustomerId, Status: s})
	}
	return res, nil
}

func (orders) Place(_ context.Context, req *ordersv1.PlaceOrderRequest) (*ordersv1.Order, error) {
	return &ordersv1.Order{Id: "o-1", CustomerId: req.CustomerId, Items: req.Items, ShippingAddress: req.ShippingAddress}, nil
}

func (orders) Cancel(_ context.Context, req *ordersv1.CancelOrderRequest) (*ordersv1.Order, error) {
	return &ordersv1.Order{Id: req.OrderId, Status: ordersv1.OrderStatus_ORDER_STATUS_CANCELLED}, nil
}

func (orders) Watch(_ context.Context, req *ordersv1.WatchOrderRequest, s ordersv1http.SSESender) error {
	for _, status := range []ordersv1.OrderStatus{ordersv1.OrderStatus_ORDER_STATUS_SHIPPED, ordersv1.OrderStatus_ORDER_STATUS_DELIVERED} {
		if err := s.Send(&ordersv1.Order{Id: req.OrderId, Status: status}); err != nil {
			return err
		}
	}
	return nil
}

type returns struct{}

func (returns) Get(_ context.Context, req *ordersv1.GetReturnRequest) (*ordersv1.Return, error) {
	return &ordersv1.Return{Id: req.ReturnId, Reason: ordersv1.Return_REASON_DAMAGED}, nil
}

func (returns) Open(_ context.Context, req *ordersv1.OpenReturnRequest) (*ordersv1.Return, error) {
	return &ordersv1.Return{Id: "r-1", OrderId: req.OrderId, Reason: req.Reason, Items: req.Items}, nil
}

func (returns) Watch(_ context.Context, req *ordersv1.WatchReturnsRequest, s ordersv1http.SSESender) error {
	for _, id := range req.OrderIds {
		if err := s.Send(&ordersv1.Return{OrderId: id}, ordersv1http.WithEventName("return")); err != nil {
			return err
		}
	}
	return nil
}

type catalog struct{}

func (catalog) Get(_ context.Context, req *catalogv1.GetProductRequest) (*catalogv1.Product, error) {
	return &catalogv1.Product{Sku: req.Sku, Price: &commonv1.Money{Currency: commonv1.Currency_CURRENCY_EUR, MinorUnits: 1999}}, nil
}

func (catalog) Search(_ context.Context, req *catalogv1.SearchProductsRequest) (*catalogv1.SearchProductsResponse, error) {
	return &catalogv1.SearchProductsResponse{Products: []*catalogv1.Product{{Title: req.Text, Tags: req.Tags}}}, nil
}

func (catalog) SetPrice(_ context.Context, req *catalogv1.SetPriceRequest) (*catalogv1.Product, error) {
	return &catalogv1.Product{Sku: req.Sku, Price: req.Price}, nil
}

func (catalog) Delete(context.Context, *catalogv1.DeleteProductRequest) (*catalogv1.DeleteProductResponse, error) {
	return &catalogv1.DeleteProductResponse{}, nil
}

func startShop(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	if err := ordersv1http.RegisterOrderServiceServer(orders{}, ordersv1http.WithMux(mux)); err != nil {
		t.Fatal(err)
	}
	if err := ordersv1http.RegisterReturnServiceServer(returns{}, ordersv1http.WithMux(mux)); err != nil {
		t.Fatal(err)
	}
	if err := catalogv1http.RegisterCatalogServiceServer(catalog{}, catalogv1http.WithMux(mux)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestThreeServicesOnOneMux(t *testing.T) {
	srv := startShop(t)
	ctx := context.Background()
	orderClient := ordersv1http.NewOrderServiceClient(srv.URL, ordersv1http.WithHTTPClient(srv.Client()))
	returnClient := ordersv1http.NewReturnServiceClient(srv.URL, ordersv1http.WithHTTPClient(srv.Client()))
	catalogClient := catalogv1http.NewCatalogServiceClient(srv.URL, catalogv1http.WithHTTPClient(srv.Client()))

	// The three Get methods reach three different handlers.
	if o, err := orderClient.Get(ctx, &ordersv1.GetOrderRequest{OrderId: "o/1"}); err != nil || o.Id != "o/1" || o.Status != ordersv1.OrderStatus_ORDER_STATUS_PLACED {
		t.Fatalf("OrderService.Get: %v, %v", o, err)
	}
	if r, err := returnClient.Get(ctx, &ordersv1.GetReturnRequest{ReturnId: "r 1"}); err != nil || r.Id != "r 1" || r.Reason != ordersv1.Return_REASON_DAMAGED {
		t.Fatalf("ReturnService.Get: %v, %v", r, err)
	}
	if p, err := catalogClient.Get(ctx, &catalogv1.GetProductRequest{Sku: "SKU-1"}); err != nil || p.Sku != "SKU-1" || p.Price.GetMinorUnits() != 1999 {
		t.Fatalf("CatalogService.Get: %v, %v", p, err)
	}

	statuses := []ordersv1.OrderStatus{ordersv1.OrderStatus_ORDER_STATUS_SHIPPED, ordersv1.OrderStatus_ORDER_STATUS_CANCELLED}
	list, err := orderClient.List(ctx, &ordersv1.ListOrdersRequest{CustomerId: "c1", Statuses: statuses})
	if err != nil || len(list.Orders) != 2 || list.Orders[1].Status != ordersv1.OrderStatus_ORDER_STATUS_CANCELLED {
		t.Fatalf("OrderService.List: %v, %v", list, err)
	}
	place := &ordersv1.PlaceOrderRequest{
		CustomerId:      "c1",
		Items:           []*ordersv1.LineItem{{Sku: "SKU-1", Quantity: 2, UnitPrice: &commonv1.Money{Currency: commonv1.Currency_CURRENCY_GBP, MinorUnits: -5}}},
		ShippingAddress: &commonv1.Address{Lines: []string{"1 Main St"}, City: "Springfield", Country: "US"},
	}
	if o, err := orderClient.Place(ctx, place); err != nil || !proto.Equal(o.ShippingAddress, place.ShippingAddress) || !proto.Equal(o.Items[0], place.Items[0]) {
		t.Fatalf("OrderService.Place: %v, %v", o, err)
	}
	if o, err := orderClient.Cancel(ctx, &ordersv1.CancelOrderRequest{OrderId: "o1", Reason: "changed my mind"}); err != nil || o.Status != ordersv1.OrderStatus_ORDER_STATUS_CANCELLED {
		t.Fatalf("OrderService.Cancel: %v, %v", o, err)
	}
	search, err := catalogClient.Search(ctx, &catalogv1.SearchProductsRequest{Text: "red shoes", MinPriceMinor: 100, Currency: commonv1.Currency_CURRENCY_USD, Tags: []string{"a", "b"}})
	if err != nil || search.Products[0].Title != "red shoes" || len(search.Products[0].Tags) != 2 {
		t.Fatalf("CatalogService.Search: %v, %v", search, err)
	}
	setPrice := &catalogv1.SetPriceRequest{Sku: "SKU-1", Price: &commonv1.Money{Currency: commonv1.Currency_CURRENCY_EUR, MinorUnits: 500}}
	if p, err := catalogClient.SetPrice(ctx, setPrice); err != nil || !proto.Equal(p.Price, setPrice.Price) {
		t.Fatalf("CatalogService.SetPrice: %v, %v", p, err)
	}
	if _, err := catalogClient.Delete(ctx, &catalogv1.DeleteProductRequest{Sku: "SKU-1"}); err != nil {
		t.Fatalf("CatalogService.Delete: %v", err)
	}
	if r, err := returnClient.Open(ctx, &ordersv1.OpenReturnRequest{OrderId: "o1", Reason: ordersv1.Return_REASON_WRONG_ITEM}); err != nil || r.OrderId != "o1" {
		t.Fatalf("ReturnService.Open: %v, %v", r, err)
	}
}

func TestStreamsOnDefaultPaths(t *testing.T) {
	srv := startShop(t)
	ctx := context.Background()

	// OrderService.Watch: GET /api/orders/v1/watch?order_id=...
	orderStream, err := ordersv1http.NewOrderServiceClient(srv.URL).Watch(ctx, &ordersv1.WatchOrderRequest{OrderId: "o1"})
	if err != nil {
		t.Fatal(err)
	}
	defer orderStream.Close()
	var statuses []ordersv1.OrderStatus
	for orderStream.Next() {
		statuses = append(statuses, orderStream.Msg().Status)
	}
	if orderStream.Err() != nil || len(statuses) != 2 || statuses[1] != ordersv1.OrderStatus_ORDER_STATUS_DELIVERED {
		t.Fatalf("OrderService.Watch: %v, %v", statuses, orderStream.Err())
	}

	// ReturnService.Watch: POST /api/returns/v1/watch with a body.
	returnStream, err := ordersv1http.NewReturnServiceClient(srv.URL).Watch(ctx, &ordersv1.WatchReturnsRequest{OrderIds: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	defer returnStream.Close()
	var ids []string
	for returnStream.Next() {
		if returnStream.Event() != "return" {
			t.Fatalf("event %q", returnStream.Event())
		}
		ids = append(ids, returnStream.Msg().OrderId)
	}
	if returnStream.Err() != nil || len(ids) != 3 {
		t.Fatalf("ReturnService.Watch: %v, %v", ids, returnStream.Err())
	}
}

func TestDefaultPathsOnTheWire(t *testing.T) {
	srv := startShop(t)
	resp, err := http.Get(srv.URL + "/api/orders/v1/watch?order_id=o1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /api/orders/v1/watch: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, err = http.Post(srv.URL+"/api/returns/v1/watch", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/returns/v1/watch: %d", resp.StatusCode)
	}
}
