"""`ssegen`: compile protos and generate every selected output, one folder per language.

    ssegen --out DIR [--param key=value,...] [--proto-path ROOT]... FILE.proto...
    ssegen --print-include-dir

writes DIR/go/..., DIR/ts/... and DIR/openapi/... (only the languages the `outputs` in --param
select; default all), each holding paths relative to the import roots, e.g.
DIR/go/market/v1/marketv1http/ssegen_server.go. (protoc-gen-ssegen, the protoc plugin, writes the
same files into one tree.) The Pants rules run it as `python -m ssegen.cli` on stripped sources.

Paths are import paths relative to the import roots (default: the working directory). Nothing is
written unless every output was generated. Exit status 1 means a problem in the input, reported
on stderr as `file:line:column: error: ...`. `--print-include-dir` prints the folder holding the
bundled sebuf/http annotation protos, for `protoc -I` or a buf workspace.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from ssegen.descriptors import BUNDLED_INCLUDE_DIR, ProtocFailed, compile_request, source_reader
from ssegen.errors import GenerationError, OptionsError
from ssegen.generate import generate, without_cycle_collector
from ssegen.version import __version__


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ssegen",
        description="Generates into OUT/<language>/ (go, ts, openapi) from the given .proto files.",
    )
    parser.add_argument("--version", action="version", version=f"ssegen {__version__}")
    # An action like --version's: it answers and exits before the required arguments are checked.
    parser.add_argument(
        "--print-include-dir",
        action="version",
        version=BUNDLED_INCLUDE_DIR,
        help="print the folder of the bundled sebuf/http annotation protos and exit",
    )
    parser.add_argument("--out", required=True, help="output directory; each language gets a folder in it")
    parser.add_argument("--param", default="", help="generator options, key=value separated by commas")
    parser.add_argument("--proto-path", action="append", default=[], help="import root (default: .)")
    parser.add_argument("files", nargs="+", help=".proto files relative to the import roots")
    args = parser.parse_args(argv)
    try:
        with without_cycle_collector():
            import_roots = args.proto_path or ["."]
            request = compile_request(args.files, import_roots, args.param)
            outputs = generate(request, source_reader(import_roots))
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
