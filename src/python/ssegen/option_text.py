"""Positions inside an option's aggregate value (`option (x) = { path: "..." }`), read from the
proto's text.

protoc's source info locates an option as a whole, never the fields inside its text-format
value, so an error about `path:` would otherwise point at the `option` line. This reads just
enough of the text format (fields, nested messages, lists, scalars) to find a field by its path.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple, Union

Key = Union[str, int]  # a field name, or the index of an element of a repeated field

_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z0-9_.+-]+|.""", re.DOTALL
)
_SKIPPED = re.compile(r"\s|//|/\*")
# (kind, offset, payload): "scalar", "message" (payload: fields) or "list" (payload: values).
_Value = Tuple[str, int, object]
_Fields = List[Tuple[str, int, _Value]]


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset


def _protoc_column(text: str, line_start: int, offset: int) -> int:
    """protoc's 1-based column of offset: a tab advances to the next multiple of 8."""
    column = 0
    for char in text[line_start:offset]:
        column = column + 8 - column % 8 if char == "\t" else column + 1
    return column + 1


def _offset_of_column(text: str, line_start: int, column: int) -> int:
    offset, current = line_start, 1
    while current < column and offset < len(text) and text[offset] != "\n":
        current = current + 8 - (current - 1) % 8 if text[offset] == "\t" else current + 1
        offset += 1
    return offset


def _tokens(text: str, start: int, option: str) -> List[Tuple[int, str]]:
    """The tokens of the option's value that starts at or after `start`, from its `{` to the
    matching `}` (empty when there is none): after the token `option` when given, else after the
    first `=`."""
    tokens: List[Tuple[int, str]] = []
    seen_name = not option
    seen_equals = False
    depth = 0
    for match in _TOKEN.finditer(text, start):
        token = match.group()
        if _SKIPPED.match(token):
            continue
        if not seen_name:
            if token == ";":  # the end of the statement: the option is not in it
                return []
            seen_name = token == option
        elif not seen_equals:
            if token != "=":
                if token in ";]":
                    return []
                continue
            seen_equals = True
        elif depth == 0 and token != "{":
            return []
        else:
            tokens.append((match.start(), token))
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return tokens
    return []


def _message(tokens: List[Tuple[int, str]], i: int, close: str) -> Tuple[_Fields, int]:
    fields: _Fields = []
    while tokens[i][1] != close:
        offset, name = tokens[i]
        i += 1
        if name == "[":  # an extension or Any type name
            while tokens[i][1] != "]":
                i += 1
            i += 1
        if tokens[i][1] == ":":
            i += 1
        value, i = _value(tokens, i)
        fields.append((name, offset, value))
        if tokens[i][1] in ",;":
            i += 1
    return fields, i + 1


def _value(tokens: List[Tuple[int, str]], i: int) -> Tuple[_Value, int]:
    offset, token = tokens[i]
    if token in ("{", "<"):
        fields, i = _message(tokens, i + 1, "}" if token == "{" else ">")
        return ("message", offset, fields), i
    if token == "[":
        values = []
        i += 1
        while tokens[i][1] != "]":
            value, i = _value(tokens, i)
            values.append(value)
            if tokens[i][1] == ",":
                i += 1
        return ("list", offset, values), i + 1
    i += 1
    while token[:1] in "\"'" and tokens[i][1][:1] in "\"'":  # adjacent strings concatenate
        i += 1
    return ("scalar", offset, token), i


def _find(fields: _Fields, keys: Sequence[Key]) -> Optional[int]:
    name, rest = keys[0], keys[1:]
    values = [value for field, _, value in fields if field == name]
    offsets = [offset for field, offset, _ in fields if field == name]
    if not values:
        return None
    if rest and isinstance(rest[0], int):
        # Elements of a repeated field: its lists' values and its repeated occurrences, in order.
        elements = [e for v in values for e in (v[2] if v[0] == "list" else [v])]  # type: ignore[union-attr]
        if rest[0] >= len(elements):
            return None
        element, rest = elements[rest[0]], rest[1:]
        if not rest:
            return element[1]
    else:
        element = values[0]
        if not rest:
            return offsets[0]
    return _find(element[2], rest) if element[0] == "message" else None  # type: ignore[arg-type]


def value_position(
    text: str, line: int, column: int, keys: Sequence[Key], option: str = ""
) -> Optional[Tuple[int, int]]:
    """(line, column), 1-based as protoc counts them, of the field at `keys` in the aggregate
    value of the option whose statement starts at line:column (for an option in a field's `[...]`,
    name the option, e.g. "sebuf.http.query"); None when the text has no such field."""
    try:
        line_start = _line_offset(text, line)
    except ValueError:
        return None
    tokens = _tokens(text, _offset_of_column(text, line_start, column), option)
    if not tokens or not keys:
        return None
    try:
        fields, _ = _message(tokens, 1, "}")
    except IndexError:  # not text format after all: the caller keeps the option's position
        return None
    offset = _find(fields, keys)
    if offset is None:
        return None
    found_line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, _protoc_column(text, found_line_start, offset)
