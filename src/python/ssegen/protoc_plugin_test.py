"""Runs ssegen as a real protoc plugin (protoc-gen-ssegen) with the protoc of grpcio-tools."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest  # pants: no-infer-dep (the pytest tool provides it)

import ssegen
from ssegen.descriptors import BUNDLED_INCLUDE_DIR, compile_request, well_known_include_dir
from ssegen.generate import generate
from ssegen.protoc_plugin import PROTO_PATH_ENV
from ssegen.testing import repo_path
from ssegen.version import __version__


MARKET_ROOT = "testprojects/market_data/proto"
MARKET_FILES = ["market/v1/market_data.proto"]
INVALID_ROOT = "testprojects/invalid/proto"

# The directory that holds the ssegen package (src/python, or the root of a Pants sandbox), then
# everything this interpreter can import (third-party packages, which Pants supplies in a PEX).
PYTHONPATH = os.pathsep.join(
    dict.fromkeys([os.path.dirname(os.path.dirname(os.path.abspath(ssegen.__file__)))] + [p for p in sys.path if p])
)


def subprocess_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHONPATH
    return env


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """An executable protoc-gen-ssegen that runs the plugin module with this interpreter."""
    shim = tmp_path / "bin" / "protoc-gen-ssegen"
    shim.parent.mkdir()
    shim.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(PYTHONPATH)} exec {shlex.quote(sys.executable)} -m ssegen.protoc_plugin \"$@\"\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return shim


def run_protoc(
    plugin: Path, root: Path, files: Sequence[str], out: Path, parameter: str, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    out.mkdir(parents=True, exist_ok=True)
    args: List[str] = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--plugin=protoc-gen-ssegen={plugin}",
        f"--ssegen_out={out}",
        f"-I{root}",
        f"-I{BUNDLED_INCLUDE_DIR}",
        f"-I{well_known_include_dir()}",
    ]
    if parameter:
        args.append(f"--ssegen_opt={parameter}")
    args += list(files)
    return subprocess.run(
        args, cwd=str(out), env={**subprocess_env(), **(env or {})}, capture_output=True, text=True, timeout=300
    )


def written_files(out: Path) -> Dict[str, str]:
    return {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def expected_files(root: Path, files: Sequence[str], parameter: str) -> Dict[str, str]:
    """What the library generates for the same input: every output's files, by path."""
    merged: Dict[str, str] = {}
    for output_files in generate(compile_request(list(files), [str(root)], parameter)).values():
        for path, content in output_files.items():
            assert path not in merged, f"two outputs write {path}"
            merged[path] = content
    return merged


@pytest.mark.parametrize(
    "parameter, expected_paths",
    [
        ("outputs=openapi", ["market/v1/MarketDataService.openapi.yaml"]),
        ("outputs=openapi,openapi_format=json,openapi_version=3.2", ["market/v1/MarketDataService.openapi.json"]),
        (
            "outputs=openapi,openapi_bundle=true,openapi_bundle_name=market,openapi_title=Market",
            ["market/v1/market.yaml"],
        ),
    ],
)
def test_plugin_output_equals_library_output(
    plugin: Path, tmp_path: Path, parameter: str, expected_paths: List[str]
) -> None:
    root = repo_path(MARKET_ROOT)
    out = tmp_path / "out"
    result = run_protoc(plugin, root, MARKET_FILES, out, parameter)
    assert result.returncode == 0, result.stderr
    written = written_files(out)
    assert sorted(written) == expected_paths
    assert written == expected_files(root, MARKET_FILES, parameter)


def test_plugin_on_several_files_and_packages(plugin: Path, tmp_path: Path) -> None:
    root = repo_path("testprojects/multi_package/proto")
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.proto"))
    out = tmp_path / "out"
    result = run_protoc(plugin, root, files, out, "outputs=openapi,openapi_format=json")
    assert result.returncode == 0, result.stderr
    written = written_files(out)
    assert sorted(written) == [
        "shop/catalog/v1/CatalogService.openapi.json",
        "shop/orders/v1/OrderService.openapi.json",
        "shop/orders/v1/ReturnService.openapi.json",
    ]
    assert written == expected_files(root, files, "outputs=openapi,openapi_format=json")


def _invalid_cases() -> List[str]:
    root = repo_path(INVALID_ROOT)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _invalid_cases())
def test_plugin_reports_invalid_input(plugin: Path, tmp_path: Path, case: str) -> None:
    root = repo_path(INVALID_ROOT)
    expected = (root / case / "expected_error.txt").read_text(encoding="utf-8")
    expected = expected.replace(INVALID_ROOT + "/", "").rstrip("\n")
    out = tmp_path / "out"
    # protoc does not pass its -I roots to plugins: told them, the plugin reads the protos' text and
    # points errors inside option values at the field.
    result = run_protoc(plugin, root, [f"{case}/{case}.proto"], out, "", env={PROTO_PATH_ENV: str(root)})
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert written_files(out) == {}


def test_plugin_without_the_protos_text_reports_the_option(plugin: Path, tmp_path: Path) -> None:
    """Where the plugin cannot read the file, an error inside an option's value names the option."""
    root = repo_path(INVALID_ROOT)
    case = "path_var_unknown_field"
    result = run_protoc(plugin, root, [f"{case}/{case}.proto"], tmp_path / "out", "")
    assert result.returncode != 0
    # 12:5 is `option (sebuf.http.config) = {`; with the text, 13:7 is its `path:`.
    assert f"{case}/{case}.proto:12:5: error: method invalid.{case}.ItemService.GetItem: path variable" in result.stderr


def test_plugin_reports_bad_options(plugin: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_protoc(plugin, repo_path(MARKET_ROOT), MARKET_FILES, out, "openapi_version=3.0")
    assert result.returncode != 0
    assert "openapi_version must be one of 3.1, 3.2, not '3.0'." in result.stderr, result.stderr
    assert written_files(out) == {}


def test_plugin_supports_proto3_optional(plugin: Path, tmp_path: Path) -> None:
    """market_data has proto3 `optional` fields: protoc refuses plugins that do not declare support."""
    out = tmp_path / "out"
    result = run_protoc(plugin, repo_path(MARKET_ROOT), MARKET_FILES, out, "")
    assert result.returncode == 0, result.stderr
    assert "proto3 optional" not in result.stderr


def test_plugin_version(plugin: Path) -> None:
    result = subprocess.run([str(plugin), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"protoc-gen-ssegen {__version__}\n"
    assert __version__.count(".") == 2 and all(part.isdigit() for part in __version__.split("."))
