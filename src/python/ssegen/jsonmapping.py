"""The JSON mapping: how every message, field, enum value and oneof is written as JSON.

sebuf's JSON options (`sebuf.http` extensions 50009-50020) change the protojson form of a message.
They are read and checked here, once; every renderer reads the resulting `JsonMapping`. A message
is `mapped` when its JSON differs from protojson's (its own options, or a field reaching a mapped
message or an enum with custom names); only mapped messages need a codec of their own, all others
keep going through protojson.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from google.protobuf import descriptor_pb2

from ssegen import annotations as ann
from ssegen.errors import Location, Problem
from ssegen.model import INTEGER_64, WELL_KNOWN_TYPES, Enum, Field, Message

TIMESTAMP = "google.protobuf.Timestamp"

# Enum value names of the option enums, in their wire form (lower-cased, prefix dropped).
EMPTY_BEHAVIORS = {0: "preserve", 1: "preserve", 2: "null", 3: "omit"}
TIMESTAMP_FORMATS = {0: "rfc3339", 1: "rfc3339", 2: "unix_seconds", 3: "unix_millis", 4: "date"}
BYTES_ENCODINGS = {0: "base64", 1: "base64", 2: "base64_raw", 3: "base64url", 4: "base64url_raw", 5: "hex"}
NUMBER = 2  # Int64Encoding / EnumEncoding NUMBER

# Descriptor paths (see descriptor.proto), for option locations.
_FILE_MESSAGE, _FILE_ENUM = 4, 5
_MESSAGE_FIELD, _MESSAGE_NESTED, _MESSAGE_ENUM, _MESSAGE_ONEOF = 2, 3, 4, 8
_FIELD_OPTIONS, _ONEOF_OPTIONS, _ENUM_VALUE, _ENUM_VALUE_OPTIONS = 8, 2, 2, 3


@dataclass(frozen=True)
class JsonField:
    name: str  # proto field name
    key: str  # the JSON key (protojson's name); unused when flattened
    int64_number: bool = False  # a JSON number instead of a string
    enum_number: bool = False  # the enum's number instead of its name
    nullable: bool = False  # unset is written `null`
    empty: str = "preserve"  # an all-default message: "preserve" ({}), "null" or "omit"
    timestamp: str = "rfc3339"  # "rfc3339", "unix_seconds", "unix_millis" or "date"
    bytes: str = "base64"  # "base64", "base64_raw", "base64url", "base64url_raw" or "hex"
    flatten: bool = False  # the message's fields are written into the parent object
    flatten_prefix: str = ""
    unwrap: bool = False

    @property
    def has_options(self) -> bool:
        return self != JsonField(self.name, self.key)


@dataclass(frozen=True)
class JsonOneof:
    name: str
    discriminator: str  # the key holding the variant's value
    flatten: bool  # the variant message's fields sit beside the discriminator
    variants: Tuple[Tuple[str, str], ...]  # (discriminator value, field name), in field order
    location: Location = field(default=Location(""), compare=False)  # of the oneof_config option


@dataclass(frozen=True)
class JsonMessage:
    full_name: str
    fields: Tuple[JsonField, ...]  # one per field of the message, in order
    oneofs: Tuple[JsonOneof, ...]  # the oneofs with a discriminator
    # The name of the only field, when the message is written as that field's bare array or
    # object wherever it appears (`unwrap`); else "".
    unwrap: str
    mapped: bool  # its JSON differs from protojson's

    def field(self, name: str) -> JsonField:
        return next(f for f in self.fields if f.name == name)

    def oneof(self, name: str) -> Optional[JsonOneof]:
        return next((o for o in self.oneofs if o.name == name), None)


@dataclass(frozen=True)
class JsonEnumValue:
    name: str  # proto name
    number: int
    json: str  # what JSON carries: the custom `enum_value`, else the proto name


@dataclass(frozen=True)
class JsonEnum:
    full_name: str
    values: Tuple[JsonEnumValue, ...]
    custom: bool  # some value has an `enum_value`


@dataclass(frozen=True)
class JsonMapping:
    messages: Dict[str, JsonMessage] = field(default_factory=dict, hash=False)
    enums: Dict[str, JsonEnum] = field(default_factory=dict, hash=False)

    def message(self, full_name: str) -> Optional[JsonMessage]:
        return self.messages.get(full_name)

    def mapped(self, full_name: str) -> bool:
        m = self.messages.get(full_name)
        return m is not None and m.mapped

    def enum_custom(self, full_name: str) -> bool:
        e = self.enums.get(full_name)
        return e is not None and e.custom

    def enum_json_names(self, full_name: str, enum: Enum) -> Tuple[str, ...]:
        e = self.enums.get(full_name)
        return tuple(v.json for v in e.values) if e is not None else tuple(v.name for v in enum.values)


@dataclass(frozen=True)
class ObjectKey:
    """One key of a message's JSON object, with where it comes from (for clash reports)."""

    key: str
    origin: str  # e.g. "field street of billing (flattened)"
    location: Location  # of the field (or oneof option) in the message whose object it is


