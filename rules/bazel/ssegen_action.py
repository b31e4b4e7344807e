"""The action of sse_proto_library: protoc with protoc-gen-ssegen, for Bazel.

    ssegen_action @PARAMS   (Bazel's parameter file: one argument per line; see _parser)

Runs protoc on the files to generate from (import paths), with the generator as its plugin, and
writes under --out. A failure is reported as the generator reports it, `file:line:column: error:
...`, with the file's workspace path instead of its import path (Bazel compiles from virtual
import directories users never see). With --expect, the generated files must be exactly those
(the declared `outs`); otherwise the action fails and says which differ.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from ssegen.errors import to_source_paths

# Set by the stub of this py_binary; protoc-gen-ssegen's stub would take them for its own.
_RUNFILES_ENV = ("RUNFILES_DIR", "RUNFILES_MANIFEST_FILE", "PYTHON_RUNFILES", "JAVA_RUNFILES")
_PLUGIN_PREFIX = "--ssegen_out: "


def _parser() -> argparse.ArgumentParser:
    # No fromfile_prefix_chars: a label in the arguments (@repo//pkg:name) is no file to read.
    parser = argparse.ArgumentParser(prog="ssegen_action")
    parser.add_argument("--label", required=True, help="the sse_proto_library, for messages")
    parser.add_argument("--protoc", required=True)
    parser.add_argument("--plugin", required=True, help="protoc-gen-ssegen")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--parameter", required=True, help="the generator's protoc plugin parameter")
    parser.add_argument("--proto-path", action="append", default=[], help="an import root (-I)")
    parser.add_argument("--source", action="append", default=[], help="IMPORT_PATH=WORKSPACE_PATH")
    parser.add_argument("--expect", action="append", help="a declared output, relative to --out")
    parser.add_argument("files", nargs="+", help="the files to generate from, as import paths")
    return parser


def _protoc(args: argparse.Namespace) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in _RUNFILES_ENV}
    # The plugin reads the protos' text from these roots, to point errors inside option values.
    env["SSEGEN_PROTO_PATH"] = os.pathsep.join(args.proto_path)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    argv = [
        args.protoc,
        *(f"-I{p}" for p in args.proto_path),
        f"--plugin=protoc-gen-ssegen={args.plugin}",
        f"--ssegen_out={args.parameter}:{args.out}",
        *args.files,
    ]
    return subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", errors="replace")


def _user_message(stderr: str, sources: Sequence[str]) -> str:
    """protoc's output with workspace paths, and without the prefix protoc puts on plugin errors."""
    paths = dict(s.split("=", 1) for s in sources)
    lines = [line[len(_PLUGIN_PREFIX):] if line.startswith(_PLUGIN_PREFIX) else line for line in stderr.splitlines()]
    return to_source_paths("\n".join(lines), paths)


def _outs_mismatch(label: str, out: Path, expected: Sequence[str], ignored: Sequence[Path]) -> Optional[str]:
    """`ignored`: the parameter files Bazel wrote for this action, next to the first output."""
    skip = {p.resolve() for p in ignored}
    generated = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.resolve() not in skip)
    missing = sorted(set(expected) - set(generated))
    extra = sorted(set(generated) - set(expected))
    if not missing and not extra:
        return None
    lines = [f"{label}: the generated files differ from `outs`:"]
    lines += [f"  generated, not in outs: {p}" for p in extra]
    lines += [f"  in outs, not generated: {p}" for p in missing]
    lines.append("    fix: set `outs` to the generated files:")
    lines += [f'        "{p}",' for p in generated]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    params = [Path(a[1:]) for a in argv if a.startswith("@")]
    argv = [line for a in argv for line in (Path(a[1:]).read_text(encoding="utf-8").splitlines() if a.startswith("@") else [a])]
    args = _parser().parse_args(argv)
    result = _protoc(args)
    if result.returncode != 0:
        print(_user_message(result.stderr.strip(), args.source), file=sys.stderr)
        return 1
    if result.stderr.strip():
        print(_user_message(result.stderr.strip(), args.source), file=sys.stderr)
    if args.expect is not None:
        mismatch = _outs_mismatch(args.label, Path(args.out), args.expect, params)
        if mismatch:
            print(mismatch, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
