// Package chat implements the chat API of proto/chat/v1 on ssegen's generated server interface:
// rooms keep their messages in memory, and every reader of a room's stream gets each new one.
package chat

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"example.com/ssegen/monorepo/gen/chatv1"
	"example.com/ssegen/monorepo/gen/chatv1/chatv1http"
)

// Service serves chatv1http.ChatServiceServer.
type Service struct {
	now func() time.Time

	mu      sync.Mutex
	rooms   map[string]*room
	readers int
}

type room struct {
	title    string
	messages []*chatv1.Message
	// Closed and replaced whenever a message is posted, which wakes every reader.
	posted chan struct{}
}

var _ chatv1http.ChatServiceServer = (*Service)(nil)

// NewService returns a service with the given rooms (id -> title) and no messages.
func NewService(rooms map[string]string, now func() time.Time) *Service {
	s := &Service{now: now, rooms: map[string]*room{}}
	for id, title := range rooms {
		s.rooms[id] = &room{title: title, posted: make(chan struct{})}
	}
	return s
}

func (s *Service) room(id string) (*room, error) {
	r, ok := s.rooms[id]
	if !ok {
		return nil, chatv1http.NewAPIError(http.StatusNotFound, "no room "+strconv.Quote(id))
	}
	return r, nil
}

func (s *Service) GetRoom(_ context.Context, req *chatv1.GetRoomRequest) (*chatv1.Room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.room(req.GetRoomId())
	if err != nil {
		return nil, err
	}
	return &chatv1.Room{RoomId: req.GetRoomId(), Title: r.title, MessageCount: int64(len(r.messages))}, nil
}

func (s *Service) PostMessage(_ context.Context, req *chatv1.PostMessageRequest) (*chatv1.Message, error) {
	var violations []chatv1http.FieldViolation
	if req.GetAuthor() == "" {
		violations = append(violations, chatv1http.FieldViolation{Field: "author", Description: "required"})
	}
	if req.GetText() == "" {
		violations = append(violations, chatv1http.FieldViolation{Field: "text", Description: "required"})
	}
	if violations != nil {
		return nil, &chatv1http.ValidationError{Violations: violations}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.room(req.GetRoomId())
	if err != nil {
		return nil, err
	}
	msg := &chatv1.Message{
		Id:     int64(len(r.messages) + 1),
		RoomId: req.GetRoomId(),
		Author: req.GetAuthor(),
		Text:   req.GetText(),
		SentAt: timestamppb.New(s.now()),
	}
	r.messages = append(r.messages, msg)
	close(r.posted)
	r.posted = make(chan struct{})
	return msg, nil
}

// StreamMessages replays the messages after after_id, or after the Last-Event-ID of a client
// that resumes, then sends each new one until the client goes away.
func (s *Service) StreamMessages(ctx context.Context, req *chatv1.StreamMessagesRequest, stream chatv1http.SSESender) error {
	after := req.GetAfterId()
	if id := stream.LastEventID(); id != "" {
		parsed, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return &chatv1http.ValidationError{Violations: []chatv1http.FieldViolation{
				{Field: "Last-Event-ID", Description: "not a message id"},
			}}
		}
		after = max(after, parsed)
	}
	s.mu.Lock()
	if _, err := s.room(req.GetRoomId()); err != nil {
		s.mu.Unlock()
		return err
	}
	s.readers++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.readers--
		s.mu.Unlock()
	}()
	// Commit the stream before waiting, so the client sees 200 even in an empty room.
	if err := stream.Flush(); err != nil {
		return err
	}
	for {
		s.mu.Lock()
		r := s.rooms[req.GetRoomId()]
		pending := r.messages[min(after, int64(len(r.messages))):]
		posted := r.posted
		s.mu.Unlock()
		for _, msg := range pending {
			if err := stream.Send(msg, chatv1http.WithEventID(strconv.FormatInt(msg.GetId(), 10))); err != nil {
				return err
			}
			after = msg.GetId()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-posted:
		}
	}
}

// Readers is the number of streams being served, for tests and metrics.
func (s *Service) Readers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readers
}
