"""Where ssegen's Go code goes: the package it generates for a `go_package`, by name and import path.

Shared by the Go renderer and the Pants Go integration (which runs in Pants' own interpreter, so
this module imports nothing beyond the standard library).
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping, Optional

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


# A versioned proto package's last part, as buf recognises it: v1, v2beta1, v1alpha, v1test...
_PACKAGE_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d*|test\w*)?$")


def managed_go_package(proto_path: str, proto_package: str, prefix: str) -> str:
    """buf managed mode's go_package for a file: the prefix joined with the file's directory, and
    for a versioned proto package (acme.weather.v1) the package name of its last two parts
    (weatherv1); otherwise the directory's last element names the package."""
    import_path = posixpath.join(prefix.rstrip("/"), posixpath.dirname(proto_path)).rstrip("/")
    parts = proto_package.split(".")
    if len(parts) >= 2 and _PACKAGE_VERSION.match(parts[-1]):
        return f"{import_path};{parts[-2]}{parts[-1]}"
    return import_path


def effective_go_package(
    proto_path: str, proto_package: str, option: str, prefix: str = "", overrides: Mapping[str, str] = {}
) -> str:
    """The go_package a file is generated with: a per-file override, else its own option, else
    (when a prefix is set) buf managed mode's. Unlike buf's managed mode the prefix leaves files
    that have the option alone, so protoc-gen-go's messages of them keep their import path."""
    if proto_path in overrides:
        return overrides[proto_path]
    if option or not prefix:
        return option
    return managed_go_package(proto_path, proto_package, prefix)


_PACKAGE_STATEMENT = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.MULTILINE)
_GO_PACKAGE_OPTION = re.compile(r"""^\s*option\s+go_package\s*=\s*(?:"([^"]*)"|'([^']*)')\s*;""", re.MULTILINE)
_SERVICE = re.compile(r"^\s*service\s+\w+\s*\{", re.MULTILINE)


def _options_of(proto_source: str):
    """(go_package option, proto package) of a proto file's text; "" for each one it lacks."""
    match = _GO_PACKAGE_OPTION.search(proto_source)
    package = _PACKAGE_STATEMENT.search(proto_source)
    return ((match.group(1) or match.group(2)) if match else ""), (package.group(1) if package else "")


def effective_go_package_of(proto_source: str, proto_path: str, prefix: str = "", overrides: Mapping[str, str] = {}) -> str:
    """effective_go_package of a proto file, read from its text."""
    option, package = _options_of(proto_source)
    return effective_go_package(proto_path, package, option, prefix, overrides)


def generated_go_package(
    proto_source: str, proto_path: str = "", prefix: str = "", overrides: Mapping[str, str] = {}
) -> Optional[GoPackage]:
    """The package ssegen generates for a proto file (at import path proto_path), read from its
    text: None when the file has no service (nothing is generated) or no go_package (generation
    reports that)."""
    if not _SERVICE.search(proto_source):
        return None
    return parse_go_package(effective_go_package_of(proto_source, proto_path, prefix, overrides))


def remapped_go_package(
    proto_source: str, proto_path: str, prefix: str = "", overrides: Mapping[str, str] = {}
) -> str:
    """The go_package that the prefix or an override gives a file in place of its own option (for
    protoc-gen-go's `M<file>=` flag); "" when the file keeps its option, or has none and no prefix
    applies."""
    option, package = _options_of(proto_source)
    effective = effective_go_package(proto_path, package, option, prefix, overrides)
    return effective if effective != option else ""
