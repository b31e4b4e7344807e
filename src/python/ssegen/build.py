"""Builds the model from protoc descriptors and enforces the annotation rules (SPEC §2)."""
from __future__ import annotations

import posixpath
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from google.protobuf import descriptor_pb2, descriptor_pool

from ssegen import annotations as ann
from ssegen.jsonmapping import build_mapping
from ssegen.validation import build_validation
from ssegen.errors import GenerationError, Location, Problem
from ssegen.input_checks import encoding_problems, unloadable_file_problem
from ssegen.model import (
    VERBS_WITH_BODY,
    Enum,
    EnumValue,
    Field,
    Header,
    Message,
    Method,
    Model,
    Oneof,
    PathParam,
    PathSegment,
    ProtoFile,
    QueryParam,
    Route,
    Service,
)
from ssegen.golayout import effective_go_package, go_sanitized, parse_go_package
from ssegen.naming import json_name_of, sebuf_snake_case, snake_case
from ssegen.options import Options

FieldProto = descriptor_pb2.FieldDescriptorProto

# Paths into FileDescriptorProto, as used by SourceCodeInfo.
_FILE_PACKAGE, _FILE_MESSAGE, _FILE_ENUM, _FILE_SERVICE, _FILE_OPTIONS = 2, 4, 5, 6, 8
_GO_PACKAGE_OPTION = 11
_MESSAGE_FIELD, _MESSAGE_NESTED, _MESSAGE_ENUM = 2, 3, 4
_ENUM_VALUE = 2
_SERVICE_METHOD, _SERVICE_OPTIONS = 2, 3
_METHOD_OPTIONS = 4
_FIELD_OPTIONS = 8

HEADER_TYPES = ("string", "integer", "number", "boolean", "array")
_HEADER_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_VARIABLE_SEGMENT = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# RFC 3986 pchar without "{" and "}": what a literal path segment may contain.
_LITERAL_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+$")


class _Sources:
    """Source locations and comments of one file, looked up by descriptor path."""

    def __init__(self, proto: descriptor_pb2.FileDescriptorProto) -> None:
        self.file = proto.name
        self._locations = {tuple(loc.path): loc for loc in proto.source_code_info.location}

    def location(self, *paths: Sequence[int]) -> Location:
        """The location of the first path that has one (most specific first)."""
        for path in paths:
            loc = self._locations.get(tuple(path))
            if loc is not None:
                return Location(self.file, loc.span[0] + 1, loc.span[1] + 1)
        return Location(self.file)

    def comment(self, path: Sequence[int]) -> str:
        loc = self._locations.get(tuple(path))
        if loc is None:
            return ""
        text = loc.leading_comments or loc.trailing_comments
        lines = [line[1:] if line.startswith(" ") else line for line in text.split("\n")]
        return "\n".join(line.rstrip() for line in lines).strip()


def _go_package(proto: descriptor_pb2.FileDescriptorProto, options: Options) -> str:
    return effective_go_package(
        proto.name, proto.package, proto.options.go_package, options.go_package_prefix, options.go_package_override_map
    )


def _go_package_name(proto: descriptor_pb2.FileDescriptorProto, options: Options) -> str:
    """The Go package name sebuf's default paths start with: go_package's, else (as protoc-gen-go
    did before go_package was required) the proto package with dots as underscores."""
    go_package = parse_go_package(_go_package(proto, options))
    if go_package is not None:
        return go_package.name
    return go_sanitized((proto.package or posixpath.splitext(posixpath.basename(proto.name))[0]).replace(".", "_"))


