"""The buf.validate rules as JSON Schema keywords of the OpenAPI schemas (3.1 and 3.2 both use
JSON Schema 2020-12): what a standard rule means for the JSON value, from ssegen.validation's
checks. Rules without an equivalent keyword (prefix, suffix, exclusive ranges, CEL, the rules on
64-bit integers, which JSON carries as strings) add nothing; the servers still enforce them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ssegen.model import Model
from ssegen.validation import Check, FieldRules, MessageRules, Range, ValueRules

Schema = Dict[str, Any]

# JSON Schema's format names of the well-known string rules that have one.
_FORMATS = {"email": "email", "uuid": "uuid", "uri": "uri", "hostname": "hostname", "ipv4": "ipv4", "ipv6": "ipv6"}
_TUUID = "^[0-9a-fA-F]{32}$"


def field_rules(model: Model, message: str, field: str) -> Optional[FieldRules]:
    rules: Optional[MessageRules] = model.validation.rules(message) if model.validation else None
    if rules is None:
        return None
    return next((f for f in rules.fields if f.name == field), None)


def constrain_field(model: Model, schema: Schema, rules: Optional[FieldRules]) -> Schema:
    """The schema of a field (an array, an object for maps, or the value's) with its rules."""
    if rules is None or (rules.skip_unset and not rules.explicit_presence):
        # IGNORE_IF_ZERO_VALUE: the zero value passes whatever the rules say.
        return schema
    schema = dict(schema)
    if rules.container == "list":
        schema.update(_sizes(rules.checks, "minItems", "maxItems"))
        if any(c.test == "unique" for c in rules.checks):
            schema["uniqueItems"] = True
        schema["items"] = constrain_value(model, schema["items"], rules.value)
    elif rules.container == "map":
        schema.update(_sizes(rules.checks, "minProperties", "maxProperties"))
        schema["additionalProperties"] = constrain_value(model, schema["additionalProperties"], rules.value)
        if rules.key is not None and rules.key.kind == "string":
            names = constrain_value(model, {"type": "string"}, rules.key)
            if len(names) > 1:
                schema["propertyNames"] = {**schema.get("propertyNames", {}), **names}
    else:
        schema = constrain_value(model, schema, rules.value)
    return schema


def required_keys(rules: Optional[MessageRules]) -> List[str]:
    return [f.json_name for f in rules.fields if f.required] if rules else []


def required_oneofs(rules: Optional[MessageRules]) -> List[Schema]:
    """An `anyOf` per required oneof: one of its members' keys must be present."""
    return [{"anyOf": [{"required": [m]} for m in members]} for _, members in (rules.required_oneofs if rules else ())]


def _sizes(checks, low: str, high: str) -> Schema:
    out: Schema = {}
    for c in checks:
        if c.test.startswith("min_"):
            out[low] = c.operand
        elif c.test.startswith("max_"):
            out[high] = c.operand
    return out


def constrain_value(model: Model, schema: Schema, rules: ValueRules) -> Schema:
    if not rules.checks or rules.kind in ("int64", "message", "other"):
        return schema
    schema = dict(schema)
    for c in rules.checks:
        if rules.kind == "enum":
            _enum(model, schema, c, rules.type_name)
        elif c.test == "equals":
            schema["const"] = c.operand
        elif c.test == "in":
            schema["enum"] = list(c.operand)  # type: ignore[call-overload]
        elif c.test == "not_in":
            schema["not"] = {"enum": list(c.operand)}  # type: ignore[call-overload]
        elif rules.kind == "string":
            _string(schema, c)
        elif rules.kind == "number":
            _number(schema, c)
    return schema


def _string(schema: Schema, c: Check) -> None:
    if c.test in ("len", "min_len"):
        schema["minLength"] = c.operand
    if c.test in ("len", "max_len"):
        schema["maxLength"] = c.operand
    if c.test == "pattern" and not c.flags and "pattern" not in schema:
        schema["pattern"] = c.operand
    if c.test == "format" and c.operand in _FORMATS:
        schema["format"] = _FORMATS[str(c.operand)]
    if c.test == "format" and c.operand == "tuuid" and "pattern" not in schema:
        schema["pattern"] = _TUUID


def _number(schema: Schema, c: Check) -> None:
    if c.test == "range":
        r: Range = c.operand  # type: ignore[assignment]
        if r.exclusive:
            return  # above lo or below hi: no pair of keywords says it
        if r.lo is not None:
            schema["minimum" if r.lo_inclusive else "exclusiveMinimum"] = r.lo
        if r.hi is not None:
            schema["maximum" if r.hi_inclusive else "exclusiveMaximum"] = r.hi


def _enum(model: Model, schema: Schema, c: Check, type_name: str) -> None:
    """`in`, `not_in` and `const` as the names the JSON carries (beside the enum's $ref)."""
    enum = model.enums[type_name]
    names = dict(zip((v.number for v in enum.values), model.json.enum_json_names(type_name, enum)))
    if c.test == "equals" and c.operand in names:
        schema["const"] = names[c.operand]  # type: ignore[index]
    elif c.test == "in":
        allowed = [names[n] for n in c.operand if n in names]  # type: ignore[attr-defined]
        schema["enum"] = [n for n in schema.get("enum", allowed) if n in allowed]
    elif c.test == "not_in":
        schema["enum"] = [n for n in schema.get("enum", list(names.values())) if n not in [names.get(x) for x in c.operand]]  # type: ignore[attr-defined]
