"""Nested `./pants export-codegen` runs on copies of the build root, observed through Pants' own
workunits and counters (the remote cache and remote execution harnesses).

The nested Pants loads the workunit_logger backend, which writes the run's completed workunits as
JSON. Each process has a `process` workunit whose metadata holds its definition (with the
description ssegen gives its generator, "Generate with ssegen from <files>", and the execution
environment with its strategy: `Local` or `RemoteExecution`), `source` (`Ran`, `HitLocally` or
`HitRemotely`) and `environment_type` (`local`, `remote`). An execution on this machine also leaves
a `run_local_process` workunit with the process's description, one on a remote executor a
`run_remote_process`. `--stats-log` prints the run's counters (`local_execution_requests`,
`remote_execution_requests`, ...).

A copy holds what a nested ./pants needs (the bootstrap script, pants.toml, the constraints, the
plugin and generator sources, the sebuf protos, the projects with their BUILD files), taken from the
test sandbox; ./pants reuses its bootstrap in ~/.cache.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, NamedTuple, Sequence, Set

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import PANTS_BOOTSTRAP_ENV, repo_path, run_checked

GENERATOR = "Generate with ssegen from "
TOOL_PEX = "Building ssegen.pex"
RAN, HIT_LOCALLY, HIT_REMOTELY = "Ran", "HitLocally", "HitRemotely"
LOCAL, REMOTE_EXECUTION = "Local", "RemoteExecution"

# What the nested ./pants may see of this environment: enough to find the bootstrap in ~/.cache and
# the interpreters, nothing that configures Pants itself.
PASSED_ENV = (
    *PANTS_BOOTSTRAP_ENV,
    "PANTS_PYTHON",
    "SSEGEN_CACHE_DIR",
    "XDG_CACHE_HOME",
    "LANG",
    "LC_ALL",
)


def run(args: Sequence[str], cwd: Path, timeout: int, env: Dict[str, str], what: str) -> str:
    """Runs a command; on failure, fails the test with everything it printed."""
    if shutil.which(args[0], path=env.get("PATH")) is None and not Path(cwd, args[0]).is_file():
        pytest.fail(f"`{args[0]}` is not on PATH; {what} needs it", pytrace=False)
    return run_checked(args, cwd, timeout, env, context=what)


def make_buildroot(dest: Path, projects: Sequence[str]) -> Path:
    """A build root holding what a nested ./pants needs to generate the projects' code."""
    dest.mkdir(parents=True)
    for relative in ("pants", "pants.toml", "3rdparty/python/constraints.txt"):
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo_path(relative), dest / relative)
    os.chmod(dest / "pants", 0o755)
    # The plugin (rules/) and the generator, whose bundled protos are a link to src/protos/sebuf as
    # in the repo (the sandbox holds the link's files).
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "harness", "testing")
    shutil.copytree(repo_path("src/python/ssegen"), dest / "src/python/ssegen", ignore=ignore)
    # pants.toml loads the release backend too.
    shutil.copytree(repo_path("src/python/ssegen_release"), dest / "src/python/ssegen_release", ignore=ignore)
    bundled = dest / "src/python/ssegen/protos/sebuf"
    if bundled.is_symlink() or bundled.is_file():
        bundled.unlink()
    elif bundled.is_dir():
        shutil.rmtree(bundled)
    shutil.copytree(repo_path("src/protos/sebuf"), dest / "src/protos/sebuf")
    bundled.symlink_to(Path("..", "..", "..", "protos", "sebuf"))
    for project in projects:
        shutil.copytree(repo_path(project), dest / project)
        assert list((dest / project).rglob("BUILD")), f"no BUILD files under {project}: see testprojects:build_files"
        assert list((dest / project).rglob("*.proto")), f"no protos under {project}"
    return dest


@dataclass(frozen=True)
class Caches:
    """A machine's caches: Pants' local store (process results and files) and named caches."""

    root: Path

    @property
    def store(self) -> Path:
        return self.root / "lmdb_store"

    @property
    def named(self) -> Path:
        return self.root / "named_caches"


class Process(NamedTuple):
    description: str
    source: str  # Ran, HitLocally or HitRemotely
    strategy: str = LOCAL  # Local or RemoteExecution
    environment: str = ""  # the environment's name, "" for none


