"""Where ssegen's Go code goes: the package it generates for a `go_package`, by name and import path.

Shared by the Go renderer and the Pants Go integration (which runs in Pants' own interpreter, so
this module imports nothing beyond the standard library).
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

GO_KEYWORDS = frozenset(
    "break case chan const continue default defer else fallthrough for func go goto if import interface "
    "map package range return select struct switch type var".split()
)


def go_sanitized(name: str) -> str:
    """protoc-gen-go's package name cleaning: letters and digits only, not a keyword, starting
    with a letter."""
    name = "".join(c if c.isalpha() or unicodedata.category(c) == "Nd" else "_" for c in name)
    if name in GO_KEYWORDS or not name[:1].isalpha():
        return "_" + name
    return name


@dataclass(frozen=True)
class GoPackage:
    """protoc-gen-go's package of a proto file: its import path and name."""

    import_path: str
    name: str

    @property
    def http_name(self) -> str:
        """The name of the package ssegen generates beside it, in a subdirectory of the same name."""
        return self.name + "http"

    @property
    def http_import_path(self) -> str:
        return f"{self.import_path}/{self.http_name}"


def parse_go_package(option: str) -> Optional[GoPackage]:
    """The Go package of a `go_package` option, as protoc-gen-go reads it; None when unset."""
    if not option:
        return None
    import_path, _, name = option.partition(";")
    return GoPackage(import_path, name or go_sanitized(posixpath.basename(import_path)))


_GO_PACKAGE_OPTION = re.compile(r"""^\s*option\s+go_package\s*=\s*(?:"([^"]*)"|'([^']*)')\s*;""", re.MULTILINE)
_SERVICE = re.compile(r"^\s*service\s+\w+\s*\{", re.MULTILINE)


def generated_go_package(proto_source: str) -> Optional[GoPackage]:
    """The package ssegen generates for a proto file, read from its text: None when the file has no
    service (nothing is generated) or no go_package (generation reports that)."""
    if not _SERVICE.search(proto_source):
        return None
    match = _GO_PACKAGE_OPTION.search(proto_source)
    return parse_go_package(match.group(1) or match.group(2)) if match else None
