"""ssegen's codegen executed by a remote execution cluster (REAPI), observed through nested
`./pants export-codegen` runs on copies of the build root (see ssegen.testing.nested_pants).

A one-machine Buildbarn cluster (harness/buildbarn.py: built once from the Go module proxy into
$HOME/.cache/ssegen-go, started on loopback with configs generated into a temporary folder) runs
processes for copies of the repo generating the market_data project:

(a) The whole build remote (`--remote-execution`, no environments): every process that executes
    goes to the cluster (Pants' counters: no local execution), the generator and the tool PEX
    among them (workunits: strategy RemoteExecution, a `run_remote_process`, no
    `run_local_process`), and the export equals that of a local run. The check rejects the local
    run, in which the generator ran on this machine.
(b) Only ssegen's codegen remote (`[ssegen].environment` naming a `remote_environment`): the
    generator and the tool PEX execute on the cluster, every other process stays local. Two such
    runs on the same worker, each with a local store of its own, both pass with the same export,
    and the second executes ssegen's processes again (no action-cache hits under remote
    execution).

The copies hold no Go module, so Pants' Go backend has nothing to build there (the Go trap of
docs/remote-execution.md is not exercised), and every process of these runs serves ssegen: in (b)
all of them are in the environment. The local run's store seeds those of (b): its
processes are then local cache hits, while ssegen's (their platform properties differ) must
execute again. Each cluster is stopped
when its runs are done, also on failure, and its processes die with the test process. Needs `go`
and the Go module proxy (once), `patch`, Python 3.9 for ./pants, and PyPI for the tool's wheels.
Set SSEGEN_REMOTE_EXECUTION_KEEP=1 to keep the temporary folder.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import tarfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Sequence

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.harness.buildbarn import PLATFORM, Cluster, buildbarn, pants_flags, start_cluster
from ssegen.testing.nested_pants import (
    GENERATOR,
    RAN,
    REMOTE_EXECUTION,
    TOOL_PEX,
    Caches,
    NestedRun,
    Process,
    assert_same_export,
    make_buildroot,
    pants_export,
)
from ssegen.testing.servers import scratch_folder

PROJECT = "testprojects/market_data/proto"
SPECS = (PROJECT + "::",)
REMOTE_ENVIRONMENT = "ssegen_remote"
ENVIRONMENT_BUILD = (
    f"remote_environment(name={REMOTE_ENVIRONMENT!r}, "
    f"extra_platform_properties={[f'{k}={v}' for k, v in PLATFORM.items()]!r})\n"
)
# A ceiling so a hung child fails the test instead of the whole run; not a timing check. A cold
# run of the whole build remote builds Pants' Go package analyzer on the worker (~170 processes).
PANTS_TIMEOUT_S = 1200


def assert_executed_remotely(run: NestedRun, process: Process) -> None:
    assert (
        process.strategy == REMOTE_EXECUTION
        and process.source == RAN
        and process.description in run.remote_runs
        and process.description not in run.local_runs
    ), (
        f"{run.label}: expected '{process.description}' to have executed remotely (strategy "
        f"{REMOTE_EXECUTION}, source {RAN}, a run_remote_process and no run_local_process), but its "
        f"strategy is {process.strategy} and its source {process.source}.\n{run.summary()}"
    )


def assert_ssegen_executed_remotely(run: NestedRun) -> None:
    for prefix in (GENERATOR, TOOL_PEX):
        assert_executed_remotely(run, run.one(prefix))


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    yield from scratch_folder("ssegen-remote-execution-", "SSEGEN_REMOTE_EXECUTION_KEEP")


@pytest.fixture(scope="module")
def binaries() -> Path:
    return buildbarn()


@contextmanager
def cluster(binaries: Path, folder: Path) -> Iterator[Cluster]:
    started = start_cluster(binaries, folder)
    try:
        yield started
    finally:
        started.stop()
        running = [p for p, process in started.processes.items() if process.poll() is None]
        assert not running, f"still running after stop: {running}"


class LocalRun:
    def __init__(self, run: NestedRun, caches: Caches) -> None:
        self.run, self.caches = run, caches


@pytest.fixture(scope="module")
def local(work: Path) -> LocalRun:
    caches = Caches(work / "local" / "caches")
    run = pants_export(make_buildroot(work / "local" / "repo", [PROJECT]), caches, SPECS, "a local run", [], PANTS_TIMEOUT_S)
    return LocalRun(run, caches)


def test_whole_build_executes_remotely(work: Path, binaries: Path, local: LocalRun) -> None:
    with cluster(binaries, work / "whole" / "cluster") as whole:
        flags = [
            *pants_flags(whole),
            f"--remote-execution-extra-platform-properties={[f'{k}={v}' for k, v in PLATFORM.items()]!r}",
        ]
        root = make_buildroot(work / "whole" / "repo", [PROJECT])
        run = pants_export(root, Caches(work / "whole" / "caches"), SPECS, "the whole build remote", flags, PANTS_TIMEOUT_S)
    assert_ssegen_executed_remotely(run)
    assert run.counters["local_execution_requests"] == 0, f"{run.label}: {run.counters}"
    assert run.counters["remote_execution_requests"] > 0, f"{run.label}: {run.counters}"
    not_remote = [p.description for p in run.processes if p.strategy != REMOTE_EXECUTION]
    assert not not_remote, f"{run.label}: processes not sent to the cluster: {not_remote[:10]}"
    assert_same_export(run, local.run)

    # The check rejects a run in which the generator ran on this machine.
    reference = local.run
    assert not reference.counters.get("remote_execution_requests"), reference.counters
    with pytest.raises(AssertionError, match="expected .* to have executed remotely"):
        assert_executed_remotely(reference, reference.one(GENERATOR))


def python_for_scripts(folder: Path) -> str:
    """The `[python-bootstrap]` option pointing Pants at a stand-in for Python Build Standalone.

    In a remote environment, Pants 2.17 runs its helper scripts (the pex CLI) with Python Build
    Standalone, which it downloads from GitHub, and installs it into an append-only cache on the
    worker. This machine cannot reach GitHub, and its worker shares the machine's interpreters: an
    archive whose `python/bin/python3` links to this test's CPython 3.9 stands in."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        link = tarfile.TarInfo("python/bin/python3")
        link.type, link.linkname = tarfile.SYMTYPE, os.path.realpath(sys.executable)
        archive.addfile(link)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "python-for-scripts.tar.gz"
    path.write_bytes(buffer.getvalue())
    info = {"linux_x86_64": (path.as_uri(), hashlib.sha256(buffer.getvalue()).hexdigest(), len(buffer.getvalue()))}
    return f"--python-bootstrap-internal-python-build-standalone-info={info!r}"


