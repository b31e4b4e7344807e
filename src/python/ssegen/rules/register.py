"""The ssegen Pants backend: `backend_packages = [..., "ssegen.rules"]`."""
from ssegen.rules import dependency_inference
from ssegen.rules import rules as codegen_rules
from ssegen.rules.subsystem import SsegenSubsystem
from ssegen.rules.target_types import SseProtoLibraryTarget, SseProtoOpenApiTarget


def target_types():
    return [SseProtoLibraryTarget, SseProtoOpenApiTarget]


def rules():
    return [
        *codegen_rules.rules(),
        *dependency_inference.rules(),
        *SsegenSubsystem.rules(),
    ]
