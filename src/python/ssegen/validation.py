"""buf.validate (protovalidate) rules: read from the descriptors and decided once, here.

The rules arrive as extension 1159 of the field, message and oneof options (`(buf.validate.field)`,
`(buf.validate.message)`, `(buf.validate.oneof)`), decoded with the request's own copy of
buf/validate/validate.proto. The Go server checks every rule with protovalidate itself; this model
is what the other outputs need: each standard rule as a `Check` with protovalidate's exact message
(the TypeScript checks answer the same violations as Go), in protovalidate's order, and which rules
only the Go server checks (CEL expressions and the rest listed in `left_to_go`). Rule usage that
protovalidate rejects when it builds its validator is a generation error here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from google.protobuf import descriptor_pb2

from ssegen import annotations as ann
from ssegen import re2
from ssegen.errors import Location, Problem
from ssegen.model import INTEGER_64, Field, Message

FIELD_RULES = "buf.validate.field"
MESSAGE_RULES = "buf.validate.message"
ONEOF_RULES = "buf.validate.oneof"
EXTENSION = 1159

# Descriptor paths (see descriptor.proto), for option locations.
_FILE_MESSAGE = 4
_MESSAGE_FIELD, _MESSAGE_NESTED, _MESSAGE_ONEOF = 2, 3, 8
_FIELD_OPTIONS, _MESSAGE_OPTIONS, _ONEOF_OPTIONS = 8, 7, 2

IGNORE_IF_ZERO_VALUE, IGNORE_ALWAYS = 1, 3

NUMERIC = ("int32", "sint32", "sfixed32", "uint32", "fixed32", "float", "double", *INTEGER_64)
FLOATS = ("float", "double")
# The well-known formats the TypeScript checks implement, with protovalidate's messages.
FORMATS = {
    "email": "email address",
    "hostname": "hostname",
    "ip": "IP address",
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "uri": "URI",
    "uuid": "UUID",
    "tuuid": "trimmed UUID",
}
# Wrapper messages take the rules of the value they wrap.
WRAPPERS = {
    "google.protobuf." + name: scalar
    for name, scalar in (
        ("DoubleValue", "double"), ("FloatValue", "float"), ("Int64Value", "int64"), ("UInt64Value", "uint64"),
        ("Int32Value", "int32"), ("UInt32Value", "uint32"), ("BoolValue", "bool"), ("StringValue", "string"),
        ("BytesValue", "bytes"),
    )
}
# Rule types of well-known messages, which only the Go server checks.
MESSAGE_RULE_TYPES = {
    "google.protobuf.Any": "any",
    "google.protobuf.Duration": "duration",
    "google.protobuf.Timestamp": "timestamp",
    "google.protobuf.FieldMask": "field_mask",
}


@dataclass(frozen=True)
class Range:
    """Numeric bounds: `lo` (gt/gte) and `hi` (lt/lte), either may be None. With both and
    lo >= hi, the range is exclusive: a value passes when it is above lo or below hi."""

    lo: Optional[object]
    lo_inclusive: bool
    hi: Optional[object]
    hi_inclusive: bool

    @property
    def exclusive(self) -> bool:
        return self.lo is not None and self.hi is not None and self.lo >= self.hi  # type: ignore[operator]


@dataclass(frozen=True)
class Check:
    """One standard rule on one value, with the message protovalidate gives when it fails."""

    rule: str  # protovalidate's rule id, e.g. "string.min_len"
    # What is tested: "len", "min_len", "max_len" (code points), "equals", "pattern", "prefix",
    # "suffix", "contains", "not_contains", "in", "not_in", "format", "range", "finite",
    # "defined_only", "min_items", "max_items", "unique", "min_pairs", "max_pairs".
    test: str
    operand: object  # the rule's value: int, str, bool, a tuple for in/not_in, a Range
    message: str
    flags: str = ""  # for "pattern": ECMAScript flags besides u
    rule_text: str = ""  # for "pattern": the RE2 source, as the rule has it
    empty_message: str = ""  # for "format": protovalidate's message for an empty string


@dataclass(frozen=True)
class ValueRules:
    """The rules on one value: a singular field's, or a list item's, a map key's or value's."""

    kind: str  # "string", "number", "int64", "bool", "enum", "message" or "other"
    checks: Tuple[Check, ...] = ()
    scalar: str = ""  # the proto scalar type ("float" values compare as 32-bit floats)
    type_name: str = ""  # the enum or message of the value
    ignore_zero: bool = False  # IGNORE_IF_ZERO_VALUE on the items/keys/values rules


@dataclass(frozen=True)
class FieldRules:
    name: str  # proto name: the violations' field paths use it, as protovalidate does
    json_name: str
    required: bool
    # Rules apply only when the field is set: it has explicit presence (message, optional, oneof
    # member) or IGNORE_IF_ZERO_VALUE.
    skip_unset: bool
    container: str  # "", "list" or "map"
    checks: Tuple[Check, ...]  # of the list or map itself (sizes, unique)
    value: ValueRules  # singular value, list items, map values
    key: Optional[ValueRules] = None  # map keys
    key_kind: str = ""  # map key scalar: how a key is written in a field path
    # Set means present (message, optional, oneof member); else set means not the zero value.
    explicit_presence: bool = False


@dataclass(frozen=True)
class MessageRules:
    full_name: str
    required_oneofs: Tuple[Tuple[str, Tuple[str, ...]], ...]  # (oneof name, member JSON names)
    fields: Tuple[FieldRules, ...]  # fields with rules or reaching a message with rules, in order
    left_to_go: Tuple[str, ...]  # rules of this message only the Go server checks, described


@dataclass(frozen=True)
class Validation:
    # Messages with something to check in them or in messages they reach.
    messages: Dict[str, MessageRules] = field(default_factory=dict, hash=False)
    # Messages carrying any buf.validate rule (checked here or not), themselves or reached: the Go
    # server validates their requests with protovalidate.
    with_rules: Tuple[str, ...] = ()
    # Per message, the rules the TypeScript checks leave to the Go server, described.
    left: Dict[str, Tuple[str, ...]] = field(default_factory=dict, hash=False)

    def rules(self, full_name: str) -> Optional[MessageRules]:
        return self.messages.get(full_name)

    def uses_protovalidate(self, full_name: str) -> bool:
        return full_name in self.with_rules

    def left_to_go(self, full_name: str) -> Tuple[str, ...]:
        return self.left.get(full_name, ())


def format_number(value: object) -> str:
    """A rule value as protovalidate writes it in messages (floats as Go's 'f', -1 format)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        text = format(Decimal(repr(value)), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def _scalar_kind(scalar: str) -> str:
    if scalar in ("string", "bool"):
        return scalar
    if scalar in INTEGER_64:
        return "int64"
    return "number" if scalar in NUMERIC else "other"


def _number(message, name: str) -> int:
    return message.DESCRIPTOR.fields_by_name[name].number


def _list(values: Sequence[object]) -> str:
    return "[" + ", ".join(format_number(v) if not isinstance(v, str) else v for v in values) + "]"


def _range_message(r: Range) -> str:
    lo = None if r.lo is None else ("greater than or equal to " if r.lo_inclusive else "greater than ") + format_number(r.lo)
    hi = None if r.hi is None else ("less than or equal to " if r.hi_inclusive else "less than ") + format_number(r.hi)
    if lo is None:
        return f"must be {hi}"
    if hi is None:
        return f"must be {lo}"
    return f"must be {lo} {'or' if r.exclusive else 'and'} {hi}"


class _Reader:
    def __init__(self, options: ann.OptionReader, messages: Dict[str, Message]) -> None:
        self.options = options
        self.messages = messages
        self.problems: List[Problem] = []
        self.rules: Dict[str, MessageRules] = {}
        self.own_rules: Dict[str, bool] = {}  # message -> has any rule of its own

    def problem(self, location: Location, subject: str, message: str, fix: str) -> None:
        self.problems.append(Problem(location, subject, message, fix))

    def read_message(self, full_name: str, proto: descriptor_pb2.DescriptorProto, locate, path) -> None:
        if proto.options.map_entry:
            return
        for i, nested in enumerate(proto.nested_type):
            self.read_message(f"{full_name}.{nested.name}", nested, locate, (*path, _MESSAGE_NESTED, i))
        message = self.messages.get(full_name)
        if message is None:
            return
        left: List[str] = []
        any_rule = False
        message_rules = self.options.extension(proto.options, MESSAGE_RULES)
        if message_rules is not None:
            any_rule = True
            for cel in message_rules.cel:
                left.append(f"message CEL rule {cel.id or cel.expression!r}")
            if len(message_rules.oneof):
                left.append("message oneof rule")
        required_oneofs = []
        for decl in proto.oneof_decl:
            oneof_rules = self.options.extension(decl.options, ONEOF_RULES)
            if oneof_rules is not None:
                any_rule = True
                if oneof_rules.required:
                    members = next(o.field_names for o in message.oneofs if o.name == decl.name)
                    json_names = tuple(message.field_named(n).json_name for n in members)  # type: ignore[union-attr]
                    required_oneofs.append((decl.name, json_names))
        fields = []
        for i, fp in enumerate(proto.field):
            f = message.field_named(fp.name)
            assert f is not None
            rules, field_left, has_rule = self.read_field(message, f, fp, locate, (*path, _MESSAGE_FIELD, i))
            any_rule = any_rule or has_rule
            left.extend(field_left)
            fields.append(rules)
        self.own_rules[full_name] = any_rule
        self.rules[full_name] = MessageRules(full_name, tuple(required_oneofs), tuple(fields), tuple(left))

    # Fields --------------------------------------------------------------------------------------

    def read_field(self, message: Message, f: Field, proto, locate, path) -> Tuple[FieldRules, List[str], bool]:
        subject = f"message {message.full_name}, field {f.name}"
        rules = self.options.extension(proto.options, FIELD_RULES)
        container = "map" if f.is_map else "list" if f.repeated else ""
        presence = (f.is_message and not f.repeated and not f.is_map) or f.optional or bool(f.oneof)
        default_value = self._plain_value(f.map_value if f.is_map and f.map_value else f)
        if rules is None:
            return FieldRules(f.name, f.json_name, False, presence, container, (), default_value,
                              explicit_presence=presence), [], False

        def location(*rule_path: int) -> Location:
            base = (*path, _FIELD_OPTIONS, EXTENSION)
            candidates = [(*base, *rule_path[:n]) for n in range(len(rule_path), 0, -1)]
            return locate(*candidates, base, path)

        left: List[str] = [f"field {f.name}: CEL rule {c.id or c.expression!r}" for c in rules.cel]
        ignore = rules.ignore
        if ignore == IGNORE_ALWAYS:
            return FieldRules(f.name, f.json_name, False, True, container, (), ValueRules("other")), left, True
        kind = rules.WhichOneof("type")
        number = _number(rules, kind) if kind else 0
        checks: Tuple[Check, ...] = ()
        key: Optional[ValueRules] = None
        value = default_value
        if f.is_map:
            if kind not in (None, "map"):
                self._mismatch(location(number), subject, kind, "map")
            elif kind == "map":
                m = rules.map
                checks = self._sizes(m, "map", "pairs", "map must be at least {} entries", "map must be at most {} entries",
                                     location(number), subject)
                if m.HasField("keys"):
                    key = self._value_rules(m.keys, f.map_key, f"{subject} (map keys)",  # type: ignore[arg-type]
                                            location(number, _number(m, "keys")), left)
                if m.HasField("values"):
                    value = self._value_rules(m.values, f.map_value, f"{subject} (map values)",  # type: ignore[arg-type]
                                              location(number, _number(m, "values")), left)
        elif f.repeated:
            if kind not in (None, "repeated"):
                self._mismatch(location(number), subject, kind, "repeated")
            elif kind == "repeated":
                r = rules.repeated
                checks = self._sizes(r, "repeated", "items", "must contain at least {} item(s)",
                                     "must contain no more than {} item(s)", location(number), subject)
                if r.unique:
                    if f.is_message:
                        self.problem(location(number, _number(r, "unique")), subject,
                                     "`unique` cannot compare messages; protovalidate cannot check it.",
                                     "remove `unique`, or make the items a scalar or enum type.")
                    checks += (Check("repeated.unique", "unique", True, "repeated value must contain unique items"),)
                if r.HasField("items"):
                    value = self._value_rules(r.items, f, f"{subject} (items)", location(number, _number(r, "items")), left)
        else:
            value = self._typed_value(rules, kind, number, f, subject, location, left)
        required = rules.required
        skip_unset = presence or ignore == IGNORE_IF_ZERO_VALUE
        return FieldRules(f.name, f.json_name, required, skip_unset, container, checks, value, key,
                          f.map_key.type if f.is_map and f.map_key else "", presence), left, True

    def _plain_value(self, f: Field) -> ValueRules:
        if f.is_message:
            return ValueRules("message", (), "", f.type_name)
        return ValueRules(self._kind(f), (), f.type if f.is_scalar else "", f.type_name if f.is_enum else "")

    @staticmethod
    def _kind(f: Field) -> str:
        return "enum" if f.is_enum else _scalar_kind(f.type)

    def _value_rules(self, rules, f: Field, subject: str, locate_value: Location, left: List[str]) -> ValueRules:
        """Rules of list items, map keys or map values (a FieldRules of their own)."""
        for c in rules.cel:
            left.append(f"{subject}: CEL rule {c.id or c.expression!r}")
        kind = rules.WhichOneof("type")
        number = _number(rules, kind) if kind else 0

        def location(*rule_path: int) -> Location:
            # Rules inside items/keys/values point at the items/keys/values option.
            return locate_value

        value = self._typed_value(rules, kind, number, f, subject, location, left, element=True)
        if rules.ignore == IGNORE_IF_ZERO_VALUE:
            value = ValueRules(value.kind, value.checks, value.scalar, value.type_name, ignore_zero=True)
        return value

    def _typed_value(self, rules, kind: Optional[str], number: int, f: Field, subject: str,
                     location: Callable[..., Location], left: List[str], element: bool = False) -> ValueRules:
        plain = self._plain_value(f)
        if f.is_message and f.type_name in WRAPPERS:
            # protojson writes a wrapper as its bare value.
            plain = ValueRules(_scalar_kind(WRAPPERS[f.type_name]), (), WRAPPERS[f.type_name])
        if kind is None:
            return plain
        expected = self._rule_type(f)
        if kind in ("repeated", "map") and element:
            self._mismatch(location(number), subject, kind, expected or "message")
            return plain
        typed = getattr(rules, kind)
        if kind != expected:
            first = typed.ListFields()
            self._mismatch(location(number, first[0][0].number) if first else location(number), subject, kind,
                           expected or "no type")
            return plain
        if f.is_message and f.type_name in MESSAGE_RULE_TYPES:
            left.append(f"{subject}: {kind} rules")
            return plain
        if any(fd.is_extension for fd, _ in typed.ListFields()):
            left.append(f"{subject}: predefined {kind} rules")
        if kind == "string":
            return ValueRules("string", self._string_checks(typed, subject, location, number, left), "string")
        if kind == "bytes":
            left.append(f"{subject}: bytes rules")
            return plain
        if kind == "bool":
            checks = (Check("bool.const", "equals", typed.const, f"must equal {format_number(typed.const)}"),) if typed.HasField("const") else ()
            return ValueRules("bool", checks, "bool")
        if kind == "enum":
            return ValueRules("enum", self._enum_checks(typed), "", f.type_name)
        return ValueRules(plain.kind, self._numeric_checks(kind, typed, subject, location, number), plain.scalar or kind)

    def _rule_type(self, f: Field) -> str:
        if f.is_enum:
            return "enum"
        if f.is_message:
            return WRAPPERS.get(f.type_name) or MESSAGE_RULE_TYPES.get(f.type_name, "")
        return f.type

    def _mismatch(self, location: Location, subject: str, kind: str, expected: str) -> None:
        if expected in ("", "no type"):
            fix = f"remove the `{kind}` rules (a message field takes `required` and its message's own rules)."
        else:
            fix = f"use `(buf.validate.field).{expected}` rules, which match the field's type."
        self.problem(location, subject, f"`{kind}` rules do not fit the field's type; protovalidate rejects them.", fix)

    def _sizes(self, rules, prefix: str, noun: str, min_text: str, max_text: str, location: Location, subject: str) -> Tuple[Check, ...]:
        checks = []
        low = getattr(rules, f"min_{noun}") if rules.HasField(f"min_{noun}") else None
        high = getattr(rules, f"max_{noun}") if rules.HasField(f"max_{noun}") else None
        if low is not None and high is not None and low > high:
            self.problem(location, subject, f"min_{noun} {low} is above max_{noun} {high}: no value can pass.",
                         f"make min_{noun} at most max_{noun}.")
        if low is not None:
            checks.append(Check(f"{prefix}.min_{noun}", f"min_{noun}", low, min_text.format(low)))
        if high is not None:
            checks.append(Check(f"{prefix}.max_{noun}", f"max_{noun}", high, max_text.format(high)))
        return tuple(checks)

    def _string_checks(self, s, subject: str, location, number: int, left: List[str]) -> Tuple[Check, ...]:
        checks: List[Check] = []
        for name, test, text in (("len", "len", "must be {} characters"), ("min_len", "min_len", "must be at least {} characters"),
                                 ("max_len", "max_len", "must be at most {} characters")):
            if s.HasField(name):
                checks.append(Check(f"string.{name}", test, getattr(s, name), text.format(getattr(s, name))))
        if s.HasField("min_len") and s.HasField("max_len") and s.min_len > s.max_len:
            self.problem(location(number, _number(s, "min_len")), subject, f"min_len {s.min_len} is above max_len {s.max_len}: no value can pass.",
                         "make min_len at most max_len.")
        if s.HasField("len_bytes") or s.HasField("min_bytes") or s.HasField("max_bytes"):
            left.append(f"{subject}: string byte lengths")
        if s.HasField("const"):
            checks.append(Check("string.const", "equals", s.const, f"must equal `{s.const}`"))
        if s.HasField("pattern"):
            translation = re2.translate(s.pattern)
            if translation.error:
                self.problem(location(number, _number(s, "pattern")), subject, f"the pattern {s.pattern!r} is not valid RE2 ({translation.error}); "
                             "protovalidate rejects it.", "write the pattern in RE2 syntax (github.com/google/re2/wiki/Syntax).")
            elif translation.unsupported:
                left.append(f"{subject}: pattern {s.pattern!r} ({translation.unsupported})")
            else:
                checks.append(Check("string.pattern", "pattern", translation.source,
                                    f"does not match regex pattern `{s.pattern}`", translation.flags, s.pattern))
        for name, text in (("prefix", "does not have prefix `{}`"), ("suffix", "does not have suffix `{}`"),
                           ("contains", "does not contain substring `{}`"), ("not_contains", "contains substring `{}`")):
            if s.HasField(name):
                checks.append(Check(f"string.{name}", name, getattr(s, name), text.format(getattr(s, name))))
        if len(getattr(s, "in")):
            values = tuple(getattr(s, "in"))
            checks.append(Check("string.in", "in", values, "must be in list " + _list(values)))
        if len(s.not_in):
            checks.append(Check("string.not_in", "not_in", tuple(s.not_in), "must not be in list " + _list(tuple(s.not_in))))
        well_known = s.WhichOneof("well_known")
        if well_known in FORMATS and getattr(s, well_known):
            what = FORMATS[well_known]
            checks.append(Check(f"string.{well_known}", "format", well_known, f"must be a valid {what}",
                                empty_message=f"value is empty, which is not a valid {what}"))
        elif well_known is not None and getattr(s, well_known):
            left.append(f"{subject}: string.{well_known}")
        return tuple(checks)

    def _enum_checks(self, e) -> Tuple[Check, ...]:
        checks = []
        if e.HasField("const"):
            checks.append(Check("enum.const", "equals", e.const, f"must equal {e.const}"))
        if len(getattr(e, "in")):
            values = tuple(getattr(e, "in"))
            checks.append(Check("enum.in", "in", values, "must be in list " + _list(values)))
        if len(e.not_in):
            checks.append(Check("enum.not_in", "not_in", tuple(e.not_in), "must not be in list " + _list(tuple(e.not_in))))
        if e.defined_only:
            # protovalidate checks defined_only after the other enum rules.
            checks.append(Check("enum.defined_only", "defined_only", True, "value must be one of the defined enum values"))
        return tuple(checks)

    def _numeric_checks(self, kind: str, n, subject: str, location, number: int) -> Tuple[Check, ...]:
        checks = []
        if n.HasField("const"):
            checks.append(Check(f"{kind}.const", "equals", n.const, "must equal " + format_number(n.const)))
        if len(getattr(n, "in")):
            values = tuple(getattr(n, "in"))
            checks.append(Check(f"{kind}.in", "in", values, "must be in list " + _list(values)))
        if len(n.not_in):
            checks.append(Check(f"{kind}.not_in", "not_in", tuple(n.not_in), "must not be in list " + _list(tuple(n.not_in))))
        if kind in FLOATS and n.finite:
            checks.append(Check(f"{kind}.finite", "finite", True, "must be finite"))
        lo_kind = n.WhichOneof("greater_than")
        hi_kind = n.WhichOneof("less_than")
        if lo_kind or hi_kind:
            r = Range(getattr(n, lo_kind) if lo_kind else None, lo_kind == "gte",
                      getattr(n, hi_kind) if hi_kind else None, hi_kind == "lte")
            rule = f"{kind}.{lo_kind or ''}{'_' if lo_kind and hi_kind else ''}{hi_kind or ''}"
            checks.append(Check(rule + ("_exclusive" if r.exclusive else ""), "range", r, _range_message(r)))
        return tuple(checks)


def build_validation(
    protos: Sequence[descriptor_pb2.FileDescriptorProto],
    options: ann.OptionReader,
    locators: Dict[str, object],
    messages: Dict[str, Message],
    mapped: Callable[[str], bool],
) -> Tuple[Validation, List[Problem]]:
    """The rules of every message of `protos`, and the problems of their usage.

    `mapped` tells the messages whose JSON sebuf's options reshape: the TypeScript checks, which
    read the wire objects, leave those to the Go server.
    """
    reader = _Reader(options, messages)
    if not options.defines(FIELD_RULES):
        return Validation(), []
    for proto in protos:
        locate = getattr(locators[proto.name], "location")
        prefix = f"{proto.package}." if proto.package else ""
        for i, message in enumerate(proto.message_type):
            reader.read_message(prefix + message.name, message, locate, (_FILE_MESSAGE, i))
    with_rules = _reaching(reader.rules, lambda name: reader.own_rules.get(name, False))
    for name, m in reader.rules.items():
        if mapped(name) and _checks_something(m):
            reader.rules[name] = MessageRules(name, (), (), (*m.left_to_go, "every rule: the message has sebuf JSON options"))
    checked = _reaching(reader.rules, lambda name: _checks_something(reader.rules[name]))
    final = {}
    for name in checked:
        m = reader.rules[name]
        fields = tuple(f for f in m.fields if _field_checks(f) or (f.value.kind == "message" and f.value.type_name in checked))
        final[name] = MessageRules(m.full_name, m.required_oneofs, fields, m.left_to_go)
    left = {name: m.left_to_go for name, m in reader.rules.items() if m.left_to_go}
    return Validation(final, tuple(sorted(with_rules)), left), reader.problems


def _field_checks(f: FieldRules) -> bool:
    return f.required or bool(f.checks) or bool(f.value.checks) or bool(f.key and f.key.checks)


def _checks_something(m: MessageRules) -> bool:
    return bool(m.required_oneofs) or any(_field_checks(f) for f in m.fields)


def _reaching(rules: Dict[str, MessageRules], own: Callable[[str], bool]) -> List[str]:
    """Messages for which `own` holds, or which reach (through message fields) one that does."""
    result: Dict[str, bool] = {}

    def visit(name: str, stack: Tuple[str, ...]) -> bool:
        if name in result:
            return result[name]
        if name in stack or name not in rules:
            return False
        found = own(name)
        for f in rules[name].fields:
            if f.value.kind == "message" and visit(f.value.type_name, (*stack, name)):
                found = True
        if not stack or found:
            result[name] = found
        return found

    for name in rules:
        visit(name, ())
    return sorted(n for n, v in result.items() if v)
