${header}

package ${package}

% if not codec:
import (
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// No message of this package has sebuf JSON-mapping options or an enum: protojson is the
// whole JSON codec.

func marshalJSON(opts protojson.MarshalOptions, msg proto.Message) ([]byte, error) {
	return opts.Marshal(msg)
}

func unmarshalJSON(opts protojson.UnmarshalOptions, data []byte, msg proto.Message, _ bool) error {
	return opts.Unmarshal(data, msg)
}

func enumNumberByName(ed protoreflect.EnumDescriptor, s string) (protoreflect.EnumNumber, bool) {
	if v := ed.Values().ByName(protoreflect.Name(s)); v != nil {
		return v.Number(), true
	}
	return 0, false
}

func bodyViolation(err error) FieldViolation {
	return FieldViolation{Field: "body", Description: err.Error()}
}

func enumJSONName(ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber) (string, bool) {
	if v := ed.Values().ByNumber(n); v != nil {
		return string(v.Name()), true
	}
	return "", false
}
% else:
import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The JSON codec of the messages whose JSON differs from protojson's (sebuf's JSON-mapping
// options, decided by the generator), and the strict reading of enum names. Every other
// message is written and read by protojson.

// jsonFieldSpec is how one field with options is written.
type jsonFieldSpec struct {
	name        protoreflect.Name
	int64Number bool   // int64_encoding = NUMBER
	enumNumber  bool   // enum_encoding = NUMBER
	nullable    bool   // unset is null
	empty       string // empty_behavior: "", "null" or "omit"
	timestamp   string // timestamp_format: "", "unix_seconds", "unix_millis" or "date"
	bytes       string // bytes_encoding: "", "base64_raw", "base64url", "base64url_raw" or "hex"
	flatten     bool   // the message's fields are written into the parent object
	prefix      string // flatten_prefix
}

// jsonOneofSpec is a oneof with a discriminator key.
type jsonOneofSpec struct {
	name          protoreflect.Name
	discriminator string
	flatten       bool                // the member message's fields sit beside the discriminator
	values        []string            // the discriminator value of each member, in field order
	members       []protoreflect.Name // the member fields, in the same order
}

type jsonMessageSpec struct {
	fields []jsonFieldSpec
	oneofs []jsonOneofSpec
	unwrap bool // written as the bare value of its only field
}

% if messages:
var jsonMessages = map[protoreflect.FullName]*jsonMessageSpec{
% for line in messages:
${line}
% endfor
}
% else:
var jsonMessages = map[protoreflect.FullName]*jsonMessageSpec{}
% endif

// The JSON names of the values of enums with (sebuf.http.enum_value) options.
% if enums:
var jsonEnums = map[protoreflect.FullName]map[protoreflect.EnumNumber]string{
% for line in enums:
${line}
% endfor
}
% else:
var jsonEnums = map[protoreflect.FullName]map[protoreflect.EnumNumber]string{}
% endif

// jsonFieldError is a request value that does not fit its field; the server reports it as
// a violation of the field at path.
type jsonFieldError struct {
	path    string
	problem string
}

func (e *jsonFieldError) Error() string {
	if e.path == "" {
		return e.problem
	}
	return e.path + ": " + e.problem
}

// bodyViolation names the field at fault when the codec found it, else the body.
func bodyViolation(err error) FieldViolation {
	var fe *jsonFieldError
	if errors.As(err, &fe) && fe.path != "" {
		return FieldViolation{Field: fe.path, Description: fe.problem}
	}
	return FieldViolation{Field: "body", Description: err.Error()}
}

func marshalJSON(opts protojson.MarshalOptions, msg proto.Message) ([]byte, error) {
	m := msg.ProtoReflect()
	if _, ok := jsonMessages[m.Descriptor().FullName()]; !ok {
		return opts.Marshal(msg)
	}
	// The mapped form is written compact and indented at the end, as protojson would have
	// indented it; the options' other settings apply to every field (see jsonEncoder).
	compact := opts
	compact.Multiline, compact.Indent = false, ""
	e := &jsonEncoder{opts: compact}
	if err := e.message(m); err != nil {
		return nil, err
	}
	if !opts.Multiline && opts.Indent == "" {
		return e.buf, nil
	}
	indent := opts.Indent
	if indent == "" {
		indent = "  "
	}
	var out bytes.Buffer
	if err := json.Indent(&out, e.buf, "", indent); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// unmarshalJSON reads data into msg. Unknown fields are ignored when opts.DiscardUnknown
// (the default); with strictEnums an enum name the enum does not have is an error (else the
// field keeps its zero value).
func unmarshalJSON(opts protojson.UnmarshalOptions, data []byte, msg proto.Message, strictEnums bool) error {
	m := msg.ProtoReflect()
	if _, ok := jsonMessages[m.Descriptor().FullName()]; !ok {
		if !strictEnums || !opts.DiscardUnknown {
			return opts.Unmarshal(data, msg)
		}
		// protojson cannot ignore unknown fields but not unknown enum names: a body that
		// passes it with neither is the common case; anything else is read by the codec.
		strict := opts
		strict.DiscardUnknown = false
		if strict.Unmarshal(data, msg) == nil {
			return nil
		}
		proto.Reset(msg)
	}
	d := &jsonDecoder{opts: opts, strictEnums: strictEnums}
	return d.message(data, m, "")
}

// enumNumberByName reads an enum value from a URL or a body: its JSON name, its proto name.
func enumNumberByName(ed protoreflect.EnumDescriptor, s string) (protoreflect.EnumNumber, bool) {
	for n, name := range jsonEnums[ed.FullName()] {
		if name == s {
			return n, true
		}
	}
	if v := ed.Values().ByName(protoreflect.Name(s)); v != nil {
		return v.Number(), true
	}
	return 0, false
}

// enumJSONName is the name an enum value is written with.
func enumJSONName(ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber) (string, bool) {
	if name, ok := jsonEnums[ed.FullName()][n]; ok {
		return name, true
	}
	if v := ed.Values().ByNumber(n); v != nil {
		return string(v.Name()), true
	}
	return "", false
}

// jsonMember is one entry of a message's JSON object: a field (maybe flattened) or an
// annotated oneof.
type jsonMember struct {
	fd    protoreflect.FieldDescriptor // nil for a oneof
	key   string
	spec  jsonFieldSpec
	oneof *jsonOneofSpec
	cases []protoreflect.FieldDescriptor // the oneof's members, in spec order
}

var jsonPlans sync.Map // protoreflect.FullName -> []jsonMember

// jsonPlan resolves a message's members once: descriptor fields joined with their specs.
func jsonPlan(desc protoreflect.MessageDescriptor) []jsonMember {
	if plan, ok := jsonPlans.Load(desc.FullName()); ok {
		return plan.([]jsonMember)
	}
	spec := jsonMessages[desc.FullName()]
	specs := map[protoreflect.Name]jsonFieldSpec{}
	oneofs := map[protoreflect.Name]*jsonOneofSpec{}
	if spec != nil {
		for _, fs := range spec.fields {
			specs[fs.name] = fs
		}
		for i := range spec.oneofs {
			oneofs[spec.oneofs[i].name] = &spec.oneofs[i]
		}
	}
	var plan []jsonMember
	seen := map[protoreflect.Name]bool{}
	fields := desc.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() && oneofs[od.Name()] != nil {
			if !seen[od.Name()] {
				seen[od.Name()] = true
				os := oneofs[od.Name()]
				member := jsonMember{key: os.discriminator, oneof: os}
				for _, name := range os.members {
					member.cases = append(member.cases, fields.ByName(name))
				}
				plan = append(plan, member)
			}
			continue
		}
		plan = append(plan, jsonMember{fd: fd, key: fd.JSONName(), spec: specs[fd.Name()]})
	}
	jsonPlans.Store(desc.FullName(), plan)
	return plan
}

func isWellKnown(desc protoreflect.MessageDescriptor) bool {
	return desc.ParentFile().Package() == "google.protobuf"
}

func isTimestamp(desc protoreflect.MessageDescriptor) bool {
	return desc.FullName() == "google.protobuf.Timestamp"
}

// Encoding ---------------------------------------------------------------------------------

type jsonEncoder struct {
	buf  []byte
	opts protojson.MarshalOptions
}

func (e *jsonEncoder) message(m protoreflect.Message) error {
	desc := m.Descriptor()
	spec, mapped := jsonMessages[desc.FullName()]
	if !mapped {
		data, err := e.opts.Marshal(m.Interface())
		e.buf = append(e.buf, data...)
		return err
	}
	if spec.unwrap {
		fd := desc.Fields().Get(0)
		return e.value(fd, m.Get(fd), jsonPlan(desc)[0].spec)
	}
	e.buf = append(e.buf, '{')
	first := true
	if err := e.members(m, "", &first); err != nil {
		return err
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *jsonEncoder) key(key string, first *bool) {
	if !*first {
		e.buf = append(e.buf, ',')
	}
	*first = false
	e.buf = appendJSONString(e.buf, key)
	e.buf = append(e.buf, ':')
}

// members writes the object entries of m, keys prefixed (for flattened fields).
func (e *jsonEncoder) members(m protoreflect.Message, prefix string, first *bool) error {
	for _, member := range jsonPlan(m.Descriptor()) {
		if member.oneof != nil {
			if err := e.oneof(m, member, prefix, first); err != nil {
				return err
			}
			continue
		}
		fd, spec := member.fd, member.spec
		if spec.flatten {
			if m.Has(fd) {
				if err := e.members(m.Get(fd).Message(), prefix+spec.prefix, first); err != nil {
					return err
				}
			}
			continue
		}
		key := prefix + e.fieldKey(fd, member.key)
		if !m.Has(fd) {
			if spec.nullable || (spec.empty == "null" && fd.Message() != nil) {
				e.key(key, first)
				e.buf = append(e.buf, "null"...)
			} else if err := e.unpopulated(m, fd, spec, key, first); err != nil {
				return err
			}
			continue
		}
		v := m.Get(fd)
		if spec.empty != "" && proto.Size(v.Message().Interface()) == 0 {
			if spec.empty == "null" {
				e.key(key, first)
				e.buf = append(e.buf, "null"...)
			}
			continue
		}
		e.key(key, first)
		if err := e.value(fd, v, spec); err != nil {
			return err
		}
	}
	return nil
}

// fieldKey is a field's JSON key: its proto name under UseProtoNames, as protojson writes it.
func (e *jsonEncoder) fieldKey(fd protoreflect.FieldDescriptor, key string) string {
	if e.opts.UseProtoNames {
		return string(fd.Name())
	}
	return key
}

// unpopulated writes an unset field as protojson does under EmitUnpopulated (messages as
// null, other fields as their defaults) or EmitDefaultValues (messages left out). Like
// protojson, neither writes oneof members or proto3 optional fields; empty_behavior OMIT
// keeps leaving its messages out.
func (e *jsonEncoder) unpopulated(m protoreflect.Message, fd protoreflect.FieldDescriptor, spec jsonFieldSpec, key string, first *bool) error {
	if !(e.opts.EmitUnpopulated || e.opts.EmitDefaultValues) || fd.ContainingOneof() != nil {
		return nil
	}
	if fd.Message() != nil && !fd.IsList() && !fd.IsMap() {
		if e.opts.EmitUnpopulated && spec.empty != "omit" {
			e.key(key, first)
			e.buf = append(e.buf, "null"...)
		}
		return nil
	}
	e.key(key, first)
	return e.value(fd, m.Get(fd), spec)
}

func (e *jsonEncoder) oneof(m protoreflect.Message, member jsonMember, prefix string, first *bool) error {
	for i, fd := range member.cases {
		if !m.Has(fd) {
			continue
		}
		e.key(prefix+member.oneof.discriminator, first)
		e.buf = appendJSONString(e.buf, member.oneof.values[i])
		if member.oneof.flatten {
			return e.members(m.Get(fd).Message(), prefix, first)
		}
		e.key(prefix+e.fieldKey(fd, fd.JSONName()), first)
		return e.value(fd, m.Get(fd), jsonFieldSpec{})
	}
	return nil
}

// value writes a field's value: a list, a map or a single value.
func (e *jsonEncoder) value(fd protoreflect.FieldDescriptor, v protoreflect.Value, spec jsonFieldSpec) error {
	switch {
	case fd.IsList():
		list := v.List()
		e.buf = append(e.buf, '[')
		for i := 0; i < list.Len(); i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.single(fd, list.Get(i), spec); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case fd.IsMap():
		entries := v.Map()
		keys := make([]protoreflect.MapKey, 0, entries.Len())
		entries.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
			keys = append(keys, k)
			return true
		})
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendJSONString(e.buf, k.String())
			e.buf = append(e.buf, ':')
			if err := e.single(fd.MapValue(), entries.Get(k), spec); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	default:
		return e.single(fd, v, spec)
	}
	return nil
}