class _Reader:
    """Reads and checks the options of every message and enum of the descriptors."""

    def __init__(self, options: ann.OptionReader, messages: Dict[str, Message], enums: Dict[str, Enum]) -> None:
        self.options = options
        self.messages = messages
        self.enums = enums
        self.problems: List[Problem] = []
        self.warnings: List[Problem] = []
        self.json_messages: Dict[str, JsonMessage] = {}
        self.json_enums: Dict[str, JsonEnum] = {}

    def problem(self, location: Location, subject: str, message: str, fix: str) -> None:
        self.problems.append(Problem(location, subject, message, fix))

    def ext(self, options, name: str):
        return self.options.extension(options, name)

    def read_enum(self, full_name: str, proto: descriptor_pb2.EnumDescriptorProto, locate, path) -> None:
        values = []
        seen: Dict[str, str] = {}
        for i, v in enumerate(proto.value):
            custom = self.ext(v.options, ann.ENUM_VALUE)
            location = locate((*path, _ENUM_VALUE, i, _ENUM_VALUE_OPTIONS, ann.EXTENSION_NUMBERS[ann.ENUM_VALUE]),
                              (*path, _ENUM_VALUE, i))
            subject = f"enum {full_name}, value {v.name}"
            if custom is not None and not custom:
                self.problem(location, subject, "its (sebuf.http.enum_value) is empty.",
                             "give the value a non-empty JSON name, or remove the option.")
                custom = None
            json = custom if custom is not None else v.name
            if json in seen and seen[json] != v.name:
                self.problem(location, subject, f"its JSON name {json!r} is also the JSON name of {seen[json]}.",
                             "give every value of the enum its own (sebuf.http.enum_value).")
            seen.setdefault(json, v.name)
            values.append(JsonEnumValue(v.name, v.number, json))
        self.json_enums[full_name] = JsonEnum(full_name, tuple(values), any(v.json != v.name for v in values))

    def read_message(self, full_name: str, proto: descriptor_pb2.DescriptorProto, locate, path) -> None:
        if proto.options.map_entry:
            return
        for i, nested in enumerate(proto.nested_type):
            self.read_message(f"{full_name}.{nested.name}", nested, locate, (*path, _MESSAGE_NESTED, i))
        if full_name in WELL_KNOWN_TYPES:
            return
        message = self.messages[full_name]
        fields = tuple(
            self.read_field(message, message.field_named(fp.name), fp, locate, (*path, _MESSAGE_FIELD, i))
            for i, fp in enumerate(proto.field)
        )
        oneofs = []
        for i, decl in enumerate(proto.oneof_decl):
            oneof = self.read_oneof(message, decl, fields, proto, locate, (*path, _MESSAGE_ONEOF, i), path)
            if oneof is not None:
                oneofs.append(oneof)
        unwrap = self.check_unwrap(message, fields, locate, path)
        self.json_messages[full_name] = JsonMessage(full_name, fields, tuple(oneofs), unwrap, mapped=False)

    # Fields --------------------------------------------------------------------------------------

    def read_field(self, message: Message, f: Optional[Field], proto, locate, path) -> JsonField:
        assert f is not None
        subject = f"message {message.full_name}, field {f.name}"

        def location(option: str) -> Location:
            return locate((*path, _FIELD_OPTIONS, ann.EXTENSION_NUMBERS[option]), path)

        def wrong(option: str, what: str, fix: str) -> None:
            self.problem(location(option), subject, f"(sebuf.http.{option.split('.')[-1]}) {what}", fix)

        opts = proto.options
        values: Dict[str, object] = {}
        element = f.map_value if f.is_map else f
        assert element is not None

        int64 = self.ext(opts, ann.INT64_ENCODING)
        if int64 is not None:
            if element.type not in INTEGER_64:
                wrong(ann.INT64_ENCODING, f"applies to 64-bit integer fields; `{f.name}` is {_kind(f)}.",
                      "remove the option, or make the field int64, uint64, sint64, fixed64 or sfixed64.")
            elif int64 == NUMBER:
                values["int64_number"] = True
                self.warnings.append(Problem(
                    location(ann.INT64_ENCODING),
                    subject,
                    "int64_encoding = NUMBER writes a JSON number; JavaScript and other readers that "
                    "use doubles lose precision above 2^53 (9007199254740992).",
                    "keep the default (STRING) unless every reader handles 64-bit integers exactly.",
                    severity="warning",
                ))

        enum_encoding = self.ext(opts, ann.ENUM_ENCODING)
        if enum_encoding is not None:
            if not element.is_enum:
                wrong(ann.ENUM_ENCODING, f"applies to enum fields; `{f.name}` is {_kind(f)}.",
                      "remove the option, or use it on an enum field.")
            elif enum_encoding == NUMBER:
                # Every enum is read before any message.
                enum = self.json_enums.get(element.type_name)
                if enum is not None and enum.custom:
                    wrong(ann.ENUM_ENCODING, f"= NUMBER writes numbers, but {element.type_name} has values with "
                          "(sebuf.http.enum_value) names, which would never be used.",
                          "remove enum_encoding = NUMBER, or the enum_value options of the enum.")
                else:
                    values["enum_number"] = True

        nullable = self.ext(opts, ann.NULLABLE)
        if nullable:
            if not f.optional or f.is_message:
                wrong(ann.NULLABLE, "applies to proto3 `optional` scalar and enum fields; "
                      f"`{f.name}` is {'a message' if f.is_message else 'not optional'}.",
                      "declare the field `optional` (and not a message), or remove the option.")
            else:
                values["nullable"] = True

        empty = self.ext(opts, ann.EMPTY_BEHAVIOR)
        if empty is not None:
            if not f.is_message or f.repeated or f.is_map:
                wrong(ann.EMPTY_BEHAVIOR, f"applies to singular message fields; `{f.name}` is {_kind(f)}.",
                      "remove the option, or use it on a singular message field.")
            else:
                values["empty"] = EMPTY_BEHAVIORS.get(empty, "preserve")

        timestamp = self.ext(opts, ann.TIMESTAMP_FORMAT)
        if timestamp is not None:
            if element.type_name != TIMESTAMP:
                wrong(ann.TIMESTAMP_FORMAT, f"applies to google.protobuf.Timestamp fields; `{f.name}` is {_kind(f)}.",
                      "remove the option, or make the field a google.protobuf.Timestamp.")
            else:
                values["timestamp"] = TIMESTAMP_FORMATS.get(timestamp, "rfc3339")

        encoding = self.ext(opts, ann.BYTES_ENCODING)
        if encoding is not None:
            if element.type != "bytes":
                wrong(ann.BYTES_ENCODING, f"applies to bytes fields; `{f.name}` is {_kind(f)}.",
                      "remove the option, or make the field bytes.")
            else:
                values["bytes"] = BYTES_ENCODINGS.get(encoding, "base64")

        flatten = self.ext(opts, ann.FLATTEN)
        prefix = self.ext(opts, ann.FLATTEN_PREFIX)
        if flatten:
            if not f.is_message or f.repeated or f.is_map or f.type_name in WELL_KNOWN_TYPES:
                wrong(ann.FLATTEN, f"applies to singular fields of a message type; `{f.name}` is {_kind(f)}.",
                      "remove the option, or use it on a field whose type is one of your messages.")
            elif f.oneof:
                wrong(ann.FLATTEN, f"cannot apply to `{f.name}`, a member of the oneof {f.oneof}.",
                      "flatten the oneof with (sebuf.http.oneof_config) = {discriminator: \"...\", flatten: true}.")
            else:
                values["flatten"] = True
                values["flatten_prefix"] = prefix or ""
        if prefix and not flatten:
            wrong(ann.FLATTEN_PREFIX, "is set but the field is not flattened.",
                  "add `(sebuf.http.flatten) = true` to the field, or remove flatten_prefix.")

        if self.ext(opts, ann.UNWRAP):
            if not (f.repeated or f.is_map):
                wrong(ann.UNWRAP, f"applies to repeated and map fields; `{f.name}` is {_kind(f)}.",
                      "remove the option, or make the field repeated or a map.")
            else:
                values["unwrap"] = True
        return JsonField(f.name, f.json_name, **values)  # type: ignore[arg-type]

    def check_unwrap(self, message: Message, fields: Sequence[JsonField], locate, path) -> str:
        unwrapped = [f for f in fields if f.unwrap]
        if not unwrapped:
            return ""
        first = unwrapped[0]
        subject = f"message {message.full_name}"
        if len(unwrapped) > 1 or len(fields) > 1:
            others = ", ".join(f.name for f in fields if f.name != first.name)
            where = message.field_named(unwrapped[-1].name if len(unwrapped) > 1 else first.name)
            assert where is not None
            self.problem(
                where.location, subject,
                f"(sebuf.http.unwrap) on `{first.name}` needs it to be the message's only field, but it also has "
                f"{others}.",
                "move the other fields out of the message, or remove the unwrap option.",
            )
            return ""
        return first.name

    # Oneofs --------------------------------------------------------------------------------------

    def read_oneof(self, message: Message, decl, fields: Sequence[JsonField], proto, locate, path, message_path):
        config = self.ext(decl.options, ann.ONEOF_CONFIG)
        members = [message.fields[i] for i, fp in enumerate(proto.field)
                   if fp.HasField("oneof_index") and not fp.proto3_optional
                   and proto.oneof_decl[fp.oneof_index].name == decl.name]
        if config is None or not config.discriminator:
            return None  # an empty discriminator: sebuf ignores the annotation
        subject = f"message {message.full_name}, oneof {decl.name}"
        location = locate((*path, _ONEOF_OPTIONS, ann.EXTENSION_NUMBERS[ann.ONEOF_CONFIG]), path)
        variants = []
        seen: Dict[str, str] = {}
        for f in members:
            i = message.fields.index(f)
            value = self.ext(proto.field[i].options, ann.ONEOF_VALUE) or f.name
            if value in seen:
                self.problem(
                    locate((*message_path, _MESSAGE_FIELD, i, _FIELD_OPTIONS, ann.EXTENSION_NUMBERS[ann.ONEOF_VALUE]),
                           (*message_path, _MESSAGE_FIELD, i)),
                    subject, f"the discriminator value {value!r} of `{f.name}` is also that of `{seen[value]}`.",
                    "give each member its own (sebuf.http.oneof_value).",
                )
            seen.setdefault(value, f.name)
            variants.append((value, f.name))
            if config.flatten and (not f.is_message or f.type_name in WELL_KNOWN_TYPES):
                self.problem(
                    f.location, subject,
                    f"a flattened oneof needs message members, but `{f.name}` is {_kind(f)}.",
                    "wrap the value in a message, or set flatten: false.",
                )
        if not config.flatten:
            clash = next((f for f in members if f.json_name == config.discriminator), None)
            if clash is not None:
                self.problem(
                    location, subject,
                    f"the discriminator {config.discriminator!r} is also the JSON name of the member `{clash.name}`.",
                    "choose another discriminator name.",
                )
        return JsonOneof(decl.name, config.discriminator, bool(config.flatten), tuple(variants), location)


