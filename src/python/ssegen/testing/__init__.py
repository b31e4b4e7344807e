"""Helpers shared by the tests (not shipped in the generator's tool PEX)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Dict, Sequence


def repo_path(relative: str) -> Path:
    """A repo file. Pants runs tests in a sandbox whose root (the working directory) holds `files`
    targets at their repo paths; run directly, the repo root is found from this file."""
    if (Path.cwd() / "testprojects").is_dir():
        return Path.cwd() / relative
    return Path(__file__).resolve().parents[4] / relative


def generate_with_cli(root: Path, protos: Sequence[str], outputs: Sequence[str], language: str) -> Dict[str, str]:
    """What `python -m ssegen.cli` writes for one language: path (relative to the import root) ->
    content. For running the harnesses outside Pants, where no codegen target produced the files."""
    from ssegen.cli import main

    parameter = ",".join(f"outputs={output}" for output in outputs)
    with tempfile.TemporaryDirectory(prefix="ssegen-gen-") as out:
        status = main(["--out", out, "--param", parameter, "--proto-path", str(root), *protos])
        assert status == 0, f"ssegen failed for {root} (see captured stderr)"
        tree = Path(out, language)
        files = {p.relative_to(tree).as_posix(): p.read_text(encoding="utf-8") for p in sorted(tree.rglob("*")) if p.is_file()}
    assert files, f"ssegen wrote no {language} for {root}"
    return files