def codegen_only_flags(remote: Cluster, work: Path) -> List[str]:
    return [
        *pants_flags(remote),
        f"--environments-preview-names={{{REMOTE_ENVIRONMENT!r}: '//:{REMOTE_ENVIRONMENT}'}}",
        f"--ssegen-environment={REMOTE_ENVIRONMENT}",
        python_for_scripts(work / "python-for-scripts"),
    ]


def codegen_only_run(work: Path, name: str, flags: Sequence[str], local: LocalRun, label: str) -> NestedRun:
    root = make_buildroot(work / name / "repo", [PROJECT])
    (root / "BUILD").write_text(ENVIRONMENT_BUILD, encoding="utf-8")
    caches = Caches(work / name / "caches")
    shutil.copytree(local.caches.root, caches.root, symlinks=True)
    return pants_export(root, caches, SPECS, label, flags, PANTS_TIMEOUT_S)


def test_only_codegen_executes_remotely_and_again_on_the_same_worker(
    work: Path, binaries: Path, local: LocalRun
) -> None:
    with cluster(binaries, work / "codegen" / "cluster") as remote:
        flags = codegen_only_flags(remote, work / "codegen")
        runs = [
            codegen_only_run(work / "codegen", "first", flags, local, "only codegen remote"),
            codegen_only_run(work / "codegen", "second", flags, local, "only codegen remote, again on the same worker"),
        ]
    for run in runs:
        assert_ssegen_executed_remotely(run)
        elsewhere = [
            p.description
            for p in run.processes
            if (p.strategy == REMOTE_EXECUTION) != (p.environment == REMOTE_ENVIRONMENT)
        ]
        assert not elsewhere, f"{run.label}: processes in the wrong place: {elsewhere[:10]}"
        # Every remote execution is one of the environment's processes.
        executed = [p for p in run.processes if p.environment == REMOTE_ENVIRONMENT and p.source == RAN]
        assert run.counters["remote_execution_requests"] == len(executed) > 0, f"{run.label}: {run.counters}"
        assert_same_export(run, local.run)
