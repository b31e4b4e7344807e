"""The Bazel integration: ./bazel on a copy of the repo's Bazel workspace.

`./bazel test //...` runs the Bazel-side tests (the golden projects' generated files equal
testprojects/*/expected, which Pants wrote); then this checks what only a second build can show:
the second build runs nothing, a clean build is served entirely from the disk cache, an invalid
proto fails with the generator's message naming its workspace path, and `outs` that differ from
what is generated fail with the difference. Last, testprojects/bazel_go (a workspace using ssegen
as an external repository) compiles the generated Go with rules_go and runs the market_data
project's Go tests on it.

Needs ./bazel to find or install Bazel (as root it installs Debian's bazel-bootstrap), python3
with pip reaching a package index (protoc and the generator's packages), `go` reaching the Go
module proxy (rules_go and a Go SDK for testprojects/bazel_go), and HOME. Bazel's output
root and disk cache live in a temporary directory removed afterwards; set SSEGEN_BAZEL_KEEP=1 to
keep it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import repo_path
from ssegen.testing.bazel_workspace import Workspace, copy_workspace, is_generator, remove_tree, spawns

INVALID = "testprojects/invalid/proto"
# Cases whose error protoc reports before the generator runs (in proto_library itself).
NOT_GENERATOR_ERRORS = ("syntax_error",)
WRONG_OUTS = "//testprojects/market_data/proto:wrong_outs"
GO_WORKSPACE = "testprojects/bazel_go"
GO_TEST = "//gotest:marketv1http_test"

# A ceiling so a hung Bazel fails the test instead of the whole run; not a timing check. The
# first run may install Bazel and fetches protoc and the generator's packages.
FIRST_RUN_TIMEOUT_S = 1800


@pytest.fixture(scope="module")
def workspace() -> Iterator[Workspace]:
    work = Path(tempfile.mkdtemp(prefix="ssegen-bazel-"))
    root = work / "ws"
    copy_workspace(root)
    # Every build of the copies uses one disk cache, without colours or progress redrawing.
    for directory in (root, root / GO_WORKSPACE):
        (directory / ".bazelrc.user").write_text(
            f"build --disk_cache={work / 'disk-cache'}\nbuild --color=no --curses=no\nquery --color=no --curses=no\n",
            encoding="utf-8",
        )
    ws = Workspace(root=root, work=work, env=dict(os.environ))
    try:
        yield ws
    finally:
        ws.bazel("shutdown")
        ws.bazel("shutdown", cwd=GO_WORKSPACE)
        if os.environ.get("SSEGEN_BAZEL_KEEP"):
            print(f"kept {work}")
        else:
            remove_tree(work)


def test_bazel_tests_pass(workspace: Workspace) -> None:
    output = workspace.bazel("test", "//...", timeout=FIRST_RUN_TIMEOUT_S)
    for test in (
        "//rules/bazel/tests:market_data_golden_test",
        "//rules/bazel/tests:multi_package_golden_test",
        "//rules/bazel/tests:json_mapping_golden_test",
        "//rules/bazel/tests:validation_golden_test",
        "//rules/bazel/tests:options_test",
    ):
        assert any(line.startswith(test) and "PASSED" in line for line in output.splitlines()), output


def test_second_build_runs_nothing(workspace: Workspace) -> None:
    log = workspace.work / "second.json"
    workspace.bazel("build", "//...", f"--execution_log_json_file={log}")
    assert spawns(log) == [], f"the second build ran actions: {log.read_text(encoding='utf-8')[:4000]}"


def test_invalid_proto_fails_with_the_generators_message(workspace: Workspace) -> None:
    cases = sorted(
        p.name for p in repo_path(INVALID).iterdir() if p.is_dir() and p.name not in NOT_GENERATOR_ERRORS
    )
    assert cases, f"no cases under {INVALID}"
    output = workspace.bazel("build", "--keep_going", *(f"//{INVALID}:{c}" for c in cases), expect_failure=True)
    missing = []
    for case in cases:
        expected = repo_path(f"{INVALID}/{case}/expected_error.txt").read_text(encoding="utf-8").strip()
        # The message names the file by its workspace path, as Pants names it by its repo path.
        assert expected.startswith(f"{INVALID}/{case}/{case}.proto:"), expected
        if expected not in output:
            missing.append(f"{case}: {expected}")
    assert not missing, "\n".join(missing) + f"\n\nnot in Bazel's output:\n{output}"
    assert "Traceback" not in output, output


def test_declared_outs_must_match(workspace: Workspace) -> None:
    output = workspace.bazel("build", WRONG_OUTS, expect_failure=True)
    assert f"{WRONG_OUTS}: the generated files differ from `outs`:" in output, output
    assert "generated, not in outs: market/v1/marketv1http/ssegen_server.go" in output, output
    assert "in outs, not generated: market/v1/marketv1http/not_generated.go" in output, output


def test_clean_build_is_served_from_the_disk_cache(workspace: Workspace) -> None:
    workspace.bazel("clean")
    log = workspace.work / "after-clean.json"
    workspace.bazel("build", "//...", f"--execution_log_json_file={log}")
    generators = [s for s in spawns(log) if is_generator(s)]
    # market_data: 3 trees, the declared Go files, the options example; multi_package: 3 x 3 trees.
    assert len(generators) >= 14, [s.get("mnemonic") for s in spawns(log)]
    missed = [s["listedOutputs"] for s in generators if not s.get("remoteCacheHit")]
    assert not missed, f"generator actions that ran instead of coming from the disk cache: {missed}"


def test_generated_go_compiles_and_passes_under_rules_go(workspace: Workspace) -> None:
    output = workspace.bazel("test", "//...", cwd=GO_WORKSPACE, timeout=FIRST_RUN_TIMEOUT_S)
    assert any(line.startswith(GO_TEST) and "PASSED" in line for line in output.splitlines()), output