def _kind(f: Field) -> str:
    if f.is_map:
        return "a map"
    what = {"message": f"message {f.type_name}", "enum": f"enum {f.type_name}"}.get(f.type, f.type)
    if f.repeated:
        return f"a repeated {what}"
    return f"a {what}" if f.type in ("message", "enum") else what


# Object shapes -------------------------------------------------------------------------------------


def object_keys(
    mapping: JsonMapping, messages: Dict[str, Message], full_name: str, prefix: str = "", depth: int = 0
) -> List[ObjectKey]:
    """The keys a message's JSON object can hold, flattened fields and oneofs included."""
    message = mapping.messages[full_name]
    keys: List[ObjectKey] = []
    in_oneof = {name for o in message.oneofs for _, name in o.variants}
    for jf in message.fields:
        if jf.name in in_oneof:
            continue
        f = messages[full_name].field_named(jf.name)
        assert f is not None
        if jf.flatten and depth < 8:  # a loop is reported by _check_shapes
            if f.type_name in mapping.messages:
                for k in object_keys(mapping, messages, f.type_name, prefix + jf.flatten_prefix, depth + 1):
                    keys.append(ObjectKey(k.key, f"{k.origin} of `{jf.name}` (flattened)", f.location))
            continue
        keys.append(ObjectKey(prefix + jf.key, f"field `{jf.name}`", f.location))
    for oneof in message.oneofs:
        keys.append(ObjectKey(prefix + oneof.discriminator, f"the discriminator of oneof {oneof.name}", oneof.location))
        if not oneof.flatten:
            for _, name in oneof.variants:
                f = messages[full_name].field_named(name)
                assert f is not None
                # A member named like the discriminator is reported by the oneof's own check.
                if message.field(name).key != oneof.discriminator:
                    keys.append(ObjectKey(prefix + message.field(name).key, f"field `{name}`", f.location))
    return keys


