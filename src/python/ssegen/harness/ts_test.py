"""Compiles and runs the generated TypeScript: the TS server and TS client against each other.

The test package (testprojects/ts: package.json, lockfile, tsconfigs, node tests) is copied into a
temporary directory together with the generated files (under gen/), installed with `npm ci`,
type-checked in every tsconfig mode, compiled, and run with `node --test`.

Needs `node` (>= 20) and `npm` on PATH, HOME (npm's user config and the reused download cache in
$HOME/.cache/ssegen-npm) and the npm registry. Set SSEGEN_TS_KEEP=1 to keep the work directory.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import (
    JSON_MAPPING_PROJECT,
    MARKET_DATA_PROJECT,
    MULTI_PACKAGE_PROJECT,
    VALIDATION_PROJECT,
    assert_npm_package_pinned,
    generate_with_cli,
    repo_path,
    run_checked,
)

TS_PACKAGE = "testprojects/ts"
SSE_VECTORS = "testprojects/conformance/sse_vectors.json"
JSON_MAPPING_CASES = "testprojects/conformance/json_mapping.json"
VALIDATION_CASES = "testprojects/conformance/validation.json"

# (proto source root, files to generate): every project whose TS must compile.
PROJECTS: List[Tuple[str, Sequence[str]]] = [
    MARKET_DATA_PROJECT, MULTI_PACKAGE_PROJECT, JSON_MAPPING_PROJECT, VALIDATION_PROJECT,
]

TS_OUTPUTS = ("ts_client", "ts_server", "ts_node")
# The ts_node adapter: the one generated module that may import Node's own modules.
NODE_ADAPTER = "ssegen_node.ts"
# Parts of the test package that are never copied: installed or produced by the harness.
NOT_COPIED = {"node_modules", "build", "gen"}

# Generous ceilings so a hung child fails the test instead of the whole run; not timing checks.
NPM_TIMEOUT_S = 900
TSC_TIMEOUT_S = 600
NODE_TEST_TIMEOUT_S = 900


def generated_ts() -> Dict[str, str]:
    """The generated TypeScript of every project: path (relative to its proto root) -> content.

    The single source of generated files. Under Pants the `#ts` codegen targets put them beside the
    protos, which is what the build ships; elsewhere (run directly) the CLI generates them.
    """
    files: Dict[str, str] = {}
    for root, protos in PROJECTS:
        project = existing_generated_ts(repo_path(root), protos)
        if project is None:
            # Under Pants the files must come from the real codegen targets, never from a fallback.
            assert not os.environ.get("SSEGEN_GENERATED_BY_PANTS"), f"no generated TypeScript beside {root}"
            project = run_generator(repo_path(root), protos)
        for path, content in project.items():
            if files.setdefault(path, content) != content:
                raise AssertionError(f"two projects generate {path} differently")
    return files


def existing_generated_ts(root: Path, protos: Sequence[str]) -> Optional[Dict[str, str]]:
    """The .ts files beside the protos, when every proto's main module (`x.proto` -> `x.ts`) is there."""
    if not all((root / Path(p).with_suffix(".ts")).is_file() for p in protos):
        return None
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.ts"))}


def run_generator(root: Path, protos: Sequence[str]) -> Dict[str, str]:
    return generate_with_cli(root, protos, TS_OUTPUTS, "ts")


