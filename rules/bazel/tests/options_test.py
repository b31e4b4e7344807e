"""Under Bazel: sse_proto_library's go_package_overrides reach the generator, which then writes
the Go server into the overriding package (otherv1http) instead of the proto's go_package."""
from __future__ import annotations

import sys
from pathlib import Path


def main(tree: str) -> int:
    files = sorted(p.relative_to(tree).as_posix() for p in Path(tree).rglob("*.go"))
    expected_dir = "market/v1/otherv1http/"
    assert files and all(f.startswith(expected_dir) for f in files), f"not all under {expected_dir}: {files}"
    server = Path(tree, expected_dir, "market_data_server.ssegen.go").read_text(encoding="utf-8")
    assert "\npackage otherv1http\n" in server, "the server is not in package otherv1http"
    print(f"{len(files)} files in {expected_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
