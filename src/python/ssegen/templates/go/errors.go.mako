${header}

// Package ${package} serves and calls the HTTP APIs of the services in ${pb_import_path}
// (server: Register<Service>Server; client: New<Service>Client).
package ${package}

import (
	"net/http"
	"strconv"
	"strings"
)

// The event names the SSE contract reserves: a handler error after the stream started, and the
// clean end of a stream. Handlers cannot send events with these names.
const (
	sseErrorEvent = ${error_event}
	sseEndEvent   = ${end_event}
)

// FieldViolation is one problem with a request: the field, query parameter or header
// at fault ("body" for an unreadable body) and what is wrong with it.
type FieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// ValidationError is a request that could not be bound or failed validation.
// Servers answer it with status 400 and the body {"violations": [...]}.
type ValidationError struct {
	Violations []FieldViolation `json:"violations"`
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// APIError is any other error with an HTTP status; its body is {"message": ...}.
// Servers send a Status outside 400-599 as 500. A client sees Status 500 for the error
// event of a stream that had already started, since no status travels with it.
type APIError struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
}

// NewAPIError returns an error that servers answer with the status and message.
func NewAPIError(status int, message string) *APIError {
	return &APIError{Status: status, Message: message}
}

func (e *APIError) Error() string {
	if e.Status == 0 {
		return e.Message
	}
	status := strconv.Itoa(e.Status)
	text := http.StatusText(e.Status)
	if text != "" {
		status += " " + text
	}
	if e.Message == "" || e.Message == text {
		return status
	}
	return status + ": " + e.Message
}
