"""TypeScript for the JSON mapping: wire types of mapped messages, and the decoder schemas.

The types of a mapped message say what its JSON carries (ssegen.jsonmapping decides it); every
message also gets a schema in `<file>.json.ts`, which the runtime `ssegen_json.ts` reads to check
and normalise a JSON value: the one decoder of the message, used by the client for responses and
events and by the server for request bodies.
"""
from __future__ import annotations

import posixpath
from typing import Dict, List, Optional, Set

from ssegen import typescript as ts
from ssegen.jsonmapping import JsonField, JsonOneof
from ssegen.model import INTEGER_64, Field, Model, ProtoFile
from ssegen.render import render_template

SCHEMA_SUFFIX = ".json"

TIMESTAMP = "google.protobuf.Timestamp"

# Well-known types as decoder types: their protojson forms.
_WELL_KNOWN_SCHEMAS: Dict[str, str] = {
    "google.protobuf.Any": '"object"',
    "google.protobuf.BoolValue": '"bool"',
    "google.protobuf.BytesValue": '{ bytes: "base64" }',
    "google.protobuf.DoubleValue": '"double"',
    "google.protobuf.Duration": '"duration"',
    "google.protobuf.Empty": '"object"',
    "google.protobuf.FieldMask": '"fieldmask"',
    "google.protobuf.FloatValue": '"float"',
    "google.protobuf.Int32Value": '"int32"',
    "google.protobuf.Int64Value": '"int64"',
    "google.protobuf.ListValue": '"json"',
    "google.protobuf.StringValue": '"string"',
    "google.protobuf.Struct": '"object"',
    "google.protobuf.Timestamp": '{ timestamp: "rfc3339" }',
    "google.protobuf.UInt32Value": '"uint32"',
    "google.protobuf.UInt64Value": '"uint64"',
    "google.protobuf.Value": '"json"',
}

_SCALAR_SCHEMAS: Dict[str, str] = {
    **{t: '"int32"' for t in ("int32", "sint32", "sfixed32")},
    **{t: '"uint32"' for t in ("uint32", "fixed32")},
    **{t: '"int64"' for t in ("int64", "sint64", "sfixed64")},
    **{t: '"uint64"' for t in ("uint64", "fixed64")},
    "double": '"double"',
    "float": '"float"',
    "bool": '"bool"',
    "string": '"string"',
}


def _map_key(f: Field) -> str:
    assert f.map_key is not None
    kind = f.map_key.type
    return {"bool": "bool", "string": "string"}.get(kind, _SCALAR_SCHEMAS.get(kind, '"string"').strip('"'))


# Types ---------------------------------------------------------------------------------------------


