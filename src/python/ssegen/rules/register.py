"""The ssegen Pants backend: `backend_packages = [..., "ssegen.rules"]`."""
from ssegen.rules import dependency_inference
from ssegen.rules import rules as codegen_rules
from ssegen.rules import tailor
from ssegen.rules.subsystem import SsegenSubsystem
from ssegen.rules.target_types import (
    SseProtoGoMessagesTarget,
    SseProtoGoTarget,
    SseProtoLibraryTarget,
    SseProtoOpenApiTarget,
    SseProtoTsTarget,
)


def target_types():
    return [SseProtoLibraryTarget, SseProtoGoTarget, SseProtoGoMessagesTarget, SseProtoTsTarget, SseProtoOpenApiTarget]


def rules():
    return [
        *codegen_rules.rules(),
        *dependency_inference.rules(),
        *tailor.rules(),
        *SsegenSubsystem.rules(),
    ]
