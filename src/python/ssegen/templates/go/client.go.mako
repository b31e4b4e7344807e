${header}

package ${package}

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Content types of request bodies, chosen with WithContentType.
const (
	// ContentTypeJSON sends protojson bodies (the default).
	ContentTypeJSON = "application/json"
	// ContentTypeProtobuf sends binary protobuf bodies and asks for binary unary responses.
	ContentTypeProtobuf = "application/x-protobuf"
)

// ClientOption configures a client.
type ClientOption func(*clientConfig)

// WithHTTPClient sends requests with c instead of http.DefaultClient. Its Timeout covers
// whole streams, so long-lived streams need a client without one.
func WithHTTPClient(c *http.Client) ClientOption {
	return func(cfg *clientConfig) { cfg.httpClient = c }
}

// WithDefaultHeader sends a header with every request.
func WithDefaultHeader(key, value string) ClientOption {
	return func(cfg *clientConfig) { cfg.header.Set(key, value) }
}

// WithContentType sets the request body encoding: ContentTypeJSON or ContentTypeProtobuf.
func WithContentType(contentType string) ClientOption {
	return func(cfg *clientConfig) { cfg.contentType = contentType }
}

// WithReconnect sets how streams reconnect after a dropped connection.
func WithReconnect(p ReconnectPolicy) ClientOption {
	return func(cfg *clientConfig) { cfg.reconnect = p }
}

// WithSebufStreamFraming makes streams read the way sebuf's servers end them: an orderly
// end of the response is the end of the stream (no end event needed, nothing to
// reconnect). A dropped connection is still an error.
func WithSebufStreamFraming() ClientOption {
	return func(cfg *clientConfig) { cfg.sebufFraming = true }
}

% if validation:
// WithRequestValidation checks every request against its buf.validate rules before sending
// it: a violation is returned as the *ValidationError a server answers with status 400, and
// nothing is sent.
func WithRequestValidation() ClientOption {
	return func(cfg *clientConfig) { cfg.validate = true }
}

% endif
// WithMaxEventSize limits the data of one stream event to n bytes (default 16 MiB; 0 means
// no limit). A larger event ends the stream with *EventTooLargeError.
func WithMaxEventSize(n int) ClientOption {
	return func(cfg *clientConfig) { cfg.maxEventSize = n }
}

// ReconnectPolicy says how a stream whose connection dropped before its end event
// reconnects: up to MaxAttempts consecutive attempts that bring no event with a new id
// (a failed connection counts, and so does one that ends without such an event), at most
// MaxReconnects in all (100 when zero), each after a random delay below an exponentially
// growing ceiling (InitialBackoff, doubled per attempt up to MaxBackoff; 500ms and 30s when
// zero), and never shorter than the server's retry field. After a reconnect, events whose
// id the stream already delivered (one of its last 4096 ids), and the events without an id
// that follow them, are skipped: a server that ignores Last-Event-ID replays them.
// The zero value never reconnects.
type ReconnectPolicy struct {
	MaxAttempts    int
	MaxReconnects  int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

func (p ReconnectPolicy) maxReconnects() int {
	if p.MaxReconnects <= 0 {
		return 100
	}
	return p.MaxReconnects
}

func (p ReconnectPolicy) delay(attempt int, retry time.Duration) time.Duration {
	ceiling, limit := p.InitialBackoff, p.MaxBackoff
	if ceiling <= 0 {
		ceiling = 500 * time.Millisecond
	}
	if limit <= 0 {
		limit = 30 * time.Second
	}
	limit = max(limit, ceiling)
	for i := 1; i < attempt && ceiling < limit; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, limit)
	// Full jitter spreads the reconnects of many clients that lost the same server.
	return max(rand.N(ceiling+1), retry)
}

// CallOption configures one call.
type CallOption func(*callConfig)

// WithHeader sends a header with this call.
func WithHeader(key, value string) CallOption {
	return func(c *callConfig) { c.header.Set(key, value) }
}

// WithLastEventID resumes a stream after the event with this id (the Last-Event-ID header).
func WithLastEventID(id string) CallOption {
	return func(c *callConfig) { c.lastEventID = id }
}

// WithCallReconnect overrides the client's ReconnectPolicy for this call.
func WithCallReconnect(p ReconnectPolicy) CallOption {
	return func(c *callConfig) { c.reconnect = p }
}

// WithCallMaxEventSize overrides the client's maximum event size for this call.
func WithCallMaxEventSize(n int) CallOption {
	return func(c *callConfig) { c.maxEventSize = n }
}

type clientConfig struct {
	interceptors []ClientInterceptor
	baseURL      string
	httpClient   *http.Client
	header       http.Header
	contentType  string
	reconnect    ReconnectPolicy
	maxEventSize int
	sebufFraming bool
% if validation:
	validate     bool
% endif
}

