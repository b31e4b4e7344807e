${header}

package ${package}

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
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

// ServerOption configures a Register<Service>Server call.
type ServerOption func(*serverConfig)

// ErrorHandler sees every error before it is sent: the handler's or the binding's error,
// unchanged, so errors.As works on it. It returns the error to send (nil sends the
// original); it may log, or translate errors into *APIError or *ValidationError.
type ErrorHandler func(r *http.Request, err error) error

// WithMux registers the routes on mux instead of http.DefaultServeMux.
func WithMux(mux *http.ServeMux) ServerOption {
	return func(c *serverConfig) { c.mux = mux }
}

// WithErrorHandler installs h; see ErrorHandler.
func WithErrorHandler(h ErrorHandler) ServerOption {
	return func(c *serverConfig) { c.errorHandler = h }
}

// WithMarshalOptions sets how messages are written as JSON. Stream events are always
// written on one line, whatever Multiline and Indent say, as SSE framing requires.
func WithMarshalOptions(opts protojson.MarshalOptions) ServerOption {
	return func(c *serverConfig) { c.marshal = opts }
}

// WithUnmarshalOptions sets how JSON request bodies are read. The default discards
// unknown fields, so newer clients can talk to older servers.
func WithUnmarshalOptions(opts protojson.UnmarshalOptions) ServerOption {
	return func(c *serverConfig) { c.unmarshal = opts }
}

// WithLenientEnumNames makes the server read an enum name its enum does not have, in a
// JSON body, as the enum's zero value. By default such a body is answered with status 400,
// as the same name in the URL is; a server that must accept values added to its enums
// later by newer clients turns this on.
func WithLenientEnumNames() ServerOption {
	return func(c *serverConfig) { c.lenientEnums = true }
}

// WithHeartbeatInterval sets how often an idle stream sends a comment line, which keeps
// proxies from closing it (default 15s; 0 disables heartbeats).
func WithHeartbeatInterval(d time.Duration) ServerOption {
	return func(c *serverConfig) { c.heartbeat = d }
}

// WithMaxRequestBodySize limits request bodies to n bytes (default 4 MiB; 0 means no
// limit). A larger body is answered with status 413.
func WithMaxRequestBodySize(n int64) ServerOption {
	return func(c *serverConfig) { c.maxBodySize = n }
}

type serverConfig struct {
	mux          *http.ServeMux
	errorHandler ErrorHandler
	marshal      protojson.MarshalOptions
	unmarshal    protojson.UnmarshalOptions
	lenientEnums bool
	heartbeat    time.Duration
	maxBodySize  int64
}

// serverRoute is how one method is bound to HTTP, as the generator decided it.
type serverRoute struct {
	pattern    string // a Go 1.22 ServeMux pattern: "VERB /path/{field}"
	method     string // the full proto name of the method
	hasBody    bool
	pathParams []string // path variables, each named after its request field
	query      []queryParam
	headers    []headerSpec
}

type queryParam struct {
	name     string
	field    string
	required bool
}

type headerSpec struct {
	name     string
	kind     string // string, integer, number, boolean or array
	format   string
	required bool
}

// registrar collects a service's handlers and registers them only if all of them could be
// built.
type registrar struct {
	cfg      serverConfig
	patterns []string
	handlers []http.Handler
	errs     []error
}

func newRegistrar(opts []ServerOption) *registrar {
	r := &registrar{cfg: serverConfig{
		mux:         http.DefaultServeMux,
		unmarshal:   protojson.UnmarshalOptions{DiscardUnknown: true},
		heartbeat:   15 * time.Second,
		maxBodySize: 4 << 20,
	}}
	for _, opt := range opts {
		opt(&r.cfg)
	}
	if r.cfg.mux == nil {
		r.errs = append(r.errs, errors.New("ssegen: WithMux(nil)"))
	}
	return r
}

func errNilServer(service string) error {
	return fmt.Errorf("ssegen: register %s: the server is nil", service)
}

func (r *registrar) add(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.handlers = append(r.handlers, h)
}

func (r *registrar) finish() (err error) {
	if len(r.errs) > 0 {
		return errors.Join(r.errs...)
	}
	// ServeMux panics on a pattern that conflicts with one already registered (the same
	// service registered twice, or a user route); report that as an error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("ssegen: %v", p)
		}
	}()
	for i, pattern := range r.patterns {
		r.cfg.mux.Handle(pattern, r.handlers[i])
	}
	return nil
}

