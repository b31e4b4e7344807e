"""`<file>.validate.ts`: the buf.validate checks of the file's messages, from ssegen.validation.

Each message with something to check gets `validate<Name>(message, path?, out?)`, which appends
protovalidate's violations (field path and message) in protovalidate's order. The server runtime
runs it on the bound request before the handler, the client (option `validateRequests`) before
sending. The file's header lists the rules it leaves to the Go server.
"""
from __future__ import annotations

import math
import posixpath
from typing import List, Optional, Sequence

from ssegen import typescript as ts
from ssegen.model import Model, ProtoFile
from ssegen.render import render_template
from ssegen.validation import Check, FieldRules, MessageRules, Range, ValueRules

SUFFIX = ".validate"
RUNTIME_MODULE = "ssegen_validate"
# The runtime's helpers a check may call.
_FORMATS = {
    "email": "isEmail", "hostname": "isHostname", "ip": "isIp", "ipv4": "isIpv4", "ipv6": "isIpv6",
    "uri": "isUri", "uuid": "isUuid", "tuuid": "isTuuid",
}


def has_checks(model: Model, full_name: str) -> bool:
    return model.validation is not None and model.validation.rules(full_name) is not None


def function_name(model: Model, full_name: str) -> str:
    file = model.messages[full_name].file
    return "validate" + ts.file_type_names(model.all_files[file])[full_name]


def reference(model: Model, imports, full_name: str) -> Optional[str]:
    """The validator of a message, imported into a client or server module; None without checks."""
    if not has_checks(model, full_name):
        return None
    file = model.messages[full_name].file
    return imports.value(ts.module_path(file, SUFFIX), function_name(model, full_name))


def files_with_checks(model: Model) -> List[ProtoFile]:
    """The files that get a `<file>.validate.ts`: some message has checks or rules left to Go."""
    if model.validation is None:
        return []
    return [p for p in model.files
            if any(has_checks(model, n) or model.validation.left_to_go(n) for n in p.message_names)]


def _push(field_var: str, message: str) -> str:
    field = "field" if field_var == "field" else f"field: {field_var}"
    return f"out.push({{ {field}, description: {ts.ts_string(message)} }});"


def _number(value: object, scalar: str) -> str:
    if scalar in ("int64", "sint64", "sfixed64", "uint64", "fixed64"):
        return f'BigInt("{value}")'
    if isinstance(value, float):
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)


