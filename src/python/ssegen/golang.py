"""Go renderer: an HTTP server and client package next to protoc-gen-go's messages.

The services of each Go package (`option go_package = "example.com/x/marketv1;marketv1"`) get a
package of their own in a subdirectory of their protos' directory, named after the messages'
package plus "http" (`market/v1/marketv1http/`, imported as `example.com/x/marketv1/marketv1http`).
It imports the messages' packages and holds:

- `ssegen_errors.go`: the error types, byte-identical in the server and client outputs;
- `ssegen_server.go` / `ssegen_client.go`: the runtime, generic over request and response types;
- `ssegen_validate.go`, only when requests have `buf.validate` rules: their check with
  protovalidate, byte-identical in both outputs (the only file importing protovalidate);
- `<proto base name>_server.ssegen.go` / `_client.ssegen.go`: per proto file, its services' thin
  bindings, which hand the runtime each method's route as the model decided it.
"""
from __future__ import annotations

import functools
import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from ssegen.errors import GenerationError, Location, Problem
from ssegen.golayout import GO_KEYWORDS, GoPackage, parse_go_package
from ssegen.jsonmapping import JsonField, JsonMessage
from ssegen.model import SSE_END_EVENT, SSE_ERROR_EVENT, Header, Method, Model, ProtoFile, Route, Service
from ssegen.options import Options
from ssegen.render import render_template
from ssegen.version import GENERATED_NOTICE

ERRORS_FILE = "ssegen_errors.go"
SERVER_RUNTIME_FILE = "ssegen_server.go"
CLIENT_RUNTIME_FILE = "ssegen_client.go"
JSON_FILE = "ssegen_json.go"
VALIDATE_FILE = "ssegen_validate.go"

GO_PREDECLARED = frozenset(
    "any append bool byte cap clear close comparable complex complex128 complex64 copy delete error false "
    "float32 float64 imag int int16 int32 int64 int8 iota len max min new nil panic print println real "
    "recover rune string true uint uint16 uint32 uint64 uint8 uintptr".split()
)
# Names the per-file code uses besides its imports: parameters, locals and the one standard package.
_LOCAL_NAMES = frozenset(
    ("c", "cfg", "ctx", "context", "err", "http", "mux", "opts", "r", "req", "res", "server", "stream", "value")
)

_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates", "go")
_TOP_LEVEL = re.compile(r"^(?:func|type|var|const) ([A-Za-z_]\w*)")
_BLOCK_START = re.compile(r"^(?:var|const) \($")
_BLOCK_ENTRY = re.compile(r"^\t([A-Za-z_]\w*)\b")