// messagePointer lets registerUnary and registerStream allocate requests: PReq is *Req.
type messagePointer[Req any] interface {
	*Req
	proto.Message
}

func registerUnary[Req any, PReq messagePointer[Req], Res proto.Message](r *registrar, route *serverRoute, call func(context.Context, PReq) (Res, error)) {
	handle(r, route, func(cfg *serverConfig, w http.ResponseWriter, req *http.Request, msg PReq) {
		res, err := call(req.Context(), msg)
		if err != nil {
			cfg.writeError(w, req, err)
			return
		}
		cfg.writeResponse(w, req, res)
	})
}

func registerStream[Req any, PReq messagePointer[Req]](r *registrar, route *serverRoute, call func(context.Context, PReq, SSESender) error) {
	handle(r, route, func(cfg *serverConfig, w http.ResponseWriter, req *http.Request, msg PReq) {
		cfg.serveStream(w, req, func(ctx context.Context, s SSESender) error {
			return call(ctx, msg, s)
		})
	})
}

// handle adds a handler that binds a new request and passes it to serve.
func handle[Req any, PReq messagePointer[Req]](r *registrar, route *serverRoute, serve func(*serverConfig, http.ResponseWriter, *http.Request, PReq)) {
	b, err := newBinder(route, PReq(new(Req)).ProtoReflect().Descriptor())
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	cfg := &r.cfg
	r.add(route.pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		msg := PReq(new(Req))
		if err := cfg.bind(w, req, b, msg); err != nil {
			cfg.writeError(w, req, err)
			return
		}
		serve(cfg, w, req, msg)
	}))
}

// binder is a route with its request fields resolved, once, at registration.
type binder struct {
	route       *serverRoute
	pathFields  []protoreflect.FieldDescriptor
	queryFields []protoreflect.FieldDescriptor
}

func newBinder(route *serverRoute, desc protoreflect.MessageDescriptor) (*binder, error) {
	b := &binder{route: route}
	field := func(name string, repeatable bool) (protoreflect.FieldDescriptor, error) {
		fd := desc.Fields().ByName(protoreflect.Name(name))
		if fd == nil || fd.IsMap() || fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind ||
			fd.Kind() == protoreflect.BytesKind || (fd.IsList() && !repeatable) {
			// The messages were generated from other protos than this code.
			return nil, fmt.Errorf("ssegen: %s: %s has no field %q that a URL can bind; regenerate the code",
				route.method, desc.FullName(), name)
		}
		return fd, nil
	}
	for _, name := range route.pathParams {
		fd, err := field(name, false)
		if err != nil {
			return nil, err
		}
		b.pathFields = append(b.pathFields, fd)
	}
	for _, q := range route.query {
		fd, err := field(q.field, true)
		if err != nil {
			return nil, err
		}
		b.queryFields = append(b.queryFields, fd)
	}
	return b, nil
}

// bind fills msg from the request: the body first, then path and query values, so URL
// values win. Every problem found is reported in one *ValidationError.
func (c *serverConfig) bind(w http.ResponseWriter, r *http.Request, b *binder, msg proto.Message) error {
	violations := checkHeaders(r.Header, b.route.headers)
	if b.route.hasBody {
		if err := c.readBody(w, r, msg); err != nil {
			var invalid *ValidationError
			if !errors.As(err, &invalid) {
				return err
			}
			violations = append(violations, invalid.Violations...)
		}
	}
	m := msg.ProtoReflect()
	for i, name := range b.route.pathParams {
		if err := setField(m, b.pathFields[i], []string{r.PathValue(name)}); err != nil {
			violations = append(violations, FieldViolation{Field: name, Description: err.Error()})
		}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		violations = append(violations, FieldViolation{Field: "query", Description: err.Error()})
	}
	for i, q := range b.route.query {
		var values []string
		for _, v := range query[q.name] {
			if v != "" {
				values = append(values, v)
			}
		}
		if len(values) == 0 {
			if q.required {
				violations = append(violations, FieldViolation{Field: q.name, Description: "required query parameter is missing"})
			}
			continue
		}
		if err := setField(m, b.queryFields[i], values); err != nil {
			violations = append(violations, FieldViolation{Field: q.name, Description: err.Error()})
		}
	}
	if len(violations) > 0 {
		return &ValidationError{Violations: violations}
	}
	return nil
}