class _Module:
    def __init__(self, model: Model, proto: ProtoFile) -> None:
        self.model = model
        self.proto = proto
        self.module = ts.module_path(proto.name, SUFFIX)
        own = [function_name(model, n) for n in proto.message_names if has_checks(model, n)]
        self.imports = ts._Imports(self.module, own)
        self.patterns: List[str] = []  # module-level RegExp constants

    def runtime(self, name: str, type_only: bool = False) -> str:
        return self.imports.runtime(RUNTIME_MODULE, name, type_only)

    def enum_schema(self, full_name: str) -> str:
        enum = self.model.enums[full_name]
        local = ts.file_type_names(self.model.all_files[enum.file])[full_name]
        return f"{self.imports.schema_namespace(ts.module_path(enum.file, '.json'))}.{local}"

    def validator(self, full_name: str) -> str:
        file = self.model.messages[full_name].file
        name = function_name(self.model, full_name)
        if file == self.proto.name:
            return name
        return self.imports.value(ts.module_path(file, SUFFIX), name)

    # Messages ------------------------------------------------------------------------------------

    def function(self, rules: MessageRules) -> List[str]:
        message = self.model.messages[rules.full_name]
        own_types = ts.file_type_names(self.model.all_files[message.file])
        type_name = self.imports.proto_type(ts.module_path(message.file), own_types[rules.full_name])
        self.imports.runtime(ts.ERRORS_MODULE, "FieldViolation", type_only=True)
        name = function_name(self.model, rules.full_name)
        lines = ts.jsdoc([f"Appends the violations of {rules.full_name}'s buf.validate rules to `out`, "
                          "as protovalidate reports them; `path` is the message's own field path."])
        lines += ts.signature_lines("", f"export function {name}",
                                    [f"message: {type_name}", 'path = ""', "out: FieldViolation[] = []"], ": FieldViolation[] {")
        for oneof, members in rules.required_oneofs:
            unset = " && ".join(f"{ts.property_access('message', m)} === undefined" for m in members)
            lines += [f"  if ({unset}) {{",
                      f"    out.push({{ field: {self.runtime('at')}(path, {ts.ts_string(oneof)}), "
                      'description: "exactly one field is required in oneof" });',
                      "  }"]
        for f in rules.fields:
            lines += self.field(f)
        lines += ["  return out;", "}"]
        return lines

    def field(self, f: FieldRules) -> List[str]:
        access = ts.property_access("message", f.json_name)
        body: List[str] = []
        if f.container == "list":
            body += [f"const list = {access} ?? [];"]
            body += self.container_checks(f.checks, "list.length")
            item = self.value(f.value, "item", "itemField")
            if item:
                body += ["for (const [i, item] of list.entries()) {",
                         '  const itemField = field + "[" + String(i) + "]";',
                         *("  " + line for line in item), "}"]
            has, unset = f"({access} ?? []).length > 0", f"({access} ?? []).length === 0"
        elif f.container == "map":
            body += [f"const entries = Object.entries({access} ?? {{}});"]
            body += self.container_checks(f.checks, "entries.length")
            quoted = "true" if f.key_kind == "string" else "false"
            key = self.value(f.key, self._key_value(f.key_kind), "entryField") if f.key else []
            value = self.value(f.value, "item", "entryField")
            if key or value:
                body += ["for (const [key, item] of entries) {",
                         f"  const entryField = {self.runtime('entryPath')}(field, key, {quoted});",
                         *("  " + line for line in key + value), "}"]
            has, unset = f"Object.keys({access} ?? {{}}).length > 0", f"Object.keys({access} ?? {{}}).length === 0"
        else:
            # Inside a presence check the property is narrowed: no default needed.
            narrowed = f.required or f.skip_unset
            body += self.value(f.value, access, "field", singular=True, narrowed=narrowed and f.explicit_presence)
            has = self.has(f.value, access, presence=f.explicit_presence)
            unset = self.has(f.value, access, presence=f.explicit_presence, negated=True)
        lines = ["  {", f"    const field = {self.runtime('at')}(path, {ts.ts_string(f.name)});"]
        if f.required:
            lines += [f"    if ({unset}) {{", '      out.push({ field, description: "value is required" });', "    } else {"]
            lines += ["      " + line for line in body] + ["    }"]
        elif f.skip_unset:
            lines += [f"    if ({has}) {{"] + ["      " + line for line in body] + ["    }"]
        else:
            lines += ["    " + line for line in body]
        return lines + ["  }"]

    def _key_value(self, key_kind: str) -> str:
        if key_kind in ("int64", "sint64", "sfixed64", "uint64", "fixed64", "string"):
            return "key"
        if key_kind == "bool":
            return '(key === "true")'
        return "Number(key)"

    def has(self, value: ValueRules, access: str, presence: bool, negated: bool = False) -> str:
        """Whether the value is set (protovalidate's `has`), or with `negated` whether it is not."""
        eq, ne = ("===", "!==") if not negated else ("!==", "===")
        if presence or value.kind in ("message", "other"):
            return f"{access} {ne} undefined {'&&' if not negated else '||'} {access} {ne} null"
        if value.kind == "string":
            return f'({access} ?? "") {ne} ""'
        if value.kind == "int64":
            return f'BigInt({access} ?? 0) {ne} BigInt(0)'
        if value.kind == "bool":
            return f"{access} {eq} true"
        if value.kind == "enum":
            return f"{self.runtime('enumNumber')}({access}, {self.enum_schema(value.type_name)}) {ne} 0"
        return f"({access} ?? 0) {ne} 0"

    def container_checks(self, checks: Sequence[Check], size: str) -> List[str]:
        lines = []
        for c in checks:
            if c.test in ("min_items", "min_pairs"):
                failed = f"{size} < {c.operand}"
            elif c.test in ("max_items", "max_pairs"):
                failed = f"{size} > {c.operand}"
            else:
                failed = f"!{self.runtime('allUnique')}(list)"
            lines.append(f"if ({failed}) {_push('field', c.message)}")
        return lines

    # Values --------------------------------------------------------------------------------------

    def value(self, rules: ValueRules, access: str, field_var: str, singular: bool = False, narrowed: bool = False) -> List[str]:
        """Statements checking one value (`access`, possibly unset unless `narrowed`) at path `field_var`."""
        if rules.kind == "message":
            if not has_checks(self.model, rules.type_name):
                return []
            call = f"{self.validator(rules.type_name)}({access}, {field_var}, out);"
            return [call] if singular else [f"if ({access} !== undefined && {access} !== null) {call}"]
        if not rules.checks:
            return []
        lines = [f"const v = {self.effective(rules, access, narrowed)};"]
        for c in rules.checks:
            lines += self.check(c, rules, field_var)
        if rules.ignore_zero:
            return [f"if ({self.has(rules, access, presence=False)}) {{", *("  " + line for line in lines), "}"]
        return ["{", *("  " + line for line in lines), "}"] if not singular else lines

    def effective(self, rules: ValueRules, access: str, narrowed: bool = False) -> str:
        """The value to check: the field's, or its zero value when unset."""
        if narrowed and rules.kind in ("string", "number", "bool") and rules.scalar != "float":
            return access
        if rules.kind == "string":
            return f'{access} ?? ""'
        if rules.kind == "int64":
            return f"BigInt({access} ?? 0)"
        if rules.kind == "bool":
            return f"{access} ?? false"
        if rules.kind == "enum":
            return f"{self.runtime('enumNumber')}({access}, {self.enum_schema(rules.type_name)})"
        if rules.scalar == "float":
            return f"Math.fround({access} ?? 0)"
        return f"{access} ?? 0"

    def check(self, c: Check, rules: ValueRules, field_var: str) -> List[str]:
        push = _push(field_var, c.message)
        scalar = rules.scalar
        literal = (lambda x: ts.ts_string(x)) if rules.kind == "string" else (lambda x: _number(x, scalar))
        if rules.kind == "bool":
            literal = lambda x: "true" if x else "false"  # noqa: E731
        if c.test == "len":
            failed = f"{self.runtime('codePoints')}(v) !== {c.operand}"
        elif c.test == "min_len":
            failed = f"{self.runtime('codePoints')}(v) < {c.operand}"
        elif c.test == "max_len":
            failed = f"{self.runtime('codePoints')}(v) > {c.operand}"
        elif c.test == "equals":
            failed = f"v !== {literal(c.operand)}"
        elif c.test == "pattern":
            failed = f"!{self.pattern(c)}.test(v)"
        elif c.test in ("prefix", "suffix", "contains"):
            method = {"prefix": "startsWith", "suffix": "endsWith", "contains": "includes"}[c.test]
            failed = f"!v.{method}({ts.ts_string(str(c.operand))})"
        elif c.test == "not_contains":
            failed = f"v.includes({ts.ts_string(str(c.operand))})"
        elif c.test in ("in", "not_in"):
            values = ", ".join(literal(x) for x in c.operand)  # type: ignore[attr-defined]
            failed = ("!" if c.test == "in" else "") + f"[{values}].includes(v)"
        elif c.test == "format":
            empty = _push(field_var, c.empty_message)
            return [f'if (v === "") {empty}', f"else if (!{self.runtime(_FORMATS[str(c.operand)])}(v)) {push}"]
        elif c.test == "finite":
            failed = "!Number.isFinite(v)"
        elif c.test == "range":
            failed = self.range(c.operand, literal)  # type: ignore[arg-type]
        elif c.test == "defined_only":
            failed = f"!{self.enum_schema(rules.type_name)}.numbers.includes(v)"
        else:
            raise AssertionError(f"no TypeScript for the check {c.test}")
        return [f"if ({failed}) {push}"]

    def range(self, r: Range, literal) -> str:
        lo = None if r.lo is None else f"v {'>=' if r.lo_inclusive else '>'} {literal(r.lo)}"
        hi = None if r.hi is None else f"v {'<=' if r.hi_inclusive else '<'} {literal(r.hi)}"
        if lo is None or hi is None:
            return f"!({lo or hi})"
        # NaN fails every bound, as in protovalidate.
        return f"!({lo} {'||' if r.exclusive else '&&'} {hi})"

    def pattern(self, c: Check) -> str:
        declaration = f"new RegExp({ts.ts_string(str(c.operand))}, {ts.ts_string('u' + c.flags)});"
        for line in self.patterns:
            if line.endswith(" = " + declaration):
                return line.split(" ")[1]
        name = f"PATTERN_{len(self.patterns) + 1}"
        self.patterns.append(f"const {name} = {declaration}")
        return name


def render_validate_module(model: Model, proto: ProtoFile) -> str:
    module = _Module(model, proto)
    functions = []
    left: List[str] = []
    for full_name in proto.message_names:
        rules = model.validation.rules(full_name)
        if rules is not None:
            functions.append(module.function(rules))
        left += [f"{full_name}: {text}" for text in model.validation.left_to_go(full_name)]
    return render_template(
        "ts/validate.ts.mako",
        source=proto.name,
        imports=module.imports.lines(),
        patterns=module.patterns,
        functions=functions,
        left_to_go=left,
    )


def runtime(directory: str) -> tuple:
    return posixpath.join(directory, RUNTIME_MODULE + ".ts"), render_template(
        f"ts/{RUNTIME_MODULE}.ts.mako", source=ts.RUNTIME_SOURCE)
