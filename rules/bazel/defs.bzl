"""ssegen's Bazel rules. See README.md, "Using ssegen with Bazel".

    load("@ssegen//rules/bazel:defs.bzl", "sse_proto_library")
"""

load("//rules/bazel/private:sse_proto_library.bzl", _sse_proto_library = "sse_proto_library")

sse_proto_library = _sse_proto_library
