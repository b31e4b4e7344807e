"""Go build integration of ssegen: `backend_packages = [..., "ssegen.rules", "ssegen.rules.go"]`.

A separate backend, like Pants' `codegen.protobuf.go`, so repos without Go do not load Go rules.
Needs `pants.backend.experimental.go` and `pants.backend.experimental.codegen.protobuf.go`: the
messages the generated code imports come from it, and `#go_messages` (protos whose go_package
comes from go_package_prefix/overrides) uses its protoc-gen-go build.
"""
from pants.backend.go.target_types import GoOwningGoModAddressField

from ssegen.rules.go import rules as go_rules
from ssegen.rules.target_types import SseProtoGoMessagesTarget, SseProtoGoTarget, SseProtoLibraryTarget


def rules():
    return [
        *go_rules.rules(),
        # Fields registered on a target generator are copied into the targets it generates.
        SseProtoLibraryTarget.register_plugin_field(GoOwningGoModAddressField),
        SseProtoGoTarget.register_plugin_field(GoOwningGoModAddressField),
        SseProtoGoMessagesTarget.register_plugin_field(GoOwningGoModAddressField),
    ]
