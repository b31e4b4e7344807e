"""A copy of the repo's Bazel workspace in a temporary folder, run with ./bazel, for the harnesses
that build with Bazel (harness/bazel_test.py, harness/bazel_remote_execution_test.py)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

from ssegen.testing import repo_path, run_checked

# What the workspace copy holds (the `files`/sources targets of the tests' BUILD entries).
WORKSPACE_ENTRIES = (
    "bazel",
    "WORKSPACE.bazel",
    ".bazelrc",
    ".bazelignore",
    "BUILD.bazel",
    "rules/bazel",
    "src/protos",
    "src/python/ssegen",
    "testprojects",
)

# A ceiling so a hung Bazel fails the test instead of the whole run; not a timing check.
RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class Workspace:
    root: Path
    work: Path  # output root, disk cache, logs
    env: Dict[str, str]

    def bazel(self, *args: str, expect_failure: bool = False, timeout: int = RUN_TIMEOUT_S, cwd: str = ".") -> str:
        """Runs ./bazel in `cwd` (a workspace under the root); returns its output (stdout and
        stderr). Fails the test on an unexpected exit."""
        argv = [str(self.root / "bazel"), f"--output_user_root={self.work / 'root'}", "--max_idle_secs=300", *args]
        if not expect_failure:
            return run_checked(argv, cwd=self.root / cwd, timeout=timeout, env=self.env, context="bazel")
        result = subprocess.run(
            argv,
            cwd=self.root / cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            encoding="utf-8",
            errors="replace",
        )
        assert result.returncode != 0, f"`{' '.join(argv)}` succeeded but must fail:\n{result.stdout}"
        return result.stdout


def copy_workspace(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "bazel-*", "harness", "testing")
    for entry in WORKSPACE_ENTRIES:
        source = repo_path(entry)
        assert source.exists(), f"{entry} is missing (see the harness's BUILD dependencies)"
        if source.is_dir():
            shutil.copytree(source, dest / entry, ignore=ignore, symlinks=False)
        else:
            (dest / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / entry)
    os.chmod(dest / "bazel", 0o755)


def remove_tree(tree: Path) -> None:
    """Removes a Bazel output root, whose repositories and outputs Bazel makes read-only."""

    def make_writable_and_retry(function, path, _excinfo) -> None:
        os.chmod(os.path.dirname(path), 0o755)
        if os.path.lexists(path) and not os.path.islink(path):
            os.chmod(path, 0o755)
        function(path)

    shutil.rmtree(tree, onerror=make_writable_and_retry)


def spawns(log: Path) -> List[dict]:
    """The spawns of a --execution_log_json_file: a stream of JSON objects."""
    text = log.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    found, at = [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return found
        spawn, at = decoder.raw_decode(text, at)
        found.append(spawn)


def is_generator(spawn: dict) -> bool:
    """sse_proto_library's actions: SsegenGenerate (declared outs) and SsegenGenerate<Language>."""
    return str(spawn.get("mnemonic", "")).startswith("SsegenGenerate")