func (c *serverConfig) readBody(w http.ResponseWriter, r *http.Request, msg proto.Message) error {
	body := r.Body
	if c.maxBodySize > 0 {
		body = http.MaxBytesReader(w, body, c.maxBodySize)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return NewAPIError(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit))
		}
		return &ValidationError{Violations: []FieldViolation{{Field: "body", Description: "cannot read the body: " + err.Error()}}}
	}
	if isProtobuf(r.Header.Get("Content-Type")) {
		err = proto.Unmarshal(data, msg)
	} else if len(bytes.TrimSpace(data)) > 0 {
		err = unmarshalJSON(c.unmarshal, data, msg, !c.lenientEnums)
	}
	if err != nil {
		return &ValidationError{Violations: []FieldViolation{bodyViolation(err)}}
	}
	return nil
}

// setField parses URL values into a field: a repeated field takes them all (replacing any
// body values), a singular field the first.
func setField(m protoreflect.Message, fd protoreflect.FieldDescriptor, values []string) error {
	if !fd.IsList() {
		v, err := parseValue(fd, values[0])
		if err != nil {
			return err
		}
		m.Set(fd, v)
		return nil
	}
	parsed := make([]protoreflect.Value, len(values))
	for i, s := range values {
		v, err := parseValue(fd, s)
		if err != nil {
			return err
		}
		parsed[i] = v
	}
	m.Clear(fd)
	list := m.Mutable(fd).List()
	for _, v := range parsed {
		list.Append(v)
	}
	return nil
}

func parseValue(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if !utf8.ValidString(s) {
			return protoreflect.Value{}, errors.New("the value is not valid UTF-8")
		}
		return protoreflect.ValueOfString(s), nil
	case protoreflect.BoolKind:
		if v, err := strconv.ParseBool(s); err == nil {
			return protoreflect.ValueOfBool(v), nil
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if v, err := strconv.ParseInt(s, 10, 32); err == nil {
			return protoreflect.ValueOfInt32(int32(v)), nil
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return protoreflect.ValueOfInt64(v), nil
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if v, err := strconv.ParseUint(s, 10, 32); err == nil {
			return protoreflect.ValueOfUint32(uint32(v)), nil
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if v, err := strconv.ParseUint(s, 10, 64); err == nil {
			return protoreflect.ValueOfUint64(v), nil
		}
	case protoreflect.FloatKind:
		if v, err := strconv.ParseFloat(s, 32); err == nil {
			return protoreflect.ValueOfFloat32(float32(v)), nil
		}
	case protoreflect.DoubleKind:
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return protoreflect.ValueOfFloat64(v), nil
		}
	case protoreflect.EnumKind:
		enum := fd.Enum()
		if n, ok := enumNumberByName(enum, s); ok {
			return protoreflect.ValueOfEnum(n), nil
		}
		// Open enums keep numbers they do not know, as protobuf does everywhere else.
		n, err := strconv.ParseInt(s, 10, 32)
		if err == nil && (!enum.IsClosed() || enum.Values().ByNumber(protoreflect.EnumNumber(n)) != nil) {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)), nil
		}
		return protoreflect.Value{}, fmt.Errorf("%q is not a value of %s", s, enum.FullName())
	}
	return protoreflect.Value{}, fmt.Errorf("%q is not a valid %s", s, fd.Kind())
}

// checkHeaders reports required headers that are missing and present headers whose value
// does not match their type and format.
func checkHeaders(h http.Header, specs []headerSpec) []FieldViolation {
	var violations []FieldViolation
	for _, spec := range specs {
		value := h.Get(spec.name)
		if value == "" {
			if spec.required {
				violations = append(violations, FieldViolation{Field: spec.name, Description: "required header is missing"})
			}
			continue
		}
		if problem := headerProblem(spec, value); problem != "" {
			violations = append(violations, FieldViolation{Field: spec.name, Description: problem})
		}
	}
	return violations
}

func headerProblem(spec headerSpec, value string) string {
	switch spec.kind {
	case "integer":
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return "must be an integer"
		}
	case "number":
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return "must be a number"
		}
	case "boolean":
		if value != "true" && value != "false" && value != "1" && value != "0" {
			return "must be true, false, 1 or 0"
		}
	case "array":
		if strings.Trim(value, " \t,") == "" {
			return "must be a comma-separated list"
		}
	default:
		if !utf8.ValidString(value) {
			return "must be valid UTF-8"
		}
		return formatProblem(spec.format, value)
	}
	return ""
}