# Building -----------------------------------------------------------------------------------------


def build_mapping(
    protos: Sequence[descriptor_pb2.FileDescriptorProto],
    options: ann.OptionReader,
    locators: Dict[str, object],
    messages: Dict[str, Message],
    enums: Dict[str, Enum],
) -> Tuple[JsonMapping, List[Problem]]:
    """The mapping of every message and enum of `protos`, and the problems of their options
    (errors, and warnings that do not stop generation).

    `locators` maps a file name to its location lookup (`build._Sources.location`).
    """
    reader = _Reader(options, messages, enums)
    for proto in protos:
        locate = getattr(locators[proto.name], "location")
        for i, enum in enumerate(proto.enum_type):
            reader.read_enum((f"{proto.package}." if proto.package else "") + enum.name, enum, locate, (_FILE_ENUM, i))
        _read_enums_first(reader, proto, locate)
    for proto in protos:
        locate = getattr(locators[proto.name], "location")
        prefix = f"{proto.package}." if proto.package else ""
        for i, message in enumerate(proto.message_type):
            reader.read_message(prefix + message.name, message, locate, (_FILE_MESSAGE, i))
    mapping = JsonMapping(reader.json_messages, reader.json_enums)
    problems = list(reader.problems) + reader.warnings
    problems += _check_shapes(mapping, messages)
    mapped = _mapped(mapping, messages)
    final = {
        name: JsonMessage(m.full_name, m.fields, m.oneofs, m.unwrap, name in mapped)
        for name, m in mapping.messages.items()
    }
    return JsonMapping(final, reader.json_enums), problems


