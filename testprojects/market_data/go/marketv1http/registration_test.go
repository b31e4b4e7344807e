package marketv1http_test

import (
	"net/http"
	"testing"

	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

func TestRegisterReportsProblemsAsErrors(t *testing.T) {
	mux := http.NewServeMux()
	if err := marketv1http.RegisterMarketDataServiceServer(&market{}, marketv1http.WithMux(mux)); err != nil {
		t.Fatal(err)
	}
	// The same routes again conflict: an error, not a ServeMux panic.
	if err := marketv1http.RegisterMarketDataServiceServer(&market{}, marketv1http.WithMux(mux)); err == nil {
		t.Fatal("registering the service twice on one mux succeeded")
	}
	if err := marketv1http.RegisterMarketDataServiceServer(nil, marketv1http.WithMux(http.NewServeMux())); err == nil {
		t.Fatal("registering a nil server succeeded")
	}
}