type callConfig struct {
	responseInfo *ResponseInfo
	header       http.Header
	lastEventID  string
	reconnect    ReconnectPolicy
	maxEventSize int
}

func newClientConfig(baseURL string, opts []ClientOption) *clientConfig {
	c := &clientConfig{
		baseURL:      strings.TrimRight(baseURL, "/"),
		httpClient:   http.DefaultClient,
		header:       http.Header{},
		contentType:  ContentTypeJSON,
		maxEventSize: 16 << 20,
	}
	for _, opt := range opts {
		opt(c)
	}
	if c.httpClient == nil {
		c.httpClient = http.DefaultClient
	}
	return c
}

// clientRoute is how one method is bound to HTTP, as the generator decided it.
type clientRoute struct {
	method  string // the full proto name of the method
	verb    string
	path    string // variables are {field}
	hasBody bool
	query   []clientQueryParam
}

type clientQueryParam struct {
	name     string
	field    string
	required bool // sent even when unset: the server rejects a request without it
}

// sendFunc sends a prepared request; streams call it again to reconnect.
type sendFunc func(ctx context.Context, lastEventID string) (*http.Response, error)

// prepare builds the URL and encodes the body once.
func (c *clientConfig) prepare(route *clientRoute, req proto.Message, call *callConfig, accept string) (sendFunc, error) {
% if validation:
	if c.validate {
		if err := validateRequest(req); err != nil {
			return nil, err
		}
	}
% endif
	target, err := c.url(route, req)
	if err != nil {
		return nil, err
	}
	var body []byte
	if route.hasBody {
		if isProtobufContent(c.contentType) {
			body, err = proto.Marshal(req)
		} else {
			body, err = marshalJSON(protojson.MarshalOptions{}, req)
		}
		if err != nil {
			return nil, fmt.Errorf("ssegen: cannot encode the request: %w", err)
		}
	}
	return func(ctx context.Context, lastEventID string) (*http.Response, error) {
		var reader io.Reader
		if route.hasBody {
			reader = bytes.NewReader(body)
		}
		r, err := http.NewRequestWithContext(ctx, route.verb, target, reader)
		if err != nil {
			return nil, err
		}
		r.Header.Set("Accept", accept)
		if route.hasBody {
			r.Header.Set("Content-Type", c.contentType)
		}
		for _, h := range []http.Header{c.header, call.header} {
			for key, values := range h {
				r.Header[key] = append([]string(nil), values...)
			}
		}
		if lastEventID != "" {
			r.Header.Set("Last-Event-ID", lastEventID)
		}
		return c.httpClient.Do(r)
	}, nil
}

func (c *clientConfig) newCall(opts []CallOption) *callConfig {
	call := &callConfig{header: http.Header{}, reconnect: c.reconnect, maxEventSize: c.maxEventSize}
	for _, opt := range opts {
		opt(call)
	}
	return call
}

// url fills the path variables (percent-encoded) and the query parameters (repeated keys
// for repeated fields; unset fields are left out) from the request.
func (c *clientConfig) url(route *clientRoute, req proto.Message) (string, error) {
	m := req.ProtoReflect()
	field := func(name string) (protoreflect.FieldDescriptor, error) {
		if fd := m.Descriptor().Fields().ByName(protoreflect.Name(name)); fd != nil {
			return fd, nil
		}
		// The messages were generated from other protos than this code.
		return nil, fmt.Errorf("ssegen: %s has no field %q; regenerate the code", m.Descriptor().FullName(), name)
	}
	var b strings.Builder
	b.WriteString(c.baseURL)
	rest := route.path
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			break
		}
		end := open + strings.IndexByte(rest[open:], '}')
		name := rest[open+1 : end]
		fd, err := field(name)
		if err != nil {
			return "", err
		}
		value := formatValue(fd, m.Get(fd))
		if value == "" {
			return "", &ValidationError{Violations: []FieldViolation{{Field: name, Description: "path parameter is empty"}}}
		}
		b.WriteString(rest[:open])
		b.WriteString(url.PathEscape(value))
		rest = rest[end+1:]
	}
	b.WriteString(rest)
	query := url.Values{}
	for _, q := range route.query {
		fd, err := field(q.field)
		if err != nil {
			return "", err
		}
		if fd.IsList() {
			list := m.Get(fd).List()
			for i := 0; i < list.Len(); i++ {
				query.Add(q.name, formatValue(fd, list.Get(i)))
			}
		} else if m.Has(fd) || q.required {
			query.Add(q.name, formatValue(fd, m.Get(fd)))
		}
	}
	if len(query) > 0 {
		b.WriteString("?" + query.Encode())
	}
	return b.String(), nil
}

func formatValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.EnumKind:
		if name, ok := enumJSONName(fd.Enum(), v.Enum()); ok {
			return name
		}
		return strconv.FormatInt(int64(v.Enum()), 10)
	case protoreflect.FloatKind:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case protoreflect.DoubleKind:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return v.String()
}

func isProtobufContent(contentType string) bool {
	// The usual values without parsing (mime.ParseMediaType allocates).
	switch contentType {
	case "", "application/json":
		return false
	case "application/x-protobuf", "application/octet-stream":
		return true
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mediaType == "application/x-protobuf" || mediaType == "application/octet-stream")
}

// call makes a unary call and decodes the response into res.
func (c *clientConfig) roundTrip(ctx context.Context, route *clientRoute, req, res proto.Message, call *callConfig, info *ClientCall) error {
	accept := ContentTypeJSON
	if isProtobufContent(c.contentType) {
		accept = ContentTypeProtobuf
	}
	send, err := c.prepare(route, req, call, accept)
	if err != nil {
		return err
	}
	resp, err := observeResponse(send, info)(ctx, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return responseError(resp)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if isProtobufContent(resp.Header.Get("Content-Type")) {
		return proto.Unmarshal(body, res)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return unmarshalJSON(protojson.UnmarshalOptions{DiscardUnknown: true}, body, res, false)
}

// responseError turns a non-2xx response into *ValidationError (a 400 with violations) or
// *APIError. Error bodies are JSON whatever the request's content type.
func responseError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	err := errorFromBody(body)
	var invalid *ValidationError
	if errors.As(err, &invalid) && resp.StatusCode == http.StatusBadRequest {
		return invalid
	}
	message := http.StatusText(resp.StatusCode)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		message = apiErr.Message
	}
	return &APIError{Status: resp.StatusCode, Message: message}
}

// errorFromBody decodes an error body, {"violations": [...]} or {"message": ...}; anything
// else becomes an *APIError carrying the text.
func errorFromBody(body []byte) error {
	var wire struct {
		Violations *[]FieldViolation `json:"violations"`
		Message    *string           `json:"message"`
	}
	if json.Unmarshal(body, &wire) != nil {
		return &APIError{Message: strings.TrimSpace(string(body))}
	}
	if wire.Violations != nil {
		return &ValidationError{Violations: *wire.Violations}
	}
	if wire.Message != nil {
		return &APIError{Message: *wire.Message}
	}
	return &APIError{Message: strings.TrimSpace(string(body))}
}

// errorFromEventData decodes the data of an error event: an error body, or the quoted
// string of sebuf's servers (JSON, or Go-quoted with %q), whose text may be a body itself.
func errorFromEventData(data string) error {
	if !strings.HasPrefix(data, `"`) {
		return errorFromBody([]byte(data))
	}
	var text string
	if json.Unmarshal([]byte(data), &text) != nil {
		unquoted, err := strconv.Unquote(data)
		if err != nil {
			return errorFromBody([]byte(data))
		}
		text = unquoted
	}
	return errorFromBody([]byte(text))
}

// errorEventError decodes the data of an error event. No status travels with it: the stream
// had already been answered 200, so an *APIError reports 500, as the TypeScript client does.
func errorEventError(data string) error {
	err := errorFromEventData(data)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Status = http.StatusInternalServerError
	}
	return err
}

// EventStream is a stream of messages of type T. Read it with a loop on Next, then check
// Err; Close releases the connection early.
type EventStream[T proto.Message] struct {
	ctx          context.Context
	send         sendFunc
	policy       ReconnectPolicy
	maxEventSize int
	orderlyEnd   bool // an orderly end of the response ends the stream (sebuf's framing)
	closing      chan struct{}

	mu     sync.Mutex // guards closed, cancel and body, which Close uses from any goroutine
	closed bool
	cancel context.CancelFunc
	body   io.ReadCloser

	dec      *sseDecoder
	lastID   string
	retry    time.Duration
	failures int // consecutive reconnects that brought no event with a new id
	done     bool
	err      error
	msg      T
	event    string
	id       string

	// Ids delivered (the last rememberedIDs of them, kept only when the stream may
	// reconnect), to skip the events a server replays when it ignores Last-Event-ID.
	reconnects int
	seen       map[string]struct{}
	seenOrder  []string
	replaying  bool
}

var errStreamClosed = errors.New("ssegen: the stream was closed")

func connectStream[T proto.Message](ctx context.Context, c *clientConfig, route *clientRoute, req proto.Message, call *callConfig, info *ClientCall) (*EventStream[T], error) {
	send, err := c.prepare(route, req, call, "text/event-stream")
	if err != nil {
		return nil, err
	}
	send = observeResponse(send, info)
	s := &EventStream[T]{
		ctx:          ctx,
		send:         send,
		policy:       call.reconnect,
		maxEventSize: call.maxEventSize,
		orderlyEnd:   c.sebufFraming,
		closing:      make(chan struct{}),
		lastID:       call.lastEventID,
	}
	if err := s.connect(); err != nil {
		return nil, err
	}
	return s, nil
}