@dataclass(repr=False)
class NestedRun:
    label: str
    processes: List[Process]
    local_runs: Set[str]  # descriptions of run_local_process workunits
    exported: Dict[str, bytes]  # dist/codegen: path -> content
    remote_runs: Set[str]  # descriptions of run_remote_process workunits
    counters: Dict[str, int]  # --stats-log

    def __repr__(self) -> str:  # pytest prints arguments of failed asserts: not every exported file
        return f"NestedRun({self.label!r})"

    def matching(self, prefix: str, contains: str = "") -> List[Process]:
        return [p for p in self.processes if p.description.startswith(prefix) and contains in p.description]

    def one(self, prefix: str, contains: str = "") -> Process:
        found = self.matching(prefix, contains)
        assert len(found) == 1, (
            f"{self.label}: expected one process '{prefix}...{contains}', found {len(found)}\n{self.summary()}"
        )
        return found[0]

    def ran(self, process: Process) -> bool:
        """Whether the process executed here: Pants says so, or a local execution was recorded."""
        return process.source == RAN or process.description in self.local_runs

    def summary(self) -> str:
        def line(p: Process) -> str:
            seen = [kind for kind, runs in (("local", self.local_runs), ("remote", self.remote_runs)) if p.description in runs]
            where = f" ({p.strategy}{' in ' + p.environment if p.environment else ''}"
            return f"  {p.source}{where}{''.join(f', run_{kind}_process seen' for kind in seen)}): {p.description}"

        lines = [line(p) for p in self.processes if p.description.startswith((GENERATOR, TOOL_PEX))]
        return f"ssegen processes of {self.label}:\n" + ("\n".join(lines) or "  (none)")


def nested_env() -> Dict[str, str]:
    return {name: os.environ[name] for name in PASSED_ENV if name in os.environ}


_COUNTER = re.compile(r"^\s+([a-z_]+): (\d+)$", re.MULTILINE)


def pants_export(
    root: Path, caches: Caches, specs: Sequence[str], label: str, flags: Sequence[str], timeout: int
) -> NestedRun:
    """`./pants export-codegen specs` in `root` with the given caches and extra flags: what it did
    and wrote."""
    shutil.rmtree(root / "dist", ignore_errors=True)
    caches.root.mkdir(parents=True, exist_ok=True)
    workunits = Path(tempfile.mkdtemp(prefix="workunits-", dir=caches.root))
    argv = [
        "./pants",
        "--no-pantsd",
        "--no-pantsrc",
        f"--local-store-dir={caches.store}",
        f"--named-caches-dir={caches.named}",
        "--backend-packages=+['pants.backend.experimental.tools.workunit_logger']",
        "--workunit-logger-enabled",
        f"--workunit-logger-logdir={workunits}",
        # Process workunits are at debug level (ssegen's generator is a debug-level process).
        "--streaming-workunits-level=debug",
        "--stats-log",
        *flags,
        # ssegen's own outputs: protoc-gen-go's messages (`#go_messages`) would add a Go build of
        # the plugin to every cold copy, which is not what these runs are about.
        "--filter-target-type=sse_proto_go,sse_proto_ts,sse_proto_openapi",
        "export-codegen",
        *specs,
    ]
    start = time.monotonic()
    output = run(argv, root, timeout, nested_env(), f"nested Pants ({label})")
    elapsed = time.monotonic() - start
    logs = sorted(workunits.glob("*.json"))
    assert len(logs) == 1, f"{label}: expected one workunit log in {workunits}, found {logs}\n{output}"
    processes, local_runs, remote_runs = [], set(), set()
    for workunit in json.loads(logs[0].read_text(encoding="utf-8")):
        if workunit["name"] == "process" and "definition" in workunit.get("metadata", {}):
            metadata = workunit["metadata"]
            definition = json.loads(metadata["definition"])
            environment = definition.get("execution_environment") or {}
            strategy = environment.get("strategy", LOCAL)
            processes.append(
                Process(
                    definition["description"],
                    metadata.get("source", ""),
                    # {"RemoteExecution": [platform properties]}, or "Local"
                    next(iter(strategy)) if isinstance(strategy, dict) else strategy,
                    environment.get("name") or "",
                )
            )
        elif workunit["name"] == "run_local_process":
            local_runs.add(workunit.get("description") or "")
        elif workunit["name"] == "run_remote_process":
            remote_runs.add(workunit.get("description") or "")
    dist = root / "dist" / "codegen"
    exported = {p.relative_to(dist).as_posix(): p.read_bytes() for p in sorted(dist.rglob("*")) if p.is_file()}
    assert exported, f"{label}: export-codegen wrote nothing under {dist}\n{output}"
    counters = {name: int(value) for name, value in _COUNTER.findall(output.split("Counters:", 1)[-1])}
    assert "local_execution_requests" in counters, f"{label}: no counters in the output\n{output}"
    nested = NestedRun(label, processes, local_runs, exported, remote_runs, counters)
    # For the record (pytest -s): what the run cost and where ssegen's results came from.
    sources = Counter(
        f"{p.source} ({p.strategy})" for p in processes if p.description.startswith((GENERATOR, TOOL_PEX))
    )
    executions = f"{counters['local_execution_requests']} local, {counters.get('remote_execution_requests', 0)} remote"
    print(
        f"{label}: {elapsed:.1f}s; ssegen processes: {', '.join(f'{n} {s}' for s, n in sorted(sources.items()))}; "
        f"process executions: {executions}"
    )
    return nested


def assert_same_export(run: NestedRun, reference: NestedRun) -> None:
    paths = set(run.exported) | set(reference.exported)
    differing = sorted(path for path in paths if run.exported.get(path) != reference.exported.get(path))
    assert not differing, (
        f"the export of {run.label} differs from that of {reference.label} in {len(differing)} files:\n  "
        + "\n  ".join(differing[:20])
    )