def _read_enums_first(reader: _Reader, proto: descriptor_pb2.FileDescriptorProto, locate) -> None:
    """Nested enums, read before any field refers to them (enum_encoding checks their values)."""
    prefix = f"{proto.package}." if proto.package else ""

    def walk(full_name: str, message: descriptor_pb2.DescriptorProto, path: Tuple[int, ...]) -> None:
        for i, enum in enumerate(message.enum_type):
            reader.read_enum(f"{full_name}.{enum.name}", enum, locate, (*path, _MESSAGE_ENUM, i))
        for i, nested in enumerate(message.nested_type):
            walk(f"{full_name}.{nested.name}", nested, (*path, _MESSAGE_NESTED, i))

    for i, message in enumerate(proto.message_type):
        walk(prefix + message.name, message, (_FILE_MESSAGE, i))


def _check_shapes(mapping: JsonMapping, messages: Dict[str, Message]) -> List[Problem]:
    """Flattened fields and discriminators must not give two values the same key, nor loop."""
    problems: List[Problem] = []
    for name, jm in mapping.messages.items():
        message = messages[name]
        for jf in jm.fields:
            if not jf.flatten:
                continue
            f = message.field_named(jf.name)
            assert f is not None
            child = mapping.messages.get(f.type_name)
            if child is None:
                continue
            if child.unwrap:
                problems.append(Problem(
                    f.location, f"message {name}, field {f.name}",
                    f"(sebuf.http.flatten) needs an object, but {f.type_name} is written as its unwrapped field.",
                    "remove flatten, or the unwrap option of the nested message.",
                ))
            elif _flatten_loops(mapping, messages, f.type_name, {name}):
                problems.append(Problem(
                    f.location, f"message {name}, field {f.name}",
                    f"(sebuf.http.flatten) of {f.type_name} flattens {name} into itself.",
                    "flatten a message that does not contain this one.",
                ))
                return problems
        for oneof in jm.oneofs:
            if not oneof.flatten:
                continue
            parent_keys = {k.key for k in object_keys(mapping, messages, name)}
            for _, variant in oneof.variants:
                f = message.field_named(variant)
                assert f is not None
                if f.type_name not in mapping.messages:
                    continue
                for k in object_keys(mapping, messages, f.type_name):
                    if k.key in parent_keys:
                        problems.append(Problem(
                            f.location, f"message {name}, oneof {oneof.name}",
                            f"the flattened member `{variant}` brings the key {k.key!r} ({k.origin} of "
                            f"{f.type_name}), which the message already has.",
                            "rename the field, or set flatten: false on the oneof.",
                        ))
        seen: Dict[str, ObjectKey] = {}
        # Reported at the later of the two, as route clashes are.
        for k in sorted(object_keys(mapping, messages, name), key=lambda k: k.location.sort_key()):
            if k.key in seen:
                problems.append(Problem(
                    k.location, f"message {name}",
                    f"its JSON key {k.key!r} comes from {k.origin} and from {seen[k.key].origin}.",
                    "rename one of the fields, or set a (sebuf.http.flatten_prefix) or another discriminator.",
                ))
            seen.setdefault(k.key, k)
    return problems