func formatProblem(format, value string) string {
	ok := true
	switch format {
	case "uuid":
		ok = isUUID(value)
	case "email":
		addr, err := mail.ParseAddress(value)
		ok = err == nil && addr.Address == value
	case "date-time":
		_, err := time.Parse(time.RFC3339Nano, value)
		ok = err == nil
	case "date":
		_, err := time.Parse(time.DateOnly, value)
		ok = err == nil
	case "time":
		_, err := time.Parse(time.TimeOnly, value)
		ok = err == nil
	}
	if !ok {
		return "must be a valid " + format
	}
	return ""
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isProtobuf reports whether a Content-Type (or Accept entry) names binary protobuf.
func isProtobuf(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mediaType == "application/x-protobuf" || mediaType == "application/octet-stream")
}

// wantsProtobuf picks the unary response encoding from Accept (by q-value, then order).
// Without a specific choice it follows the request's Content-Type, as sebuf clients expect.
func wantsProtobuf(r *http.Request) bool {
	best, bestQ := "", 0.0
	for _, entry := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		mediaType, params, err := mime.ParseMediaType(entry)
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		switch mediaType {
		case "application/json", "application/x-protobuf", "application/octet-stream", "application/*", "*/*":
			if q > bestQ {
				best, bestQ = mediaType, q
			}
		}
	}
	switch best {
	case "application/json":
		return false
	case "application/x-protobuf", "application/octet-stream":
		return true
	}
	return isProtobuf(r.Header.Get("Content-Type"))
}

func (c *serverConfig) writeResponse(w http.ResponseWriter, r *http.Request, res proto.Message) {
	contentType := "application/json"
	var body []byte
	var err error
	if wantsProtobuf(r) {
		contentType = "application/x-protobuf"
		body, err = proto.Marshal(res)
	} else {
		body, err = marshalJSON(c.marshal, res)
	}
	if err != nil {
		c.writeError(w, r, fmt.Errorf("ssegen: cannot encode the response: %w", err))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (c *serverConfig) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := c.errorResponse(r, err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// errorResponse passes err through the ErrorHandler and returns the status and the
// single-line JSON body to send.
func (c *serverConfig) errorResponse(r *http.Request, err error) (int, []byte) {
	if c.errorHandler != nil {
		if sent := c.errorHandler(r, err); sent != nil {
			err = sent
		}
	}
	var invalid *ValidationError
	var apiErr *APIError
	var status int
	var body []byte
	switch {
	case errors.As(err, &invalid):
		violations := invalid.Violations
		if violations == nil {
			violations = []FieldViolation{}
		}
		status = http.StatusBadRequest
		body, _ = json.Marshal(ValidationError{Violations: violations})
	case errors.As(err, &apiErr):
		status = apiErr.Status
		if status < 400 || status > 599 {
			status = http.StatusInternalServerError
		}
		body, _ = json.Marshal(APIError{Message: apiErr.Message})
	default:
		status = http.StatusInternalServerError
		body, _ = json.Marshal(APIError{Message: err.Error()})
	}
	return status, body
}

// SSESender sends the events of one stream. It is safe for concurrent use, and unusable
// once the handler has returned.
type SSESender interface {
	// Send writes msg as one event; the first event commits the stream (status 200).
	Send(msg proto.Message, opts ...EventOption) error
	// SetRetry tells the client how long to wait before reconnecting.
	SetRetry(d time.Duration) error
	// Flush commits the stream and flushes what was written.
	Flush() error
	// LastEventID is the Last-Event-ID header of a client that resumes the stream.
	LastEventID() string
}

// EventOption sets the name or id of an event.
type EventOption func(*eventFields)

type eventFields struct {
	name string
	id   string
}

// WithEventName sets the event's name (the SSE "event" field). Names with CR, LF or NUL,
// and the reserved names "error" and "end", are rejected by Send.
func WithEventName(name string) EventOption {
	return func(e *eventFields) { e.name = name }
}

// WithEventID sets the event's id, which a reconnecting client sends back as
// Last-Event-ID. Ids with CR, LF or NUL are rejected by Send.
func WithEventID(id string) EventOption {
	return func(e *eventFields) { e.id = id }
}

var errStreamEnded = errors.New("ssegen: the stream handler has returned")

type sseSender struct {
	mu        sync.Mutex
	w         http.ResponseWriter
	rc        *http.ResponseController
	r         *http.Request
	marshal   protojson.MarshalOptions
	committed bool
	ended     bool  // the handler returned; w must not be touched any more
	err       error // the first write error: the connection is gone
}

func (c *serverConfig) serveStream(w http.ResponseWriter, r *http.Request, run func(context.Context, SSESender) error) {
	rc := http.NewResponseController(w)
	// A server-wide WriteTimeout must not end long streams. Writers without deadlines
	// return ErrNotSupported, which leaves nothing to clear.
	_ = rc.SetWriteDeadline(time.Time{})
	marshal := c.marshal
	marshal.Multiline, marshal.Indent = false, ""
	s := &sseSender{w: w, rc: rc, r: r, marshal: marshal}
	stop := s.heartbeat(c.heartbeat)
	defer func() {
		// Also after a panic, nothing may write to w once ServeHTTP has returned.
		stop()
		s.mu.Lock()
		s.ended = true
		s.mu.Unlock()
	}()
	err := run(r.Context(), s)
	stop()
	s.end(c, err)
}

// heartbeat writes a comment line at every interval until stop is called; stop returns
// once the goroutine has exited, and may be called again.
func (s *sseSender) heartbeat(interval time.Duration) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-s.r.Context().Done():
				return
			case <-ticker.C:
				if s.write([]byte(": ping\n\n")) != nil {
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-exited
		})
	}
}

