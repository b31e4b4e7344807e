"""The language-neutral model every renderer reads.

HTTP semantics (verbs, paths, which fields travel in the path, the query or the body, streaming,
headers, the SSE event names) are decided here once. Renderers only map this model to their
language's names and types.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Optional, Tuple

from ssegen.errors import Location, Problem

if TYPE_CHECKING:
    from ssegen.jsonmapping import JsonMapping
    from ssegen.validation import Validation

# Event names the SSE wire contract reserves: a handler error after the stream committed, and the
# clean end of a stream (so clients can tell "finished" from "connection dropped").
SSE_ERROR_EVENT = "error"
SSE_END_EVENT = "end"
RESERVED_EVENT_NAMES = (SSE_ERROR_EVENT, SSE_END_EVENT)

VERBS_WITH_BODY = ("POST", "PUT", "PATCH")

# Proto scalar type names, as protoc spells them without the TYPE_ prefix, lower-cased.
INTEGER_64 = ("int64", "sint64", "sfixed64", "uint64", "fixed64")
UNSIGNED = ("uint32", "fixed32", "uint64", "fixed64")

# Messages that protojson maps to JSON values of their own (a string, a number, any value...)
# rather than to objects of their fields. Renderers map them; the model does not look inside.
WELL_KNOWN_TYPES = frozenset(
    "google.protobuf." + name
    for name in (
        "Any", "BoolValue", "BytesValue", "DoubleValue", "Duration", "Empty", "FieldMask", "FloatValue",
        "Int32Value", "Int64Value", "ListValue", "StringValue", "Struct", "Timestamp", "UInt32Value",
        "UInt64Value", "Value",
    )
)


@dataclass(frozen=True)
class EnumValue:
    name: str
    number: int
    comment: str
    deprecated: bool


@dataclass(frozen=True)
class Enum:
    full_name: str  # e.g. "market.v1.Side" or "market.v1.Quote.Kind"
    name: str
    file: str
    values: Tuple[EnumValue, ...]
    comment: str
    deprecated: bool


@dataclass(frozen=True)
class Field:
    name: str  # proto name, e.g. "order_id"
    json_name: str  # protojson name, e.g. "orderId"
    number: int
    type: str  # a proto scalar ("int64", "string", ...), "enum", "message" or "map"
    type_name: str  # full name of the enum or message type; "" for scalars and maps
    repeated: bool
    optional: bool  # proto3 `optional`: explicit presence
    oneof: str  # name of the (non-synthetic) oneof this field belongs to, or ""
    comment: str
    deprecated: bool
    examples: Tuple[str, ...]
    query_name: str  # name of the query parameter bound to this field, or "" (see QueryParam)
    query_required: bool
    map_key: Optional["Field"] = None  # for maps: the key and value pseudo-fields
    map_value: Optional["Field"] = None
    location: Location = Location("")

    @property
    def is_map(self) -> bool:
        return self.type == "map"

    @property
    def is_message(self) -> bool:
        return self.type == "message"

    @property
    def is_enum(self) -> bool:
        return self.type == "enum"

    @property
    def is_scalar(self) -> bool:
        return self.type not in ("message", "enum", "map")


@dataclass(frozen=True)
class Oneof:
    name: str
    field_names: Tuple[str, ...]
    comment: str


@dataclass(frozen=True)
class Message:
    full_name: str
    name: str
    file: str
    fields: Tuple[Field, ...]
    oneofs: Tuple[Oneof, ...]
    comment: str
    deprecated: bool

    def field_named(self, name: str) -> Optional[Field]:
        for f in self.fields:
            if f.name == name:
                return f
        return None


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    type: str  # string, integer, number, boolean or array
    required: bool
    format: str
    example: str
    deprecated: bool


@dataclass(frozen=True)
class PathParam:
    name: str  # the {variable}, equal to the field's proto name
    field: Field


@dataclass(frozen=True)
class QueryParam:
    name: str
    field: Field
    required: bool


@dataclass(frozen=True)
class PathSegment:
    text: str  # the literal, or the variable name
    is_variable: bool


@dataclass(frozen=True)
class Route:
    verb: str  # GET, POST, PUT, DELETE or PATCH
    path: str  # full path including the base path, variables as {field_name}
    segments: Tuple[PathSegment, ...]
    path_params: Tuple[PathParam, ...]
    query_params: Tuple[QueryParam, ...]
    # POST, PUT and PATCH carry the whole request message as the body; values bound from the URL
    # win over body values.
    has_body: bool
    location: Location  # of the (sebuf.http.config) option, or of the method without one


@dataclass(frozen=True)
class Method:
    name: str
    full_name: str  # e.g. "market.v1.MarketDataService.GetQuote"
    service_name: str
    request: Message
    response: Message
    # Server-Sent Events: `(sebuf.http.config).stream = true` or `returns (stream T)`; each event
    # carries one response message.
    streaming: bool
    route: Route
    headers: Tuple[Header, ...]  # service headers merged with method headers, sorted by name
    comment: str
    deprecated: bool
    location: Location


@dataclass(frozen=True)
class Service:
    name: str
    full_name: str
    package: str
    file: str
    base_path: str
    methods: Tuple[Method, ...]
    comment: str
    deprecated: bool


@dataclass(frozen=True)
class ProtoFile:
    name: str  # import path, e.g. "market/v1/market_data.proto"
    package: str
    go_package: str  # the option, or what go_package_prefix / go_package_overrides give the file
    # Of the go_package option, else of the package statement: where file-level problems point.
    options_location: Location
    services: Tuple[Service, ...]
    message_names: Tuple[str, ...]  # full names of the messages declared here, nested included
    enum_names: Tuple[str, ...]


@dataclass(frozen=True)
class Model:
    """Everything one generation run sees: the files to generate and every type they can reach."""

    files: Tuple[ProtoFile, ...]  # the files to generate, in request order
    all_files: Dict[str, ProtoFile] = field(hash=False)  # by import path, imports included (no services)
    messages: Dict[str, Message] = field(hash=False)
    enums: Dict[str, Enum] = field(hash=False)
    # Problems that do not stop generation (e.g. routes of two services that clash only when both
    # are served together), in file order.
    warnings: Tuple[Problem, ...] = field(default=(), hash=False)
    # How each message and enum is written as JSON (sebuf's JSON-mapping options).
    json: "JsonMapping" = field(default=None, hash=False)  # type: ignore[assignment]
    # The buf.validate rules of the messages (see ssegen.validation).
    validation: "Validation" = field(default=None, hash=False)  # type: ignore[assignment]

    @property
    def services(self) -> Tuple[Service, ...]:
        return tuple(s for f in self.files for s in f.services)

    def reachable_types(self, roots: Tuple[str, ...]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """Full names of the messages and enums reachable from the given message names, sorted.

        Well-known types are leaves: they are reported, their insides are not.
        """
        messages: set = set()
        enums: set = set()
        pending = list(roots)
        while pending:
            name = pending.pop()
            if name in messages:
                continue
            if name in WELL_KNOWN_TYPES:
                messages.add(name)
                continue
            messages.add(name)
            for f in self.messages[name].fields:
                for part in (f, f.map_value) if f.is_map else (f,):
                    if part is None:
                        continue
                    if part.is_message:
                        pending.append(part.type_name)
                    elif part.is_enum:
                        enums.add(part.type_name)
        return tuple(sorted(messages)), tuple(sorted(enums))
