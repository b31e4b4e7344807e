"""WORKSPACE setup of ssegen's rules (Bazel 4-7 without bzlmod; under bzlmod, MODULE.bazel does it).

    load("@ssegen//rules/bazel:repositories.bzl", "ssegen_dependencies")
    ssegen_dependencies()
    register_toolchains("@ssegen_pip//:python_toolchain")  # unless you register a Python toolchain

The workspace also needs @rules_proto and @rules_python (./bazel supplies stand-ins on Bazel 4).
"""

load("//rules/bazel/private:pip.bzl", "ssegen_pip")
load("//rules/bazel/private:protoc.bzl", "ssegen_protoc")

def ssegen_dependencies(python = "python3", protobuf_repo_name = "com_google_protobuf"):
    """Declares @ssegen_pip (the generator's Python dependencies, pinned) and, unless the workspace
    already has one, a protobuf repository providing protoc and the well-known types.

    Args:
      python: the interpreter (>= 3.9) that installs and runs the generator.
      protobuf_repo_name: where ssegen and Bazel's proto rules find protoc.
    """
    existing = native.existing_rules()
    if "ssegen_pip" not in existing:
        ssegen_pip(name = "ssegen_pip", python = python, requirements = Label("//rules/bazel:requirements.txt"))
    if protobuf_repo_name not in existing:
        ssegen_protoc(name = protobuf_repo_name, python = python)
