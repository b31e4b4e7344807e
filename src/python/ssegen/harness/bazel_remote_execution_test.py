"""The Bazel rule's generator actions executed by a remote execution cluster (REAPI).

`./bazel build` of the market_data project's sse_proto_library targets (a tree per language, and
the Go package as declared files) on a copy of the Bazel workspace, with `--remote_executor`
pointing at a one-machine Buildbarn cluster (harness/buildbarn.py, the one the Pants remote
execution test uses: built once into $HOME/.cache/ssegen-go, started on loopback with configs
generated into a temporary folder). A fresh output root, no disk cache and a fresh cluster (empty
action cache), so nothing can be served instead of executed.

Bazel's own record decides where each generator action ran: its execution log
(--execution_log_json_file) must give every SsegenGenerate* spawn the runner `remote`, not a
cache hit; the worker's log must name each of their outputs. The generated files must equal
testprojects/market_data/expected (written by Pants) byte for byte. After `bazel clean`, the
same build against the same cluster gets every generator action from the cluster's action cache
(which Pants 2.17 never gets under remote execution). Last, the same build without the cluster
(after another clean) runs the generator in Bazel's local sandbox: its outputs are the same, and
the check rejects its execution log.

The cluster is stopped once the remote build is done, also when it fails, and its processes die
with the test process; the Bazel server is shut down at the end. Needs what harness:bazel needs
(./bazel, python3 with pip reaching a package index) and what Buildbarn's build needs (`go`, the
Go module proxy, `patch`; once per machine). Set SSEGEN_REMOTE_EXECUTION_KEEP=1 to keep the
temporary folder.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Sequence

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.harness.buildbarn import Cluster, bazel_flags, buildbarn, start_cluster
from ssegen.testing import repo_path
from ssegen.testing.bazel_workspace import Workspace, copy_workspace, is_generator, remove_tree, spawns

PACKAGE = "testprojects/market_data/proto"
TREES = ("market_data.go", "market_data.openapi", "market_data.ts")  # :market_data, every output
DECLARED = "market_data_go"  # :market_data_go, the Go package as declared files
TARGETS = (f"//{PACKAGE}:market_data", f"//{PACKAGE}:{DECLARED}")
GENERATOR_ACTIONS = len(TREES) + 1
EXPECTED = "testprojects/market_data/expected"
REMOTE = "remote"  # the runner of a spawn that executed remotely (not "remote cache hit")

# A ceiling so a hung Bazel fails the test instead of the whole run; not a timing check. The
# first build may install Bazel and fetches protoc and the generator's packages.
FIRST_BUILD_TIMEOUT_S = 1800


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ssegen-bazel-remote-execution-"))
    try:
        yield path
    finally:
        if os.environ.get("SSEGEN_REMOTE_EXECUTION_KEEP"):
            print(f"kept {path}")
        else:
            remove_tree(path)


@pytest.fixture(scope="module")
def workspace(work: Path) -> Iterator[Workspace]:
    root = work / "ws"
    copy_workspace(root)
    # No disk cache: an action must execute, not be served from this machine.
    (root / ".bazelrc.user").write_text("build --disk_cache= --color=no --curses=no\n", encoding="utf-8")
    ws = Workspace(root=root, work=work, env=dict(os.environ))
    try:
        yield ws
    finally:
        ws.bazel("shutdown")


def assert_generators_executed_remotely(records: List[dict], label: str) -> None:
    generators = [s for s in records if is_generator(s)]
    assert len(generators) == GENERATOR_ACTIONS, f"{label}: generator actions {[s.get('mnemonic') for s in generators]}"
    elsewhere = [
        f"{s['mnemonic']} {s['listedOutputs']}: runner {s.get('runner')!r}, remote cache hit {s.get('remoteCacheHit')}"
        for s in generators
        if s.get("runner") != REMOTE or s.get("remoteCacheHit")
    ]
    assert not elsewhere, f"{label}: generator actions that did not execute remotely:\n" + "\n".join(elsewhere)


def _generated(workspace: Workspace, records: List[dict]) -> Dict[str, bytes]:
    """What the generator actions wrote (their outputs in the execution log, read from the
    workspace's bazel-out), by path under the import root."""
    files: Dict[str, bytes] = {}
    for spawn in filter(is_generator, records):
        for output in spawn.get("actualOutputs", []):
            _, sep, relative = output["path"].partition(f"/bin/{PACKAGE}/")
            top, _, relative = relative.partition("/")
            assert sep and top in (*TREES, DECLARED), f"{output['path']} is not an output of {TARGETS}"
            content = (workspace.root / output["path"]).read_bytes()
            assert files.setdefault(relative, content) == content, f"{top} and another target differ in {relative}"
    return files


def assert_equal_to_pants(generated: Dict[str, bytes], label: str) -> None:
    expected_root = repo_path(EXPECTED)
    expected = {
        p.relative_to(expected_root).as_posix(): p.read_bytes()
        for p in sorted(expected_root.rglob("*"))
        if p.is_file() and p.name != "BUILD"
    }
    differ = sorted(p for p in set(expected) | set(generated) if expected.get(p) != generated.get(p))
    assert not differ, f"{label}: files that differ from {EXPECTED} (or exist on one side only): {differ}"


@dataclass(frozen=True)
class Build:
    records: List[dict]  # Bazel's execution log
    generated: Dict[str, bytes]


def _build(workspace: Workspace, name: str, flags: Sequence[str]) -> Build:
    """Builds TARGETS; returns the build's execution log and the files its generator actions wrote."""
    log = workspace.work / f"{name}.json"
    start = time.monotonic()
    workspace.bazel("build", f"--execution_log_json_file={log}", *flags, *TARGETS, timeout=FIRST_BUILD_TIMEOUT_S)
    print(f"{name} build: {time.monotonic() - start:.1f}s")  # for the record (pytest -s)
    records = spawns(log)
    return Build(records, _generated(workspace, records))


@dataclass(frozen=True)
class RemoteBuilds:
    first: Build
    worker_log: str  # after the first build
    after_clean: Build  # again on the same cluster, after `bazel clean`


@pytest.fixture(scope="module")
def remote(workspace: Workspace) -> RemoteBuilds:
    cluster: Cluster = start_cluster(buildbarn(), workspace.work / "cluster")
    try:
        first = _build(workspace, "remote", bazel_flags(cluster))
        worker_log = cluster.log("bb_worker")
        workspace.bazel("clean")
        after_clean = _build(workspace, "remote-after-clean", bazel_flags(cluster))
    finally:
        cluster.stop()
    running = [p for p, process in cluster.processes.items() if process.poll() is None]
    assert not running, f"still running after stop: {running}"
    return RemoteBuilds(first, worker_log, after_clean)


def test_generator_actions_execute_remotely_with_the_pants_bytes(remote: RemoteBuilds) -> None:
    assert_generators_executed_remotely(remote.first.records, "the remote build")
    # The cluster's side of it: its worker returned each generator action's outputs.
    for spawn in filter(is_generator, remote.first.records):
        for output in spawn["listedOutputs"]:
            assert f'"path":"{output}"' in remote.worker_log, (
                f"the worker's log does not name {output}:\n{remote.worker_log[-3000:]}"
            )
    assert_equal_to_pants(remote.first.generated, "the remote build")


def test_the_cluster_serves_them_from_its_action_cache_after_a_clean(remote: RemoteBuilds) -> None:
    """Unlike Pants 2.17, Bazel looks an action up in the remote action cache before executing it,
    and Buildbarn's worker stored each result there."""
    generators = [s for s in remote.after_clean.records if is_generator(s)]
    assert len(generators) == GENERATOR_ACTIONS, [s.get("mnemonic") for s in generators]
    executed = [f"{s['mnemonic']}: runner {s.get('runner')!r}" for s in generators if not s.get("remoteCacheHit")]
    assert not executed, f"generator actions not served from the cluster's action cache: {executed}"
    assert_equal_to_pants(remote.after_clean.generated, "the build after a clean")


def test_a_local_build_is_rejected_by_the_same_check(workspace: Workspace, remote: RemoteBuilds) -> None:
    workspace.bazel("clean")
    local = _build(workspace, "local", ())
    assert_equal_to_pants(local.generated, "the local build")
    with pytest.raises(AssertionError, match="generator actions that did not execute remotely"):
        assert_generators_executed_remotely(local.records, "the local build")
