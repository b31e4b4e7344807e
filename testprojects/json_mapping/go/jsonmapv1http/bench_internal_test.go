package jsonmapv1http

// Benchmarks of the JSON paths of the server: a message without options (Plain) through the
// generated dispatch against protojson called directly, as the server did before the JSON
// mapping, and a mapped message (Item) through the codec. Run with
//   go test -run '^$' -bench JSON ./json_mapping/gen/jsonmapv1/jsonmapv1http
// (figures are not asserted; see the benchmark note in the README).

import (
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	jsonmapv1 "example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1"
)

var (
	plainBody = []byte(`{"id":"0123456789abcdef","n":"1234567890"}`)
	itemBody  = []byte(`{"id":"i1","count":12,"status":"active","history":["active","inactive"],"digest":"abcd",` +
		`"created":1705312200,"billing_city":"C","kind":"vid","video":{"url":"u"},"type":"text","body":"hi"}`)
	discard = protojson.UnmarshalOptions{DiscardUnknown: true}
)

func BenchmarkJSONDecodePlainProtojson(b *testing.B) {
	for i := 0; i < b.N; i++ {
		msg := &jsonmapv1.Plain{}
		if err := discard.Unmarshal(plainBody, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDecodePlainGenerated(b *testing.B) {
	for i := 0; i < b.N; i++ {
		msg := &jsonmapv1.Plain{}
		if err := unmarshalJSON(discard, plainBody, msg, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncodePlainProtojson(b *testing.B) {
	msg := &jsonmapv1.Plain{Id: "0123456789abcdef", N: 1234567890}
	for i := 0; i < b.N; i++ {
		if _, err := (protojson.MarshalOptions{}).Marshal(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncodePlainGenerated(b *testing.B) {
	var msg proto.Message = &jsonmapv1.Plain{Id: "0123456789abcdef", N: 1234567890}
	for i := 0; i < b.N; i++ {
		if _, err := marshalJSON(protojson.MarshalOptions{}, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDecodeMappedItem(b *testing.B) {
	for i := 0; i < b.N; i++ {
		msg := &jsonmapv1.Item{}
		if err := unmarshalJSON(discard, itemBody, msg, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncodeMappedItem(b *testing.B) {
	msg := &jsonmapv1.Item{}
	if err := unmarshalJSON(discard, itemBody, msg, true); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := marshalJSON(protojson.MarshalOptions{}, msg); err != nil {
			b.Fatal(err)
		}
	}
}
