"""Helpers for tests that start servers of their own (bazel-remote, a Buildbarn cluster) and work in
scratch folders."""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Iterator

# Requests to a test's own servers go straight to loopback, whatever proxy the environment configures.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent(sig: signal.Signals = signal.SIGKILL) -> None:
    """In a server's child process (Linux), as `preexec_fn`: `sig` when the test process dies, even
    if it never gets to stop the server (a timeout kill)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)


def scratch_folder(prefix: str, keep_variable: str) -> Iterator[Path]:
    """A temporary folder for a module fixture (`yield from`); removed afterwards unless the
    environment variable `keep_variable` is set."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if os.environ.get(keep_variable):
            print(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)
