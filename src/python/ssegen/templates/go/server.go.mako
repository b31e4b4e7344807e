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
	"runtime/debug"
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
// unchanged, so errors.As works on it (a recovered panic is a *PanicError). It returns the
// error to send (nil sends the original); it may log, or translate errors into *APIError or
// *ValidationError. Only those two reach the client as they are: any other error is sent as
// status 500 with the message "internal server error", so that no internal detail (a
// database address, a file path) leaks. To show a message on purpose, return an *APIError
// (from the handler, wrapped with %w, or from the ErrorHandler).
type ErrorHandler func(r *http.Request, err error) error

// WithMux names the ServeMux that Register<Service>Server adds the routes to (required there;
// New<Service>Handler makes its own).
func WithMux(mux *http.ServeMux) ServerOption {
	return func(c *serverConfig) { c.mux, c.muxSet = mux, true }
}

// WithErrorHandler installs h; see ErrorHandler.
func WithErrorHandler(h ErrorHandler) ServerOption {
	return func(c *serverConfig) { c.errorHandler = h }
}

// WithMarshalOptions sets how messages are written as JSON. Stream events are always
// written on one line, whatever Multiline and Indent say, as SSE framing requires. Messages
// with JSON-mapping options follow them too: UseProtoNames, UseEnumNumbers (over custom
// enum names as well), EmitUnpopulated, EmitDefaultValues and indentation; a field's own
// options win where both apply (nullable and empty_behavior NULL write null, empty_behavior
// OMIT leaves the message out, an unset flattened message writes nothing).
func WithMarshalOptions(opts protojson.MarshalOptions) ServerOption {
	return func(c *serverConfig) { c.marshal = opts }
}

// WithUnmarshalOptions sets how JSON request bodies are read. The default discards
// unknown fields, so newer clients can talk to older servers; without DiscardUnknown a key
// no field reads (flattened fields, discriminators and proto names count) is a 400.
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

// WithSebufFraming makes streams end the way sebuf's servers end them, for sebuf's clients:
// no end event (the response just ends), and an error event whose data is a JSON string, the
// error's message (for a ValidationError, its violations body as a string).
func WithSebufFraming() ServerOption {
	return func(c *serverConfig) { c.sebufFraming = true }
}

// WithInterceptors adds interceptors around every call, unary and stream; the first one given
// runs outermost. See ServerInterceptor.
func WithInterceptors(interceptors ...ServerInterceptor) ServerOption {
	return func(c *serverConfig) { c.interceptors = append(c.interceptors, interceptors...) }
}

type serverConfig struct {
	cors         *CORS
	sebufFraming bool
	mux          *http.ServeMux
	muxSet       bool
	interceptors []ServerInterceptor
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
		unmarshal:   protojson.UnmarshalOptions{DiscardUnknown: true},
		heartbeat:   15 * time.Second,
		maxBodySize: 4 << 20,
	}}
	for _, opt := range opts {
		opt(&r.cfg)
	}
	if !r.cfg.muxSet {
		// Registering on http.DefaultServeMux by default would expose the routes on every server
		// that uses it.
		r.errs = append(r.errs, errors.New("ssegen: Register<Service>Server needs WithMux(mux); New<Service>Handler needs none"))
	} else if r.cfg.mux == nil {
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
	if r.cfg.cors != nil {
		r.cfg.cors.register(r.cfg.mux, r.patterns)
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
		info := &ServerCall{Method: route.method, Request: req, Message: msg}
		err := recoverPanic(func() error {
			return cfg.intercept(req.Context(), info, func(ctx context.Context) error {
				res, err := call(ctx, msg)
				if err == nil {
					info.Response = res
				}
				return err
			})
		})
		if err == nil && info.Response == nil {
			err = errors.New("ssegen: an interceptor returned without calling next or setting Response")
		}
		if err != nil {
			cfg.writeError(w, req, err)
			return
		}
		cfg.writeResponse(w, req, info.Response)
	})
}

