// Package notes implements the notes API of proto/notes/v1, a proto without go_package: its
// messages (notesv1) and its server and client (notesv1http) get their import paths from the
// library's go_package_prefix. The requests' buf.validate rules are checked by the generated server
// (with protovalidate) before these methods run.
package notes

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"example.com/ssegen/monorepo/gen/notes/v1"
	"example.com/ssegen/monorepo/gen/notes/v1/notesv1http"
)

// Service serves notesv1http.NoteServiceServer from memory.
type Service struct {
	now func() time.Time

	mu    sync.Mutex
	notes []*notesv1.Note
}

var _ notesv1http.NoteServiceServer = (*Service)(nil)

// NewService returns a service without notes.
func NewService(now func() time.Time) *Service {
	return &Service{now: now}
}

func (s *Service) AddNote(_ context.Context, req *notesv1.AddNoteRequest) (*notesv1.Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	note := &notesv1.Note{
		NoteId:  int64(len(s.notes) + 1),
		RoomId:  req.GetRoomId(),
		Text:    req.GetText(),
		AddedAt: timestamppb.New(s.now()),
	}
	s.notes = append(s.notes, note)
	return note, nil
}

func (s *Service) GetNote(_ context.Context, req *notesv1.GetNoteRequest) (*notesv1.Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := req.GetNoteId(); id >= 1 && id <= int64(len(s.notes)) {
		return s.notes[id-1], nil
	}
	return nil, notesv1http.NewAPIError(http.StatusNotFound, "no note "+strconv.FormatInt(req.GetNoteId(), 10))
}

func (s *Service) WatchNotes(_ context.Context, req *notesv1.WatchNotesRequest, stream notesv1http.SSESender) error {
	s.mu.Lock()
	var notes []*notesv1.Note
	for _, note := range s.notes {
		if note.GetRoomId() == req.GetRoomId() {
			notes = append(notes, note)
		}
	}
	s.mu.Unlock()
	for _, note := range notes {
		if err := stream.Send(note, notesv1http.WithEventID(strconv.FormatInt(note.GetNoteId(), 10))); err != nil {
			return err
		}
	}
	return nil
}