// connect sends the request and checks that the answer is an event stream.
func (s *EventStream[T]) connect() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errStreamClosed
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.cancel = cancel
	s.mu.Unlock()
	resp, err := s.send(ctx, s.lastID)
	if err != nil {
		cancel()
		return err
	}
	if resp.StatusCode != http.StatusOK {
		err = responseError(resp)
	} else if mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mediaType != "text/event-stream" {
		err = &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("expected a text/event-stream response, got %q", resp.Header.Get("Content-Type"))}
	}
	if err != nil {
		resp.Body.Close()
		cancel()
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		resp.Body.Close()
		return errStreamClosed
	}
	s.body = resp.Body
	s.replaying = false
	s.dec = newSSEDecoder(resp.Body, s.maxEventSize)
	// The last event id outlives connections, as in an EventSource.
	s.dec.idBuffer, s.dec.lastID = s.lastID, s.lastID
	return nil
}

// Next waits for the next message and reports whether there is one. It returns false at
// the end of the stream, on an error (see Err), and after Close.
func (s *EventStream[T]) Next() bool {
	for !s.done {
		if s.isClosed() {
			s.finish(nil)
			break
		}
		ev, err := s.dec.Next()
		if err != nil && s.orderlyEnd && errors.Is(err, io.EOF) {
			s.finish(nil)
			break
		}
		if err != nil {
			s.lastID = s.dec.LastEventID()
			if d, ok := s.dec.Retry(); ok {
				s.retry = d
			}
			s.recover(err)
			continue
		}
		prevID := s.lastID
		s.lastID = ev.ID
		switch ev.Type {
		case sseEndEvent:
			s.finish(nil)
		case sseErrorEvent:
			s.finish(errorEventError(string(ev.Data)))
		default:
			if s.replayed(ev.ID, prevID) {
				continue
			}
			var zero T
			msg := zero.ProtoReflect().Type().New().Interface().(T)
			if err := unmarshalJSON(protojson.UnmarshalOptions{DiscardUnknown: true}, ev.Data, msg, false); err != nil {
				s.finish(fmt.Errorf("ssegen: cannot decode a %q event: %w", ev.Type, err))
				continue
			}
			s.msg, s.event, s.id = msg, ev.Type, ev.ID
			return true
		}
	}
	return false
}

const rememberedIDs = 4096

// replayed reports whether an event repeats one delivered before a reconnect. An event with
// a new id is progress: it resets the count of fruitless reconnects.
func (s *EventStream[T]) replayed(id, prevID string) bool {
	if s.policy.MaxAttempts <= 0 {
		return false
	}
	if id == prevID || id == "" {
		return s.replaying // an event without an id of its own follows the one before it
	}
	if _, ok := s.seen[id]; ok {
		s.replaying = s.reconnects > 0
		return s.replaying
	}
	s.replaying = false
	s.failures = 0
	if s.seen == nil {
		s.seen = make(map[string]struct{})
	}
	if len(s.seenOrder) == rememberedIDs {
		delete(s.seen, s.seenOrder[0])
		s.seenOrder = s.seenOrder[1:]
	}
	s.seen[id] = struct{}{}
	s.seenOrder = append(s.seenOrder, id)
	return false
}

// recover handles a read error: it reconnects when the policy allows, or ends the stream.
func (s *EventStream[T]) recover(readErr error) {
	var tooLarge *EventTooLargeError
	switch {
	case s.isClosed():
		s.finish(nil)
		return
	case errors.As(readErr, &tooLarge):
		s.finish(readErr)
		return
	case s.ctx.Err() != nil:
		s.finish(s.ctx.Err())
		return
	}
	s.release()
	cause := readErr
	for s.failures < s.policy.MaxAttempts && s.reconnects < s.policy.maxReconnects() {
		s.failures++
		s.reconnects++
		timer := time.NewTimer(s.policy.delay(s.failures, s.retry))
		select {
		case <-timer.C:
		case <-s.ctx.Done():
			timer.Stop()
			s.finish(s.ctx.Err())
			return
		case <-s.closing:
			timer.Stop()
			s.finish(nil)
			return
		}
		err := s.connect()
		if err == nil {
			return
		}
		var apiErr *APIError
		var invalid *ValidationError
		switch {
		case errors.Is(err, errStreamClosed):
			s.finish(nil)
			return
		case errors.As(err, &apiErr), errors.As(err, &invalid):
			s.finish(err) // the server answered: reconnecting would not change its mind
			return
		}
		cause = err
	}
	if errors.Is(cause, io.EOF) || errors.Is(cause, io.ErrUnexpectedEOF) {
		s.finish(fmt.Errorf("ssegen: the event stream ended before its end event: %w", io.ErrUnexpectedEOF))
	} else {
		s.finish(fmt.Errorf("ssegen: the event stream broke before its end event: %w: %w", io.ErrUnexpectedEOF, cause))
	}
}

