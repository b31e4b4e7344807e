"""This repo's release backend: the `setup()` arguments of the ssegen wheel that BUILD files cannot
state without writing them twice.

- `version` is read from ssegen/version.py, the one place it is written down.
- `install_requires` are ranges, not the exact pins of the repo's resolve: Pants 2.17 installs
  plugins into its own Python 3.9 interpreter, constrained by the versions Pants itself runs with
  (e.g. setuptools<64, PyYAML<7), and `pip install` users have their own environments.
"""
from __future__ import annotations

import ast
from typing import Tuple

from pants.backend.python.target_types import PythonProvidesField
from pants.backend.python.util_rules.package_dists import SetupKwargs, SetupKwargsRequest
from pants.engine.fs import DigestContents, GlobMatchErrorBehavior, PathGlobs
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.engine.unions import UnionRule

DISTRIBUTION_NAME = "ssegen"

# The generator's imports. Lower bounds are the oldest versions with the APIs it uses (protobuf 5's
# descriptor API, which grpcio-tools 1.62 brought); upper bounds stop at the next major version (for
# grpcio-tools, at 1.72, whose protobuf requirement rises to 6).
INSTALL_REQUIRES: Tuple[str, ...] = (
    "Mako>=1.2,<2",
    "protobuf>=5.26.1,<6",
    "grpcio-tools>=1.62,<1.72",
    "PyYAML>=6.0,<7",
)


class SsegenSetupKwargsRequest(SetupKwargsRequest):
    @classmethod
    def is_applicable(cls, target: Target) -> bool:
        return target[PythonProvidesField].value.kwargs.get("name") == DISTRIBUTION_NAME


def read_version(source: str, path: str) -> str:
    """The `__version__ = "..."` assignment of a module's source."""
    for node in ast.parse(source, filename=path).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    raise ValueError(f"{path}: no `__version__ = \"...\"` assignment")


@rule
async def ssegen_setup_kwargs(request: SsegenSetupKwargsRequest) -> SetupKwargs:
    address = request.target.address
    kwargs = request.explicit_kwargs
    for key in ("version", "install_requires", "python_requires"):
        if key in kwargs:
            raise ValueError(f"{address}: `{key}` comes from {__name__}; remove it from `provides`.")
    path = f"{address.spec_path}/version.py"
    (version_file,) = await Get(
        DigestContents,
        PathGlobs([path], glob_match_error_behavior=GlobMatchErrorBehavior.error, description_of_origin=__name__),
    )
    return SetupKwargs(
        {
            **kwargs,
            "version": read_version(version_file.content.decode(), path),
            # The generator runs on the Python versions of the [ssegen] tool PEX (Pants itself is 3.9).
            "python_requires": ">=3.9",
            "install_requires": list(INSTALL_REQUIRES),
        },
        address=address,
        _allow_banned_keys=True,
    )


def rules():
    return [*collect_rules(), UnionRule(SetupKwargsRequest, SsegenSetupKwargsRequest)]
