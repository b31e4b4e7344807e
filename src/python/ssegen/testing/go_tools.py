"""Go programs the harnesses build from the Go module proxy, once per machine, into
$HOME/.cache/ssegen-go (the servers behind the remote cache and remote execution tests)."""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict


def go_cache() -> Path:
    return Path(os.environ.get("HOME") or Path.home()) / ".cache" / "ssegen-go"


def go_env() -> Dict[str, str]:
    env = dict(os.environ)
    # Never fetch another toolchain because of a go line, and keep VCS stamping out of temp dirs.
    env.setdefault("GOTOOLCHAIN", "local")
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false").strip()
    return env


def built_once(name: str, build: Callable[[Path], None]) -> Path:
    """The folder go_cache()/name, which `build(staging)` fills the first time.

    The build writes into a private staging folder that is then renamed into place, so concurrent
    runs never see half a build, and a failed build leaves nothing behind. A lock file makes a
    concurrent run (another harness needing the same programs) wait for the build instead of
    building them a second time."""
    cache = go_cache()
    done = cache / name
    if done.is_dir():
        return done
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_dir():
            _build_into(done, build)
    return done


def _build_into(done: Path, build: Callable[[Path], None]) -> None:
    start = time.monotonic()
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=done.parent))
    try:
        build(staging)
        try:
            staging.rename(done)
        except OSError:
            if not done.is_dir():  # not another run's finished build: a real problem
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # For the record (pytest -s): what the cold build cost.
    print(f"built {done.name}: {time.monotonic() - start:.1f}s")