func (s *EventStream[T]) finish(err error) {
	s.done, s.err = true, err
	s.release()
}

func (s *EventStream[T]) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// release cancels the in-flight request and closes its body.
func (s *EventStream[T]) release() {
	s.mu.Lock()
	cancel, body := s.cancel, s.body
	s.cancel, s.body = nil, nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if body != nil {
		body.Close()
	}
}

// Msg is the message read by the last successful Next.
func (s *EventStream[T]) Msg() T { return s.msg }

// Event is the name of the current event ("message" when the server gave none).
func (s *EventStream[T]) Event() string { return s.event }

// ID is the last event id the server sent, as of the current event.
func (s *EventStream[T]) ID() string { return s.id }

// Err is why the stream ended: nil after the server's end event or Close; the typed error
// of a server error event (*APIError or *ValidationError); an error wrapping
// io.ErrUnexpectedEOF when the connection dropped (and reconnecting, if enabled, failed);
// *EventTooLargeError; or the context's error.
func (s *EventStream[T]) Err() error { return s.err }

// Close stops the stream and releases its connection. It may be called more than once,
// and concurrently with Next.
func (s *EventStream[T]) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	s.release()
	return nil
}

// EventTooLargeError ends a stream with an event whose data is larger than Limit bytes (or
// with a line longer than that plus its field name).
type EventTooLargeError struct {
	Limit int
}

func (e *EventTooLargeError) Error() string {
	return fmt.Sprintf("ssegen: an event is larger than the limit of %d bytes", e.Limit)
}

// sseEvent is one dispatched event. Type is "message" when the event had no name; ID is
// the last event id at dispatch. Data (valid UTF-8) is the decoder's buffer until the next
// call of Next, which may reuse it: a large event is never copied out of the buffer its line
// was read into, and a stream of small events allocates no buffers once it has two.
type sseEvent struct {
	Type, ID string
	Data     []byte
}

// sseDecoder parses an event stream as the WHATWG HTML standard specifies. It reads with
// its own line splitting (LF, CR or CRLF, even when a CRLF is split between two reads), so
// lines have no length limit but the maximum event size.
type sseDecoder struct {
	src         aheadReader // what r reads
	r           *bufio.Reader
	max         int // 0: no limit
	started     bool
	skipLF      bool     // the last line ended with CR: an LF right after it belongs to it
	line        []byte   // the line being read
	pieces      [][]byte // a line longer than linePiece: d.line's buffer, then pieces of that size (*)
	lineSize    int      // the line's length so far
	free        []byte   // the buffer the next line moves to when the line's becomes the event's data
	data        []byte   // the event's data lines, joined by LF
	hasData     bool     // the event has a data line (its data may still be empty)
	dataBuf     []byte   // the buffer data was started in, reused once the event is handed out
	eventType   string
	lastType    string // the last event name decoded: names repeat, and are then not decoded again
	idBuffer    string
	lastIDValue string // the last id decoded, likewise
	lastID      string
	retry       time.Duration
	hasRetry    bool
	err         error
}

// (*) A long line is copied into one buffer once, at its end: growing d.line by append would
// allocate about five times a long line's size (a quarter more each time), this twice.

// aheadReader is what a decoder reads from: first the bytes that a long line's last read took
// past the line's end (and the error that read returned), then the stream.
type aheadReader struct {
	ahead []byte
	err   error
	r     io.Reader
	// filled: the last read filled its buffer (the stream had at least that much ready);
	// failed: a read returned an error, which the decoder's bufio.Reader may be holding.
	filled, failed bool
}

func (a *aheadReader) Read(p []byte) (int, error) {
	if len(a.ahead) > 0 {
		n := copy(p, a.ahead)
		a.ahead = a.ahead[n:]
		a.filled = n == len(p)
		return n, nil
	}
	if a.err != nil {
		a.failed = true
		return 0, a.err
	}
	n, err := a.r.Read(p)
	a.filled, a.failed = n == len(p), a.failed || err != nil
	return n, err
}

const (
	// A decoder reads through a buffer of smallReadBuffer bytes, which grows to largeReadBuffer
	// once a read has filled it: a stream that keeps more ready than 4 KiB is read in fewer,
	// larger reads, and one that trickles keeps the small buffer.
	smallReadBuffer = 4 << 10
	largeReadBuffer = 64 << 10
)

