"""OpenAPI renderer: one document per service (or one bundle), 3.1 by default, 3.2 on request.

A document is data, so it is built as plain dicts and serialised (YAML or JSON) rather than
templated: key order is fixed by construction and the serialisers are deterministic.
"""
from __future__ import annotations

import json
import math
import posixpath
from typing import Any, Dict, List, Sequence

from ssegen import yaml_text
from ssegen.errors import GenerationError, Location, Problem
from ssegen.model import (
    INTEGER_64,
    RESERVED_EVENT_NAMES,
    SSE_END_EVENT,
    SSE_ERROR_EVENT,
    UNSIGNED,
    Field,
    Method,
    Model,
    Service,
)
from ssegen.openapi_validation import constrain_field, field_rules, required_keys, required_oneofs
from ssegen.openapi_mapping import MappedSchemas
from ssegen.options import Options

Schema = Dict[str, Any]

ERROR_SCHEMA = "sebuf.http.Error"
VALIDATION_ERROR_SCHEMA = "sebuf.http.ValidationError"
FIELD_VIOLATION_SCHEMA = "sebuf.http.FieldViolation"

# protojson's JSON form of the well-known types.
_WELL_KNOWN: Dict[str, Schema] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {
        "type": "string",
        "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$",
        "description": "A duration in seconds with up to nine fractional digits, suffixed with s, e.g. 1.5s.",
    },
    "google.protobuf.FieldMask": {
        "type": "string",
        "description": "Comma-separated field paths in lowerCamelCase.",
    },
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {"description": "Any JSON value."},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string"}},
        "required": ["@type"],
    },
    "google.protobuf.BoolValue": {"type": "boolean"},
    "google.protobuf.StringValue": {"type": "string"},
    "google.protobuf.BytesValue": {"type": "string", "format": "byte", "contentEncoding": "base64"},
    "google.protobuf.FloatValue": {"type": "number", "format": "float"},
    "google.protobuf.DoubleValue": {"type": "number", "format": "double"},
    "google.protobuf.Int32Value": {"type": "integer", "format": "int32"},
    "google.protobuf.UInt32Value": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295},
    "google.protobuf.Int64Value": {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    "google.protobuf.UInt64Value": {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
}

_SCALARS: Dict[str, Schema] = {
    "double": {"type": "number", "format": "double"},
    "float": {"type": "number", "format": "float"},
    "int32": {"type": "integer", "format": "int32"},
    "sint32": {"type": "integer", "format": "int32"},
    "sfixed32": {"type": "integer", "format": "int32"},
    "uint32": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295},
    "fixed32": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295},
    # protojson writes 64-bit integers as strings (and accepts numbers).
    "int64": {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    "sint64": {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    "sfixed64": {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    "uint64": {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    "fixed64": {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    "bool": {"type": "boolean"},
    "string": {"type": "string"},
    "bytes": {"type": "string", "format": "byte", "contentEncoding": "base64"},
}

_MAP_KEY_NAMES: Dict[str, Schema] = {
    "bool": {"enum": ["true", "false"]},
    **{t: {"pattern": "^[0-9]+$" if t in UNSIGNED else "^-?[0-9]+$"} for t in (
        "int32", "sint32", "sfixed32", "uint32", "fixed32", *INTEGER_64)},
}

_ERROR_SCHEMAS: Dict[str, Schema] = {
    ERROR_SCHEMA: {
        "type": "object",
        "description": "The body of every error other than a validation failure, and the data of an SSE "
        f"`{SSE_ERROR_EVENT}` event.",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
    },
    FIELD_VIOLATION_SCHEMA: {
        "type": "object",
        "description": "One problem with the request: the field (or header) and what is wrong with it.",
        "properties": {"field": {"type": "string"}, "description": {"type": "string"}},
        "required": ["field", "description"],
    },
    VALIDATION_ERROR_SCHEMA: {
        "type": "object",
        "description": "The body of a 400 response: the request could not be bound or failed validation.",
        "properties": {"violations": {"type": "array", "items": {"$ref": f"#/components/schemas/{FIELD_VIOLATION_SCHEMA}"}}},
        "required": ["violations"],
    },
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _with_description(schema: Schema, description: str) -> Schema:
    return {**schema, "description": description} if description else schema


class _Renderer:
    def __init__(self, model: Model, options: Options) -> None:
        self.model = model
        self.options = options
        self.v32 = options.openapi_version == "3.2"

    # Schemas -------------------------------------------------------------------------------------

    def type_schema(self, kind: str, type_name: str) -> Schema:
        if kind == "message":
            return dict(_WELL_KNOWN[type_name]) if type_name in _WELL_KNOWN else _ref(type_name)
        if kind == "enum":
            if type_name == "google.protobuf.NullValue":
                return {"type": "null"}
            return _ref(type_name)
        return dict(_SCALARS[kind])

    def field_schema(self, f: Field) -> Schema:
        if f.is_map:
            assert f.map_key is not None and f.map_value is not None
            schema: Schema = {"type": "object", "additionalProperties": self.type_schema(f.map_value.type, f.map_value.type_name)}
            key_names = _MAP_KEY_NAMES.get(f.map_key.type)
            if key_names:
                schema["propertyNames"] = key_names
        elif f.repeated:
            schema = {"type": "array", "items": self.type_schema(f.type, f.type_name)}
        else:
            schema = self.type_schema(f.type, f.type_name)
        notes = [f.comment] if f.comment else []
        if f.oneof:
            notes.append(f"Member of the oneof `{f.oneof}`: set at most one of its fields.")
        schema = _with_description(schema, "\n\n".join(notes))
        if f.deprecated:
            schema["deprecated"] = True
        if f.examples:
            schema["examples"] = [self.example_value(f, v) for v in f.examples]
        return schema

    @staticmethod
    def example_value(f: Field, value: str) -> Any:
        """Examples are written as strings in protos; give them the field's JSON type."""
        return _typed_example(_SCALARS.get(f.type, {}).get("type", "string"), value)

    def message_schema(self, full_name: str) -> Schema:
        if self.model.json.mapped(full_name):
            return MappedSchemas(self).message(full_name)
        message = self.model.messages[full_name]
        schema: Schema = {"type": "object"}
        if message.comment:
            schema["description"] = message.comment
        if message.deprecated:
            schema["deprecated"] = True
        properties = {
            f.json_name: constrain_field(self.model, self.field_schema(f), field_rules(self.model, full_name, f.name))
            for f in message.fields
        }
        if properties:
            schema["properties"] = properties
        rules = self.model.validation.rules(full_name) if self.model.validation else None
        if required_keys(rules):
            schema["required"] = required_keys(rules)
        oneofs = required_oneofs(rules)
        if len(oneofs) == 1:
            schema.update(oneofs[0])
        elif oneofs:
            schema["allOf"] = oneofs
        return schema

    def enum_schema(self, full_name: str) -> Schema:
        enum = self.model.enums[full_name]
        schema: Schema = {"type": "string", "enum": list(self.model.json.enum_json_names(full_name, enum))}
        lines = [f"- `{v.name}`: {v.comment}" for v in enum.values if v.comment]
        description = "\n\n".join(part for part in (enum.comment, "\n".join(lines)) if part)
        return _with_description(schema, description)

    def components(self, services: Sequence[Service]) -> Schema:
        """Schemas of exactly what the operations refer to: response messages, body messages and
        enum-typed URL parameters, with everything they reach."""
        methods = [m for s in services for m in s.methods]
        roots = {m.response.full_name for m in methods}
        roots.update(m.request.full_name for m in methods if m.route.has_body)
        messages, enums = self.model.reachable_types(tuple(sorted(roots)))
        url_fields = [p.field for m in methods for p in (*m.route.path_params, *m.route.query_params)]
        enum_names = set(enums) | {f.type_name for f in url_fields if f.is_enum}
        schemas: Dict[str, Schema] = dict(_ERROR_SCHEMAS)
        for name in messages:
            if name not in _WELL_KNOWN:
                schemas[name] = self.message_schema(name)
        for name in enum_names:
            if name != "google.protobuf.NullValue":
                schemas[name] = self.enum_schema(name)
        return {"schemas": {name: schemas[name] for name in sorted(schemas)}}

    # Operations ----------------------------------------------------------------------------------

    def parameters(self, method: Method) -> List[Schema]:
        params: List[Schema] = []
        for h in method.headers:
            schema: Schema = {"type": "array", "items": {"type": "string"}} if h.type == "array" else {"type": h.type}
            if h.format:
                schema["format"] = h.format
            param: Schema = {"name": h.name, "in": "header", "required": h.required}
            if h.description:
                param["description"] = h.description
            if h.deprecated:
                param["deprecated"] = True
            param["schema"] = schema
            if h.example:
                param["example"] = _typed_example(h.type, h.example)
            params.append(param)
        if method.streaming:
            params.append(
                {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "required": False,
                    "description": "The id of the last event received, sent by a client that resumes the stream.",
                    "schema": {"type": "string"},
                }
            )
        request = method.request.full_name
        for p in method.route.path_params:
            params.append(self._parameter(p.name, "path", True, p.field, request))
        for q in method.route.query_params:
            params.append(self._parameter(q.name, "query", q.required, q.field, request))
        return params

    def _parameter(self, name: str, location: str, required: bool, f: Field, message: str) -> Schema:
        param: Schema = {"name": name, "in": location, "required": required}
        if f.comment:
            param["description"] = f.comment
        if f.deprecated:
            param["deprecated"] = True
        element = self.type_schema(f.type, f.type_name)
        if f.repeated:
            param["schema"] = {"type": "array", "items": element}
            param["style"] = "form"
            param["explode"] = True
        else:
            param["schema"] = element
        param["schema"] = constrain_field(self.model, param["schema"], field_rules(self.model, message, f.name))
        return param

    def success_response(self, method: Method) -> Schema:
        payload = self.type_schema("message", method.response.full_name)
        if not method.streaming:
            return {
                "description": f"The {method.response.name}.",
                "content": {"application/json": {"schema": payload}},
            }
        response: Schema = {
            "description": (
                f"A Server-Sent Events stream. Each event's data is one {method.response.name} as compact JSON; "
                f"the optional event name is chosen by the server. A handler error after the stream started is sent "
                f"as an `{SSE_ERROR_EVENT}` event whose data is an error body, and a stream that finishes cleanly ends "
                f"with an `{SSE_END_EVENT}` event, so a client can tell the end from a dropped connection."
            ),
            "headers": {
                "Cache-Control": {"schema": {"type": "string", "const": "no-cache"}},
            },
        }
        if self.v32:
            response["content"] = {"text/event-stream": {"itemSchema": self.event_item_schema(payload)}}
        else:
            response["content"] = {"text/event-stream": {"schema": {"type": "string"}}}
            response["x-sse-event-schema"] = payload
            response["x-sse-error-event"] = {"event": SSE_ERROR_EVENT, "schema": _ref(ERROR_SCHEMA)}
        response["x-sse-terminal-event"] = SSE_END_EVENT
        return response

    @staticmethod
    def event_item_schema(payload: Schema) -> Schema:
        def data(schema: Schema) -> Schema:
            return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}

        return {
            "type": "object",
            "required": ["data"],
            "properties": {
                "event": {"type": "string"},
                "id": {"type": "string"},
                "retry": {"type": "integer", "minimum": 0},
                "data": {"type": "string"},
            },
            "oneOf": [
                {
                    "description": "A message event.",
                    "properties": {"event": {"not": {"enum": list(RESERVED_EVENT_NAMES)}}, "data": data(payload)},
                },
                {
                    "description": "The handler failed after the stream started; the stream ends.",
                    "required": ["event"],
                    "properties": {"event": {"const": SSE_ERROR_EVENT}, "data": data(_ref(ERROR_SCHEMA))},
                },
                {
                    "description": "The stream finished cleanly.",
                    "required": ["event"],
                    "properties": {"event": {"const": SSE_END_EVENT}, "data": data({"type": "object"})},
                },
            ],
        }

    def operation(self, method: Method, operation_id: str) -> Schema:
        op: Schema = {"operationId": operation_id, "summary": method.name}
        if method.comment:
            op["description"] = method.comment
        op["tags"] = [method.service_name]
        if method.deprecated:
            op["deprecated"] = True
        params = self.parameters(method)
        if params:
            op["parameters"] = params
        if method.route.has_body:
            description = f"The {method.request.name} as JSON."
            if method.route.path_params or method.route.query_params:
                description += " Values bound from the URL take precedence over the same fields in the body."
            op["requestBody"] = {
                "required": True,
                "description": description,
                "content": {"application/json": {"schema": self.type_schema("message", method.request.full_name)}},
            }
        op["responses"] = {
            "200": self.success_response(method),
            "400": {
                "description": "The request could not be bound (malformed JSON, a bad path or query value, a "
                "missing header) or failed validation.",
                "content": {"application/json": {"schema": _ref(VALIDATION_ERROR_SCHEMA)}},
            },
            "default": {
                "description": "Any other error, with the status code the handler chose (500 by default).",
                "content": {"application/json": {"schema": _ref(ERROR_SCHEMA)}},
            },
        }
        return op

    def document(self, services: Sequence[Service], title: str, description: str, qualify_ids: bool) -> Schema:
        paths: Dict[str, Schema] = {}
        for service in services:
            for method in service.methods:
                operation_id = f"{service.name}_{method.name}" if qualify_ids else method.name
                paths.setdefault(method.route.path, {})[method.route.verb.lower()] = self.operation(method, operation_id)
        info: Schema = {"title": title, "version": self.options.openapi_info_version}
        if description:
            info["description"] = description
        tags = []
        for s in services:
            tag: Schema = {"name": s.name}
            if s.comment:
                tag["description"] = s.comment
            tags.append(tag)
        return {
            "openapi": "3.2.0" if self.v32 else "3.1.0",
            "info": info,
            "tags": tags,
            "paths": paths,
            "components": self.components(services),
        }

    def serialise(self, document: Schema) -> str:
        if self.options.openapi_format == "json":
            return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        return yaml_text.dump(document)

    def render(self) -> Dict[str, str]:
        extension = self.options.openapi_format
        if self.options.openapi_bundle:
            services = self.model.services
            if not services:
                return {}
            directory = _common_directory([s.file for s in services])
            title = self.options.openapi_title or "API"
            document = self.document(services, title, "", qualify_ids=True)
            return {posixpath.join(directory, f"{self.options.openapi_bundle_name}.{extension}"): self.serialise(document)}
        files: Dict[str, str] = {}
        for service in self.model.services:
            title = self.options.openapi_title or f"{service.name} API"
            document = self.document((service,), title, service.comment, qualify_ids=False)
            path = posixpath.join(posixpath.dirname(service.file), f"{service.name}.openapi.{extension}")
            if path in files:
                raise GenerationError([Problem(
                    Location(service.file),
                    f"service {service.full_name}",
                    f"another service named {service.name} in the same directory also writes {path}.",
                    "rename one of the services, or set openapi_bundle to write one document.",
                )])
            files[path] = self.serialise(document)
        return files


def _typed_example(json_type: str, example: str) -> Any:
    """An example written as a string, in the JSON type its schema declares when it parses as one."""
    try:
        if json_type == "integer":
            return int(example)
        if json_type == "number":
            # NaN and the infinities are no JSON numbers (protojson writes them as strings).
            number = float(example)
            return number if math.isfinite(number) else example
    except ValueError:
        return example
    if json_type == "boolean" and example in ("true", "false"):
        return example == "true"
    return example


def _common_directory(files: Sequence[str]) -> str:
    directories = [posixpath.dirname(f) for f in files]
    return posixpath.commonpath(directories) if all(directories) else ""


def render(model: Model, options: Options) -> Dict[str, str]:
    return _Renderer(model, options).render()
