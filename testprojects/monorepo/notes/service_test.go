package notes_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"example.com/ssegen/monorepo/gen/notes/v1"
	"example.com/ssegen/monorepo/gen/notes/v1/notesv1http"
	"example.com/ssegen/monorepo/notes"
)

var fixedNow = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

// start serves a fresh service over HTTP through the generated server and returns a generated
// client for it.
func start(t *testing.T) *notesv1http.NoteServiceClient {
	t.Helper()
	server := httptest.NewServer(notesv1http.NewNoteServiceHandler(notes.NewService(func() time.Time { return fixedNow })))
	t.Cleanup(server.Close)
	return notesv1http.NewNoteServiceClient(server.URL)
}

func add(t *testing.T, client *notesv1http.NoteServiceClient, room, text string) *notesv1.Note {
	t.Helper()
	note, err := client.AddNote(context.Background(), &notesv1.AddNoteRequest{RoomId: room, Text: text})
	if err != nil {
		t.Fatalf("AddNote(%q, %q): %v", room, text, err)
	}
	return note
}

// The messages are protoc-gen-go's, registered under the proto's own name at the import path the
// prefix gives them.
func TestMessagesAreProtocGenGosAtThePrefixedImportPath(t *testing.T) {
	descriptor := (&notesv1.Note{}).ProtoReflect().Descriptor()
	if got := descriptor.FullName(); got != "notes.v1.Note" {
		t.Errorf("full name = %s, want notes.v1.Note", got)
	}
	if got := descriptor.ParentFile().Path(); got != "notes/v1/notes.proto" {
		t.Errorf("file = %s, want notes/v1/notes.proto", got)
	}
}

func TestUnaryCalls(t *testing.T) {
	client := start(t)
	note := add(t, client, "general", "standup at ten")
	want := &notesv1.Note{NoteId: 1, RoomId: "general", Text: "standup at ten"}
	if note.GetAddedAt().AsTime() != fixedNow {
		t.Errorf("added_at = %v, want %v", note.GetAddedAt().AsTime(), fixedNow)
	}
	note.AddedAt = nil
	if !proto.Equal(note, want) {
		t.Errorf("AddNote = %v, want %v", note, want)
	}

	got, err := client.GetNote(context.Background(), &notesv1.GetNoteRequest{NoteId: 1})
	if err != nil || got.GetText() != "standup at ten" {
		t.Errorf("GetNote(1) = %v, %v", got, err)
	}
	var apiErr *notesv1http.APIError
	if _, err := client.GetNote(context.Background(), &notesv1.GetNoteRequest{NoteId: 7}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("GetNote(7) error = %v, want a 404 APIError", err)
	}
}

// The buf.validate rules of AddNoteRequest, the CEL one included, are checked by protovalidate in
// the generated server before the handler (which checks nothing itself), built by Pants' Go backend
// from go.mod's buf.build/go/protovalidate.
func TestServerValidatesRequestsWithProtovalidate(t *testing.T) {
	client := start(t)
	cases := []struct {
		req  *notesv1.AddNoteRequest
		want []notesv1http.FieldViolation
	}{
		{
			&notesv1.AddNoteRequest{RoomId: "General!", Text: ""},
			[]notesv1http.FieldViolation{
				{Field: "room_id", Description: "does not match regex pattern `^[a-z][a-z0-9-]{0,31}$`"},
				{Field: "text", Description: "must be at least 1 characters"},
			},
		},
		{
			&notesv1.AddNoteRequest{RoomId: "general", Text: "general"},
			[]notesv1http.FieldViolation{{Field: "unknown", Description: "text must not repeat the room id"}},
		},
	}
	for _, c := range cases {
		_, err := client.AddNote(context.Background(), c.req)
		var invalid *notesv1http.ValidationError
		if !errors.As(err, &invalid) {
			t.Errorf("AddNote(%v) error = %v, want a ValidationError", c.req, err)
			continue
		}
		if !reflect.DeepEqual(invalid.Violations, c.want) {
			t.Errorf("AddNote(%v) violations = %+v, want %+v", c.req, invalid.Violations, c.want)
		}
	}
	var apiErr *notesv1http.APIError
	if _, err := client.GetNote(context.Background(), &notesv1.GetNoteRequest{NoteId: 1}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("GetNote(1) after invalid requests = %v, want a 404: the handler must not have run", err)
	}
}

// WithRequestValidation checks a request in the client and sends nothing when it fails.
func TestClientValidatesBeforeSending(t *testing.T) {
	var requests atomic.Int32
	handler := notesv1http.NewNoteServiceHandler(notes.NewService(func() time.Time { return fixedNow }))
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	client := notesv1http.NewNoteServiceClient(server.URL, notesv1http.WithRequestValidation())

	var invalid *notesv1http.ValidationError
	if _, err := client.AddNote(context.Background(), &notesv1.AddNoteRequest{RoomId: "general", Text: strings.Repeat("x", 281)}); !errors.As(err, &invalid) {
		t.Fatalf("AddNote with 281 characters error = %v, want a ValidationError", err)
	}
	want := []notesv1http.FieldViolation{{Field: "text", Description: "must be at most 280 characters"}}
	if !reflect.DeepEqual(invalid.Violations, want) {
		t.Errorf("violations = %+v, want %+v", invalid.Violations, want)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the client sent %d requests for an invalid one, want 0", n)
	}
	add(t, client, "general", strings.Repeat("x", 280))
	if n := requests.Load(); n != 1 {
		t.Errorf("the client sent %d requests for a valid one, want 1", n)
	}
}

func TestStreamOfARoomsNotes(t *testing.T) {
	client := start(t)
	add(t, client, "general", "one")
	add(t, client, "random", "elsewhere")
	add(t, client, "general", "two")

	stream, err := client.WatchNotes(context.Background(), &notesv1.WatchNotesRequest{RoomId: "general"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var texts, ids []string
	for stream.Next() {
		texts = append(texts, stream.Msg().GetText())
		ids = append(ids, stream.ID())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream error: %v", err)
	}
	if len(texts) != 2 || texts[0] != "one" || texts[1] != "two" || ids[0] != "1" || ids[1] != "3" {
		t.Errorf("events = %v (ids %v), want [one two] (ids [1 3])", texts, ids)
	}
}
