package jsonmapv1http

// The JSON-mapping conformance cases (testprojects/conformance/json_mapping.json) against the
// generated codec: each valid case decodes to its message and is written back in its wire
// form; each invalid one is a violation of the named field.

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

type conformanceCase struct {
	Name    string          `json:"name"`
	Message string          `json:"message"`
	JSON    json.RawMessage `json:"json"`
	Text    string          `json:"text"`
	Proto   json.RawMessage `json:"proto"`
	Encoded json.RawMessage `json:"encoded"`
	Error   *string         `json:"error"`
}

func (c conformanceCase) input() []byte {
	if c.Text != "" {
		return []byte(c.Text)
	}
	return c.JSON
}

func loadCases(t *testing.T) []conformanceCase {
	t.Helper()
	data, err := os.ReadFile("testdata/json_mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []conformanceCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) == 0 {
		t.Fatal("no cases")
	}
	return doc.Cases
}

func newMessage(t *testing.T, name string) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

// sameJSON compares two JSON texts as values, numbers by their text.
func sameJSON(t *testing.T, got, want []byte) bool {
	t.Helper()
	parse := func(data []byte) any {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		return v
	}
	return reflect.DeepEqual(parse(got), parse(want))
}

func TestJSONMappingConformance(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			msg := newMessage(t, c.Message)
			err := unmarshalJSON(protojson.UnmarshalOptions{DiscardUnknown: true}, c.input(), msg, true)
			if c.Error != nil {
				if err == nil {
					t.Fatalf("decoded %s as %v; want a violation of %q", c.input(), msg, *c.Error)
				}
				want := *c.Error
				if want == "" {
					want = "body"
				}
				if v := bodyViolation(err); v.Field != want {
					t.Fatalf("violation %+v; want field %q", v, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode %s: %v", c.input(), err)
			}
			want := newMessage(t, c.Message)
			if err := protojson.Unmarshal(c.Proto, want); err != nil {
				t.Fatalf("the case's proto: %v", err)
			}
			if !proto.Equal(msg, want) {
				t.Fatalf("decoded\n%v\nwant\n%v", msg, want)
			}
			encoded, err := marshalJSON(protojson.MarshalOptions{}, msg)
			if err != nil {
				t.Fatal(err)
			}
			wantEncoded := c.Encoded
			if wantEncoded == nil {
				wantEncoded = c.input()
			}
			if !sameJSON(t, encoded, wantEncoded) {
				t.Fatalf("encoded\n%s\nwant\n%s", encoded, wantEncoded)
			}
		})
	}
}

func TestLenientEnumNamesReadTheZeroValue(t *testing.T) {
	msg := newMessage(t, "jsonmap.v1.Tag")
	if err := unmarshalJSON(protojson.UnmarshalOptions{DiscardUnknown: true}, []byte(`{"name":"a","status":"later"}`), msg, false); err != nil {
		t.Fatal(err)
	}
	want := newMessage(t, "jsonmap.v1.Tag")
	_ = protojson.Unmarshal([]byte(`{"name":"a"}`), want)
	if !proto.Equal(msg, want) {
		t.Fatalf("got %v", msg)
	}
}
