"""Inputs that protoc accepts but the generator cannot read, reported as fixable problems.

protoc passes comments through as raw bytes, so a file with a non-UTF-8 byte in a comment reaches
the generator with bytes where text belongs; and the Python protobuf runtime cannot load a message
whose layout exceeds its limits (about 4,000 fields), which protoc allows.
"""
from __future__ import annotations

from typing import Iterator, List, Optional, Sequence, Tuple

from google.protobuf import descriptor_pb2

from ssegen.errors import Location, Problem

_FILE_MESSAGE = 4
_MESSAGE_NESTED = 3


def encoding_problems(protos: Sequence[descriptor_pb2.FileDescriptorProto]) -> List[Problem]:
    """Every element of `protos` whose comment is not valid UTF-8 (one problem per element)."""
    problems = []
    for proto in protos:
        for loc in proto.source_code_info.location:
            line = _bad_comment_line(loc)
            if line is not None:
                problems.append(Problem(
                    Location(proto.name, line),
                    f"file {proto.name}",
                    "this comment is not valid UTF-8.",
                    "save the file as UTF-8, which protobuf requires of .proto files.",
                ))
    return problems


def _bad_comment_line(loc: descriptor_pb2.SourceCodeInfo.Location) -> Optional[int]:
    """The 1-based line of the first non-UTF-8 comment line of an element, if there is one.

    A leading comment ends on the line before the element (one text line per source line); a
    trailing one starts on the element's last line; a detached one is somewhere above it.
    """
    first, last = loc.span[0] + 1, (loc.span[2] if len(loc.span) == 4 else loc.span[0]) + 1
    if isinstance(loc.leading_comments, bytes):
        lines = loc.leading_comments.split(b"\n")[:-1] or [loc.leading_comments]
        return first - len(lines) + _first_bad(lines)
    if isinstance(loc.trailing_comments, bytes):
        return last + _first_bad(loc.trailing_comments.split(b"\n"))
    if any(isinstance(text, bytes) for text in loc.leading_detached_comments):
        return first
    return None


def _first_bad(lines: Sequence[bytes]) -> int:
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return i
    return 0


def _messages(proto: descriptor_pb2.FileDescriptorProto) -> Iterator[Tuple[str, descriptor_pb2.DescriptorProto, Tuple[int, ...]]]:
    stack = [(f"{proto.package}.{m.name}" if proto.package else m.name, m, (_FILE_MESSAGE, i))
             for i, m in enumerate(proto.message_type)]
    while stack:
        name, message, path = stack.pop()
        yield name, message, path
        stack.extend((f"{name}.{n.name}", n, (*path, _MESSAGE_NESTED, i)) for i, n in enumerate(message.nested_type))


def unloadable_file_problem(proto: descriptor_pb2.FileDescriptorProto, error: Exception) -> Problem:
    """Why the protobuf runtime refused `proto`, placed at its largest message (the likely cause)."""
    spans = {tuple(loc.path): loc.span for loc in proto.source_code_info.location}
    largest = max(_messages(proto), key=lambda m: len(m[1].field), default=None)
    if largest is None:
        return Problem(Location(proto.name), f"file {proto.name}", f"protobuf cannot load the file: {error}.",
                       "simplify the file's definitions.")
    name, message, path = largest
    span = spans.get(path)
    location = Location(proto.name, span[0] + 1, span[1] + 1) if span else Location(proto.name)
    return Problem(
        location,
        f"message {name}",
        f"the message has {len(message.field)} fields, more than the protobuf runtime the generator "
        f"runs on can load ({error}).",
        "split the message: move groups of fields into nested messages.",
    )
