"""ssegen's codegen under Pants' process caches, observed through nested `./pants` runs.

bazel-remote, a REAPI cache server built from the Go module proxy (kept in $HOME/.cache/ssegen-go),
serves on loopback from a temporary folder. Copies of the build root run `./pants export-codegen`
on the market_data and multi_package projects, each with its own local store:

(a) Remote cache: the first copy (empty server, empty local store, remote reads and writes) runs
    every generator. The second copy, in another folder with another empty local store and named
    caches (another machine, as far as Pants can tell), must get every generator's result from the
    remote cache and run none, and export byte-identical files.
(b) Invalidation: in the second copy, editing one proto reruns the generators of exactly the
    libraries whose inputs hold that file (the library itself and those importing it), and never
    rebuilds the tool PEX. The first edited run also shows that the check of (a) rejects a run in
    which the generator ran. Reverting the edits reruns nothing and exports the same files again.
(c) Determinism: a third copy in a third folder, without the remote cache, runs every generator
    again and exports byte-identical files.

How a run is observed: the nested Pants loads the workunit_logger backend, which writes the run's
completed workunits as JSON. Each process has a `process` workunit whose metadata holds its
definition (with the description ssegen gives its generator, "Generate with ssegen from <files>")
and `source`: `Ran` (executed here), `HitLocally` or `HitRemotely`. A local execution also leaves
a `run_local_process` workunit with the process's description; either counts as a run.

The copies hold what a nested ./pants needs (the bootstrap script, pants.toml, the constraints, the
plugin and generator sources, the sebuf protos, the projects with their BUILD files), taken from the
test sandbox. The local stores and named caches live in a temporary folder, so nothing comes from
the outer Pants' caches; ./pants reuses its bootstrap in ~/.cache. Needs `go` and the Go module
proxy (once), Python 3.9 for ./pants, and PyPI for the tool's wheels. Set
SSEGEN_REMOTE_CACHE_KEEP=1 to keep the temporary folder.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, NamedTuple, Optional, Sequence

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import nested_pants
from ssegen.testing.go_tools import built_once, go_env
from ssegen.testing.servers import LOOPBACK, die_with_parent, free_port, scratch_folder
from ssegen.testing.nested_pants import (
    GENERATOR,
    HIT_LOCALLY,
    HIT_REMOTELY,
    TOOL_PEX,
    Caches,
    NestedRun,
    Process,
    assert_same_export,
    run,
)

# The REAPI cache server. The module proxy refuses bazel-remote's /v2 module path (and its version
# lists) but serves this v1 release, which speaks the REAPI v2 gRPC services Pants uses:
# Capabilities, ContentAddressableStorage, ByteStream and ActionCache.
BAZEL_REMOTE_MODULE = "github.com/buchgr/bazel-remote"
BAZEL_REMOTE_VERSION = "v1.3.3"
INSTANCE_NAME = "ssegen-harness"

MARKET_DATA = "testprojects/market_data/proto"
MULTI_PACKAGE = "testprojects/multi_package/proto"
PROJECTS = (MARKET_DATA, MULTI_PACKAGE)
# Library -> what its generator's description holds: each sse_proto_library has one generator
# process, described by its files.
LIBRARIES = {
    "market_data": MARKET_DATA + "/market/v1/",
    "catalog": MULTI_PACKAGE + "/shop/catalog/v1/",
    "common": MULTI_PACKAGE + "/shop/common/v1/",
    "orders": MULTI_PACKAGE + "/shop/orders/v1/",
}
# One edit at a time (they accumulate): the file, and the libraries whose generator must rerun.
EDITS = [
    (MULTI_PACKAGE + "/shop/catalog/v1/catalog.proto", {"catalog"}),
    # catalog and orders import shop/common/v1/money.proto, so it is among their inputs too.
    (MULTI_PACKAGE + "/shop/common/v1/money.proto", {"common", "catalog", "orders"}),
]
EDIT_LINE = b"\n// edited by remote_cache_test\n"

# Generous ceilings so a hung child fails the test instead of the whole run; not timing checks.
GO_BUILD_TIMEOUT_S = 600
SERVER_START_TIMEOUT_S = 30
PANTS_TIMEOUT_S = 420

# --- The cache server -------------------------------------------------------------------------


def bazel_remote() -> Path:
    """bazel-remote at BAZEL_REMOTE_VERSION, built once into $HOME/.cache/ssegen-go."""
    return built_once(f"bazel-remote-{BAZEL_REMOTE_VERSION}", _build_bazel_remote) / "bazel-remote"


def _build_bazel_remote(staging: Path) -> None:
    what = f"building bazel-remote {BAZEL_REMOTE_VERSION} from the Go module proxy"
    env = go_env()
    # `go install module@version` wants the module's version list (for deprecation notices),
    # which the proxy refuses; as the dependency of a throwaway module it needs the release only.
    module = f"{BAZEL_REMOTE_MODULE}@{BAZEL_REMOTE_VERSION}"
    info = json.loads(run(["go", "mod", "download", "-json", module], staging, GO_BUILD_TIMEOUT_S, env, what))
    (staging / "go.mod").write_text(
        f"module ssegen.test/cacheserver\n\ngo 1.22\n\nrequire {BAZEL_REMOTE_MODULE} {BAZEL_REMOTE_VERSION}\n",
        encoding="utf-8",
    )
    # The checksum database has no entry for one of its dependencies (go-grpc-compression
    # v1.1.4). The release's own go.sum, which the database vouches for as part of the release,
    # holds the hashes of all of them, so go verifies every download against that instead.
    shutil.copyfile(Path(info["Dir"]) / "go.sum", staging / "go.sum")
    os.chmod(staging / "go.sum", 0o644)
    run(["go", "build", "-mod=mod", "-o", str(staging / "bazel-remote"), BAZEL_REMOTE_MODULE], staging,
        GO_BUILD_TIMEOUT_S, env, what)


def stop_with_parent() -> None:
    """SIGTERM to bazel-remote when the test process dies; --idle_timeout covers other systems."""
    die_with_parent(signal.SIGTERM)


@dataclass
class CacheServer:
    process: subprocess.Popen
    grpc_port: int
    http_port: int
    log: Path

    @property
    def address(self) -> str:
        return f"grpc://127.0.0.1:{self.grpc_port}"

    def status(self) -> Dict[str, int]:
        with LOOPBACK.open(f"http://127.0.0.1:{self.http_port}/status", timeout=5) as response:
            return json.load(response)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(binary: Path, storage: Path) -> CacheServer:
    storage.mkdir(parents=True)
    log = storage.parent / "bazel-remote.log"
    for _ in range(3):  # a port taken between free_port() and the server's bind: try others
        grpc_port, http_port = free_port(), free_port()
        if grpc_port == http_port:
            continue
        argv = [str(binary), "--dir", str(storage), "--max_size", "2", "--host", "127.0.0.1",
                "--port", str(http_port), "--grpc_port", str(grpc_port),
                # Ends the server by itself should the test process vanish without stopping it.
                "--idle_timeout", "10m"]
        with open(log, "w", encoding="utf-8") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=stop_with_parent)
        server = CacheServer(process, grpc_port, http_port, log)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            try:
                server.status()
                with socket.create_connection(("127.0.0.1", grpc_port), timeout=2):
                    return server
            except OSError:
                time.sleep(0.2)
        server.stop()
        if "address already in use" not in log.read_text(encoding="utf-8", errors="replace"):
            break
    pytest.fail(f"bazel-remote did not start:\n{log.read_text(encoding='utf-8', errors='replace')}", pytrace=False)


# --- Copies of the build root and nested Pants runs --------------------------------------------


def make_buildroot(dest: Path) -> Path:
    return nested_pants.make_buildroot(dest, PROJECTS)


def pants(root: Path, caches: Caches, specs: Sequence[str], label: str, server: Optional[CacheServer]) -> NestedRun:
    """`./pants export-codegen specs` in `root` with the given caches, reading and writing the
    remote cache if there is a server."""
    flags = []
    if server is not None:
        flags = [
            f"--remote-store-address={server.address}",
            f"--remote-instance-name={INSTANCE_NAME}",
            "--remote-cache-read",
            "--remote-cache-write",
        ]
    return nested_pants.pants_export(root, caches, specs, label, flags, PANTS_TIMEOUT_S)


def assert_served_from_remote(run: NestedRun, process: Process) -> None:
    assert process.source == HIT_REMOTELY and not run.ran(process), (
        f"{run.label}: expected '{process.description}' to be served from the remote cache (source "
        f"{HIT_REMOTELY}, no local execution), but its source is {process.source}"
        f"{' and a local execution was recorded' if process.description in run.local_runs else ''}.\n{run.summary()}"
    )


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    yield from scratch_folder("ssegen-remote-cache-", "SSEGEN_REMOTE_CACHE_KEEP")


@pytest.fixture(scope="module")
def server(work: Path) -> Iterator[CacheServer]:
    cache_server = start_server(bazel_remote(), work / "bazel-remote" / "storage")
    try:
        yield cache_server
    finally:
        cache_server.stop()


# --- The tests ----------------------------------------------------------------------------------

SPECS = (MARKET_DATA + "::", MULTI_PACKAGE + "::")


class Copies(NamedTuple):
    server: CacheServer
    first: NestedRun
    second: NestedRun
    second_root: Path
    second_caches: Caches
    first_caches: Caches


@pytest.fixture(scope="module")
def copies(work: Path, server: CacheServer) -> Copies:
    """The first copy's run (empty server, empty local store) and the second copy's (another folder,
    another empty local store and named caches: only the remote cache is shared)."""
    first_caches = Caches(work / "a" / "caches")
    first = pants(make_buildroot(work / "a" / "repo"), first_caches, SPECS, "the first copy", server)
    second_root = make_buildroot(work / "b" / "checkout")
    second_caches = Caches(work / "b" / "caches")
    second = pants(second_root, second_caches, SPECS, "the second copy (other folder, empty caches)", server)
    return Copies(server, first, second, second_root, second_caches, first_caches)


def test_second_copy_is_served_from_remote_cache(copies: Copies) -> None:
    first, second = copies.first, copies.second
    for library, files in LIBRARIES.items():
        assert first.ran(first.one(GENERATOR, files)), (
            f"{first.label}: the {library} generator should have run (nothing was cached yet)\n{first.summary()}"
        )
    stored = copies.server.status()["NumFiles"]
    assert stored > 0, f"{first.label} stored nothing in the remote cache\n{first.summary()}"
    assert any(path.endswith("MarketDataService.openapi.yaml") for path in first.exported), sorted(first.exported)

    for library, files in LIBRARIES.items():
        assert_served_from_remote(second, second.one(GENERATOR, files))
    assert_served_from_remote(second, second.one(TOOL_PEX))
    assert_same_export(second, first)


def test_edit_reruns_only_dependent_libraries(copies: Copies) -> None:
    root, caches = copies.second_root, copies.second_caches
    originals = {path: (root / path).read_bytes() for path, _ in EDITS}
    for number, (path, expected) in enumerate(EDITS):
        with open(root / path, "ab") as f:
            f.write(EDIT_LINE)
        edited = pants(root, caches, SPECS, f"the second copy after editing {path}", copies.server)
        reran = {library for library, files in LIBRARIES.items() if edited.ran(edited.one(GENERATOR, files))}
        assert reran == expected, (
            f"{edited.label}: expected the generator to rerun for {sorted(expected)} (the libraries whose "
            f"inputs hold {path}), but it reran for {sorted(reran)}\n{edited.summary()}"
        )
        for library, files in LIBRARIES.items():
            if library not in expected:
                assert edited.one(GENERATOR, files).source == HIT_LOCALLY, edited.summary()
        assert not edited.ran(edited.one(TOOL_PEX)), f"{edited.label}: the tool PEX was rebuilt\n{edited.summary()}"
        if number == 0:
            # The check of the remote cache test must reject a run in which the generator ran.
            rerun = edited.one(GENERATOR, LIBRARIES[next(iter(expected))])
            with pytest.raises(AssertionError, match="expected .* to be served from the remote cache"):
                assert_served_from_remote(edited, rerun)

    for path, content in originals.items():
        (root / path).write_bytes(content)
    reverted = pants(root, caches, SPECS, "the second copy with the edits reverted", copies.server)
    again = [p for p in reverted.matching(GENERATOR) + reverted.matching(TOOL_PEX) if reverted.ran(p)]
    assert not again, f"{reverted.label}: nothing should have rerun\n{reverted.summary()}"
    assert_same_export(reverted, copies.first)


def test_export_is_identical_when_everything_runs_again(work: Path, copies: Copies) -> None:
    # A third folder and local store, no remote cache: every generator runs again (the named caches
    # of the first copy only spare downloading the tool's wheels).
    caches = Caches(work / "c" / "caches")
    shutil.copytree(copies.first_caches.named, caches.named, symlinks=True)
    third = pants(make_buildroot(work / "c" / "elsewhere"), caches, SPECS, "a third copy without remote cache", None)
    for library, files in LIBRARIES.items():
        process = third.one(GENERATOR, files)
        assert third.ran(process), f"{third.label}: the {library} generator should have run\n{third.summary()}"
    assert_same_export(third, copies.first)
