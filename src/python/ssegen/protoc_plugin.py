"""`protoc-gen-ssegen`: the generator as a plain protoc plugin (protoc, buf generate, Bazel).

    protoc -I. -I<ssegen>/protos --ssegen_out=out --ssegen_opt=outputs=openapi api/v1/api.proto
    protoc-gen-ssegen --version
"""
from __future__ import annotations

import sys

from google.protobuf.compiler import plugin_pb2

from ssegen.errors import GenerationError, OptionsError
from ssegen.generate import generate
from ssegen.version import __version__


def respond(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    try:
        outputs = generate(request)
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
    sys.stdout.buffer.write(respond(request).SerializeToString())


if __name__ == "__main__":
    main()