class WireTypes:
    """TypeScript type expressions of mapped messages' fields, on top of a module's `_Types`."""

    def __init__(self, model: Model, types) -> None:  # types: typescript._Types
        self.model = model
        self.types = types

    def element(self, f: Field, jf: JsonField) -> str:
        element = f.map_value if f.is_map else f
        assert element is not None
        if element.is_enum and jf.enum_number:
            return " | ".join(str(v.number) for v in self.model.enums[element.type_name].values) or "number"
        if element.type in INTEGER_64 and jf.int64_number:
            return "number"
        if element.is_message and element.type_name == TIMESTAMP and jf.timestamp in ("unix_seconds", "unix_millis"):
            return "number"
        return self.types.element(element)

    def field(self, f: Field, jf: JsonField) -> str:
        element = self.element(f, jf)
        if f.is_map:
            text = f"{{ [key: string]: {element} }}"
        elif f.repeated:
            text = f"({element})[]" if " | " in element else f"{element}[]"
        else:
            text = element
        if jf.nullable or jf.empty == "null":
            text += " | null"
        return text

    def properties(self, full_name: str, prefix: str, required: Set[str]) -> List[str]:
        """`key?: type;` lines of the plain (non-oneof) keys of a message's object, flattened
        fields expanded."""
        message = self.model.messages[full_name]
        jm = self.model.json.messages[full_name]
        in_oneof = {n for o in jm.oneofs for _, n in o.variants}
        lines: List[str] = []
        for f in message.fields:
            jf = jm.field(f.name)
            if f.name in in_oneof:
                continue
            if jf.flatten:
                lines += self.properties(f.type_name, prefix + jf.flatten_prefix, set())
                for oneof in self.model.json.messages[f.type_name].oneofs:
                    lines += [f"  // oneof {oneof.name} of the flattened {f.name}: see {f.type_name}"]
                continue
            mark = "" if f.name in required else "?"
            lines.append(f"  {_key(prefix + jf.key)}{mark}: {self.field(f, jf)};")
        return lines

    def oneof_union(self, full_name: str, oneof: JsonOneof) -> List[str]:
        """The members of a discriminated union: one per oneof member, and one for none set."""
        message = self.model.messages[full_name]
        jm = self.model.json.messages[full_name]
        disc = _key(oneof.discriminator)
        variants: List[List[str]] = []
        keys: List[str] = []
        for value, name in oneof.variants:
            f = message.field_named(name)
            assert f is not None
            head = f"{disc}: {_string(value)}"
            if oneof.flatten:
                props = [line.strip().rstrip(";") for line in self.properties(f.type_name, "", set())]
                variants.append([head, *(p for p in props if not p.startswith("//"))])
            else:
                key = _key(jm.field(name).key)
                keys.append(key)
                variants.append([head, f"{key}?: {self.field(f, JsonField(name, f.json_name))}"])
        variants.append([f"{k}?: never" for k in [disc, *keys]])
        return ["  | { " + "; ".join(parts) + " }" for parts in variants]

    def declaration(self, full_name: str, name: str, required: Set[str]) -> List[str]:
        jm = self.model.json.messages[full_name]
        message = self.model.messages[full_name]
        if jm.unwrap:
            f = message.field_named(jm.unwrap)
            assert f is not None
            return [f"export type {name} = {self.field(f, jm.field(f.name))};"]
        props = self.properties(full_name, "", required)
        if not jm.oneofs:
            return [f"export interface {name} {{", *props, "}"] if props else [f"export interface {name} {{}}"]
        lines = [f"export type {name} = {{", *props, "}"]
        for oneof in jm.oneofs:
            lines[-1] += " & ("
            lines += self.oneof_union(full_name, oneof)
            lines.append(")")
        lines[-1] += ";"
        return lines


def _key(name: str) -> str:
    return ts.property_key(name)


def _string(text: str) -> str:
    return ts.ts_string(text)


# Schemas -------------------------------------------------------------------------------------------


class _SchemaImports:
    def __init__(self, module: str, taken: Set[str]) -> None:
        self.module = module
        self.taken = taken
        self.aliases: Dict[str, str] = {}  # target schema module -> namespace alias

    def namespace(self, target_module: str) -> str:
        if target_module not in self.aliases:
            base = posixpath.basename(target_module).replace(".", "_").replace("-", "_")
            self.aliases[target_module] = ts._unique(base if base[:1].isalpha() else "m" + base, self.taken)
        return self.aliases[target_module]

    def lines(self) -> List[str]:
        return [f"import * as {alias} from {ts.ts_string(ts.import_specifier(self.module, target))};"
                for target, alias in sorted(self.aliases.items())]


def render_schema_module(model: Model, proto: ProtoFile) -> str:
    """`<file>.json.ts`: a MessageSchema per message and an EnumSchema per enum of the file."""
    module_path, file_type_names, ts_string = ts.module_path, ts.file_type_names, ts.ts_string
    module = module_path(proto.name, SCHEMA_SUFFIX)
    names = file_type_names(proto)
    imports = _SchemaImports(module, set(ts.RESERVED) | set(names.values()))
    own = set(proto.message_names) | set(proto.enum_names)

    def ref(full_name: str, file: str) -> str:
        local = file_type_names(model.all_files[file])[full_name]
        if full_name in own:
            return local
        return f"{imports.namespace(module_path(file, SCHEMA_SUFFIX))}.{local}"

    declarations: List[List[str]] = []
    for full_name in proto.enum_names:
        if full_name == "google.protobuf.NullValue":
            continue
        enum = model.enums[full_name]
        json_names = model.json.enum_json_names(full_name, enum)
        declarations.append([
            f"export const {names[full_name]}: EnumSchema = {{",
            f"  names: [{', '.join(ts_string(n) for n in json_names)}],",
            f"  protoNames: [{', '.join(ts_string(v.name) for v in enum.values)}],",
            f"  numbers: [{', '.join(str(v.number) for v in enum.values)}],",
            "};",
        ])
    for full_name in proto.message_names:
        declarations.append(_message_schema(model, full_name, names[full_name], ref))
    runtime = ts.import_specifier(module, posixpath.join(posixpath.dirname(module), ts.JSON_RUNTIME_MODULE))
    used = sorted({"EnumSchema" if d[0].endswith("EnumSchema = {") else "MessageSchema" for d in declarations})
    header = [f"import type {{ {', '.join(used)} }} from {ts_string(runtime)};"] if used else []
    return render_template(
        "ts/types.ts.mako", source=proto.name, imports=header + imports.lines(),
        declarations=[_Lines(d) for d in declarations],
    )


