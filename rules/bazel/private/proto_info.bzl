"""The one place ProtoInfo comes from. rules_proto re-exports the provider proto_library returns:
Bazel's native one in rules_proto 4-6 (Bazel 4-7), protobuf's Starlark one in rules_proto 7
(Bazel 7-8, whose native proto rules are gone)."""

load("@rules_proto//proto:defs.bzl", _ProtoInfo = "ProtoInfo")

ProtoInfo = _ProtoInfo