def npm_cache_dir() -> Path:
    # Reused across runs (and Pants sandboxes) so `npm ci` downloads each tarball once.
    path = Path(os.environ.get("HOME") or Path.home()) / ".cache" / "ssegen-npm"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(args: Sequence[str], cwd: Path, timeout: int, env: Optional[Dict[str, str]] = None) -> str:
    """Runs a command; on failure, fails the test with everything it printed."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"`{args[0]}` is not on PATH; the TypeScript tests need Node.js >= 20 and npm")
    merged = dict(os.environ)
    # npm and node trust the CA bundle ./pants found, as pip and Pants do (proxies with own CAs).
    if "PANTS_CA_CERTS_PATH" in merged:
        merged.setdefault("NODE_EXTRA_CA_CERTS", merged["PANTS_CA_CERTS_PATH"])
    merged.update(env or {})
    return run_checked(args, cwd, timeout, merged)


@pytest.fixture(scope="module")
def generated() -> Dict[str, str]:
    return generated_ts()


@pytest.fixture(scope="module")
def workspace(generated: Dict[str, str]) -> Iterator[Path]:
    """The test package with the generated files under gen/, installed."""
    work = Path(tempfile.mkdtemp(prefix="ssegen-ts-"))
    try:
        package = work / "ts"
        shutil.copytree(
            repo_path(TS_PACKAGE),
            package,
            ignore=lambda directory, names: [n for n in names if n in NOT_COPIED and Path(directory) == repo_path(TS_PACKAGE)],
        )
        for path, content in generated.items():
            target = package / "gen" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8"))
        shutil.copyfile(repo_path(SSE_VECTORS), package / "sse_vectors.json")
        shutil.copyfile(repo_path(JSON_MAPPING_CASES), package / "json_mapping.json")
        shutil.copyfile(repo_path(VALIDATION_CASES), package / "validation.json")
        run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--cache", str(npm_cache_dir())],
            package,
            NPM_TIMEOUT_S,
        )
        yield package
    finally:
        if os.environ.get("SSEGEN_TS_KEEP"):
            print(f"kept TypeScript work directory {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def tsc(package: Path, config: str) -> str:
    return run(["node", "node_modules/typescript/bin/tsc", "-p", config, "--pretty", "false"], package, TSC_TIMEOUT_S)


@pytest.fixture(scope="module")
def built(workspace: Path) -> Path:
    """The NodeNext build: type-checks generated code and tests, and emits the JS node runs."""
    tsc(workspace, "tsconfig.nodenext.json")
    return workspace


def test_test_package_is_pinned_and_names_no_registry() -> None:
    """Exact devDependency pins, and a lockfile without download addresses (no registry host may
    be committed); only the TypeScript toolchain, since generated code must import nothing."""
    assert_npm_package_pinned(TS_PACKAGE, {"typescript", "@types/node"})


def test_generated_ts_covers_every_project(generated: Dict[str, str]) -> None:
    for root, protos in PROJECTS:
        for proto in protos:
            main_module = Path(proto).with_suffix(".ts").as_posix()
            assert main_module in generated, f"no {main_module} among {sorted(generated)}"
    for required in ("market_data.client.ts", "market_data.server.ts", "ssegen_errors.ts",
                     "ssegen_client_runtime.ts", "ssegen_server_runtime.ts", "index.ts"):
        assert f"market/v1/{required}" in generated, f"no market/v1/{required} among {sorted(generated)}"


def test_generated_ts_is_consistently_formatted(generated: Dict[str, str]) -> None:
    problems: List[str] = []
    for path, content in sorted(generated.items()):
        if "\r" in content:
            problems.append(f"{path}: CR line ends")
        if not content.endswith("\n") or content.endswith("\n\n"):
            problems.append(f"{path}: must end with exactly one newline")
        if "\n\n\n" in content:
            problems.append(f"{path}: more than one blank line in a row")
        for number, line in enumerate(content.split("\n"), 1):
            where = f"{path}:{number}"
            if "\t" in line:
                problems.append(f"{where}: tab")
            if line != line.rstrip():
                problems.append(f"{where}: trailing whitespace")
            indent = len(line) - len(line.lstrip(" "))
            # Two-space indentation; JSDoc continuation lines (` * `) sit one column further in.
            if line.strip() and indent % 2 and not line.lstrip().startswith("*"):
                problems.append(f"{where}: odd indentation ({indent})")
    assert not problems, "generated TypeScript is not consistently formatted:\n" + "\n".join(problems[:50])


def test_generated_ts_imports_are_relative_js(generated: Dict[str, str]) -> None:
    """Web standards only and NodeNext-clean: every import is relative and ends in .js (the Node
    adapter of the ts_node output also imports node: modules)."""
    specifier = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]""", re.M)
    problems = []
    checked = 0
    for path, content in sorted(generated.items()):
        for match in specifier.finditer(content):
            checked += 1
            target = match.group(1) or match.group(2)
            if path.endswith("/" + NODE_ADAPTER) and target.startswith("node:"):
                continue
            if not target.startswith("./") and not target.startswith("../"):
                problems.append(f"{path}: imports a package: {target!r}")
            elif not target.endswith(".js"):
                problems.append(f"{path}: relative import without .js: {target!r}")
    assert checked > 0, "no import found: the pattern is broken"
    assert not problems, "\n".join(problems)


def test_typecheck_nodenext(built: Path) -> None:
    # The `built` fixture ran tsc in NodeNext mode (strict, noUncheckedIndexedAccess,
    # exactOptionalPropertyTypes); reaching here means it passed.
    assert (built / "build" / "gen" / "market" / "v1" / "market_data.client.js").is_file()


@pytest.mark.parametrize("config", ["tsconfig.bundler.json", "tsconfig.web.json"])
def test_typecheck(workspace: Path, config: str) -> None:
    tsc(workspace, config)


def test_node_tests(built: Path) -> None:
    tests = sorted(str(p.relative_to(built)) for p in (built / "build" / "src").glob("*.test.js"))
    assert tests, "no compiled node tests"
    output = run(
        ["node", "--test", "--test-reporter=spec", "--test-timeout=120000", *tests],
        built,
        NODE_TEST_TIMEOUT_S,
        env={
            "SSEGEN_SSE_VECTORS": str(built / "sse_vectors.json"),
            "SSEGEN_JSON_MAPPING_CASES": str(built / "json_mapping.json"),
            "SSEGEN_VALIDATION_CASES": str(built / "validation.json"),
            "NODE_OPTIONS": "",
        },
    )
    print(output)