// longestFieldName is the room a line has beyond the event size limit: "event: ".
const longestFieldName = len("event: ")

func newSSEDecoder(r io.Reader, maxEventSize int) *sseDecoder {
	d := &sseDecoder{src: aheadReader{r: r}, max: maxEventSize}
	d.r = bufio.NewReaderSize(&d.src, smallReadBuffer)
	return d
}

// Next returns the next event: io.EOF at the end of the input (an incomplete event is
// discarded), *EventTooLargeError, or the reader's error. Errors are final.
func (d *sseDecoder) Next() (sseEvent, error) {
	// The caller is done with the last event's data: its buffer takes the next lines, unless it
	// is a long line's, which is left to the garbage collector.
	if d.dataBuf != nil && cap(d.dataBuf) <= linePiece {
		d.free = d.dataBuf[:0]
	}
	d.dataBuf = nil
	for d.err == nil {
		line, err := d.readLine()
		if err != nil {
			d.err = err
			break
		}
		if len(line) > 0 {
			d.err = d.field(line)
			continue
		}
		d.lastID = d.idBuffer
		if !d.hasData {
			d.eventType = ""
			continue
		}
		ev := sseEvent{Type: d.eventType, Data: d.data, ID: d.lastID}
		if ev.Type == "" {
			ev.Type = "message"
		}
		d.data, d.hasData, d.eventType = nil, false, ""
		return ev, nil
	}
	return sseEvent{}, d.err
}

// LastEventID is the id of the last dispatched event block.
func (d *sseDecoder) LastEventID() string { return d.lastID }

// Retry is the last valid reconnection time the stream set.
func (d *sseDecoder) Retry() (time.Duration, bool) { return d.retry, d.hasRetry }

// field processes a non-empty line. The line is split before it is decoded from UTF-8:
// the colon is ASCII, which never takes part in a multi-byte or invalid sequence.
func (d *sseDecoder) field(line []byte) error {
	if line[0] == ':' {
		return nil
	}
	name, value := line, []byte(nil)
	if colon := bytes.IndexByte(line, ':'); colon >= 0 {
		name, value = line[:colon], line[colon+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "event":
		// lastType is decoded, so valid UTF-8: a value equal to it decodes to it.
		if string(value) != d.lastType {
			d.lastType = decodeUTF8(value)
		}
		d.eventType = d.lastType
	case "data":
		d.appendData(value)
		if d.max > 0 && len(d.data) > d.max {
			return &EventTooLargeError{Limit: d.max}
		}
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			if string(value) != d.lastIDValue {
				d.lastIDValue = decodeUTF8(value)
			}
			d.idBuffer = d.lastIDValue
		}
	case "retry":
		// A value too large for a time.Duration is ignored, like any other unusable value.
		if len(value) > 0 && len(bytes.Trim(value, "0123456789")) == 0 {
			ms, err := strconv.ParseInt(string(value), 10, 64)
			if err == nil && ms <= math.MaxInt64/int64(time.Millisecond) {
				d.retry, d.hasRetry = time.Duration(ms)*time.Millisecond, true
			}
		}
	}
	return nil
}

// appendData adds a data line's value (a part of d.line) to the event's data. The event's
// first line lends the event its buffer, and the next lines go to another: even a large data
// line is never copied elsewhere.
func (d *sseDecoder) appendData(value []byte) {
	valid := utf8.Valid(value)
	if !d.hasData {
		d.hasData = true
		if valid {
			d.data, d.dataBuf = value, d.line
			d.line, d.free = d.free, nil
			return
		}
		d.dataBuf, d.free = d.free, nil
		d.data = append(d.dataBuf, decodeUTF8(value)...)
		return
	}
	d.data = append(d.data, '\n')
	if valid {
		d.data = append(d.data, value...)
	} else {
		d.data = append(d.data, decodeUTF8(value)...)
	}
}

