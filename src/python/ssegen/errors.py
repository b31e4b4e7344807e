"""Errors a user can fix: each names where (file, line, column), what is wrong and how to fix it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Location:
    """A position in a .proto file; file is the import path (relative to its source root)."""

    file: str
    line: Optional[int] = None  # 1-based
    column: Optional[int] = None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def sort_key(self) -> Tuple[str, int, int]:
        return (self.file, self.line or 0, self.column or 0)


@dataclass(frozen=True)
class Problem:
    location: Location
    subject: str  # e.g. "method market.v1.MarketDataService.GetQuote, field symbol"
    message: str
    fix: str
    severity: str = "error"  # or "warning": reported, and generation goes on

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.subject}: {self.message}\n    fix: {self.fix}"


class GenerationError(Exception):
    """The input cannot be generated from; carries every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.location.sort_key(), p.subject)))
        super().__init__("\n".join(str(p) for p in self.problems))


class OptionsError(Exception):
    """A generator option (Pants field or protoc plugin parameter) has a bad value."""


# A `path.proto:line` position in a message (protoc's or the generator's).
_PROTO_POSITION = re.compile(r"(?<![\w/.-])([\w/.-]+\.proto)(?=:\d)")


def to_source_paths(text: str, source_paths: Mapping[str, str]) -> str:
    """Rewrites `import/path.proto:line` positions to the paths users open (their repo or Bazel
    workspace path), given import path -> that path; other positions stay as they are."""
    return _PROTO_POSITION.sub(lambda m: source_paths.get(m.group(1), m.group(1)), text)