func (e *jsonEncoder) single(fd protoreflect.FieldDescriptor, v protoreflect.Value, spec jsonFieldSpec) error {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		e.number(strconv.FormatInt(v.Int(), 10), spec.int64Number)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		e.number(strconv.FormatUint(v.Uint(), 10), spec.int64Number)
	case protoreflect.FloatKind:
		e.float(v.Float(), 32)
	case protoreflect.DoubleKind:
		e.float(v.Float(), 64)
	case protoreflect.StringKind:
		if !utf8.ValidString(v.String()) {
			return fmt.Errorf("field %s holds invalid UTF-8", fd.FullName())
		}
		e.buf = appendJSONString(e.buf, v.String())
	case protoreflect.BytesKind:
		e.buf = appendJSONString(e.buf, encodeBytes(v.Bytes(), spec.bytes))
	case protoreflect.EnumKind:
		if fd.Enum().FullName() == "google.protobuf.NullValue" {
			e.buf = append(e.buf, "null"...)
		} else if name, ok := enumJSONName(fd.Enum(), v.Enum()); ok && !spec.enumNumber && !e.opts.UseEnumNumbers {
			e.buf = appendJSONString(e.buf, name)
		} else {
			e.buf = strconv.AppendInt(e.buf, int64(v.Enum()), 10)
		}
	default:
		sub := v.Message()
		if spec.timestamp != "" && isTimestamp(sub.Descriptor()) {
			e.timestamp(sub, spec.timestamp)
			return nil
		}
		return e.message(sub)
	}
	return nil
}