class _Builder:
    def __init__(self, protos: Sequence[descriptor_pb2.FileDescriptorProto], options: Options) -> None:
        self.generator_options = options
        pool = descriptor_pool.DescriptorPool()
        for proto in protos:
            try:
                pool.Add(proto)
            except TypeError as e:  # what the runtime raises for a file it cannot build
                raise GenerationError([unloadable_file_problem(proto, e)]) from None
        self.options = ann.OptionReader(pool)
        self.problems: List[Problem] = []
        self.warnings: List[Problem] = []
        self.messages: Dict[str, Message] = {}
        self.enums: Dict[str, Enum] = {}
        self._map_entries: Dict[str, descriptor_pb2.DescriptorProto] = {}
        self._sources: Dict[str, _Sources] = {}
        self._pending: List[Tuple[str, descriptor_pb2.DescriptorProto, _Sources, Tuple[int, ...]]] = []

    def sources(self, proto: descriptor_pb2.FileDescriptorProto) -> _Sources:
        """The file's locations and comments, indexed once per file."""
        if proto.name not in self._sources:
            self._sources[proto.name] = _Sources(proto)
        return self._sources[proto.name]

    def problem(self, location: Location, subject: str, message: str, fix: str) -> None:
        self.problems.append(Problem(location, subject, message, fix))

    # Types ---------------------------------------------------------------------------------------

    def index_file(self, proto: descriptor_pb2.FileDescriptorProto) -> Tuple[List[str], List[str]]:
        """Registers the file's messages and enums; returns their full names."""
        sources = self.sources(proto)
        prefix = f"{proto.package}." if proto.package else ""
        message_names: List[str] = []
        enum_names: List[str] = []
        for i, enum in enumerate(proto.enum_type):
            enum_names.append(self._add_enum(prefix + enum.name, enum, sources, (_FILE_ENUM, i)))
        for i, message in enumerate(proto.message_type):
            self._index_message(prefix + message.name, message, sources, (_FILE_MESSAGE, i), message_names, enum_names)
        return message_names, enum_names

    def _index_message(self, full_name, proto, sources, path, message_names, enum_names) -> None:
        if proto.options.map_entry:
            self._map_entries[full_name] = proto
            return
        message_names.append(full_name)
        self._pending.append((full_name, proto, sources, path))
        for i, enum in enumerate(proto.enum_type):
            enum_names.append(self._add_enum(f"{full_name}.{enum.name}", enum, sources, (*path, _MESSAGE_ENUM, i)))
        for i, nested in enumerate(proto.nested_type):
            self._index_message(
                f"{full_name}.{nested.name}", nested, sources, (*path, _MESSAGE_NESTED, i), message_names, enum_names
            )

    def _add_enum(self, full_name, proto, sources, path) -> str:
        values = tuple(
            EnumValue(
                name=v.name,
                number=v.number,
                comment=sources.comment((*path, _ENUM_VALUE, i)),
                deprecated=v.options.deprecated,
            )
            for i, v in enumerate(proto.value)
        )
        self.enums[full_name] = Enum(
            full_name=full_name,
            name=proto.name,
            file=sources.file,
            values=values,
            comment=sources.comment(path),
            deprecated=proto.options.deprecated,
        )
        return full_name

    def build_messages(self) -> None:
        # Map entries are all indexed before any field is built, so map fields resolve everywhere.
        for full_name, proto, sources, path in self._pending:
            real_oneofs = [o.name for o in proto.oneof_decl]
            fields = tuple(
                self._field(full_name, f, sources, (*path, _MESSAGE_FIELD, i), real_oneofs)
                for i, f in enumerate(proto.field)
            )
            oneofs = tuple(
                Oneof(
                    name=name,
                    field_names=tuple(f.name for f in fields if f.oneof == name),
                    comment=sources.comment((*path, 8, i)),
                )
                for i, name in enumerate(real_oneofs)
                if any(f.oneof == name for f in fields)
            )
            self.messages[full_name] = Message(
                full_name=full_name,
                name=proto.name,
                file=sources.file,
                fields=fields,
                oneofs=oneofs,
                comment=sources.comment(path),
                deprecated=proto.options.deprecated,
            )

    def _field(self, message_name, proto: FieldProto, sources, path, oneof_names) -> Field:
        type_name = proto.type_name.lstrip(".")
        repeated = proto.label == FieldProto.LABEL_REPEATED
        map_key = map_value = None
        if proto.type in (FieldProto.TYPE_MESSAGE, FieldProto.TYPE_GROUP):
            kind = "message"
            entry = self._map_entries.get(type_name)
            if entry is not None:
                kind, repeated, type_name = "map", False, ""
                key_proto, value_proto = entry.field[0], entry.field[1]
                map_key = self._plain_field(key_proto, sources.file)
                map_value = self._plain_field(value_proto, sources.file)
        elif proto.type == FieldProto.TYPE_ENUM:
            kind = "enum"
        else:
            kind = FieldProto.Type.Name(proto.type)[len("TYPE_"):].lower()
            type_name = ""
        oneof = ""
        if proto.HasField("oneof_index") and not proto.proto3_optional:
            oneof = oneof_names[proto.oneof_index]
        location = sources.location(path)
        examples = self.options.extension(proto.options, ann.FIELD_EXAMPLES)
        query = self.options.extension(proto.options, ann.FIELD_QUERY)
        return Field(
            name=proto.name,
            json_name=proto.json_name or json_name_of(proto.name),
            number=proto.number,
            type=kind,
            type_name=type_name,
            repeated=repeated,
            optional=proto.proto3_optional,
            oneof=oneof,
            comment=sources.comment(path),
            deprecated=proto.options.deprecated,
            examples=tuple(examples.values) if examples is not None else (),
            query_name=(query.name or proto.name) if query is not None else "",
            query_required=bool(query.required) if query is not None else False,
            map_key=map_key,
            map_value=map_value,
            location=location,
        )

    def _plain_field(self, proto: FieldProto, file: str) -> Field:
        """A map key or value: a type, nothing else."""
        if proto.type in (FieldProto.TYPE_MESSAGE, FieldProto.TYPE_GROUP):
            kind, type_name = "message", proto.type_name.lstrip(".")
        elif proto.type == FieldProto.TYPE_ENUM:
            kind, type_name = "enum", proto.type_name.lstrip(".")
        else:
            kind, type_name = FieldProto.Type.Name(proto.type)[len("TYPE_"):].lower(), ""
        return Field(
            name=proto.name,
            json_name=proto.json_name or json_name_of(proto.name),
            number=proto.number,
            type=kind,
            type_name=type_name,
            repeated=False,
            optional=False,
            oneof="",
            comment="",
            deprecated=False,
            examples=(),
            query_name="",
            query_required=False,
            location=Location(file),
        )

    # Services ------------------------------------------------------------------------------------

    def services(self, proto: descriptor_pb2.FileDescriptorProto) -> Tuple[Service, ...]:
        sources = self.sources(proto)
        services = []
        for si, service in enumerate(proto.service):
            path = (_FILE_SERVICE, si)
            full_name = f"{proto.package}.{service.name}" if proto.package else service.name
            subject = f"service {full_name}"
            config = self.options.extension(service.options, ann.SERVICE_CONFIG)
            base_path = config.base_path if config is not None else ""
            base_location = sources.location(
                (*path, _SERVICE_OPTIONS, ann.EXTENSION_NUMBERS[ann.SERVICE_CONFIG]), path
            )
            if "{" in base_path or "}" in base_path:
                self.problem(
                    base_location,
                    subject,
                    f"base_path {base_path!r} contains a path variable; a base path is a fixed prefix.",
                    "move the variable into each method's (sebuf.http.config).path.",
                )
            else:
                self._literal_segments(base_path, base_location, subject, "base_path")
            service_headers = self._headers(
                self.options.extension(service.options, ann.SERVICE_HEADERS),
                sources.location((*path, _SERVICE_OPTIONS, ann.EXTENSION_NUMBERS[ann.SERVICE_HEADERS]), path),
                subject,
            )
            default_base = base_path
            if not base_path.strip("/") and self.generator_options.default_path_style == "sebuf":
                default_base = "/" + _go_package_name(proto, self.generator_options)
            methods = tuple(
                self._method(
                    service.name, full_name, base_path, default_base, service_headers, m, sources,
                    (*path, _SERVICE_METHOD, mi),
                )
                for mi, m in enumerate(service.method)
            )
            services.append(
                Service(
                    name=service.name,
                    full_name=full_name,
                    package=proto.package,
                    file=proto.name,
                    base_path=base_path,
                    methods=tuple(m for m in methods if m is not None),
                    comment=sources.comment(path),
                    deprecated=service.options.deprecated,
                )
            )
        return tuple(services)

    def _method(
        self, service_name, service_full_name, base_path, default_base, service_headers, proto, sources, path
    ) -> Optional[Method]:
        subject = f"method {service_full_name}.{proto.name}"
        location = sources.location(path)
        config_location = sources.location(
            (*path, _METHOD_OPTIONS, ann.EXTENSION_NUMBERS[ann.METHOD_CONFIG]), path
        )
        if proto.client_streaming:
            kind = "bidirectional-streaming" if proto.server_streaming else "client-streaming"
            self.problem(
                location,
                subject,
                f"{kind} RPCs cannot be served over HTTP: a request is one message.",
                "take a single request message (`rpc M(Req) returns (stream Res)` streams the response as SSE).",
            )
            return None
        request = self.messages[proto.input_type.lstrip(".")]
        response = self.messages[proto.output_type.lstrip(".")]
        config = self.options.extension(proto.options, ann.METHOD_CONFIG)
        verb = "POST"
        path_text = ""
        stream_option = False
        if config is not None:
            path_text = config.path
            stream_option = config.stream
            if config.method not in ann.HTTP_METHOD_NAMES:
                self.problem(
                    config_location,
                    subject,
                    f"unknown HTTP method number {config.method}.",
                    "use one of HTTP_METHOD_GET, HTTP_METHOD_POST, HTTP_METHOD_PUT, HTTP_METHOD_DELETE, HTTP_METHOD_PATCH.",
                )
            verb = ann.HTTP_METHOD_NAMES.get(config.method, "POST")
        if not path_text:
            # Without config.path the method's name is the last segment, joined to default_base
            # (the base path, or sebuf's `/<go package name>` without one).
            base_path = default_base
            style = self.generator_options.default_path_style
            path_text = "/" + (sebuf_snake_case(proto.name) if style == "sebuf" else snake_case(proto.name))
        route = self._route(subject, verb, base_path, path_text, request, config_location)
        method_headers = self._headers(
            self.options.extension(proto.options, ann.METHOD_HEADERS),
            sources.location((*path, _METHOD_OPTIONS, ann.EXTENSION_NUMBERS[ann.METHOD_HEADERS]), path),
            subject,
        )
        merged = {h.name.lower(): h for h in service_headers}
        merged.update({h.name.lower(): h for h in method_headers})
        return Method(
            name=proto.name,
            full_name=f"{service_full_name}.{proto.name}",
            service_name=service_name,
            request=request,
            response=response,
            streaming=bool(stream_option or proto.server_streaming),
            route=route,
            headers=tuple(merged[k] for k in sorted(merged)),
            comment=sources.comment(path),
            deprecated=proto.options.deprecated,
            location=location,
        )

    def _literal_segments(self, text: str, location: Location, subject: str, what: str) -> None:
        for segment in text.split("/"):
            if segment and not _LITERAL_SEGMENT.match(segment):
                self.problem(
                    location,
                    subject,
                    f"{what} segment {segment!r} has characters that are not allowed in a URL path.",
                    "use letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @, or percent-encode the rest.",
                )

    def _route(self, subject, verb, base_path, path_text, request: Message, location) -> Route:
        segments: List[PathSegment] = []
        for segment in [s for s in base_path.split("/") if s]:
            segments.append(PathSegment(segment, False))
        variables: List[str] = []
        for segment in [s for s in path_text.split("/") if s]:
            match = _VARIABLE_SEGMENT.match(segment)
            if match:
                name = match.group(1)
                if name in variables:
                    self.problem(
                        location, subject, f"path {path_text!r} uses the variable {{{name}}} twice.",
                        "bind each request field to at most one path segment.",
                    )
                variables.append(name)
                segments.append(PathSegment(name, True))
            elif "{" in segment or "}" in segment:
                self.problem(
                    location,
                    subject,
                    f"path {path_text!r} has a malformed variable in segment {segment!r}.",
                    "a variable is a whole segment of the form {field_name}, e.g. /items/{item_id}.",
                )
            else:
                self._literal_segments(segment, location, subject, "path")
                segments.append(PathSegment(segment, False))
        full_path = "/" + "/".join("{%s}" % s.text if s.is_variable else s.text for s in segments)

        path_params = []
        for name in dict.fromkeys(variables):
            f = request.field_named(name)
            if f is None:
                names = ", ".join(x.name for x in request.fields) or "(none)"
                self.problem(
                    location,
                    subject,
                    f"path variable {{{name}}} does not name a field of {request.full_name} (fields: {names}).",
                    f"rename the variable to a field of {request.name}, or add a field `{name}` to it.",
                )
            elif not self._url_bindable(f, subject, location, f"path variable {{{name}}}", allow_repeated=False):
                pass
            else:
                path_params.append(PathParam(name, f))

        query_params = []
        query_names: Dict[str, Field] = {}
        for f in request.fields:
            if not f.query_name:
                continue
            if f.name in variables:
                self.problem(
                    f.location,
                    f"{subject}, field {request.full_name}.{f.name}",
                    f"the field is both the path variable {{{f.name}}} and the query parameter {f.query_name!r}.",
                    "remove the (sebuf.http.query) option or the path variable: a value has one place in the URL.",
                )
                continue
            if f.query_name in query_names:
                self.problem(
                    f.location,
                    f"{subject}, field {request.full_name}.{f.name}",
                    f"query parameter {f.query_name!r} is already bound to field {query_names[f.query_name].name}.",
                    "give each field its own (sebuf.http.query).name.",
                )
                continue
            if self._url_bindable(f, f"{subject}, field {request.full_name}.{f.name}", f.location,
                                  f"query parameter {f.query_name!r}", allow_repeated=True):
                query_names[f.query_name] = f
                query_params.append(QueryParam(f.query_name, f, f.query_required))

        has_body = verb in VERBS_WITH_BODY
        if not has_body:
            bound = set(variables) | {q.field.name for q in query_params}
            for f in request.fields:
                # A field with a query option that failed its own checks was reported there already.
                if f.name not in bound and not f.query_name:
                    self.problem(
                        f.location,
                        f"{subject}, field {request.full_name}.{f.name}",
                        f"{verb} requests carry no body, and this field is bound neither to the path nor to a "
                        "query parameter.",
                        "bind it with a {%s} path variable or `[(sebuf.http.query) = {}]`, or use POST, PUT or "
                        "PATCH to send it in the body." % f.name,
                    )
        return Route(
            verb=verb,
            path=full_path,
            segments=tuple(segments),
            path_params=tuple(path_params),
            query_params=tuple(query_params),
            has_body=has_body,
            location=location,
        )

    def _url_bindable(self, f: Field, subject: str, location: Location, what: str, allow_repeated: bool) -> bool:
        if f.is_message or f.is_map:
            kind = "a map" if f.is_map else f"a message ({f.type_name})"
            self.problem(
                location, subject, f"{what} is bound to field `{f.name}`, which is {kind}.",
                "URL values can only be scalars or enums: bind a scalar field, or send this field in a body "
                "(POST, PUT or PATCH).",
            )
            return False
        if f.type == "bytes":
            self.problem(
                location, subject, f"{what} is bound to field `{f.name}`, which is bytes.",
                "bind a string field instead, or send the bytes in a body (POST, PUT or PATCH).",
            )
            return False
        if f.repeated and not allow_repeated:
            self.problem(
                location, subject, f"{what} is bound to the repeated field `{f.name}`.",
                "a path segment holds one value: bind a singular field, or make it a repeated query parameter.",
            )
            return False
        return True

    def _headers(self, value, location: Location, subject: str) -> Tuple[Header, ...]:
        if value is None:
            return ()
        headers: Dict[str, Header] = {}
        for h in value.required_headers:
            kind = h.type or "string"
            if not h.name:
                self.problem(location, subject, "a header spec has an empty name.", "set `name`, e.g. \"X-Request-ID\".")
                continue
            if not _HEADER_TOKEN.match(h.name):
                self.problem(
                    location, subject, f"header name {h.name!r} is not a valid HTTP header name.",
                    "use letters, digits and - (RFC 9110 token characters).",
                )
                continue
            if kind not in HEADER_TYPES:
                self.problem(
                    location, subject, f"header {h.name!r} has type {h.type!r}.",
                    f"use one of {', '.join(HEADER_TYPES)} (empty means string).",
                )
                continue
            if h.name.lower() in headers:
                self.problem(
                    location, subject, f"header {h.name!r} is specified twice.",
                    "keep one spec per header name (names are case-insensitive).",
                )
                continue
            headers[h.name.lower()] = Header(
                name=h.name,
                description=h.description,
                type=kind,
                required=h.required,
                format=h.format,
                example=h.example,
                deprecated=h.deprecated,
            )
        return tuple(headers.values())

    def check_routes(self, services: Iterable[Service]) -> None:
        """Two methods of one service never match the same request. Methods of two services of one
        run that do are a warning: the services clash only when served on one mux or router, where
        registering the second one fails."""
        methods = [(s, m) for s in services for m in s.methods]
        for i, j, overlap in route_conflicts([m.route for _, m in methods]):
            (service_a, a), (service_b, b) = methods[i], methods[j]
            if overlap == "duplicate":
                message = f"{b.route.verb} {b.route.path} is also the route of {a.full_name} ({a.route.location})."
            else:
                message = (
                    f"{b.route.verb} {b.route.path} and {a.full_name}'s {a.route.path} ({a.route.location}) can match "
                    "the same request, and neither is more specific."
                )
            if service_a.full_name == service_b.full_name:
                self.problem(
                    b.route.location, f"method {b.full_name}", message,
                    "give one of the methods a different path or verb.",
                )
            else:
                self.warnings.append(Problem(
                    b.route.location, f"method {b.full_name}", message,
                    "serve the two services on different muxes or routers (or under different prefixes), or give "
                    "one of the methods a different path or verb.",
                    severity="warning",
                ))