func (s *sseSender) Send(msg proto.Message, opts ...EventOption) error {
	var ev eventFields
	for _, opt := range opts {
		opt(&ev)
	}
	if strings.ContainsAny(ev.name, "\r\n\x00") || strings.ContainsAny(ev.id, "\r\n\x00") {
		return errors.New("ssegen: event names and ids cannot contain CR, LF or NUL")
	}
	if ev.name == sseErrorEvent || ev.name == sseEndEvent {
		return fmt.Errorf("ssegen: the event name %q is reserved", ev.name)
	}
	data, err := marshalJSON(s.marshal, msg)
	if err != nil {
		return fmt.Errorf("ssegen: cannot encode the event: %w", err)
	}
	var frame bytes.Buffer
	if ev.id != "" {
		frame.WriteString("id: " + ev.id + "\n")
	}
	if ev.name != "" {
		frame.WriteString("event: " + ev.name + "\n")
	}
	frame.WriteString("data: ")
	frame.Write(data)
	frame.WriteString("\n\n")
	return s.write(frame.Bytes())
}

func (s *sseSender) SetRetry(d time.Duration) error {
	if d < 0 {
		return errors.New("ssegen: the retry delay cannot be negative")
	}
	return s.write([]byte("retry: " + strconv.FormatInt(d.Milliseconds(), 10) + "\n\n"))
}

func (s *sseSender) Flush() error {
	return s.write(nil)
}

func (s *sseSender) LastEventID() string {
	return s.r.Header.Get("Last-Event-ID")
}

// write commits the stream if needed, writes frame and flushes.
func (s *sseSender) write(frame []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return errStreamEnded
	}
	return s.writeLocked(frame)
}

func (s *sseSender) writeLocked(frame []byte) error {
	if s.err != nil {
		return s.err
	}
	if !s.committed {
		h := s.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		s.w.WriteHeader(http.StatusOK)
		s.committed = true
	}
	if len(frame) > 0 {
		if _, err := s.w.Write(frame); err != nil {
			s.err = err
			return err
		}
	}
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.err = err
		return err
	}
	return nil
}

// end finishes the stream after the handler returned: an HTTP error if nothing was sent
// yet, else an error event, or the end event of a clean finish.
func (s *sseSender) end(c *serverConfig, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	if s.r.Context().Err() != nil {
		// The client went away: nobody to tell, and the handler's error (a cancelled context, a
		// reset connection) is only a consequence of that.
		return
	}
	if err != nil && !s.committed {
		c.writeError(s.w, s.r, err)
		return
	}
	frame := []byte("event: " + sseEndEvent + "\ndata: {}\n\n")
	if err != nil {
		_, body := c.errorResponse(s.r, err)
		frame = append(append([]byte("event: "+sseErrorEvent+"\ndata: "), body...), "\n\n"...)
	}
	_ = s.writeLocked(frame)
}