func (e *jsonEncoder) number(text string, bare bool) {
	if bare {
		e.buf = append(e.buf, text...)
		return
	}
	e.buf = append(append(append(e.buf, '"'), text...), '"')
}

func (e *jsonEncoder) float(f float64, bits int) {
	switch {
	case math.IsNaN(f):
		e.buf = append(e.buf, `"NaN"`...)
	case math.IsInf(f, 1):
		e.buf = append(e.buf, `"Infinity"`...)
	case math.IsInf(f, -1):
		e.buf = append(e.buf, `"-Infinity"`...)
	default:
		e.buf = strconv.AppendFloat(e.buf, f, 'g', -1, bits)
	}
}

func timestampParts(m protoreflect.Message) (int64, int64) {
	fields := m.Descriptor().Fields()
	return m.Get(fields.ByNumber(1)).Int(), m.Get(fields.ByNumber(2)).Int()
}

func (e *jsonEncoder) timestamp(m protoreflect.Message, format string) {
	seconds, nanos := timestampParts(m)
	switch format {
	case "unix_seconds":
		e.buf = strconv.AppendInt(e.buf, seconds, 10)
	case "unix_millis":
		e.buf = strconv.AppendInt(e.buf, seconds*1000+nanos/1e6, 10)
	default: // date
		e.buf = appendJSONString(e.buf, time.Unix(seconds, nanos).UTC().Format(time.DateOnly))
	}
}

