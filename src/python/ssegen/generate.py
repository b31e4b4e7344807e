"""The pipeline: CodeGeneratorRequest -> options + model -> renderers -> files per language."""
from __future__ import annotations

import contextlib
import gc
import sys
from typing import Callable, Dict, Iterator

from google.protobuf.compiler import plugin_pb2

from ssegen import golang, openapi, typescript
from ssegen.build import build_model
from ssegen.model import Model
from ssegen.options import LANGUAGE_OF, Options

Renderer = Callable[[Model, Options], Dict[str, str]]

RENDERERS: Dict[str, Renderer] = {
    "go_client": golang.render_client,
    "go_server": golang.render_server,
    "openapi": openapi.render,
    "ts_client": typescript.render_client,
    "ts_server": typescript.render_server,
    "ts_node": typescript.render_node,
}


def generate(request: plugin_pb2.CodeGeneratorRequest) -> Dict[str, Dict[str, str]]:
    """Generated files by language, then by path. Raises GenerationError or OptionsError.

    Outputs of one language may share files (e.g. the Go server and client both need the error
    types); a shared file must come out identical from each of them.
    """
    options = Options.parse(request.parameter)
    model = build_model(request.proto_file, request.file_to_generate, options)
    # protoc and the Pants rule pass a plugin's stderr on.
    for warning in model.warnings:
        print(warning, file=sys.stderr)
    languages: Dict[str, Dict[str, str]] = {}
    for output in options.outputs:
        files = languages.setdefault(LANGUAGE_OF[output], {})
        for path, content in RENDERERS[output](model, options).items():
            if files.setdefault(path, content) != content:
                raise AssertionError(f"two {LANGUAGE_OF[output]} outputs render {path} differently")
    return languages


@contextlib.contextmanager
def without_cycle_collector() -> Iterator[None]:
    """For a whole generation run: its objects live until it ends, so the cycle collector would
    only rescan the growing model (a quarter of the CPU of a large API) to find next to nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
