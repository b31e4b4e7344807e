package jsonmapv1http

// Property: writing a random message of the golden protos with the codec and reading it back
// gives the same message (for the values the mapping can carry: unix timestamps without
// sub-second parts, dates at midnight, empty messages that NULL/OMIT/flatten would drop).

import (
	"math/rand"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	jsonmapv1 "example.com/ssegen/testprojects/json_mapping/gen/jsonmapv1"
)

type gen struct{ r *rand.Rand }

func (g gen) coin() bool { return g.r.Intn(2) == 0 }

func (g gen) text() string {
	runes := []rune{'a', 'Z', '0', ' ', '"', '\\', '\n', '\u2028', 'é', '😀', '\x01', '/'}
	b := make([]rune, g.r.Intn(6))
	for i := range b {
		b[i] = runes[g.r.Intn(len(runes))]
	}
	s := string(b)
	if !utf8.ValidString(s) {
		panic(s)
	}
	return s
}

func (g gen) bytes() []byte {
	b := make([]byte, g.r.Intn(7))
	g.r.Read(b)
	return b
}

func (g gen) status() jsonmapv1.Status { return jsonmapv1.Status(g.r.Intn(3)) }

func (g gen) address(nonEmpty bool) *jsonmapv1.Address {
	a := &jsonmapv1.Address{}
	for a.Street == "" && a.City == "" && a.ZipCode == "" {
		a = &jsonmapv1.Address{Street: g.text(), City: g.text(), ZipCode: g.text()}
		if !nonEmpty {
			break
		}
	}
	return a
}

func (g gen) item() *jsonmapv1.Item {
	it := &jsonmapv1.Item{
		Id: g.text(), Count: g.r.Int63() - g.r.Int63(), Total: g.r.Uint64(), Priority: jsonmapv1.Priority(g.r.Intn(3)),
		Status: g.status(), Raw: g.bytes(), Token: g.bytes(), TokenRaw: g.bytes(), Digest: g.bytes(), Plain: g.bytes(),
	}
	for i := g.r.Intn(3); i > 0; i-- {
		it.History = append(it.History, g.status())
		it.Samples = append(it.Samples, g.r.Int63()-g.r.Int63())
		it.Tags = append(it.Tags, &jsonmapv1.Tag{Name: g.text(), Status: g.status()})
	}
	if g.coin() {
		it.ByRegion = map[string]jsonmapv1.Status{g.text(): g.status(), g.text(): g.status()}
		it.TagsByName = map[string]*jsonmapv1.Tag{g.text(): {Name: g.text()}}
	}
	if g.coin() {
		s, n := g.text(), g.r.Int31()-g.r.Int31()
		level := jsonmapv1.Priority(g.r.Intn(3))
		it.MiddleName, it.Rank, it.Level = &s, &n, &level
	}
	if g.coin() {
		it.Home, it.Work, it.Billing = g.address(true), g.address(true), g.address(true)
	}
	if g.coin() {
		it.Other = g.address(false)
		it.MainTag = &jsonmapv1.Tag{Name: g.text(), Status: g.status()}
	}
	if g.coin() {
		seconds := g.r.Int63n(253402300799+62135596800) - 62135596800
		it.Created = &timestamppb.Timestamp{Seconds: seconds}
		it.Updated = &timestamppb.Timestamp{Seconds: seconds, Nanos: int32(g.r.Intn(1000)) * 1e6}
		it.Birthday = timestamppb.New(time.Unix(seconds, 0).UTC().Truncate(24 * time.Hour))
		it.Seen = &timestamppb.Timestamp{Seconds: seconds, Nanos: int32(g.r.Intn(1e9))}
	}
	switch g.r.Intn(4) {
	case 0:
		it.Media = &jsonmapv1.Item_Video{Video: &jsonmapv1.Video{Url: g.text(), Seconds: g.r.Int31()}}
	case 1:
		it.Media = &jsonmapv1.Item_Image{Image: &jsonmapv1.Image{Src: g.text()}}
	case 2:
		it.Media = &jsonmapv1.Item_Link{Link: g.text()}
	}
	switch g.r.Intn(3) {
	case 0:
		it.Content = &jsonmapv1.Item_Text{Text: &jsonmapv1.Text{Body: g.text()}}
	case 1:
		it.Content = &jsonmapv1.Item_Photo{Photo: &jsonmapv1.Photo{Uri: g.text(), PhotoStatus: g.status()}}
	}
	return it
}

func roundTrip(t *testing.T, msg proto.Message) {
	t.Helper()
	data, err := marshalJSON(protojson.MarshalOptions{}, msg)
	if err != nil {
		t.Fatalf("encode %v: %v", msg, err)
	}
	back := msg.ProtoReflect().New().Interface()
	if err := unmarshalJSON(protojson.UnmarshalOptions{DiscardUnknown: true}, data, back, true); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	if !proto.Equal(msg, back) {
		t.Fatalf("%s\nread back as\n%v\nwant\n%v", data, back, msg)
	}
}

func TestEncodeDecodeIsTheIdentity(t *testing.T) {
	g := gen{rand.New(rand.NewSource(1))}
	for i := 0; i < 2000; i++ {
		item := g.item()
		roundTrip(t, item)
		roundTrip(t, &jsonmapv1.ItemList{Items: []*jsonmapv1.Item{item, g.item()}})
		bars := &jsonmapv1.BarList{Bars: []*jsonmapv1.Bar{{Time: g.r.Int63(), Price: g.r.NormFloat64()}}}
		roundTrip(t, &jsonmapv1.BarsBySymbol{Bars: map[string]*jsonmapv1.BarList{g.text(): bars}})
		roundTrip(t, &jsonmapv1.BarsResponse{Bars: map[string]*jsonmapv1.BarList{g.text(): bars, "e": {}}})
		roundTrip(t, &jsonmapv1.Place{Label: g.text(), Address: g.address(true)})
	}
}