func encodeBytes(b []byte, encoding string) string {
	switch encoding {
	case "base64_raw":
		return base64.RawStdEncoding.EncodeToString(b)
	case "base64url":
		return base64.URLEncoding.EncodeToString(b)
	case "base64url_raw":
		return base64.RawURLEncoding.EncodeToString(b)
	case "hex":
		return hex.EncodeToString(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// appendJSONString writes s as a JSON string, escaping only what JSON requires (as
// protojson does), plus U+2028 and U+2029.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r == '\n':
			buf = append(buf, '\\', 'n')
		case r == '\r':
			buf = append(buf, '\\', 'r')
		case r == '\t':
			buf = append(buf, '\\', 't')
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			buf = append(buf, fmt.Sprintf(`\u%04x`, r)...)
		default:
			buf = utf8.AppendRune(buf, r)
		}
	}
	return append(buf, '"')
}

// Decoding ---------------------------------------------------------------------------------

type jsonDecoder struct {
	opts        protojson.UnmarshalOptions
	strictEnums bool
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

func (d *jsonDecoder) message(raw []byte, m protoreflect.Message, path string) error {
	desc := m.Descriptor()
	if isWellKnown(desc) {
		if err := d.opts.Unmarshal(raw, m.Interface()); err != nil {
			return &jsonFieldError{path, "is not a valid " + string(desc.FullName()) + ": " + err.Error()}
		}
		return nil
	}
	if spec := jsonMessages[desc.FullName()]; spec != nil && spec.unwrap {
		fd := desc.Fields().Get(0)
		return d.field(raw, m, fd, jsonPlan(desc)[0].spec, path)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		if path == "" && isNull(raw) {
			return nil
		}
		return &jsonFieldError{path, "must be a JSON object"}
	}
	if !d.opts.DiscardUnknown {
		if key := unknownKey(obj, desc); key != "" {
			return &jsonFieldError{joinPath(path, key), "is not a field of " + string(desc.FullName())}
		}
	}
	return d.members(obj, m, "", path)
}

var jsonKeySets sync.Map // protoreflect.FullName -> map[string]bool

// unknownKey is the first key of obj (in sorted order) that no member of desc reads, or "".
func unknownKey(obj map[string]json.RawMessage, desc protoreflect.MessageDescriptor) string {
	var known map[string]bool
	if keys, ok := jsonKeySets.Load(desc.FullName()); ok {
		known = keys.(map[string]bool)
	} else {
		known = map[string]bool{}
		addJSONKeys(known, desc, "")
		jsonKeySets.Store(desc.FullName(), known)
	}
	var unknown []string
	for key := range obj {
		if !known[key] {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	sort.Strings(unknown)
	return unknown[0]
}

// addJSONKeys adds every key an object of desc may hold: each field's JSON and proto names,
// flattened fields' keys with their prefix, discriminators and flattened variants' keys.
func addJSONKeys(keys map[string]bool, desc protoreflect.MessageDescriptor, prefix string) {
	for _, member := range jsonPlan(desc) {
		if member.oneof != nil {
			keys[prefix+member.oneof.discriminator] = true
			for _, fd := range member.cases {
				if member.oneof.flatten {
					addJSONKeys(keys, fd.Message(), prefix)
				} else {
					keys[prefix+fd.JSONName()] = true
					keys[prefix+string(fd.Name())] = true
				}
			}
			continue
		}
		if member.spec.flatten {
			addJSONKeys(keys, member.fd.Message(), prefix+member.spec.prefix)
			continue
		}
		keys[prefix+member.key] = true
		keys[prefix+string(member.fd.Name())] = true
	}
}

// lookup finds a field's entry by its JSON name, or by its proto name as protojson also
// accepts.
func lookup(obj map[string]json.RawMessage, prefix string, fd protoreflect.FieldDescriptor, key string) (json.RawMessage, string, bool) {
	if raw, ok := obj[prefix+key]; ok {
		return raw, prefix + key, true
	}
	if raw, ok := obj[prefix+string(fd.Name())]; ok {
		return raw, prefix + string(fd.Name()), true
	}
	return nil, "", false
}

func (d *jsonDecoder) members(obj map[string]json.RawMessage, m protoreflect.Message, prefix, path string) error {
	oneofs := map[protoreflect.Name]string{} // plain oneofs: the key of the member that was set
	for _, member := range jsonPlan(m.Descriptor()) {
		if member.oneof != nil {
			if err := d.oneof(obj, m, member, prefix, path); err != nil {
				return err
			}
			continue
		}
		fd, spec := member.fd, member.spec
		if spec.flatten {
			sub := m.Mutable(fd).Message()
			if err := d.members(obj, sub, prefix+spec.prefix, path); err != nil {
				return err
			}
			if proto.Size(sub.Interface()) == 0 {
				m.Clear(fd)
			}
			continue
		}
		raw, key, ok := lookup(obj, prefix, fd, member.key)
		if !ok {
			continue
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() && !isNull(raw) {
			if other, set := oneofs[od.Name()]; set {
				return &jsonFieldError{joinPath(path, key), "only one of " + other + " and " + key + " may be set (oneof " + string(od.Name()) + ")"}
			}
			oneofs[od.Name()] = key
		}
		if err := d.field(raw, m, fd, spec, joinPath(path, key)); err != nil {
			return err
		}
	}
	return nil
}

func (d *jsonDecoder) oneof(obj map[string]json.RawMessage, m protoreflect.Message, member jsonMember, prefix, path string) error {
	os := member.oneof
	discPath := joinPath(path, prefix+os.discriminator)
	raw, ok := obj[prefix+os.discriminator]
	chosen := -1
	if ok && !isNull(raw) {
		var value string
		if json.Unmarshal(raw, &value) != nil {
			return &jsonFieldError{discPath, "must be a string"}
		}
		for i, v := range os.values {
			if v == value {
				chosen = i
			}
		}
		if chosen < 0 {
			return &jsonFieldError{discPath, fmt.Sprintf("%q is not one of %s", value, strings.Join(os.values, ", "))}
		}
	}
	if os.flatten {
		if chosen >= 0 {
			return d.members(obj, m.Mutable(member.cases[chosen]).Message(), prefix, path)
		}
		return nil
	}
	for i, fd := range member.cases {
		raw, key, present := lookup(obj, prefix, fd, fd.JSONName())
		if !present || isNull(raw) {
			continue
		}
		if chosen >= 0 && chosen != i {
			return &jsonFieldError{joinPath(path, key), fmt.Sprintf("does not match %s %q", os.discriminator, os.values[chosen])}
		}
		if chosen < 0 {
			chosen = i // no discriminator: the member present decides, as in protojson
		} else if m.Has(fd) {
			continue
		}
		if err := d.field(raw, m, fd, jsonFieldSpec{}, joinPath(path, key)); err != nil {
			return err
		}
	}
	if chosen >= 0 && m.WhichOneof(member.cases[chosen].ContainingOneof()) == nil {
		// The discriminator alone selects a member with its default value.
		fd := member.cases[chosen]
		if fd.Message() != nil {
			m.Mutable(fd)
		} else {
			m.Set(fd, fd.Default())
		}
	}
	return nil
}

func (d *jsonDecoder) field(raw json.RawMessage, m protoreflect.Message, fd protoreflect.FieldDescriptor, spec jsonFieldSpec, path string) error {
	if isNull(raw) && !(fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Value" && !fd.IsList() && !fd.IsMap()) {
		m.Clear(fd)
		return nil
	}
	switch {
	case fd.IsList():
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return &jsonFieldError{path, "must be a JSON array"}
		}
		list := m.Mutable(fd).List()
		for i, item := range items {
			v, err := d.single(item, fd, spec, fmt.Sprintf("%s[%d]", path, i), list.NewElement)
			if err != nil {
				return err
			}
			list.Append(v)
		}
	case fd.IsMap():
		var entries map[string]json.RawMessage
		if json.Unmarshal(raw, &entries) != nil || entries == nil {
			return &jsonFieldError{path, "must be a JSON object"}
		}
		target := m.Mutable(fd).Map()
		keys := make([]string, 0, len(entries))
		for k := range entries {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			key, err := mapKey(fd.MapKey(), k)
			if err != nil {
				return &jsonFieldError{joinPath(path, k), err.Error()}
			}
			v, err := d.single(entries[k], fd.MapValue(), spec, joinPath(path, k), target.NewValue)
			if err != nil {
				return err
			}
			target.Set(key, v)
		}
	default:
		v, err := d.single(raw, fd, spec, path, func() protoreflect.Value { return m.NewField(fd) })
		if err != nil {
			return err
		}
		m.Set(fd, v)
	}
	return nil
}

func mapKey(fd protoreflect.FieldDescriptor, s string) (protoreflect.MapKey, error) {
	var v protoreflect.Value
	var err error
	switch fd.Kind() {
	case protoreflect.StringKind:
		v = protoreflect.ValueOfString(s)
	case protoreflect.BoolKind:
		var b bool
		b, err = strconv.ParseBool(s)
		v = protoreflect.ValueOfBool(b)
	default:
		v, err = parseInteger(fd.Kind(), s)
	}
	if err != nil {
		return protoreflect.MapKey{}, fmt.Errorf("%q is not a valid %s map key", s, fd.Kind())
	}
	return v.MapKey(), nil
}

func parseInteger(kind protoreflect.Kind, s string) (protoreflect.Value, error) {
	switch kind {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, err := strconv.ParseInt(s, 10, 32)
		return protoreflect.ValueOfInt32(int32(n)), err
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, err := strconv.ParseInt(s, 10, 64)
		return protoreflect.ValueOfInt64(n), err
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, err := strconv.ParseUint(s, 10, 32)
		return protoreflect.ValueOfUint32(uint32(n)), err
	default:
		n, err := strconv.ParseUint(s, 10, 64)
		return protoreflect.ValueOfUint64(n), err
	}
}

// integerText is the text of a JSON number or of a string holding one (protojson accepts
// both for every integer type); an integral exponent form is written out.
func integerText(raw json.RawMessage) (string, bool) {
	text := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(text, `"`) {
		if json.Unmarshal(raw, &text) != nil || text == "" {
			return "", false
		}
	}
	if strings.ContainsAny(text, ".eE") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<63 {
			return "", false
		}
		return strconv.FormatFloat(f, 'f', 0, 64), true
	}
	return text, true
}

// checkedString reads a JSON string, rejecting lone surrogate escapes, which encoding/json
// would silently turn into U+FFFD.
func checkedString(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	if bytes.Contains(raw, []byte(`\u`)) || bytes.Contains(raw, []byte(`\U`)) {
		text := string(raw)
		for i := 0; i+5 < len(text); i++ {
			if text[i] != '\\' {
				continue
			}
			if text[i+1] != 'u' {
				i++ // an escaped character: skip it
				continue
			}
			n, err := strconv.ParseUint(text[i+2:i+6], 16, 16)
			if err != nil {
				return "", false
			}
			switch {
			case n >= 0xD800 && n < 0xDC00:
				if i+11 >= len(text) || text[i+6] != '\\' || text[i+7] != 'u' {
					return "", false
				}
				low, err := strconv.ParseUint(text[i+8:i+12], 16, 16)
				if err != nil || low < 0xDC00 || low > 0xDFFF {
					return "", false
				}
				i += 11
			case n >= 0xDC00 && n <= 0xDFFF:
				return "", false
			default:
				i += 5
			}
		}
	}
	return s, true
}

func (d *jsonDecoder) single(raw json.RawMessage, fd protoreflect.FieldDescriptor, spec jsonFieldSpec, path string, newMessage func() protoreflect.Value) (protoreflect.Value, error) {
	fail := func(problem string) (protoreflect.Value, error) {
		return protoreflect.Value{}, &jsonFieldError{path, problem}
	}
	if isNull(raw) && (fd.Message() == nil || fd.Message().FullName() != "google.protobuf.Value") {
		return fail("must not be null")
	}
	switch kind := fd.Kind(); kind {
	case protoreflect.BoolKind:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return fail("must be a boolean")
		}
		return protoreflect.ValueOfBool(b), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Uint32Kind,
		protoreflect.Fixed32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		text, ok := integerText(raw)
		if ok {
			if v, err := parseInteger(kind, text); err == nil {
				return v, nil
			}
		}
		return fail("must be an integer in the range of " + kind.String())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		var f float64
		var s string
		if json.Unmarshal(raw, &f) != nil {
			if json.Unmarshal(raw, &s) != nil {
				return fail("must be a number")
			}
			switch s {
			case "NaN":
				f = math.NaN()
			case "Infinity":
				f = math.Inf(1)
			case "-Infinity":
				f = math.Inf(-1)
			default:
				var err error
				if f, err = strconv.ParseFloat(s, 64); err != nil {
					return fail("must be a number")
				}
			}
		}
		if kind == protoreflect.FloatKind {
			if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return fail("is out of the range of float")
			}
			return protoreflect.ValueOfFloat32(float32(f)), nil
		}
		return protoreflect.ValueOfFloat64(f), nil
	case protoreflect.StringKind:
		s, ok := checkedString(raw)
		if !ok {
			return fail("must be a string of valid Unicode")
		}
		return protoreflect.ValueOfString(s), nil
	case protoreflect.BytesKind:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return fail("must be a string")
		}
		b, ok := decodeBytes(s, spec.bytes)
		if !ok {
			return fail("is not valid " + bytesEncodingName(spec.bytes))
		}
		return protoreflect.ValueOfBytes(b), nil
	case protoreflect.EnumKind:
		return d.enum(raw, fd.Enum(), path)
	default:
		v := newMessage()
		if spec.timestamp != "" && isTimestamp(fd.Message()) {
			if err := readTimestamp(raw, v.Message(), spec.timestamp); err != nil {
				return fail(err.Error())
			}
			return v, nil
		}
		if err := d.message(raw, v.Message(), path); err != nil {
			return protoreflect.Value{}, err
		}
		return v, nil
	}
}

