package notes_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
	var invalid *notesv1http.ValidationError
	if _, err := client.AddNote(context.Background(), &notesv1.AddNoteRequest{RoomId: "general"}); !errors.As(err, &invalid) {
		t.Errorf("AddNote without text error = %v, want a ValidationError", err)
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
