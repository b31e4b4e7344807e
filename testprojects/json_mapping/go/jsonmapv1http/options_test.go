package jsonmapv1http_test

// The server's protojson options reach mapped messages too: names, enum numbers, unpopulated
// fields and indentation when writing; unknown fields when reading.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1/jsonmapv1http"
)

func serveWith(t *testing.T, opts ...jsonmapv1http.ServerOption) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	if err := jsonmapv1http.RegisterJsonMapServiceServer(echo{}, append(opts, jsonmapv1http.WithMux(mux))...); err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	return server
}

func object(t *testing.T, body string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

func TestMarshalOptionsApplyToMappedMessages(t *testing.T) {
	server := serveWith(t, jsonmapv1http.WithMarshalOptions(protojson.MarshalOptions{
		UseProtoNames: true, UseEnumNumbers: true, EmitUnpopulated: true, Indent: "  ",
	}))
	status, body := post(t, server.URL+"/api/places", `{"label":"x","street":"s"}`)
	if status != http.StatusOK || !strings.Contains(body, "\n  \"label\": \"x\"") {
		t.Fatalf("%d %s", status, body)
	}
	// The flattened address's unset fields too, under their proto names.
	if got, want := object(t, body), map[string]any{"label": "x", "street": "s", "city": "", "zip_code": ""}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	status, body = post(t, server.URL+"/api/items", `{"id":"a","status":"inactive","tags":[{"name":"t","status":"active"}]}`)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	got := object(t, body)
	for key, want := range map[string]any{
		"id": "a", "status": 2.0, "count": 0.0, "total": "0", "history": []any{}, "middle_name": nil, "home": nil,
		"other": nil, "tags": []any{map[string]any{"name": "t", "status": 1.0}},
	} {
		if value, ok := got[key]; !ok || !reflect.DeepEqual(value, want) {
			t.Fatalf("%s = %#v, want %#v in %s", key, value, want, body)
		}
	}
	// Unset flattened messages and oneofs write nothing, nor does empty_behavior OMIT.
	for _, absent := range []string{"billing_street", "billing_zip_code", "kind", "type", "video", "work"} {
		if _, ok := got[absent]; ok {
			t.Fatalf("%s written: %s", absent, body)
		}
	}
}

func TestEmitDefaultValuesLeavesUnsetMessagesOut(t *testing.T) {
	server := serveWith(t, jsonmapv1http.WithMarshalOptions(protojson.MarshalOptions{EmitDefaultValues: true}))
	_, body := post(t, server.URL+"/api/items", `{"id":"a"}`)
	got := object(t, body)
	if _, ok := got["other"]; ok {
		t.Fatalf("other written: %s", body)
	}
	if got["count"] != 0.0 || got["home"] != nil || got["status"] != "unknown" {
		t.Fatalf("%s", body)
	}
}

func TestUnknownFieldsAreRejectedWithoutDiscardUnknown(t *testing.T) {
	server := serveWith(t, jsonmapv1http.WithUnmarshalOptions(protojson.UnmarshalOptions{}))
	for body, field := range map[string]string{
		`{"id":"a","later":1}`:                        "later",
		`{"tags":[{"name":"t","colour":"red"}]}`:      "tags[0].colour",
		`{"kind":"vid","video":{"url":"u","fps":30}}`: "video.fps",
	} {
		status, answer := post(t, server.URL+"/api/items", body)
		if status != http.StatusBadRequest || !strings.Contains(answer, `"field":"`+field+`"`) {
			t.Fatalf("%s: %d %s", body, status, answer)
		}
	}
	// Every key the mapping reads is known: flattened fields, discriminators, flattened
	// variants, proto names.
	known := `{"id":"a","billing_street":"s","kind":"vid","video":{"url":"u"},"type":"pic","uri":"p","middle_name":"m"}`
	if status, answer := post(t, server.URL+"/api/items", known); status != http.StatusOK {
		t.Fatalf("%d %s", status, answer)
	}
	if status, answer := post(t, server.URL+"/api/places", `{"label":"x","zipCode":"z","zip_code":"z"}`); status != http.StatusOK {
		t.Fatalf("%d %s", status, answer)
	}
}
