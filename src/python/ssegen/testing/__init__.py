"""Helpers shared by the tests (not shipped in the generator's tool PEX)."""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Iterable, Sequence, Tuple

import pytest  # pants: no-infer-dep (the pytest tool provides it)

# (proto source root, the files to generate from) of the golden test projects.
MARKET_DATA_PROJECT: Tuple[str, Tuple[str, ...]] = ("testprojects/market_data/proto", ("market/v1/market_data.proto",))
MULTI_PACKAGE_PROJECT: Tuple[str, Tuple[str, ...]] = (
    "testprojects/multi_package/proto",
    (
        "shop/common/v1/money.proto",
        "shop/catalog/v1/catalog.proto",
        "shop/orders/v1/types.proto",
        "shop/orders/v1/orders_service.proto",
        "shop/orders/v1/returns_service.proto",
    ),
)

JSON_MAPPING_PROJECT: Tuple[str, Tuple[str, ...]] = ("testprojects/json_mapping/proto", ("jsonmap/v1/jsonmap.proto",))
# Imports buf/validate/validate.proto, from src/protos (see generate_with_cli).
VALIDATION_PROJECT: Tuple[str, Tuple[str, ...]] = ("testprojects/validation/proto", ("validation/v1/validation.proto",))

# What Pants run from a test (RuleRunner, or a nested ./pants) needs of the environment ./pants
# set up: the interpreters, the bootstrap's cache, the pex CLI built from PyPI and the CA bundle.
PANTS_BOOTSTRAP_ENV: Tuple[str, ...] = (
    "PATH",
    "HOME",
    "PYENV_ROOT",
    "PANTS_PEX_CLI_VERSION",
    "PANTS_PEX_CLI_KNOWN_VERSIONS",
    "PANTS_PEX_CLI_URL_TEMPLATE",
    "PANTS_CA_CERTS_PATH",
)


def repo_path(relative: str) -> Path:
    """A repo file. Pants runs tests in a sandbox whose root (the working directory) holds `files`
    targets at their repo paths; run directly, the repo root is found from this file."""
    if (Path.cwd() / "testprojects").is_dir():
        return Path.cwd() / relative
    return Path(__file__).resolve().parents[4] / relative


def generate_with_cli(root: Path, protos: Sequence[str], outputs: Sequence[str], language: str) -> Dict[str, str]:
    """What `python -m ssegen.cli` writes for one language: path (relative to the import root) ->
    content. For running the harnesses outside Pants, where no codegen target produced the files."""
    from ssegen.cli import main

    parameter = ",".join(f"outputs={output}" for output in outputs)
    with tempfile.TemporaryDirectory(prefix="ssegen-gen-") as out:
        # src/protos after the project's root: the protovalidate protos some projects import.
        status = main(["--out", out, "--param", parameter, "--proto-path", str(root),
                       "--proto-path", str(repo_path("src/protos")), *protos])
        assert status == 0, f"ssegen failed for {root} (see captured stderr)"
        tree = Path(out, language)
        files = {p.relative_to(tree).as_posix(): p.read_text(encoding="utf-8") for p in sorted(tree.rglob("*")) if p.is_file()}
    assert files, f"ssegen wrote no {language} for {root}"
    return files


def run_checked(args: Sequence[str], cwd: Path, timeout: int, env: Dict[str, str], context: str = "") -> str:
    """Runs a command and returns what it printed (stdout and stderr); if it fails or outlives
    `timeout` seconds, fails the test with all of it. `context` prefixes the failure message."""
    prefix = f"{context}: " if context else ""
    try:
        result = subprocess.run(
            list(args),
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            encoding="utf-8",
            errors="replace",
        )
    except subprocess.TimeoutExpired as e:
        output = e.output.decode("utf-8", "replace") if isinstance(e.output, bytes) else (e.output or "")
        pytest.fail(f"{prefix}`{' '.join(args)}` did not finish within {timeout}s:\n{output}", pytrace=False)
    if result.returncode != 0:
        pytest.fail(f"{prefix}`{' '.join(args)}` exited with {result.returncode}:\n{result.stdout}", pytrace=False)
    return result.stdout


def assert_npm_package_pinned(package_dir: str, dev_dependencies: Iterable[str]) -> None:
    """The npm package's devDependencies are exactly these, each pinned to one version, and its
    lockfile matches them and records no download address (no registry host may be committed)."""
    package = json.loads(repo_path(package_dir + "/package.json").read_text(encoding="utf-8"))
    assert set(package.get("dependencies", {})) == set()
    dev = package["devDependencies"]
    assert set(dev) == set(dev_dependencies), dev
    for name, version in dev.items():
        assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version), f"{name} is not pinned exactly: {version}"
    lock = repo_path(package_dir + "/package-lock.json").read_text(encoding="utf-8")
    assert "://" not in lock and '"resolved"' not in lock, "package-lock.json records download addresses"
    locked = json.loads(lock)["packages"]
    for name, version in dev.items():
        assert locked[f"node_modules/{name}"]["version"] == version, f"lockfile out of date for {name}"
