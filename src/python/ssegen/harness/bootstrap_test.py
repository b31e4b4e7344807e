"""./pants names a missing `go` or `node` up front, instead of Pants failing later with "Cannot
find any go binaries" or a Node.js lookup error; and the Go it hands Pants reports Go versions in
the form Pants 2.17 reads.

Runs the real script (`./pants --version`, which starts Pants without pantsd) once with a PATH on
which nothing is found and once with this PATH. Uses the bootstrap already in the cache (the script
skips it when its files exist), so each run is one Pants start, a few seconds.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import PANTS_BOOTSTRAP_ENV, repo_path

MISSING_GO = "pants: no `go` on PATH"
MISSING_NODE = "pants: no `node` on PATH"


def run_pants(tmp_path: Path, path: str) -> subprocess.CompletedProcess:
    shutil.copy(repo_path("pants"), tmp_path / "pants")
    (tmp_path / "pants.toml").write_text('[GLOBAL]\npants_version = "2.17.1"\n', encoding="utf-8")
    env: Dict[str, str] = {k: os.environ[k] for k in (*PANTS_BOOTSTRAP_ENV, "SSEGEN_CACHE_DIR", "XDG_CACHE_HOME") if k in os.environ}
    env["PATH"] = path
    # Run by bash's full path: the script's `#!/usr/bin/env bash` would need PATH.
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run(
        [bash, "pants", "--no-pantsd", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_missing_go_and_node_are_named(tmp_path: Path) -> None:
    result = run_pants(tmp_path, str(tmp_path / "empty-bin"))
    assert result.returncode == 0, result.stderr
    assert MISSING_GO in result.stderr and "Install Go >= 1.22" in result.stderr, result.stderr
    assert MISSING_NODE in result.stderr and "Install Node.js >= 20" in result.stderr, result.stderr
    assert result.stdout.strip() == "2.17.1"


def test_no_notice_when_both_are_there(tmp_path: Path) -> None:
    path = os.environ.get("PATH", "")
    if shutil.which("go", path=path) is None or shutil.which("node", path=path) is None:
        pytest.skip("needs go and node on PATH")
    result = run_pants(tmp_path, path)
    assert result.returncode == 0, result.stderr
    assert MISSING_GO not in result.stderr and MISSING_NODE not in result.stderr, result.stderr


def cache_dir() -> Path:
    if os.environ.get("SSEGEN_CACHE_DIR"):
        return Path(os.environ["SSEGEN_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ssegen-bootstrap"


def test_go_shim_shortens_go_versions_for_pants(tmp_path: Path) -> None:
    path = os.environ.get("PATH", "")
    go = shutil.which("go", path=path)
    if go is None:
        pytest.skip("needs go on PATH")
    assert run_pants(tmp_path, path).returncode == 0
    version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()
    shims = sorted(cache_dir().glob(f"go-shim-{version}-*"), key=lambda p: p.stat().st_mtime)
    assert shims, f"no go shim for {version} in {cache_dir()}"
    shim = str(shims[-1] / "bin" / "go")
    module = tmp_path / "module"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/m\n\ngo 1.24.0\n\ntoolchain go1.24.3\n", encoding="utf-8")
    env = {"PATH": path, "HOME": str(tmp_path), "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}

    def go_json(*args: str) -> dict:
        result = subprocess.run([shim, *args], cwd=module, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    edited = go_json("mod", "edit", "-json")
    assert edited["Go"] == "1.24" and edited["Toolchain"] == "go1.24.3" and edited["Module"]["Path"] == "example.com/m"
    assert go_json("list", "-m", "-json")["GoVersion"] == "1.24"
    # Other output passes through untouched, and failures keep their exit status.
    assert subprocess.run([shim, "env", "GOVERSION"], env=env, capture_output=True, text=True).stdout.strip() == version
    failed = subprocess.run([shim, "mod", "edit", "-json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "go.mod" in failed.stderr
