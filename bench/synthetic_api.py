"""Writes the synthetic API the codegen benchmark generates from.

    python bench/synthetic_api.py OUT_DIR FILES [SERVICES_PER_FILE RPCS_PER_SERVICE]

FILES proto files (`synth/v1/api_NNN.proto`), each with SERVICES services of RPCS methods; every
fourth method streams. Each service has its own base path, so routes never collide; paths mix
literal segments, a `{variable}` and query parameters the way real APIs do. The default shape,
50 files x 10 services x 10 RPCs, is the 5,000-RPC API of issue 14.
"""
from __future__ import annotations

import os
import sys
from typing import List

HEADER = """\
// Synthetic API {index} for the codegen benchmark (bench/synthetic_api.py).
syntax = "proto3";

package synth.v1;

import "google/protobuf/timestamp.proto";
import "sebuf/http/annotations.proto";

option go_package = "example.com/ssegen/bench/synthv1;synthv1";
"""

MESSAGES = """
// Item {f} is what every method of file {f} returns.
message Item{f} {{
  string id = 1;
  string name = 2;
  int64 version = 3;
  double price = 4;
  repeated string tags = 5;
  google.protobuf.Timestamp updated_at = 6;
  map<string, string> labels = 7;
  Kind{f} kind = 8;
}}

// Kind{f} classifies an item.
enum Kind{f} {{
  KIND{f}_UNSPECIFIED = 0;
  KIND{f}_SMALL = 1;
  KIND{f}_LARGE = 2;
}}

// GetItem{f}Request names one item.
message GetItem{f}Request {{
  string id = 1;
  int32 limit = 2 [(sebuf.http.query) = {{name: "limit"}}];
}}

// PutItem{f}Request replaces one item.
message PutItem{f}Request {{
  string id = 1;
  Item{f} item = 2;
}}
"""


def rpc(f: int, s: int, m: int) -> str:
    streaming = m % 4 == 3
    if m % 2 == 0 or streaming:
        request, verb, path = f"GetItem{f}Request", "HTTP_METHOD_GET", f"/things{m}/{{id}}"
    else:
        request, verb, path = f"PutItem{f}Request", "HTTP_METHOD_PUT", f"/things{m}/{{id}}"
    if streaming:
        path += "/watch"
    returns = f"stream Item{f}" if streaming else f"Item{f}"
    return (
        f"  // Method{m} of service {s} in file {f}.\n"
        f"  rpc Method{m}({request}) returns ({returns}) {{\n"
        f'    option (sebuf.http.config) = {{path: "{path}" method: {verb}}};\n'
        "  }\n"
    )


def proto_file(f: int, services: int, rpcs: int) -> str:
    parts: List[str] = [HEADER.format(index=f), MESSAGES.format(f=f)]
    for s in range(services):
        parts.append(f"\n// Service{f}x{s} is one of the benchmark's services.\nservice Service{f}x{s} {{\n")
        parts.append(f'  option (sebuf.http.service_config) = {{base_path: "/api/f{f}/s{s}"}};\n\n')
        parts.append("\n".join(rpc(f, s, m) for m in range(rpcs)))
        parts.append("}\n")
    return "".join(parts)


def write(out: str, files: int, services: int = 10, rpcs: int = 10) -> List[str]:
    """Writes the protos under `out` and returns their import paths."""
    paths = []
    os.makedirs(os.path.join(out, "synth", "v1"), exist_ok=True)
    for f in range(files):
        path = f"synth/v1/api_{f:03d}.proto"
        with open(os.path.join(out, path), "w", encoding="utf-8") as fh:
            fh.write(proto_file(f, services, rpcs))
        paths.append(path)
    return paths


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[2:]]
    print("\n".join(write(sys.argv[1], *args)))