def _declared_names(template: str) -> Tuple[str, ...]:
    """Package-level identifiers a runtime template declares (methods excluded)."""
    names = []
    in_block = False
    with open(os.path.join(_TEMPLATES, template), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            match = (_BLOCK_ENTRY if in_block else _TOP_LEVEL).match(line)
            if match:
                names.append(match.group(1))
            in_block = line != ")" if in_block else bool(_BLOCK_START.match(line))
    return tuple(names)


@functools.lru_cache(maxsize=None)
def runtime_names() -> FrozenSet[str]:
    """What the runtime declares, read from its templates, so generated names are checked against
    the real thing."""
    return frozenset(
        name
        for t in ("errors.go.mako", "server.go.mako", "client.go.mako", "json.go.mako", "validate.go.mako")
        for name in _declared_names(t)
    )


# Names ------------------------------------------------------------------------------------------


def go_camel_case(name: str) -> str:
    """protoc-gen-go's GoCamelCase: the Go name of a message ("Outer.Inner" -> "Outer_Inner"),
    service or method."""
    out = []
    i = 0
    while i < len(name):
        c = name[i]
        following = name[i + 1] if i + 1 < len(name) else ""
        if c == "." and following.islower() and following.isascii():
            pass
        elif c == ".":
            out.append("_")
        elif c == "_" and (i == 0 or name[i - 1] == "."):
            out.append("X")
        elif c == "_" and following.islower() and following.isascii():
            pass
        elif c.isdigit() and c.isascii():
            out.append(c)
        else:
            out.append(c.upper() if c.isascii() and c.islower() else c)
            while i + 1 < len(name) and name[i + 1].isascii() and name[i + 1].islower():
                i += 1
                out.append(name[i])
        i += 1
    return "".join(out)


def header_option_suffix(header: str) -> str:
    """The Go name of a header's call option: X-API-Key -> APIKey, X-Request-ID -> RequestID."""
    if header[:2].lower() == "x-" and len(header) > 2:
        header = header[2:]
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", header))


def go_quote(text: str) -> str:
    """A Go interpreted string literal."""
    out = ['"']
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif unicodedata.category(c)[0] in "CZ" and c != " ":
            out.append("\\u%04x" % ord(c) if ord(c) <= 0xFFFF else "\\U%08x" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def doc_comment(paragraphs: Iterable[str], indent: str = "") -> str:
    """Comment lines that gofmt leaves as they are.

    gofmt reformats doc comments with go/doc/comment; this text is a fixed point of it. Lines are
    unindented (so nothing becomes a code block or a list), blank-line runs collapse, paragraphs
    that consist of link definitions join the previous paragraph (gofmt would move them to the end),
    and one-line paragraphs that gofmt reads as headings are written as "# Heading", as gofmt does.
    The first paragraph is ours, never a heading.
    """
    blocks: List[List[str]] = []
    for text in paragraphs:
        current: List[str] = []
        for raw in text.split("\n"):
            line = "".join(c for c in raw if c not in "\x00\ufeff").strip()
            if line:
                current.append(line)
            elif current:
                blocks.append(current)
                current = []
        if current:
            blocks.append(current)
    merged: List[List[str]] = []
    for block in blocks:
        if merged and all(line.startswith("[") and "]:" in line for line in block):
            merged[-1].extend(block)
        else:
            merged.append(block)
    lines: List[str] = []
    for i, block in enumerate(merged):
        if i:
            lines.append("")
        if len(block) == 1 and _is_heading(block[0]):
            lines.append("# " + block[0][1:].strip())
        elif len(block) == 1 and 0 < i < len(merged) - 1 and _is_old_heading(block[0]):
            lines.append("# " + block[0])
        else:
            lines.extend(block)
    return "\n".join(indent + ("// " + line if line else "//") for line in lines)


def _is_heading(line: str) -> bool:
    return len(line) >= 2 and line[0] == "#" and line[1] in " \t" and line.strip() != "#"


def _is_old_heading(line: str) -> bool:
    """go/doc/comment's old-style heading test for a lone line between two paragraphs."""
    if not (line[0].isalpha() and line[0].isupper()) or not (line[-1].isalpha() or line[-1].isdigit()):
        return False
    if any(c in line for c in ";:!?+*/=[]{}_^°&§~%#@<\">\\"):
        return False
    for rest in line.split("'")[1:]:
        if rest != "s" and not rest.startswith("s "):
            return False
    for rest in line.split(".")[1:]:
        if rest == "" or rest.startswith(" "):
            return False
    return True


# Layout -----------------------------------------------------------------------------------------


@dataclass
class _OutputPackage:
    messages: GoPackage  # protoc-gen-go's package of the protos
    directory: str  # of the protos
    files: List[ProtoFile]  # the files with services, by name
    aliases: Dict[str, str]  # import path -> the name it is imported as

    @property
    def name(self) -> str:
        return self.messages.http_name

    @property
    def out_dir(self) -> str:
        return posixpath.join(self.directory, self.name)

    @property
    def services(self) -> Tuple[Service, ...]:
        return tuple(s for f in self.files for s in f.services)

    def validates(self, model: Model) -> bool:
        """Whether its requests are checked with protovalidate: some request type has buf.validate
        rules, or reaches a message with some."""
        return any(model.validation.uses_protovalidate(m.request.full_name) for s in self.services for m in s.methods)


def _go_package_problem(file: ProtoFile, why: str) -> Problem:
    return Problem(
        file.options_location,
        f"file {file.name}",
        f"{why}; the Go code imports the messages' Go package, which this option names.",
        'add `option go_package = "<import path>;<package name>";` (e.g. '
        '"example.com/project/gen/market/v1;marketv1"), or set `go_package_prefix` (buf managed mode: the '
        'prefix plus the file\'s directory) or `go_package_overrides` on the sse_proto_library (protoc '
        'parameters go_package_prefix=... and M<file>=...); or leave go_server and go_client out of its `outputs`.',
    )


def _plan(model: Model) -> List[_OutputPackage]:
    """The output packages, checked: every message they use has a Go package, each Go package of
    the run lives in one directory, and each gets an output directory of its own."""
    problems: List[Problem] = []
    first_files: Dict[str, Tuple[ProtoFile, GoPackage]] = {}  # by Go import path
    packages: Dict[str, _OutputPackage] = {}
    for file in model.files:
        go_package = parse_go_package(file.go_package)
        if go_package is None:
            if file.services:
                problems.append(_go_package_problem(file, "the file has services but no go_package option"))
            continue
        first, first_package = first_files.setdefault(go_package.import_path, (file, go_package))
        directory = posixpath.dirname(file.name)
        if posixpath.dirname(first.name) != directory:
            problems.append(Problem(
                file.options_location,
                f"file {file.name}",
                f"its go_package {go_package.import_path} is also the package of {first.name}, in another "
                "directory; a Go package is one directory.",
                "move the files of one go_package into one directory, or give them different go_package options.",
            ))
        elif first_package != go_package:
            problems.append(Problem(
                file.options_location,
                f"file {file.name}",
                f"its go_package names the package {go_package.name}, while {first.name} names "
                f"{go_package.import_path} {first_package.name}.",
                "use one package name in the go_package options of one import path.",
            ))
        elif file.services:
            package = packages.setdefault(go_package.import_path, _OutputPackage(go_package, directory, [], {}))
            package.files.append(file)
    by_dir: Dict[str, _OutputPackage] = {}
    for package in packages.values():
        other = by_dir.setdefault(package.out_dir, package)
        if other is not package:
            problems.append(Problem(
                package.files[0].options_location,
                f"file {package.files[0].name}",
                f"the Go packages {other.messages.import_path} and {package.messages.import_path} would both be "
                f"generated into {package.out_dir}.",
                "give the packages different names in their go_package options.",
            ))
    for package in by_dir.values():
        package.files.sort(key=lambda f: f.name)
        problems.extend(_assign_aliases(model, package))
        problems.extend(_check_names(package))
    if problems:
        raise GenerationError(problems)
    return sorted(by_dir.values(), key=lambda p: p.out_dir)


def _message_package(model: Model, full_name: str) -> Optional[GoPackage]:
    return parse_go_package(model.all_files[model.messages[full_name].file].go_package)


def _assign_aliases(model: Model, package: _OutputPackage) -> List[Problem]:
    """Imports the messages' packages under their names; a name already taken (by another import,
    a declaration of the package, a parameter or a predeclared name) gets a number, in import path
    order, as protoc-gen-go does."""
    problems: Dict[str, Problem] = {}  # one per file without a go_package
    imports: Dict[str, GoPackage] = {}
    for method in (m for s in package.services for m in s.methods):
        for message in (method.request, method.response):
            go_package = _message_package(model, message.full_name)
            if go_package is not None:
                imports[go_package.import_path] = go_package
            elif message.file not in problems:
                problems[message.file] = _go_package_problem(
                    model.all_files[message.file],
                    f"the message {message.full_name} is used by {method.full_name} but its file has no go_package "
                    "option",
                )
    taken = {n for s in package.services for n in _declared_by(s)}
    taken |= runtime_names() | GO_KEYWORDS | GO_PREDECLARED | _LOCAL_NAMES
    for import_path in sorted(imports):
        base = imports[import_path].name
        alias, n = base, 0
        while alias in taken:
            n += 1
            alias = f"{base}{n}"
        taken.add(alias)
        package.aliases[import_path] = alias
    return list(problems.values())


def _header_options(service: Service) -> List[Tuple[str, Header]]:
    """The typed call options of a service's headers: (Go name, header), one per header name."""
    headers: Dict[str, Header] = {}
    for method in service.methods:
        for h in method.headers:
            headers.setdefault(h.name.lower(), h)
    return [(f"With{go_camel_case(service.name)}{header_option_suffix(h.name)}", h)
            for _, h in sorted(headers.items())]


def _declared_by(service: Service) -> List[str]:
    """The package-level names a service's server and client code declare."""
    name = go_camel_case(service.name)
    names = [f"{name}Server", f"Register{name}Server", f"{name}Client", f"New{name}Client"]
    return names + [option for option, _ in _header_options(service)]


def _check_names(package: _OutputPackage) -> List[Problem]:
    """Declarations of the package must be unique, also when several files and services meet."""
    problems = []
    owners: Dict[str, str] = {}
    for service in package.services:
        subject = f"service {service.full_name}"
        for name in dict.fromkeys(_declared_by(service)):
            clash = owners.get(name) or ("the ssegen runtime" if name in runtime_names() else None)
            if clash:
                problems.append(Problem(
                    Location(service.file),
                    subject,
                    f"its Go code declares {name} in package {package.name}, as does {clash}.",
                    "rename the service, or a header of it (header call options are named after the header).",
                ))
            owners.setdefault(name, subject)
        methods: Dict[str, Method] = {}
        for method in service.methods:
            other = methods.setdefault(go_camel_case(method.name), method)
            if other is not method:
                problems.append(Problem(
                    method.location,
                    f"method {method.full_name}",
                    f"its Go name {go_camel_case(method.name)} is also the Go name of {other.full_name}.",
                    "rename one of the methods.",
                ))
    return problems


# Rendering --------------------------------------------------------------------------------------


class _View:
    """Attribute access for template data."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


def _header(sources: Sequence[str]) -> str:
    return "\n".join([GENERATED_NOTICE] + [f"// source: {name}" for name in sources])


def _message_type(model: Model, package: _OutputPackage, full_name: str) -> str:
    message = model.messages[full_name]
    go_package = _message_package(model, full_name)
    assert go_package is not None  # checked by _plan
    proto_package = model.all_files[message.file].package
    relative = full_name[len(proto_package) + 1:] if proto_package else full_name
    return f"{package.aliases[go_package.import_path]}.{go_camel_case(relative)}"


def _imports(model: Model, package: _OutputPackage, file: ProtoFile, server: bool) -> str:
    methods = [m for s in file.services for m in s.methods]
    if not methods:
        return ""
    used = {_message_package(model, msg.full_name) for m in methods for msg in (m.request, m.response)}
    # The server file's New<Service>Handler returns an http.Handler.
    lines = ["import (", '\t"context"'] + (['\t"net/http"'] if server else []) + [""]
    lines += [f'\t{package.aliases[p.import_path]} "{p.import_path}"'
              for p in sorted((p for p in used if p is not None), key=lambda p: p.import_path)]
    return "\n".join(lines + [")"])


def _literal(type_name: str, fields: Sequence[Tuple[str, str]]) -> str:
    """A one-line Go composite literal of the fields that are set."""
    return type_name + "{" + ", ".join(f"{k}: {v}" for k, v in fields if v) + "}"


def _strings(values: Sequence[str]) -> str:
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}" if values else ""


def _server_route(method: Method) -> str:
    route = method.route
    query = ", ".join(
        _literal("", [("name", go_quote(q.name)), ("field", go_quote(q.field.name)),
                      ("required", "true" if q.required else "")])
        for q in route.query_params
    )
    headers = ", ".join(
        _literal("", [("name", go_quote(h.name)), ("kind", go_quote(h.type)),
                      ("format", go_quote(h.format) if h.format else ""), ("required", "true" if h.required else "")])
        for h in method.headers
    )
    return "&" + _literal("serverRoute", [
        ("pattern", go_quote(f"{route.verb} {_mux_path(route)}")),
        ("method", go_quote(method.full_name)),
        ("hasBody", "true" if route.has_body else ""),
        ("pathParams", _strings([p.name for p in route.path_params])),
        ("query", f"[]queryParam{{{query}}}" if query else ""),
        ("headers", f"[]headerSpec{{{headers}}}" if headers else ""),
    ])


def _mux_path(route: Route) -> str:
    # A pattern ending in "/" matches every path below it; "{$}" anchors the root.
    return "/{$}" if route.path == "/" else route.path


def _client_route(method: Method) -> str:
    route = method.route
    query = ", ".join(
        _literal("", [
            ("name", go_quote(q.name)),
            ("field", go_quote(q.field.name)),
            ("required", "true" if q.required else ""),
        ])
        for q in route.query_params
    )
    return "&" + _literal("clientRoute", [
        ("method", go_quote(method.full_name)),
        ("verb", go_quote(route.verb)),
        ("path", go_quote(route.path)),
        ("hasBody", "true" if route.has_body else ""),
        ("query", f"[]clientQueryParam{{{query}}}" if query else ""),
    ])


def _deprecation(deprecated: bool, what: str) -> str:
    return f"Deprecated: {what} is deprecated in its proto file." if deprecated else ""


def _method_view(model: Model, package: _OutputPackage, method: Method, server: bool) -> _View:
    name = go_camel_case(method.name)
    route = method.route
    verb_path = f"{route.verb} {route.path}"
    response = method.response.name
    if server:
        summary = (f"{name} serves {verb_path} as a stream of Server-Sent Events, one {response} per event."
                   if method.streaming else f"{name} serves {verb_path}.")
    else:
        summary = (f"{name} calls {verb_path} and returns its stream of {response} events."
                   if method.streaming else f"{name} calls {verb_path}.")
    response_type = _message_type(model, package, method.response.full_name)
    return _View(
        go_name=name,
        streaming=method.streaming,
        request="*" + _message_type(model, package, method.request.full_name),
        response="*" + response_type,
        response_type=response_type,
        route=_server_route(method) if server else _client_route(method),
        doc=doc_comment([summary, method.comment, _deprecation(method.deprecated, method.full_name)],
                        indent="\t" if server else ""),
    )


def _service_view(model: Model, package: _OutputPackage, service: Service, server: bool) -> _View:
    name = go_camel_case(service.name)
    deprecation = _deprecation(service.deprecated, service.full_name)
    methods = [_method_view(model, package, m, server) for m in service.methods]
    if server:
        return _View(
            go_name=name,
            quoted_full_name=go_quote(service.full_name),
            methods=methods,
            doc=doc_comment([f"{name}Server is the server API of {service.full_name}; serve it with "
                             f"New{name}Handler or Register{name}Server.", service.comment, deprecation]),
            register_doc=doc_comment([f"Register{name}Server registers the routes of {service.full_name} on the "
                                      "ServeMux that WithMux names (there is no default mux). A route that "
                                      "conflicts with one already registered is an error, not a panic."]),
            handler_doc=doc_comment([f"New{name}Handler returns an http.Handler serving the routes of "
                                     f"{service.full_name}, to mount or wrap; other paths get a JSON 404 or "
                                     "405. It panics where Register" + name + "Server would return an error "
                                     "(a nil server, messages generated from other protos), as those are "
                                     "programming errors; WithMux is ignored."]),
        )
    return _View(
        go_name=name,
        methods=methods,
        doc=doc_comment([f"{name}Client calls {service.full_name} over HTTP.", service.comment, deprecation]),
        new_doc=doc_comment([f"New{name}Client returns a client of the {service.full_name} server at baseURL, "
                             'e.g. "https://api.example.com".']),
        header_options=[
            _View(
                go_name=option,
                quoted_header=go_quote(h.name),
                doc=doc_comment([f"{option} sets the {h.name} header of a call to {service.full_name}.",
                                 h.description, _deprecation(h.deprecated, f"The {h.name} header")]),
            )
            for option, h in _header_options(service)
        ],
    )


def _json_field_spec(jf: JsonField) -> str:
    return _literal("", [
        ("name", go_quote(jf.name)),
        ("int64Number", "true" if jf.int64_number else ""),
        ("enumNumber", "true" if jf.enum_number else ""),
        ("nullable", "true" if jf.nullable else ""),
        ("empty", go_quote(jf.empty) if jf.empty != "preserve" else ""),
        ("timestamp", go_quote(jf.timestamp) if jf.timestamp != "rfc3339" else ""),
        ("bytes", go_quote(jf.bytes) if jf.bytes != "base64" else ""),
        ("flatten", "true" if jf.flatten else ""),
        ("prefix", go_quote(jf.flatten_prefix) if jf.flatten_prefix else ""),
    ])


def _json_message_spec(jm: JsonMessage) -> List[str]:
    """The jsonMessages entry of a mapped message, as lines."""
    lines = [f"\t{go_quote(jm.full_name)}: {{"]
    # Unwrap is a property of the message; a field needs an entry for its other options only.
    fields = [jf for jf in jm.fields if jf.has_options and jf != JsonField(jf.name, jf.key, unwrap=True)]
    if fields:
        lines.append("\t\tfields: []jsonFieldSpec{")
        lines += [f"\t\t\t{_json_field_spec(jf)}," for jf in fields]
        lines.append("\t\t},")
    if jm.oneofs:
        lines.append("\t\toneofs: []jsonOneofSpec{")
        for o in jm.oneofs:
            lines.append("\t\t\t" + _literal("", [
                ("name", go_quote(o.name)),
                ("discriminator", go_quote(o.discriminator)),
                ("flatten", "true" if o.flatten else ""),
                ("values", _strings([v for v, _ in o.variants])),
                ("members", "[]protoreflect.Name{" + ", ".join(go_quote(n) for _, n in o.variants) + "}"),
            ]) + ",")
        lines.append("\t\t},")
    if jm.unwrap:
        lines.append("\t\tunwrap: true,")
    if len(lines) == 1:
        # Multi-line, so that gofmt does not align it with its neighbours.
        lines.append("\t\t// Its JSON differs from protojson's only in its fields' types.")
    return lines + ["\t},"]


def _json_tables(model: Model, package: _OutputPackage) -> Tuple[bool, List[str], List[str]]:
    """Whether the package needs the JSON codec, and its message and enum tables.

    The codec is needed for mapped messages, and for strict enum names wherever an enum is
    reachable; packages with neither keep protojson alone.
    """
    roots = tuple(msg.full_name for s in package.services for m in s.methods for msg in (m.request, m.response))
    messages, enums = model.reachable_types(roots)
    mapped = [model.json.messages[n] for n in messages if model.json.mapped(n)]
    custom = [model.json.enums[n] for n in enums if model.json.enum_custom(n)]
    message_lines = [line for jm in mapped for line in _json_message_spec(jm)]
    enum_lines = []
    for enum in custom:
        enum_lines.append(f"\t{go_quote(enum.full_name)}: {{")
        # Aligned as gofmt aligns short keys.
        width = max(len(str(v.number)) for v in enum.values) + 1
        enum_lines += [f"\t\t{(str(v.number) + ':').ljust(width)} {go_quote(v.json)}," for v in enum.values]
        enum_lines.append("\t},")
    return bool(mapped or enums), message_lines, enum_lines


def _render(model: Model, server: bool) -> Dict[str, str]:
    out: Dict[str, str] = {}
    runtime_file, runtime_template = (
        (SERVER_RUNTIME_FILE, "go/server.go.mako") if server else (CLIENT_RUNTIME_FILE, "go/client.go.mako")
    )
    suffix = "_server.ssegen.go" if server else "_client.ssegen.go"
    for package in _plan(model):
        header = _header([f.name for f in package.files])
        out[posixpath.join(package.out_dir, ERRORS_FILE)] = render_template(
            "go/errors.go.mako",
            header=header,
            package=package.name,
            pb_import_path=package.messages.import_path,
            error_event=go_quote(SSE_ERROR_EVENT),
            end_event=go_quote(SSE_END_EVENT),
        )
        # Only packages whose requests have buf.validate rules import protovalidate.
        validation = package.validates(model)
        if validation:
            out[posixpath.join(package.out_dir, VALIDATE_FILE)] = render_template(
                "go/validate.go.mako", header=header, package=package.name
            )
        out[posixpath.join(package.out_dir, runtime_file)] = render_template(
            runtime_template, header=header, package=package.name, validation=validation
        )
        codec, messages, enums = _json_tables(model, package)
        out[posixpath.join(package.out_dir, JSON_FILE)] = render_template(
            "go/json.go.mako", header=header, package=package.name, codec=codec, messages=messages, enums=enums
        )
        for file in package.files:
            base = posixpath.basename(file.name)
            base = base[: -len(".proto")] if base.endswith(".proto") else base
            out[posixpath.join(package.out_dir, base + suffix)] = render_template(
                "go/service_server.go.mako" if server else "go/service_client.go.mako",
                header=_header([file.name]),
                package=package.name,
                imports=_imports(model, package, file, server),
                services=[_service_view(model, package, s, server) for s in file.services],
            )
    return out


def render_server(model: Model, options: Options) -> Dict[str, str]:
    return _render(model, server=True)


def render_client(model: Model, options: Options) -> Dict[str, str]:
    return _render(model, server=False)
