"""`protoc-gen-ssegen`: the generator as a plain protoc plugin (protoc, buf generate, Bazel).

    protoc -I. -I<ssegen>/protos --ssegen_out=out --ssegen_opt=outputs=openapi api/v1/api.proto
    protoc-gen-ssegen --version
"""
from __future__ import annotations

import os
import sys

from google.protobuf.compiler import plugin_pb2

from ssegen.descriptors import source_reader
from ssegen.errors import GenerationError, OptionsError
from ssegen.generate import generate, without_cycle_collector
from ssegen.version import __version__


# protoc does not tell a plugin its -I roots; they can be given here (os.pathsep-separated), else
# the files are looked for from the current directory. Only error positions depend on it.
PROTO_PATH_ENV = "SSEGEN_PROTO_PATH"


def respond(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    roots = [r for r in os.environ.get(PROTO_PATH_ENV, "").split(os.pathsep) if r] or ["."]
    try:
        outputs = generate(request, source_reader(roots))
    except (GenerationError, OptionsError) as e:
        # protoc prints the error and exits non-zero without writing any file.
        response.error = str(e)
        return response
    for files in outputs.values():
        for path in sorted(files):
            response.file.add(name=path, content=files[path])
    return response


def main() -> None:
    # protoc runs plugins without arguments; `--version` is for people checking what is installed.
    if sys.argv[1:] == ["--version"]:
        print(f"protoc-gen-ssegen {__version__}")
        return
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    with without_cycle_collector():
        response = respond(request)
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
