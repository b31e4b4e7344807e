"""A one-machine Buildbarn cluster on loopback, for the remote execution harnesses (Pants and Bazel).

Buildbarn (bb_storage, bb_scheduler, bb_worker, bb_runner) is built once from the Go module proxy
into $HOME/.cache/ssegen-go with plain `go build`. A cluster is the four processes with generated
configs in a folder of their own: bb_storage as the frontend (CAS and action cache in memory,
Execute forwarded to the scheduler), one worker with a native build directory driving one runner
over a unix socket, platform `OSFamily=linux`.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import run_checked
from ssegen.testing.go_tools import built_once, go_env
from ssegen.testing.servers import LOOPBACK, die_with_parent, free_port

# Pinned: the proxy refuses version lists, so nothing can float. bb-remote-execution (the main
# module of the build) requires exactly these versions of the others.
BB_REMOTE_EXECUTION = ("github.com/buildbarn/bb-remote-execution", "v0.0.0-20241215094620-d03d5e3708ed")
BB_STORAGE = ("github.com/buildbarn/bb-storage", "v0.0.0-20240918135726-256ec6c483a0")
# Buildbarn builds with Bazel, which patches these two dependencies; `go build` needs the same
# patches, applied to local copies that `replace` lines point at. (module, version, folder of the
# patches, the module holding that folder)
GO_FUSE = ("github.com/hanwen/go-fuse/v2", "v2.5.1", "patches/com_github_hanwen_go_fuse_v2", BB_REMOTE_EXECUTION)
BYTESTREAM = (
    "google.golang.org/genproto/googleapis/bytestream",
    "v0.0.0-20240903143218-8af14fe29dc1",
    "patches/org_golang_google_genproto_googleapis_bytestream",
    BB_STORAGE,
)
PROGRAMS = ("bb_storage", "bb_scheduler", "bb_worker", "bb_runner")
PLATFORM = {"OSFamily": "linux"}

GO_BUILD_TIMEOUT_S = 1200
CLUSTER_START_TIMEOUT_S = 30
# bb_worker ignores SIGTERM while it retries a scheduler that is gone.
STOP_GRACE_S = 5


def buildbarn() -> Path:
    """The folder holding the four Buildbarn programs."""
    return built_once(f"buildbarn-{BB_REMOTE_EXECUTION[1]}", _build)


def _build(out: Path) -> None:
    env = go_env()
    # The checksum database has no entries for Buildbarn's pseudo-versions. Every other module is
    # still checked, against bb-remote-execution's go.sum (that of the main module here).
    env["GOSUMDB"] = "off"
    env["GOFLAGS"] = env["GOFLAGS"] + " -mod=mod"
    what = f"building Buildbarn {BB_REMOTE_EXECUTION[1]} from the Go module proxy"

    def go(*args: str, cwd: Path) -> str:
        # The machine's 2 cores are shared: the build yields to everything else.
        return run_checked(["nice", "-n", "19", "go", *args], cwd, GO_BUILD_TIMEOUT_S, env, what)

    def module_dir(module: str, version: str) -> Path:
        return Path(json.loads(go("mod", "download", "-json", f"{module}@{version}", cwd=out))["Dir"])

    def writable_copy(source: Path, dest: Path) -> Path:
        shutil.copytree(source, dest)
        for directory, _, names in os.walk(dest):  # the module cache is read-only
            os.chmod(directory, 0o755)
            for name in names:
                os.chmod(os.path.join(directory, name), 0o644)
        return dest

    main = writable_copy(module_dir(*BB_REMOTE_EXECUTION), out / "src" / "bb-remote-execution")
    holders = {BB_REMOTE_EXECUTION: main, BB_STORAGE: module_dir(*BB_STORAGE)}
    replaces = []
    for module, version, patches, holder in (GO_FUSE, BYTESTREAM):
        patched = writable_copy(module_dir(module, version), out / "src" / module.replace("/", "_"))
        diffs = sorted((holders[holder] / patches).glob("*.diff"))
        assert diffs, f"{what}: no patches in {holders[holder] / patches}"
        for diff in diffs:
            run_checked(["patch", "-s", "-p0", "-i", str(diff)], patched, 60, env, f"{what}: {diff.name}")
        replaces.append(f"replace {module} => {patched}\n")
    with open(main / "go.mod", "a", encoding="utf-8") as f:
        f.write("\n" + "".join(replaces))
    go("build", "-o", str(out) + "/", *(f"./cmd/{p}" for p in PROGRAMS[1:]), f"{BB_STORAGE[0]}/cmd/bb_storage",
       cwd=main)
    shutil.rmtree(out / "src")
    missing = [p for p in PROGRAMS if not (out / p).is_file()]
    assert not missing, f"{what}: `go build` made no {missing}"


# --- A cluster -------------------------------------------------------------------------------

MiB = 1024 * 1024
ALLOW = {"allow": {}}


def _listen(port: int) -> List[dict]:
    return [{"listenAddresses": [f"127.0.0.1:{port}"], "authenticationPolicy": ALLOW}]


def _in_memory(block_mib: int, entries: int) -> dict:
    return {
        "local": {
            "keyLocationMapInMemory": {"entries": entries},
            "keyLocationMapMaximumGetAttempts": 16,
            "keyLocationMapMaximumPutAttempts": 64,
            "oldBlocks": 1,
            "currentBlocks": 5,
            "newBlocks": 1,
            "blocksInMemory": {"blockSizeBytes": block_mib * MiB},
        }
    }


@dataclass(frozen=True)
class Ports:
    frontend: int = field(default_factory=free_port)  # bb_storage: what Pants talks to
    scheduler_clients: int = field(default_factory=free_port)
    scheduler_workers: int = field(default_factory=free_port)
    scheduler_admin: int = field(default_factory=free_port)


def action_environment(folder: Path) -> Dict[str, str]:
    """What the runner gives every action besides the action's own environment.

    Pants' first remote process (`env -0`, to learn the remote PATH) sets no PATH and the runner
    resolves argv[0] through it, so it needs this machine's PATH: interpreters and the Go shim then
    resolve to the same paths as locally, which is what makes a worker on this machine match.
    `go env -json` (Pants' Go SDK probe, run without HOME) needs a cache folder; a pyenv shim
    needs PYENV_ROOT."""
    env = {name: os.environ[name] for name in ("PATH", "PYENV_ROOT") if name in os.environ}
    env["XDG_CACHE_HOME"] = str(folder / "xdg-cache")
    return env


def cluster_configs(folder: Path, ports: Ports) -> Dict[str, dict]:
    """The four programs' configs (JSON, which is valid Jsonnet)."""
    frontend = {"address": f"127.0.0.1:{ports.frontend}"}
    platform = {"properties": [{"name": k, "value": v} for k, v in PLATFORM.items()]}
    return {
        "bb_storage": {
            "grpcServers": _listen(ports.frontend),
            "contentAddressableStorage": {
                "backend": _in_memory(64, 1 << 20),
                "getAuthorizer": ALLOW,
                "putAuthorizer": ALLOW,
                "findMissingAuthorizer": ALLOW,
            },
            "actionCache": {"backend": _in_memory(4, 1 << 16), "getAuthorizer": ALLOW, "putAuthorizer": ALLOW},
            "schedulers": {"": {"endpoint": {"address": f"127.0.0.1:{ports.scheduler_clients}"}}},
            "executeAuthorizer": ALLOW,
            "maximumMessageSizeBytes": 16 * MiB,
        },
        "bb_scheduler": {
            "adminHttpServers": _listen(ports.scheduler_admin),
            "clientGrpcServers": _listen(ports.scheduler_clients),
            "workerGrpcServers": _listen(ports.scheduler_workers),
            "browserUrl": "http://127.0.0.1:1",  # no bb_browser: links in logs go nowhere
            "contentAddressableStorage": {"grpc": frontend},
            "maximumMessageSizeBytes": 16 * MiB,
            "executeAuthorizer": ALLOW,
            "modifyDrainsAuthorizer": ALLOW,
            "killOperationsAuthorizer": ALLOW,
            "actionRouter": {
                "simple": {
                    "platformKeyExtractor": {"actionAndCommand": {}},
                    "invocationKeyExtractors": [{"correlatedInvocationsId": {}}, {"toolInvocationId": {}}],
                    "initialSizeClassAnalyzer": {
                        "defaultExecutionTimeout": "1800s",
                        "maximumExecutionTimeout": "7200s",
                    },
                }
            },
            "platformQueueWithNoWorkersTimeout": "900s",
        },
        "bb_worker": {
            "blobstore": {"contentAddressableStorage": {"grpc": frontend}, "actionCache": {"grpc": frontend}},
            "browserUrl": "http://127.0.0.1:1",
            "maximumMessageSizeBytes": 16 * MiB,
            "scheduler": {"address": f"127.0.0.1:{ports.scheduler_workers}"},
            "buildDirectories": [
                {
                    # Inputs are hardlinked from the cache folder: fast, but an action that writes
                    # to an input changes the cached file (see docs/remote-execution.md).
                    "native": {
                        "buildDirectoryPath": str(folder / "build"),
                        "cacheDirectoryPath": str(folder / "cache"),
                        "maximumCacheFileCount": 10000,
                        "maximumCacheSizeBytes": 1024 * MiB,
                        "cacheReplacementPolicy": "LEAST_RECENTLY_USED",
                    },
                    "runners": [
                        {
                            "endpoint": {"address": f"unix://{folder / 'runner.sock'}"},
                            "concurrency": 2,
                            "platform": platform,
                            "workerId": {"node": "loopback"},
                            "maximumFilePoolFileCount": 10000,
                            "maximumFilePoolSizeBytes": 1024 * MiB,
                            "environmentVariables": action_environment(folder),
                        }
                    ],
                }
            ],
            "filePool": {"directoryPath": str(folder / "filepool")},
            "inputDownloadConcurrency": 10,
            "outputUploadConcurrency": 11,
            "directoryCache": {
                "maximumCount": 1000,
                "maximumSizeBytes": 1000 * 1024,
                "cacheReplacementPolicy": "LEAST_RECENTLY_USED",
            },
        },
        "bb_runner": {
            "buildDirectoryPath": str(folder / "build"),
            "grpcServers": [{"listenPaths": [str(folder / "runner.sock")], "authenticationPolicy": ALLOW}],
        },
    }


@dataclass
class Cluster:
    folder: Path
    ports: Ports
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"grpc://127.0.0.1:{self.ports.frontend}"

    @property
    def named_caches(self) -> Path:
        """Where Pants' append-only caches live on the worker (remote_execution_append_only_caches_base_path)."""
        return self.folder / "remote-named-caches"

    def log(self, program: str) -> str:
        return (self.folder / f"{program}.log").read_text(encoding="utf-8", errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {p}.log (end)\n{self.log(p)[-3000:]}" for p in self.processes)

    def worker_registered(self) -> bool:
        """The scheduler's page lists the worker's platform queue once the worker asked for work."""
        try:
            with LOOPBACK.open(f"http://127.0.0.1:{self.ports.scheduler_admin}/", timeout=2) as page:
                return "OSFamily" in page.read().decode("utf-8", "replace")
        except OSError:
            return False

    def stop(self) -> None:
        # The runner and worker first, storage last, so no program keeps retrying a peer that is gone.
        for program in reversed(PROGRAMS):
            process = self.processes.get(program)
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_cluster(binaries: Path, folder: Path) -> Cluster:
    """Writes the configs into `folder` and starts the four programs; returns once the worker has
    registered with the scheduler. On any failure, whatever was started is stopped again."""
    ports = Ports()
    folder.mkdir(parents=True)
    for sub in ("build", "cache", "filepool", "xdg-cache", "remote-named-caches"):
        (folder / sub).mkdir()
    configs = cluster_configs(folder, ports)
    cluster = Cluster(folder, ports)
    try:
        # Storage first: the others connect to it. The runner before the worker that drives it.
        for program in ("bb_storage", "bb_scheduler", "bb_runner", "bb_worker"):
            config = folder / f"{program}.jsonnet"
            config.write_text(json.dumps(configs[program], indent=2), encoding="utf-8")
            with open(folder / f"{program}.log", "w", encoding="utf-8") as log:
                cluster.processes[program] = subprocess.Popen(
                    [str(binaries / program), str(config)],
                    cwd=folder,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=die_with_parent,
                )
        deadline = time.monotonic() + CLUSTER_START_TIMEOUT_S
        while not cluster.worker_registered():
            exited = [p for p, process in cluster.processes.items() if process.poll() is not None]
            if exited or time.monotonic() > deadline:
                reason = f"{', '.join(exited)} exited" if exited else f"no worker after {CLUSTER_START_TIMEOUT_S}s"
                pytest.fail(f"the Buildbarn cluster did not start ({reason}):\n{cluster.logs()}", pytrace=False)
            time.sleep(0.1)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def pants_flags(cluster: Cluster) -> Sequence[str]:
    """Pants options that send processes to the cluster (all of them, unless environments say
    otherwise)."""
    return (
        "--remote-execution",
        f"--remote-store-address={cluster.address}",
        f"--remote-execution-address={cluster.address}",
        "--process-execution-remote-parallelism=2",
        f"--remote-execution-append-only-caches-base-path={cluster.named_caches}",
    )


def bazel_flags(cluster: Cluster) -> Sequence[str]:
    """Bazel options that execute remotable actions on the cluster: its frontend as executor (and
    CAS and action cache), and the platform its worker advertises. No instance name: the frontend
    routes the empty one to the scheduler."""
    return (
        f"--remote_executor={cluster.address}",
        *(f"--remote_default_exec_properties={k}={v}" for k, v in PLATFORM.items()),
    )
