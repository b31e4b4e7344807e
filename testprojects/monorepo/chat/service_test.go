package chat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"example.com/ssegen/monorepo/chat"
	"example.com/ssegen/monorepo/gen/chatv1"
	"example.com/ssegen/monorepo/gen/chatv1/chatv1http"
)

var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// start serves a fresh service with one room through the generated server, and returns a
// generated client for it.
func start(t *testing.T) (*chat.Service, *chatv1http.ChatServiceClient) {
	t.Helper()
	service := chat.NewService(map[string]string{"general": "General"}, func() time.Time { return fixedNow })
	mux := http.NewServeMux()
	if err := chatv1http.RegisterChatServiceServer(service, chatv1http.WithMux(mux)); err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	return service, chatv1http.NewChatServiceClient(server.URL)
}

func post(t *testing.T, client *chatv1http.ChatServiceClient, text string) *chatv1.Message {
	t.Helper()
	msg, err := client.PostMessage(context.Background(), &chatv1.PostMessageRequest{RoomId: "general", Author: "ada", Text: text})
	if err != nil {
		t.Fatalf("PostMessage(%q): %v", text, err)
	}
	return msg
}

// next reads one message from the stream, failing the test if none comes.
func next(t *testing.T, stream *chatv1http.EventStream[*chatv1.Message]) *chatv1.Message {
	t.Helper()
	if !stream.Next() {
		t.Fatalf("stream ended early: %v", stream.Err())
	}
	return stream.Msg()
}

func TestUnaryCalls(t *testing.T) {
	_, client := start(t)
	ctx := context.Background()

	msg := post(t, client, "hello")
	if msg.GetId() != 1 || msg.GetRoomId() != "general" || !msg.GetSentAt().AsTime().Equal(fixedNow) {
		t.Errorf("posted message = %v", msg)
	}
	room, err := client.GetRoom(ctx, &chatv1.GetRoomRequest{RoomId: "general"})
	if err != nil {
		t.Fatal(err)
	}
	if room.GetTitle() != "General" || room.GetMessageCount() != 1 {
		t.Errorf("room = %v, want General with 1 message", room)
	}

	var apiErr *chatv1http.APIError
	if _, err := client.GetRoom(ctx, &chatv1.GetRoomRequest{RoomId: "nope"}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("GetRoom(nope) error = %v, want a 404 APIError", err)
	}
	var invalid *chatv1http.ValidationError
	_, err = client.PostMessage(ctx, &chatv1.PostMessageRequest{RoomId: "general", Author: "ada"})
	if !errors.As(err, &invalid) || len(invalid.Violations) != 1 || invalid.Violations[0].Field != "text" {
		t.Errorf("PostMessage without text error = %v, want a violation of field text", err)
	}
}

func TestStreamReplaysThenFollows(t *testing.T) {
	_, client := start(t)
	post(t, client, "one")
	post(t, client, "two")

	stream, err := client.StreamMessages(context.Background(), &chatv1.StreamMessagesRequest{RoomId: "general", AfterId: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if got := next(t, stream); got.GetText() != "two" || stream.ID() != "2" {
		t.Errorf("first event = %q (id %q), want two (id 2)", got.GetText(), stream.ID())
	}
	// Posted while the stream is open: delivered live.
	post(t, client, "three")
	if got := next(t, stream); got.GetText() != "three" || stream.ID() != "3" {
		t.Errorf("live event = %q (id %q), want three (id 3)", got.GetText(), stream.ID())
	}
}

func TestStreamResumesFromLastEventID(t *testing.T) {
	_, client := start(t)
	for _, text := range []string{"one", "two", "three"} {
		post(t, client, text)
	}
	stream, err := client.StreamMessages(context.Background(), &chatv1.StreamMessagesRequest{RoomId: "general"}, chatv1http.WithLastEventID("2"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if got := next(t, stream); got.GetText() != "three" {
		t.Errorf("resumed at %q, want three", got.GetText())
	}
}

func TestStreamOfUnknownRoomIsAnHTTPError(t *testing.T) {
	_, client := start(t)
	var apiErr *chatv1http.APIError
	_, err := client.StreamMessages(context.Background(), &chatv1.StreamMessagesRequest{RoomId: "nope"})
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("StreamMessages(nope) error = %v, want a 404 APIError before any event", err)
	}
}

func TestClosingTheStreamEndsTheHandler(t *testing.T) {
	service, client := start(t)
	stream, err := client.StreamMessages(context.Background(), &chatv1.StreamMessagesRequest{RoomId: "general"})
	if err != nil {
		t.Fatal(err)
	}
	if service.Readers() != 1 {
		t.Fatalf("readers = %d with one open stream", service.Readers())
	}
	if err := stream.Close(); err != nil {
		t.Fatal(err)
	}
	// The server notices the disconnect asynchronously; wait for it, without a timing assertion.
	deadline := time.Now().Add(10 * time.Second)
	for service.Readers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stream handler still runs 10s after the client closed the stream")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
