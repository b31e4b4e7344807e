"""Helpers shared by the tests (not shipped in the generator's tool PEX)."""
from __future__ import annotations

from pathlib import Path


def repo_path(relative: str) -> Path:
    """A repo file. Pants runs tests in a sandbox whose root (the working directory) holds `files`
    targets at their repo paths; run directly, the repo root is found from this file."""
    if (Path.cwd() / "testprojects").is_dir():
        return Path.cwd() / relative
    return Path(__file__).resolve().parents[4] / relative
