"""build-support/go-workspace: generated Go laid out by import path, visible to the go command
(and so to gopls) through the go.work it writes, on testprojects/monorepo.

The exported tree is what `./pants export-codegen` writes (`<source root>/<proto dir>/...`):
ssegen's Go from the real `:chat#go` target, and protoc-gen-go's messages for the chat and sebuf.http
protos generated at the same places (a Python test's sandbox holds no Go codegen of Pants'
protobuf backend), and of protovalidate's validate.proto, whose package go.mod's requirement
provides instead. go_workspace.py lays it out; `go vet ./...` of the monorepo's own packages,
which import both, must pass through the go.work and fail without it. Needs `go` and the Go module
proxy (protoc-gen-go is built once into ~/.cache/ssegen-go). Cold cost: a `go vet` of the module
(with google.golang.org/protobuf), about 20 s warm.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.descriptors import well_known_include_dir
from ssegen.harness import go_test
from ssegen.testing import repo_path

MONOREPO = "testprojects/monorepo"
PROTO_ROOTS = {
    "testprojects/monorepo/proto": ["chat/v1/chat.proto"],
    "src/protos": ["sebuf/http/annotations.proto", "sebuf/http/headers.proto", "buf/validate/validate.proto"],
}
# Generated from validate.proto's protobuf_sources, but the monorepo's go.mod requires its module.
VALIDATE = "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
SSEGEN_GO = "testprojects/monorepo/proto/chat/v1/chatv1http"
VET_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ssegen-goworkspace-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def exported_tree(work: Path) -> Path:
    codegen = work / "codegen"
    shutil.copytree(repo_path(SSEGEN_GO), codegen / SSEGEN_GO)
    plugin = go_test.protoc_gen_go()
    for root, files in PROTO_ROOTS.items():
        (codegen / root).mkdir(parents=True, exist_ok=True)
        args = [
            sys.executable, "-m", "grpc_tools.protoc",
            f"--proto_path={repo_path(root)}", f"--proto_path={repo_path('src/protos')}",
            f"--proto_path={well_known_include_dir()}",
            f"--plugin=protoc-gen-go={plugin}", f"--go_out={codegen / root}", "--go_opt=paths=source_relative",
            *files,
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = go_test.PYTHONPATH
        go_test.run(args, work, go_test.PROTOC_TIMEOUT_S, env)
    return codegen


def vet(module: Path, gowork: str) -> subprocess.CompletedProcess:
    env = go_test.go_env()
    env["GOWORK"] = gowork
    env["CGO_ENABLED"] = "0"
    return subprocess.run(["go", "vet", "./..."], cwd=module, env=env, capture_output=True, text=True, timeout=VET_TIMEOUT_S)


def test_go_vet_sees_generated_packages_through_the_workspace(work: Path) -> None:
    if shutil.which("go") is None:
        pytest.fail("`go` is not on PATH; this test runs go vet", pytrace=False)
    codegen = exported_tree(work)
    module = work / "monorepo"
    shutil.copytree(repo_path(MONOREPO), module, ignore=shutil.ignore_patterns("BUILD", "proto", "web"))
    out = work / "go-workspace"
    result = subprocess.run(
        [sys.executable, str(repo_path("build-support/go_workspace.py")), "--codegen", str(codegen), "--out", str(out), str(module)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for package in ("example.com/ssegen/monorepo/gen/chatv1/chatv1http", "example.com/ssegen/monorepo/gen/chatv1", "github.com/SebastienMelki/sebuf/http"):
        assert any((out / package).glob("*.go")), package
    assert any(codegen.rglob("validate.pb.go")) and not (out / VALIDATE).exists()
    assert VALIDATE not in (out / "go.work").read_text(encoding="utf-8")
    without = vet(module, "off")
    assert without.returncode != 0 and "example.com/ssegen/monorepo/gen/chatv1" in without.stderr, without.stderr
    with_workspace = vet(module, str(out / "go.work"))
    assert with_workspace.returncode == 0, with_workspace.stderr