class _Lines:
    def __init__(self, lines: List[str]) -> None:
        self.doc: List[str] = []
        self.lines = lines


def _type_schema(model: Model, element: Field, jf: JsonField, ref) -> str:
    if element.is_enum:
        if element.type_name == "google.protobuf.NullValue":
            return '"json"'
        enum = model.enums[element.type_name]
        return f"{{ enum: () => {ref(element.type_name, enum.file)} }}"
    if element.is_message:
        if element.type_name == TIMESTAMP:
            return f'{{ timestamp: "{jf.timestamp}" }}'
        if element.type_name in _WELL_KNOWN_SCHEMAS:
            return _WELL_KNOWN_SCHEMAS[element.type_name]
        message = model.messages[element.type_name]
        return f"{{ message: () => {ref(element.type_name, message.file)} }}"
    if element.type == "bytes":
        return f'{{ bytes: "{jf.bytes}" }}'
    return _SCALAR_SCHEMAS[element.type]


def _message_schema(model: Model, full_name: str, name: str, ref) -> List[str]:
    ts_string = ts.ts_string
    message = model.messages[full_name]
    jm = model.json.messages[full_name]
    annotated = {n for o in jm.oneofs for _, n in o.variants}
    lines = [f"export const {name}: MessageSchema = {{", "  fields: ["]
    for f in message.fields:
        jf = jm.field(f.name)
        element = f.map_value if f.is_map else f
        assert element is not None
        parts = [f"key: {ts_string(jf.key)}", f"name: {ts_string(f.name)}", f"type: {_type_schema(model, element, jf, ref)}"]
        if f.repeated:
            parts.append("list: true")
        if f.is_map:
            parts.append(f"map: {ts_string(_map_key(f))}")
        if jf.int64_number or jf.enum_number:
            parts.append("number: true")
        if jf.nullable or jf.empty == "null":
            parts.append("nullable: true")
        if f.oneof and f.name not in annotated:
            parts.append(f"oneof: {ts_string(f.oneof)}")
        if jf.flatten:
            parts.append(f"flatten: {ts_string(jf.flatten_prefix)}")
        if f.optional and not jf.nullable:
            parts.append("presence: true")
        if jf.empty == "omit":
            parts.append("omitEmpty: true")
        lines.append(f"    {{ {', '.join(parts)} }},")
    lines.append("  ],")
    if jm.oneofs:
        lines.append("  oneofs: [")
        for o in jm.oneofs:
            members = ", ".join(f"[{ts_string(v)}, {ts_string(jm.field(n).key)}]" for v, n in o.variants)
            lines.append(f"    {{ discriminator: {ts_string(o.discriminator)}, flatten: {'true' if o.flatten else 'false'}, "
                         f"members: [{members}] }},")
        lines.append("  ],")
    if jm.unwrap:
        lines.append("  unwrap: true,")
    if lines[1] == "  fields: [" and lines[2] == "  ],":
        lines[1:3] = ["  fields: [],"]
    return lines + ["};"]


def schema_reference(model: Model, imports, full_name: str) -> Optional[str]:
    """`<namespace>.<Name>`: the schema of a message, imported into a client or server module;
    None for well-known types, which protojson maps to plain JSON values."""
    if full_name not in model.json.messages:
        return None
    file = model.messages[full_name].file
    local = ts.file_type_names(model.all_files[file])[full_name]
    return f"{imports.schema_namespace(ts.module_path(file, SCHEMA_SUFFIX))}.{local}"


def required_query_fields(model: Model) -> Dict[str, Set[str]]:
    """Message full name -> the fields bound to a required query parameter by some method."""
    required: Dict[str, Set[str]] = {}
    for file in model.files:
        for service in file.services:
            for method in service.methods:
                for q in method.route.query_params:
                    if q.required and not q.field.repeated:
                        required.setdefault(method.request.full_name, set()).add(q.field.name)
    return required

