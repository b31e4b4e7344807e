"""OpenAPI schemas of mapped messages: the JSON shapes sebuf's JSON options give them.

ssegen.jsonmapping decides the shapes; this module only spells them in JSON Schema, for
ssegen.openapi's renderer (which keeps writing option-less messages as protojson's forms).
"""
from __future__ import annotations

from typing import Any, Dict, List

from ssegen.jsonmapping import JsonField, JsonOneof
from ssegen.model import INTEGER_64, Field

Schema = Dict[str, Any]

TIMESTAMP = "google.protobuf.Timestamp"
_TIMESTAMPS: Dict[str, Schema] = {
    "unix_seconds": {"type": "integer", "format": "unix-timestamp"},
    "unix_millis": {"type": "integer", "format": "unix-timestamp-ms"},
    "date": {"type": "string", "format": "date"},
}
_BYTES: Dict[str, Schema] = {
    "base64_raw": {"type": "string", "format": "byte", "contentEncoding": "base64"},
    "base64url": {"type": "string", "format": "base64url", "contentEncoding": "base64url"},
    "base64url_raw": {"type": "string", "format": "base64url", "contentEncoding": "base64url"},
    "hex": {"type": "string", "format": "hex", "pattern": "^([0-9a-f]{2})*$"},
}


def _nullable(schema: Schema) -> Schema:
    """`T | null`: a second type for plain schemas, a oneOf for references."""
    if "$ref" in schema or "type" not in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


class MappedSchemas:
    """Schemas of fields and messages under the JSON mapping; `renderer` is openapi._Renderer."""

    def __init__(self, renderer) -> None:
        self.renderer = renderer
        self.model = renderer.model

    def element(self, f: Field, jf: JsonField) -> Schema:
        element = f.map_value if f.is_map else f
        assert element is not None
        if element.is_enum and jf.enum_number:
            return {"type": "integer", "enum": [v.number for v in self.model.enums[element.type_name].values]}
        if element.type in INTEGER_64 and jf.int64_number:
            return {"type": "integer", "format": "uint64" if element.type.startswith(("uint", "fixed")) else "int64"}
        if element.type_name == TIMESTAMP and jf.timestamp in _TIMESTAMPS:
            return dict(_TIMESTAMPS[jf.timestamp])
        if element.type == "bytes" and jf.bytes in _BYTES:
            return dict(_BYTES[jf.bytes])
        return self.renderer.type_schema(element.type, element.type_name)

    def field(self, f: Field, jf: JsonField) -> Schema:
        element = self.element(f, jf)
        if f.is_map:
            schema: Schema = {"type": "object", "additionalProperties": element}
        elif f.repeated:
            schema = {"type": "array", "items": element}
        else:
            schema = element
        if jf.nullable or jf.empty == "null":
            schema = _nullable(schema)
        if f.comment:
            schema = {**schema, "description": f.comment}
        if f.deprecated:
            schema = {**schema, "deprecated": True}
        return schema

    def properties(self, full_name: str, prefix: str) -> Dict[str, Schema]:
        """The plain keys of a message's object, prefixed flattened fields expanded in place."""
        message = self.model.messages[full_name]
        jm = self.model.json.messages[full_name]
        in_oneof = {n for o in jm.oneofs for _, n in o.variants}
        properties: Dict[str, Schema] = {}
        for f in message.fields:
            jf = jm.field(f.name)
            if f.name in in_oneof or (jf.flatten and not prefix and not jf.flatten_prefix):
                continue
            if jf.flatten:
                properties.update(self.properties(f.type_name, prefix + jf.flatten_prefix))
            else:
                properties[prefix + jf.key] = self.field(f, jf)
        return properties

    def oneof(self, full_name: str, oneof: JsonOneof) -> Schema:
        message = self.model.messages[full_name]
        jm = self.model.json.messages[full_name]
        variants: List[Schema] = []
        for value, name in oneof.variants:
            f = message.field_named(name)
            assert f is not None
            tag: Schema = {"type": "object", "properties": {oneof.discriminator: {"const": value}},
                           "required": [oneof.discriminator]}
            if oneof.flatten:
                variants.append({"allOf": [tag, self.renderer.type_schema(f.type, f.type_name)]})
            else:
                key = jm.field(name).key
                tag["properties"][key] = self.field(f, JsonField(name, key))
                variants.append(tag)
        # Nothing set: neither the discriminator nor a member.
        keys = [oneof.discriminator] + ([] if oneof.flatten else [jm.field(n).key for _, n in oneof.variants])
        variants.append({"not": {"anyOf": [{"required": [k]} for k in keys]}})
        return {"oneOf": variants, "discriminator": {"propertyName": oneof.discriminator}}

    def message(self, full_name: str) -> Schema:
        message = self.model.messages[full_name]
        jm = self.model.json.messages[full_name]
        if jm.unwrap:
            f = message.field_named(jm.unwrap)
            assert f is not None
            schema = self.field(f, jm.field(f.name))
        else:
            schema = {"type": "object"}
            properties = self.properties(full_name, "")
            if properties:
                schema["properties"] = properties
            parts: List[Schema] = []
            for f in message.fields:
                jf = jm.field(f.name)
                if jf.flatten and not jf.flatten_prefix:
                    parts.append(self.renderer.type_schema(f.type, f.type_name))
            parts += [self.oneof(full_name, o) for o in jm.oneofs]
            if parts:
                schema = {"allOf": [schema, *parts]}
        if message.comment:
            schema = {**schema, "description": message.comment}
        if message.deprecated:
            schema = {**schema, "deprecated": True}
        return schema