class _RouteNode:
    """A trie of route segments: literal texts, and None for a variable."""

    def __init__(self) -> None:
        self.children: Dict[Optional[str], "_RouteNode"] = {}
        self.routes: List[int] = []  # indexes of the routes that end here


def route_conflicts(routes: Sequence[Route]) -> List[Tuple[int, int, str]]:
    """(i, j, "duplicate" or "ambiguous") for every pair i < j of routes that can match one request,
    in (i, j) order: the pairs _overlap finds among all pairs, found without comparing all pairs.

    Routes are indexed by verb and segment count in a trie, so each route is compared only with
    those whose every segment is the same literal or a variable on one side.
    """
    tries: Dict[Tuple[str, int], _RouteNode] = {}
    for index, route in enumerate(routes):
        node = tries.setdefault((route.verb, len(route.segments)), _RouteNode())
        for segment in route.segments:
            node = node.children.setdefault(None if segment.is_variable else segment.text, _RouteNode())
        node.routes.append(index)
    conflicts = []
    for i, route in enumerate(routes):
        candidates: List[int] = []
        pending = [(tries[(route.verb, len(route.segments))], 0)]
        while pending:
            node, depth = pending.pop()
            if depth == len(route.segments):
                candidates.extend(j for j in node.routes if j > i)
                continue
            segment = route.segments[depth]
            if segment.is_variable:
                pending.extend((child, depth + 1) for child in node.children.values())
            else:
                pending.extend(
                    (child, depth + 1) for child in (node.children.get(segment.text), node.children.get(None)) if child
                )
        for j in sorted(candidates):
            overlap = _overlap(route, routes[j])
            if overlap is not None:
                conflicts.append((i, j, overlap))
    return conflicts