func (d *jsonDecoder) enum(raw json.RawMessage, ed protoreflect.EnumDescriptor, path string) (protoreflect.Value, error) {
	if ed.FullName() == "google.protobuf.NullValue" {
		return protoreflect.ValueOfEnum(0), nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		if n, ok := enumNumberByName(ed, name); ok {
			return protoreflect.ValueOfEnum(n), nil
		}
		if !d.strictEnums {
			return protoreflect.ValueOfEnum(0), nil
		}
		return protoreflect.Value{}, &jsonFieldError{path, fmt.Sprintf("%q is not a value of %s", name, ed.FullName())}
	}
	var n int32
	if json.Unmarshal(raw, &n) == nil && (!ed.IsClosed() || ed.Values().ByNumber(protoreflect.EnumNumber(n)) != nil) {
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)), nil
	}
	return protoreflect.Value{}, &jsonFieldError{path, "must be a value name or number of " + string(ed.FullName())}
}

func readTimestamp(raw json.RawMessage, m protoreflect.Message, format string) error {
	var seconds, nanos int64
	switch format {
	case "unix_seconds", "unix_millis":
		// A JSON number, not a string holding one: the format says integer.
		text, ok := integerText(raw)
		n, err := strconv.ParseInt(text, 10, 64)
		if !ok || err != nil || bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) {
			return fmt.Errorf("must be an integer (%s)", strings.ReplaceAll(format, "_", " "))
		}
		seconds = n
		if format == "unix_millis" {
			seconds, nanos = n/1000, (n%1000)*1e6
			if nanos < 0 {
				seconds, nanos = seconds-1, nanos+1e9
			}
		}
	default:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return fmt.Errorf("must be a date string (YYYY-MM-DD)")
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return fmt.Errorf("must be a date (YYYY-MM-DD)")
		}
		seconds = t.Unix()
	}
	// Timestamp's own range: 0001-01-01 to 9999-12-31.
	if seconds < -62135596800 || seconds > 253402300799 {
		return fmt.Errorf("is out of the range of google.protobuf.Timestamp")
	}
	fields := m.Descriptor().Fields()
	m.Set(fields.ByNumber(1), protoreflect.ValueOfInt64(seconds))
	m.Set(fields.ByNumber(2), protoreflect.ValueOfInt32(int32(nanos)))
	return nil
}

func decodeBytes(s, encoding string) ([]byte, bool) {
	var b []byte
	var err error
	switch encoding {
	case "base64_raw":
		b, err = base64.RawStdEncoding.DecodeString(s)
	case "base64url":
		b, err = base64.URLEncoding.DecodeString(s)
	case "base64url_raw":
		b, err = base64.RawURLEncoding.DecodeString(s)
	case "hex":
		b, err = hex.DecodeString(s)
	default:
		// protojson's reading: standard or URL alphabet, padded or not.
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err = enc.DecodeString(s); err == nil {
				break
			}
		}
	}
	return b, err == nil
}

func bytesEncodingName(encoding string) string {
	switch encoding {
	case "base64_raw":
		return "unpadded base64"
	case "base64url":
		return "base64url"
	case "base64url_raw":
		return "unpadded base64url"
	case "hex":
		return "hex"
	}
	return "base64"
}
% endif