func registerStream[Req any, PReq messagePointer[Req]](r *registrar, route *serverRoute, call func(context.Context, PReq, SSESender) error) {
	handle(r, route, func(cfg *serverConfig, w http.ResponseWriter, req *http.Request, msg PReq) {
		info := &ServerCall{Method: route.method, Streaming: true, Request: req, Message: msg}
		cfg.serveStream(w, req, func(ctx context.Context, s SSESender) error {
			return cfg.intercept(ctx, info, func(ctx context.Context) error {
				return call(ctx, msg, s)
			})
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
% if validation:
	if err := compileRequestRules(PReq(new(Req))); err != nil {
		r.errs = append(r.errs, fmt.Errorf("ssegen: %s: %w", route.method, err))
		return
	}
% endif
	cfg := &r.cfg
	r.add(route.pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		cfg.cors.allow(w.Header(), req)
		req = withCallState(req)
		msg := PReq(new(Req))
		if err := cfg.bind(w, req, b, msg); err != nil {
			cfg.writeError(w, req, err)
			return
		}
% if validation:
		// The buf.validate rules, on the whole bound request; before a stream commits.
		if err := validateRequest(msg); err != nil {
			cfg.writeError(w, req, err)
			return
		}
% endif
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
	var query url.Values
	if r.URL.RawQuery != "" {
		var err error
		if query, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			violations = append(violations, FieldViolation{Field: "query", Description: err.Error()})
		}
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
		// A URL may name a value by number, but only a declared one (as the TypeScript server
		// decides): the number of no value has no name for the JSON form of the message.
		n, err := strconv.ParseInt(s, 10, 32)
		if err == nil && enum.Values().ByNumber(protoreflect.EnumNumber(n)) != nil {
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

// wantsProtobuf picks the unary response encoding from Accept (by q-value, then order).
// Without a specific choice it follows the request's Content-Type, as sebuf clients expect.
func wantsProtobuf(r *http.Request) bool {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return isProtobuf(r.Header.Get("Content-Type"))
	}
	if len(accept) == 1 && accept[0] == "application/json" {
		return false
	}
	best, bestQ := "", 0.0
	for _, entry := range strings.Split(strings.Join(accept, ","), ",") {
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
	addResponseHeaders(w.Header(), r)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (c *serverConfig) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := c.errorResponse(r, err)
	addResponseHeaders(w.Header(), r)
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
		// Not meant for the client (see ErrorHandler): the original went to the ErrorHandler.
		status = http.StatusInternalServerError
		body, _ = json.Marshal(APIError{Message: internalErrorMessage})
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

var errHeadRequest = errors.New("ssegen: a HEAD request gets no events")

type sseSender struct {
	mu        sync.Mutex
	w         http.ResponseWriter
	rc        *http.ResponseController
	r         *http.Request
	marshal   protojson.MarshalOptions
	frame     []byte // the frame Send writes, reused
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
	err := recoverPanic(func() error { return run(r.Context(), s) })
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
	ev := applyEventOptions(opts)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return errStreamEnded
	}
	// One frame buffer for the whole stream: a Send allocates nothing beyond the JSON.
	frame := s.frame[:0]
	if ev.id != "" {
		frame = append(append(append(frame, "id: "...), ev.id...), '\n')
	}
	if ev.name != "" {
		frame = append(append(append(frame, "event: "...), ev.name...), '\n')
	}
	frame = append(frame, "data: "...)
	if len(data) > inlineEventData {
		// Written where it is, between the frame's head and end: copied, a large event would
		// cost a copy more and keep a buffer of its size for the rest of the stream.
		s.frame = frame
		return s.writeLocked(frame, data, frameEnd)
	}
	frame = append(append(frame, data...), frameEnd...)
	s.frame = frame
	return s.writeLocked(frame)
}

// applyEventOptions is the fields opts set. The options get a pointer, which moves the fields
// to the heap: an event without options does not pay for that.
func applyEventOptions(opts []EventOption) eventFields {
	if len(opts) == 0 {
		return eventFields{}
	}
	ev := new(eventFields)
	for _, opt := range opts {
		opt(ev)
	}
	return *ev
}

// inlineEventData is the largest event data Send copies into its frame buffer.
const inlineEventData = 16 << 10

var frameEnd = []byte("\n\n")

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

// writeLocked is write with s.mu held, for a frame in one part or more.
func (s *sseSender) writeLocked(frame ...[]byte) error {
	if s.err != nil {
		return s.err
	}
	if !s.committed {
		h := s.w.Header()
		addResponseHeaders(h, s.r)
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		s.w.WriteHeader(http.StatusOK)
		s.committed = true
		if s.r.Method == http.MethodHead {
			// HEAD gets the stream's status and headers only; Send then fails, which ends the
			// handler.
			_ = s.rc.Flush()
			s.err = errHeadRequest
			return s.err
		}
	}
	for _, part := range frame {
		if len(part) == 0 {
			continue
		}
		if _, err := s.w.Write(part); err != nil {
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
	if s.r.Context().Err() != nil || errors.Is(s.err, errHeadRequest) {
		// The client went away (or asked for the headers only): nobody to tell, and the handler's
		// error (a cancelled context, a reset connection, a failed Send) is only a consequence.
		return
	}
	if err != nil && !s.committed {
		c.writeError(s.w, s.r, err)
		return
	}
	frame := []byte("event: " + sseEndEvent + "\ndata: {}\n\n")
	if c.sebufFraming {
		frame = nil
	}
	if err != nil {
		_, body := c.errorResponse(s.r, err)
		if c.sebufFraming {
			body = sebufErrorData(body)
		}
		frame = append(append([]byte("event: "+sseErrorEvent+"\ndata: "), body...), "\n\n"...)
	}
	_ = s.writeLocked(frame)
}

// sebufErrorData is an error body as the data of sebuf's error event: a JSON string holding
// the body's message, or the whole body when it has none.
func sebufErrorData(body []byte) []byte {
	var wire struct {
		Message *string `json:"message"`
	}
	text := string(body)
	if json.Unmarshal(body, &wire) == nil && wire.Message != nil {
		text = *wire.Message
	}
	data, _ := json.Marshal(text)
	return data
}

// ServerCall is one call as interceptors see it.
type ServerCall struct {
	// Method is the full proto name of the method, e.g. "market.v1.MarketDataService.GetQuote".
	Method    string
	Streaming bool
	// Request is the HTTP request: its headers, URL and remote address.
	Request *http.Request
	// Message is the request message, bound and checked.
	Message proto.Message
	// Response is a unary call's response once next returned without error; an interceptor that
	// answers without calling next sets it.
	Response proto.Message
}

// ServerInterceptor runs around a call: it may inspect or change ctx and call, reject the
// call by returning an error without calling next (an *APIError or *ValidationError is sent
// as it is), and see the handler's error. next runs the next interceptor, then the handler.
type ServerInterceptor func(ctx context.Context, call *ServerCall, next func(context.Context) error) error

func (c *serverConfig) intercept(ctx context.Context, call *ServerCall, handler func(context.Context) error) error {
	next := handler
	for i := len(c.interceptors) - 1; i >= 0; i-- {
		interceptor, inner := c.interceptors[i], next
		next = func(ctx context.Context) error { return interceptor(ctx, call, inner) }
	}
	return next(ctx)
}

// internalErrorMessage is all a client learns of an error that is neither an *APIError nor a
// *ValidationError.
const internalErrorMessage = "internal server error"

// PanicError is a panic of a handler or interceptor, recovered: the ErrorHandler gets it, the
// client a 500 (or an error event, after the stream started) with the generic message.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("ssegen: the handler panicked: %v", e.Value)
}

// recoverPanic runs call and returns a panic as a *PanicError. http.ErrAbortHandler keeps its
// meaning: net/http aborts the response without logging.
func recoverPanic(call func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return call()
}

type callStateKey struct{}

// callState is what a handler reaches through its ctx.
type callState struct {
	request *http.Request
	header  http.Header
}

func withCallState(r *http.Request) *http.Request {
	state := &callState{header: http.Header{}}
	r = r.WithContext(context.WithValue(r.Context(), callStateKey{}, state))
	state.request = r
	return r
}

// RequestFromContext returns the HTTP request of the call that ctx belongs to (its headers,
// URL, remote address, TLS state), or nil outside a handler or interceptor.
func RequestFromContext(ctx context.Context) *http.Request {
	if state, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return state.request
	}
	return nil
}

// ResponseHeader returns the headers sent with the response of the call that ctx belongs to,
// errors included; Content-Type is the server's. A stream sends them when it commits: set them
// before its first Send or Flush, and before the first heartbeat could commit it. Outside a
// handler or interceptor it returns an empty header that nothing sends.
func ResponseHeader(ctx context.Context) http.Header {
	if state, ok := ctx.Value(callStateKey{}).(*callState); ok {
		return state.header
	}
	return http.Header{}
}

func addResponseHeaders(h http.Header, r *http.Request) {
	state, ok := r.Context().Value(callStateKey{}).(*callState)
	if !ok {
		return
	}
	for name, values := range state.header {
		h[name] = append([]string(nil), values...)
	}
}

// jsonFallback answers the requests that mux has no route for with a JSON 404 or 405 body, as
// every other error has (ServeMux answers plain text), keeping the Allow header of a 405.
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		status, message := http.StatusNotFound, "no route for "+r.Method+" "+r.URL.Path
		if probe.status == http.StatusMethodNotAllowed {
			allow := probe.header.Get("Allow")
			status, message = probe.status, "method "+r.Method+" not allowed; use "+allow
			w.Header().Set("Allow", allow)
		}
		body, _ := json.Marshal(APIError{Message: message})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// headerProbe records the status and headers of ServeMux's own 404 and 405 answers.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }

func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }

func (p *headerProbe) WriteHeader(status int) { p.status = status }

// CORS lets browser pages of other origins call the routes: WithCORS answers their preflight
// requests (OPTIONS) and adds the Access-Control headers to every answer.
type CORS struct {
	// AllowedOrigins are origins such as "https://app.example.com"; "*" allows any origin.
	AllowedOrigins []string
	// AllowCredentials lets pages send cookies and HTTP authentication (then "*" answers with
	// the request's origin, as browsers require).
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight answer (0: the browser's default).
	MaxAge time.Duration
	// ExposedHeaders are the response headers a page may read besides the CORS-safelisted ones,
	// e.g. those set with ResponseHeader.
	ExposedHeaders []string
}

// WithCORS enables CORS; see CORS. Preflights may ask for any request header (the routes'
// declared headers, Content-Type, Last-Event-ID...), as the routes check their own headers.
func WithCORS(c CORS) ServerOption {
	return func(cfg *serverConfig) { cfg.cors = &c }
}

// allowedOrigin returns the Access-Control-Allow-Origin value for the request, or "".
func (c *CORS) allowedOrigin(r *http.Request) string {
	origin := r.Header.Get("Origin")
	if c == nil || origin == "" {
		return ""
	}
	for _, allowed := range c.AllowedOrigins {
		if allowed == origin {
			return origin
		}
		if allowed == "*" {
			if c.AllowCredentials {
				return origin
			}
			return "*"
		}
	}
	return ""
}

// allow adds the headers of an actual (not preflight) cross-origin request.
func (c *CORS) allow(h http.Header, r *http.Request) {
	if c == nil {
		return
	}
	h.Add("Vary", "Origin")
	origin := c.allowedOrigin(r)
	if origin == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ", "))
	}
}

// register adds an OPTIONS route for every path of patterns, answering preflights with the
// verbs of that path.
func (c *CORS) register(mux *http.ServeMux, patterns []string) {
	var paths []string
	verbs := map[string][]string{}
	for _, pattern := range patterns {
		verb, path, _ := strings.Cut(pattern, " ")
		if _, seen := verbs[path]; !seen {
			paths = append(paths, path)
		}
		verbs[path] = append(verbs[path], verb)
		if verb == http.MethodGet {
			verbs[path] = append(verbs[path], http.MethodHead)
		}
	}
	for _, path := range paths {
		methods := strings.Join(verbs[path], ", ")
		mux.HandleFunc(http.MethodOptions+" "+path, func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Add("Vary", "Origin")
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Allow", methods+", OPTIONS")
			if origin := c.allowedOrigin(r); origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", methods)
				if requested := r.Header.Get("Access-Control-Request-Headers"); requested != "" {
					h.Set("Access-Control-Allow-Headers", requested)
				}
				if c.AllowCredentials {
					h.Set("Access-Control-Allow-Credentials", "true")
				}
				if c.MaxAge > 0 {
					h.Set("Access-Control-Max-Age", strconv.FormatInt(int64(c.MaxAge/time.Second), 10))
				}
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
}