// readLine returns the next line without its terminator. A CR ends a line at once; an LF
// right after it is skipped when the next line is read, so a CR at the end of a read, or
// of the stream, is never held back.
func (d *sseDecoder) readLine() ([]byte, error) {
	if !d.started {
		d.started = true
		if err := d.skipBOM(); err != nil {
			return nil, err
		}
	}
	if cap(d.line) > linePiece {
		d.line = nil // a long line's buffer is not kept for the lines after it
	}
	d.line = d.line[:0]
	d.pieces, d.lineSize = d.pieces[:0], 0
	for {
		if d.skipLF {
			c, err := d.r.ReadByte()
			if err != nil {
				return nil, err
			}
			d.skipLF = false
			if c != '\n' {
				_ = d.r.UnreadByte()
			}
		}
		if d.r.Buffered() == 0 && len(d.pieces) > 0 && len(d.src.ahead) == 0 && !d.src.failed {
			ended, n, err := d.readPiece()
			if err != nil {
				return nil, err
			}
			if ended {
				return d.line, nil
			}
			if n > 0 {
				continue
			}
			// An empty read: bufio's Peek below gives up on a reader that makes no progress.
		}
		if d.r.Buffered() == 0 {
			d.growBuffer()
			if _, err := d.r.Peek(1); err != nil {
				return nil, err
			}
		}
		chunk, _ := d.r.Peek(d.r.Buffered())
		end := lineEnd(chunk)
		if err := d.countLine(end); err != nil {
			return nil, err
		}
		if end < len(chunk) {
			d.endLine(chunk[:end], chunk[end])
			_, _ = d.r.Discard(end + 1)
			return d.line, nil
		}
		switch last := len(d.pieces) - 1; {
		case last < 0 && len(d.line)+end <= max(cap(d.line), linePiece):
			d.line = append(d.line, chunk...)
		case last >= 0 && len(d.pieces[last])+end <= cap(d.pieces[last]):
			d.pieces[last] = append(d.pieces[last], chunk...)
		case last < 0:
			d.pieces = append(d.pieces, d.line, append(make([]byte, 0, max(linePiece, end)), chunk...))
		default:
			d.pieces = append(d.pieces, append(make([]byte, 0, max(linePiece, end)), chunk...))
		}
		_, _ = d.r.Discard(end)
	}
}

// growBuffer replaces the empty small buffer with a large one once a read has filled it. The
// buffer holds no error (no read failed), so the new one, on the same source, loses nothing.
func (d *sseDecoder) growBuffer() {
	if d.src.filled && !d.src.failed && d.r.Size() < largeReadBuffer {
		d.r = bufio.NewReaderSize(&d.src, largeReadBuffer)
	}
}

// readPiece reads a long line on straight into its last piece (or a new one), in reads of up
// to linePiece bytes, past r, which is empty and holds no error. The bytes read past the line's
// end go back to r through d.src. It reports whether the line ended (it is then d.line), and how
// many bytes it read.
func (d *sseDecoder) readPiece() (ended bool, n int, err error) {
	last := len(d.pieces) - 1
	if cap(d.pieces[last])-len(d.pieces[last]) < smallReadBuffer {
		d.pieces = append(d.pieces, make([]byte, 0, linePiece))
		last++
	}
	piece := d.pieces[last]
	n, err = d.src.Read(piece[len(piece):cap(piece)])
	read := piece[len(piece) : len(piece)+n]
	end := lineEnd(read)
	if err := d.countLine(end); err != nil {
		return false, n, err
	}
	if end == n {
		d.pieces[last] = piece[:len(piece)+n]
		return false, n, err
	}
	d.pieces[last] = piece[:len(piece)+end]
	d.src.ahead, d.src.err = read[end+1:], err
	d.endLine(nil, read[end])
	return true, n, nil
}

// countLine adds n bytes to the line's size, which the event size limit bounds.
func (d *sseDecoder) countLine(n int) error {
	d.lineSize += n
	if d.max > 0 && d.lineSize > d.max+longestFieldName {
		return &EventTooLargeError{Limit: d.max}
	}
	return nil
}

// endLine ends the line with tail and the terminator term: d.line is then the whole line.
// A long line's pieces (the first is d.line's) are copied into one buffer of its size, and let
// go; bytes.Join does not zero the buffer before it fills it.
func (d *sseDecoder) endLine(tail []byte, term byte) {
	d.skipLF = term == '\r'
	if len(d.pieces) == 0 {
		d.line = append(d.line, tail...)
		return
	}
	d.line = bytes.Join(append(d.pieces, tail), nil)
	clear(d.pieces[:cap(d.pieces)])
	d.pieces = d.pieces[:0]
}

const linePiece = 64 << 10

// lineEnd is the index of the first CR or LF in b, or len(b). Two IndexByte scans (which
// are vectorised) beat one IndexAny (which is not); the CR scan stops at the LF.
func lineEnd(b []byte) int {
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		end = len(b)
	}
	if cr := bytes.IndexByte(b[:end], '\r'); cr >= 0 {
		return cr
	}
	return end
}

// skipBOM drops one leading UTF-8 byte order mark, reading no further than needed to know.
func (d *sseDecoder) skipBOM() error {
	const bom = "\xEF\xBB\xBF"
	for n := 1; n <= len(bom); n++ {
		b, err := d.r.Peek(n)
		if len(b) < n {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if b[n-1] != bom[n-1] {
			return nil
		}
	}
	_, err := d.r.Discard(len(bom))
	return err
}

// decodeUTF8 replaces invalid UTF-8 as the WHATWG decoder does: one U+FFFD per maximal
// prefix of a valid sequence, or per byte that starts none.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var s strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			s.Write(b[:size])
			b = b[size:]
			continue
		}
		s.WriteRune(utf8.RuneError)
		b = b[invalidPrefixLength(b):]
	}
	return s.String()
}