def _overlap(a: Route, b: Route) -> Optional[str]:
    """"duplicate", "ambiguous" or None, with the specificity rule of Go's http.ServeMux."""
    if a.verb != b.verb or len(a.segments) != len(b.segments):
        return None
    a_more_specific = b_more_specific = False
    for sa, sb in zip(a.segments, b.segments):
        if not sa.is_variable and not sb.is_variable:
            if sa.text != sb.text:
                return None
        elif not sa.is_variable:
            a_more_specific = True
        elif not sb.is_variable:
            b_more_specific = True
    if a_more_specific and b_more_specific:
        return "ambiguous"
    if not a_more_specific and not b_more_specific:
        return "duplicate"
    return None


def build_model(
    protos: Sequence[descriptor_pb2.FileDescriptorProto],
    files_to_generate: Sequence[str],
    options: Options = Options(),
) -> Model:
    """The model of `files_to_generate`; `protos` holds them and all their imports, imports first.

    Raises GenerationError listing every annotation problem found.
    """
    problems = encoding_problems(protos)
    if problems:
        raise GenerationError(problems)
    builder = _Builder(protos, options)
    declared = {p.name: builder.index_file(p) for p in protos}
    builder.build_messages()
    json_mapping, json_problems = build_mapping(
        protos, builder.options, {p.name: builder.sources(p) for p in protos}, builder.messages, builder.enums
    )
    validation, validation_problems = build_validation(
        protos, builder.options, {p.name: builder.sources(p) for p in protos}, builder.messages, json_mapping.mapped
    )
    builder.problems.extend(validation_problems)
    generate = set(files_to_generate)
    for problem in json_problems:
        if problem.severity == "error":
            builder.problems.append(problem)
        elif problem.location.file in generate:  # an imported file's warnings are its own build's
            builder.warnings.append(problem)
    all_files = {}
    for proto in protos:
        message_names, enum_names = declared[proto.name]
        all_files[proto.name] = ProtoFile(
            name=proto.name,
            package=proto.package,
            go_package=_go_package(proto, options),
            options_location=builder.sources(proto).location((_FILE_OPTIONS, _GO_PACKAGE_OPTION), (_FILE_PACKAGE,)),
            services=builder.services(proto) if proto.name in generate else (),
            message_names=tuple(message_names),
            enum_names=tuple(enum_names),
        )
    files = [all_files[name] for name in files_to_generate]
    builder.check_routes(s for f in files for s in f.services)
    if builder.problems:
        raise GenerationError(builder.problems)
    warnings = tuple(sorted(builder.warnings, key=lambda p: (p.location.sort_key(), p.subject)))
    return Model(
        files=tuple(files),
        all_files=all_files,
        messages=builder.messages,
        enums=builder.enums,
        warnings=warnings,
        json=json_mapping,
        validation=validation,
    )
