"""Command line used by the Pants rule: compile protos, generate, write `<out>/<language>/<path>`.

    python -m ssegen.cli --out DIR [--param key=value,...] FILE.proto...

Paths are import paths relative to the working directory (Pants' stripped sources). Nothing is
written unless every output was generated. Exit status 1 means a problem in the input, reported
on stderr as `file:line:column: error: ...`.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from ssegen.descriptors import ProtocFailed, compile_request
from ssegen.errors import GenerationError, OptionsError
from ssegen.generate import generate
from ssegen.version import __version__


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="ssegen")
    parser.add_argument("--version", action="version", version=f"ssegen {__version__}")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--param", default="", help="generator options, key=value separated by commas")
    parser.add_argument("--proto-path", action="append", default=[], help="import root (default: .)")
    parser.add_argument("files", nargs="+", help=".proto files relative to the import roots")
    args = parser.parse_args(argv)
    try:
        request = compile_request(args.files, args.proto_path or ["."], args.param)
        outputs = generate(request)
    except ProtocFailed:
        return 1
    except OptionsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except GenerationError as e:
        print(e, file=sys.stderr)
        return 1
    for language, files in sorted(outputs.items()):
        for path, content in sorted(files.items()):
            target = os.path.join(args.out, language, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as f:
                f.write(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
