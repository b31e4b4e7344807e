"""Lays out exported generated Go by import path and writes a go.work over it (see go-workspace).

    python3 go_workspace.py --codegen dist/codegen --out dist/go-workspace MODULE_DIR...

Each generated .go file names its protos in `// source:` lines, relative to their source root. The
file's folder under --codegen tells the source root; the proto's `go_package` tells the import path:
protoc-gen-go's messages at the import path itself, ssegen's package in `<name>http` below it. Each
messages import path becomes one module of --out (the go.mod takes the `go` and `require` lines of
the first MODULE_DIR, which the generated code shares); go.work uses them and every MODULE_DIR.
Needs only ssegen.golayout besides the standard library; run from the repo root: the protos are read at their repo paths.
"""
from __future__ import annotations

import argparse
import os
import posixpath
import re
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

# ssegen's own rules for Go package names (a standard-library-only module): from this repo's
# sources when run here, else from an installed ssegen wheel.
sys.path.append(str(Path(__file__).resolve().parent.parent / "src" / "python"))
from ssegen.golayout import GoPackage, parse_go_package  # noqa: E402

_SOURCE = re.compile(r"^// source: (\S+\.proto)$", re.MULTILINE)
_GO_PACKAGE = re.compile(r"""^\s*option\s+go_package\s*=\s*"([^"]*)"\s*;""", re.MULTILINE)
_KEPT_GO_MOD_LINES = re.compile(r"^(go \S+|toolchain \S+)$|^require\b.*|^\t\S+ v\S+.*$|^\)$", re.MULTILINE)


class LayoutError(Exception):
    pass


def imported_go_package(codegen: Path, proto_dir: str) -> Optional[GoPackage]:
    """The messages package ssegen's code beside a proto imports (`<name> "<path>"` in a
    `<name>http` folder): the go_package of a proto without the option, which go_package_prefix or
    go_package_overrides gave it."""
    for http_file in sorted(Path(codegen, proto_dir).glob("*http/*.go")):
        name = http_file.parent.name[: -len("http")]
        match = re.search(rf'^\t{re.escape(name)} "([^"]+)"$', http_file.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            return GoPackage(match.group(1), name)
    return None


def package_of(codegen: Path, go_file: Path) -> Tuple[str, GoPackage]:
    """(import path of the file's package, the go_package of its proto)."""
    relative_dir = go_file.parent.relative_to(codegen).as_posix()
    sources = _SOURCE.findall(go_file.read_text(encoding="utf-8")[:4096])
    if not sources:
        raise LayoutError(f"{go_file}: no `// source:` line")
    proto_dir = posixpath.dirname(sources[0])
    for is_ssegen, package_dir in ((False, relative_dir), (True, posixpath.dirname(relative_dir))):
        root = package_dir[: -len(proto_dir)].rstrip("/") if proto_dir else package_dir
        if (package_dir == proto_dir or package_dir.endswith("/" + proto_dir)) and Path(root, sources[0]).is_file():
            match = _GO_PACKAGE.search(Path(root, sources[0]).read_text(encoding="utf-8"))
            go_package = parse_go_package(match.group(1) if match else "") or imported_go_package(
                codegen, posixpath.join(root, proto_dir)
            )
            if go_package is None:
                raise LayoutError(f"{root}/{sources[0]}: no go_package")
            if is_ssegen and posixpath.basename(relative_dir) == go_package.http_name:
                return go_package.http_import_path, go_package
            if not is_ssegen:
                return go_package.import_path, go_package
    raise LayoutError(f"{go_file}: cannot find {sources[0]} under a source root")


_REQUIREMENT = re.compile(r"^(?:require\s+|\t)([^\s()]+)\s+v\S+", re.MULTILINE)


def required_modules(modules: List[Path]) -> List[str]:
    """The module paths the modules' go.mod files require."""
    return sorted({m.group(1) for d in modules for m in _REQUIREMENT.finditer((d / "go.mod").read_text(encoding="utf-8"))})


def provided_by(import_path: str, required: List[str]) -> bool:
    """Whether one of the required modules holds the package at import_path."""
    return any(import_path == m or import_path.startswith(m + "/") for m in required)


def layout(codegen: Path, out: Path, modules: List[Path]) -> List[str]:
    """Writes the modules and go.work; returns the modules' import paths."""
    packages: Dict[str, List[Path]] = {}
    module_of: Dict[str, str] = {}
    required = required_modules(modules)
    for go_file in sorted(codegen.rglob("*.go")):
        import_path, go_package = package_of(codegen, go_file)
        # A package a required module provides (protovalidate's buf/validate, which Pants also
        # generates from validate.proto's protobuf_sources) stays the module's: a workspace module
        # at its import path would shadow it.
        if provided_by(import_path, required):
            continue
        packages.setdefault(import_path, []).append(go_file)
        module_of[import_path] = go_package.import_path
    shutil.rmtree(out, ignore_errors=True)
    go_mod = "".join(m.group(0) + "\n" for m in _KEPT_GO_MOD_LINES.finditer((modules[0] / "go.mod").read_text(encoding="utf-8")))
    for import_path, files in packages.items():
        target = out / import_path
        target.mkdir(parents=True, exist_ok=True)
        for go_file in files:
            shutil.copyfile(go_file, target / go_file.name)
    roots = sorted(set(module_of.values()))
    for root in roots:
        (out / root / "go.mod").write_text(f"module {root}\n\n{go_mod}", encoding="utf-8")
        if (modules[0] / "go.sum").is_file():
            shutil.copyfile(modules[0] / "go.sum", out / root / "go.sum")
    go_line = next((line for line in go_mod.splitlines() if line.startswith("go ")), "go 1.22")
    uses = [os.path.relpath(m.resolve(), out.resolve()) for m in modules] + [f"./{root}" for root in roots]
    (out / "go.work").write_text(go_line + "\n\nuse (\n" + "".join(f"\t{u}\n" for u in uses) + ")\n", encoding="utf-8")
    return roots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codegen", type=Path, required=True, help="what export-codegen wrote")
    parser.add_argument("--out", type=Path, required=True, help="where the modules and go.work go")
    parser.add_argument("modules", type=Path, nargs="+", help="your Go modules (folders with a go.mod)")
    args = parser.parse_args()
    try:
        roots = layout(args.codegen, args.out, args.modules)
    except LayoutError as e:
        print(f"go-workspace: error: {e}", file=sys.stderr)
        return 1
    print(f"go-workspace: wrote {args.out}/go.work with {len(roots)} generated module(s); "
          f"export GOWORK={args.out.resolve()}/go.work", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