// invalidPrefixLength is the length of the longest prefix of b that starts a valid UTF-8
// sequence (b itself holding none), at least 1.
func invalidPrefixLength(b []byte) int {
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case 0xE1 <= c && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case 0xF1 <= c && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	}
	n := 1
	for n <= need && n < len(b) && lo <= b[n] && b[n] <= hi {
		n++
		lo, hi = 0x80, 0xBF
	}
	return n
}

// ClientCall is one call as client interceptors see it.
type ClientCall struct {
	// Method is the full proto name of the method, e.g. "market.v1.MarketDataService.GetQuote".
	Method    string
	Streaming bool
	// Message is the request message.
	Message proto.Message
	// Header holds the call's own headers (WithHeader, the typed header options), sent over the
	// client's default ones, on every reconnection too; an interceptor may change it before next.
	Header http.Header
	// Response is a unary call's response once next returned without error.
	Response proto.Message
	// Status and ResponseHeader describe the server's answer (errors included) once next
	// returned, for a stream its first connection's; 0 and nil if no answer came.
	Status         int
	ResponseHeader http.Header
}

// ClientInterceptor runs around a call: it may change ctx and call.Header, fail the call
// without calling next, and see the result. next sends the request (through the next
// interceptor); for a stream it returns once the stream is open, and the ctx given to it
// lives as long as the stream.
type ClientInterceptor func(ctx context.Context, call *ClientCall, next func(context.Context) error) error

// WithClientInterceptors adds interceptors around every call, unary and stream; the first one
// given runs outermost.
func WithClientInterceptors(interceptors ...ClientInterceptor) ClientOption {
	return func(cfg *clientConfig) { cfg.interceptors = append(cfg.interceptors, interceptors...) }
}

// ResponseInfo is the status and headers of a call's HTTP answer; see WithResponseInfo.
type ResponseInfo struct {
	Status int
	Header http.Header
}

// WithResponseInfo fills info with the status and headers of the call's answer, errors
// included (for a stream, of its first connection). It stays zero if no answer came.
func WithResponseInfo(info *ResponseInfo) CallOption {
	return func(c *callConfig) { c.responseInfo = info }
}

func (c *clientConfig) intercept(ctx context.Context, call *ClientCall, send func(context.Context) error) error {
	next := send
	for i := len(c.interceptors) - 1; i >= 0; i-- {
		interceptor, inner := c.interceptors[i], next
		next = func(ctx context.Context) error { return interceptor(ctx, call, inner) }
	}
	return next(ctx)
}

// observeResponse records the status and headers of the first answer to send in info.
func observeResponse(send sendFunc, info *ClientCall) sendFunc {
	var once sync.Once
	return func(ctx context.Context, lastEventID string) (*http.Response, error) {
		resp, err := send(ctx, lastEventID)
		if resp != nil {
			once.Do(func() { info.Status, info.ResponseHeader = resp.StatusCode, resp.Header })
		}
		return resp, err
	}
}

func (c *clientConfig) call(ctx context.Context, route *clientRoute, req, res proto.Message, opts []CallOption) error {
	call := c.newCall(opts)
	info := &ClientCall{Method: route.method, Message: req, Header: call.header}
	err := c.intercept(ctx, info, func(ctx context.Context) error {
		err := c.roundTrip(ctx, route, req, res, call, info)
		if err == nil {
			info.Response = res
		}
		return err
	})
	if call.responseInfo != nil {
		*call.responseInfo = ResponseInfo{Status: info.Status, Header: info.ResponseHeader}
	}
	return err
}

func openStream[T proto.Message](ctx context.Context, c *clientConfig, route *clientRoute, req proto.Message, opts []CallOption) (*EventStream[T], error) {
	call := c.newCall(opts)
	info := &ClientCall{Method: route.method, Streaming: true, Message: req, Header: call.header}
	var stream *EventStream[T]
	err := c.intercept(ctx, info, func(ctx context.Context) error {
		var err error
		stream, err = connectStream[T](ctx, c, route, req, call, info)
		return err
	})
	if call.responseInfo != nil {
		*call.responseInfo = ResponseInfo{Status: info.Status, Header: info.ResponseHeader}
	}
	if err == nil && stream == nil {
		err = errors.New("ssegen: a client interceptor returned without calling next")
	}
	if err != nil {
		if stream != nil {
			stream.Close()
		}
		return nil, err
	}
	return stream, nil
}
