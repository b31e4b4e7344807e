"""Compiles .proto files to descriptors with the protoc that ships in the grpcio-tools wheel."""
from __future__ import annotations

import os
import tempfile
from typing import Callable, Optional, Sequence

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2

BUNDLED_INCLUDE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "protos")


class ProtocFailed(Exception):
    """protoc rejected the input; it has already printed file:line:column messages to stderr."""


def source_reader(import_roots: Sequence[str]) -> Callable[[str], Optional[str]]:
    """Reads a proto's text by import path from the first import root holding it, as protoc
    resolves it (None when none does): the generator points errors inside option values with it."""

    def read(import_path: str) -> Optional[str]:
        for root in import_roots:
            path = os.path.join(root, import_path)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    return f.read().decode("utf-8", errors="replace")
        return None

    return read


def well_known_include_dir() -> str:
    import grpc_tools

    return os.path.join(os.path.dirname(os.path.abspath(grpc_tools.__file__)), "_proto")


def compile_request(files: Sequence[str], import_roots: Sequence[str], parameter: str) -> plugin_pb2.CodeGeneratorRequest:
    """The request protoc would send a plugin for `files`, paths relative to the import roots.

    The bundled sebuf.http annotations and the well-known types are found after the given roots,
    so a repo's own copy of the annotations wins.
    """
    from grpc_tools import protoc

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "descriptors.pb")
        args = ["protoc"]
        args += [f"--proto_path={root}" for root in (*import_roots, BUNDLED_INCLUDE_DIR, well_known_include_dir())]
        args += [f"--descriptor_set_out={out}", "--include_imports", "--include_source_info", *files]
        if protoc.main(args) != 0:
            raise ProtocFailed()
        with open(out, "rb") as f:
            descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    request = plugin_pb2.CodeGeneratorRequest(parameter=parameter)
    request.file_to_generate.extend(files)
    request.proto_file.extend(descriptor_set.file)
    return request
