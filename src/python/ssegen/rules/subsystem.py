"""`[ssegen]`: how the generator's tool PEX is built, and plugin-wide switches."""
from __future__ import annotations

from pants.option.option_types import BoolOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import help_text


class SsegenSubsystem(Subsystem):
    options_scope = "ssegen"
    help = "The ssegen code generator behind `sse_proto_library` targets."

    # Pinned, with every transitive dependency, so the tool PEX is the same on every machine.
    # 3rdparty/python/constraints.txt pins the same versions for the repo's own tests, except
    # setuptools: only grpcio-tools' metadata asks for it (its protoc module needs it on Python < 3.9
    # alone), and the version here has the fixes for CVE-2022-40897 (65.5.1), CVE-2024-6345 (70.0)
    # and CVE-2025-47273 (78.1.1). The repo's resolve holds pantsbuild.pants 2.17, which requires
    # setuptools<64, so it cannot follow.
    requirements = StrListOption(
        default=[
            "Mako==1.3.10",
            "MarkupSafe==3.0.4",
            "PyYAML==6.0.3",
            "grpcio==1.71.2",
            "grpcio-tools==1.71.2",
            "protobuf==5.29.6",
            "setuptools==80.9.0",
        ],
        help=help_text(
            """
            Python requirements of the generator's tool PEX (Mako, protobuf, PyYAML, and
            grpcio-tools, whose wheel carries protoc and the well-known `.proto` files). Pin
            every package with `==`: these are resolved without a lockfile.
            """
        ),
        advanced=True,
    )
    interpreter_constraints = StrListOption(
        default=["CPython>=3.9,<3.13"],
        help="Python versions the generator may run on.",
        advanced=True,
    )
    tailor = BoolOption(
        default=False,
        help=help_text(
            """
            Let `pants tailor` propose an `sse_proto_library` for each directory with unowned
            `.proto` files that import the `sebuf/http` annotations. Off by default because the
            protobuf backend's tailor proposes `protobuf_sources` for the same files; turn that
            one off (`[protoc].tailor = false`) when you turn this on.
            """
        ),
    )
    go_package_prefix = StrOption(
        default="",
        help=help_text(
            """
            The `go_package_prefix` of every `sse_proto_library` that sets none: buf managed mode's
            `go_package` (this prefix plus the proto's directory) for protos without the option.
            """
        ),
    )
    dependency_inference = BoolOption(
        default=True,
        help=help_text(
            """
            Infer the dependencies of `sse_proto_library` targets from the `import` statements of
            their `.proto` files (on other `sse_proto_library` and `protobuf_sources` targets).
            """
        ),
    )
    environment = StrOption(
        default=None,
        help=help_text(
            """
            The environment (a name from `[environments-preview].names`) that the generator and
            its tool PEX run in, instead of the environment of whatever needs the generated code.
            Name a `remote_environment` to send only ssegen's codegen to remote execution
            (`--remote-execution` on) while every other process stays in its own environment:
            see docs/remote-execution.md.
            """
        ),
    )