def _flatten_loops(mapping: JsonMapping, messages: Dict[str, Message], name: str, visiting: Set[str]) -> bool:
    if name in visiting:
        return True
    jm = mapping.messages.get(name)
    if jm is None:
        return False
    for jf in jm.fields:
        if jf.flatten:
            f = messages[name].field_named(jf.name)
            assert f is not None
            if _flatten_loops(mapping, messages, f.type_name, visiting | {name}):
                return True
    return False


def _mapped(mapping: JsonMapping, messages: Dict[str, Message]) -> Set[str]:
    """The messages whose JSON differs from protojson's, transitively through their fields."""
    mapped = {
        name for name, jm in mapping.messages.items()
        if jm.unwrap or jm.oneofs or any(f.has_options for f in jm.fields)
    }
    users: Dict[str, Set[str]] = {}
    for name, message in messages.items():
        if name not in mapping.messages:
            continue
        for f in message.fields:
            element = f.map_value if f.is_map else f
            if element is None:
                continue
            if element.is_enum and mapping.enum_custom(element.type_name):
                mapped.add(name)
            elif element.is_message:
                users.setdefault(element.type_name, set()).add(name)
    pending = list(mapped)
    while pending:
        for user in users.get(pending.pop(), ()):
            if user not in mapped:
                mapped.add(user)
                pending.append(user)
    return mapped


def messages_using(mapping: JsonMapping, roots: Iterable[str], messages: Dict[str, Message]) -> List[str]:
    """The mapped messages reachable from `roots`, sorted: what a codec must know."""
    found: Set[str] = set()
    pending = [r for r in roots]
    while pending:
        name = pending.pop()
        if name in found or not mapping.mapped(name):
            continue
        found.add(name)
        for f in messages[name].fields:
            element = f.map_value if f.is_map else f
            if element is not None and element.is_message:
                pending.append(element.type_name)
    return sorted(found)
