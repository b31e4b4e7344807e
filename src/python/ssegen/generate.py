"""The pipeline: CodeGeneratorRequest -> options + model -> renderers -> files per output."""
from __future__ import annotations

from typing import Callable, Dict

from google.protobuf.compiler import plugin_pb2

from ssegen import openapi
from ssegen.build import build_model
from ssegen.model import Model
from ssegen.options import Options

Renderer = Callable[[Model, Options], Dict[str, str]]

RENDERERS: Dict[str, Renderer] = {
    "openapi": openapi.render,
}


def generate(request: plugin_pb2.CodeGeneratorRequest) -> Dict[str, Dict[str, str]]:
    """Generated files by output name, then by path. Raises GenerationError or OptionsError."""
    options = Options.parse(request.parameter)
    model = build_model(request.proto_file, request.file_to_generate)
    return {output: RENDERERS[output](model, options) for output in options.outputs}
