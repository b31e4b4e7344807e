"""Golden test: the generated code of every test project, produced by the real Pants rules with
this repo's pants.toml, equals the checked-in expected files byte for byte.

Pants puts the generated files of the targets this test depends on into the test sandbox, under
their source root `testprojects/<project>/proto`, just as `export-codegen` writes them. Refresh the expected files with `build-support/update-goldens`.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Dict

import pytest  # pants: no-infer-dep (the pytest tool provides it)

PROJECTS = ("market_data", "multi_package", "json_mapping", "validation")


def _tree(root: Path, relative_to: Path) -> Dict[str, bytes]:
    return {
        str(p.relative_to(relative_to)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "BUILD"
    }


@pytest.mark.parametrize("project", PROJECTS)
def test_generated_code_matches_expected(project: str) -> None:
    expected_root = Path("testprojects", project, "expected")
    expected = _tree(expected_root, expected_root)
    assert expected, f"no expected files under {expected_root}"
    generated = _tree(Path("testprojects", project, "proto"), Path("testprojects", project, "proto"))
    problems = []
    for path in sorted(set(expected) | set(generated)):
        if path not in generated:
            problems.append(f"{path}: expected but not generated")
        elif path not in expected:
            problems.append(f"{path}: generated but not expected")
        elif generated[path] != expected[path]:
            diff = difflib.unified_diff(
                expected[path].decode().splitlines(keepends=True),
                generated[path].decode().splitlines(keepends=True),
                fromfile=f"expected/{path}",
                tofile=f"generated/{path}",
            )
            problems.append("".join(diff))
    assert not problems, "\n".join(problems) + "\n\nIf the change is intended, run build-support/update-goldens."
