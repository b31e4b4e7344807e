"""Compiles and runs the generated Go: the Go server and Go client against each other.

A Go module (testprojects/go: go.mod + go.sum, module example.com/ssegen/testprojects) is assembled
in a temporary directory: protoc-gen-go messages for every project, ssegen's generated packages
placed by import path, and the Go tests of each project (testprojects/<project>/go/<dir>/: a <dir>
named like a generated package joins it as white-box tests, any other <dir> becomes its own package
<project>/<dir>). Then gofmt, go vet, go test -race, the SSE decoder tests without -race at full
density, and a short fuzz run of the decoder.

Needs `go` (and a C compiler, for -race) on PATH, HOME (GOPATH, GOCACHE and the protoc-gen-go
build in $HOME/.cache/ssegen-go), and the Go module proxy. Set SSEGEN_GO_KEEP=1 to keep the work
directory, SSEGEN_GO_FUZZTIME to change the fuzzing budget (default 60000x; 0 skips fuzzing).
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pytest  # pants: no-infer-dep (the pytest tool provides it)

import ssegen
from ssegen.descriptors import BUNDLED_INCLUDE_DIR, well_known_include_dir
from ssegen.testing import (
    JSON_MAPPING_PROJECT,
    MARKET_DATA_PROJECT,
    MULTI_PACKAGE_PROJECT,
    VALIDATION_PROJECT,
    generate_with_cli,
    repo_path,
    run_checked,
)

GO_MODULE = "testprojects/go"
SSE_VECTORS = "testprojects/conformance/sse_vectors.json"
JSON_MAPPING_CASES = "testprojects/conformance/json_mapping.json"
VALIDATION_CASES = "testprojects/conformance/validation.json"
PROTOBUF_MODULE = "google.golang.org/protobuf"

# (project, proto source root, files to generate): every project whose Go must compile and pass
# its tests. The project name is also the folder of its Go tests, testprojects/<project>/go.
PROJECTS: List[Tuple[str, str, Sequence[str]]] = [
    ("market_data", *MARKET_DATA_PROJECT),
    ("multi_package", *MULTI_PACKAGE_PROJECT),
    ("json_mapping", *JSON_MAPPING_PROJECT),
    ("validation", *VALIDATION_PROJECT),
]

GO_OUTPUTS = ("go_server", "go_client")
# The annotation protos' go_package is sebuf's own module; inside the test module they get a local
# import path instead, so nothing outside google.golang.org/protobuf has to be fetched.
SEBUF_PROTOS = ["sebuf/http/annotations.proto", "sebuf/http/headers.proto"]
SEBUF_GO_PACKAGE = "internal/sebufhttp;sebufhttp"

# protovalidate's rules, imported by the validation project. Only protoc reads them here: their
# Go package is the one the module buf.build/go/protovalidate depends on (go.mod requires it),
# which registers the file; a local copy would register it a second time.
PROTOVALIDATE_PROTO = "buf/validate/validate.proto"
PROTOVALIDATE_ROOT = "src/protos"

# The package holding the SSE decoder tests and the fuzz target.
DECODER_TEST_PACKAGE = "market_data/gen/marketv1/marketv1http"

# Generous ceilings so a hung child fails the test instead of the whole run; not timing checks.
INSTALL_TIMEOUT_S = 600
PROTOC_TIMEOUT_S = 300
VET_TIMEOUT_S = 600
GO_TEST_TIMEOUT_S = 1200

GO_PACKAGE_OPTION = re.compile(r'^\s*option\s+go_package\s*=\s*"([^"]+)"\s*;', re.M)


def generated_go() -> Dict[str, Dict[str, str]]:
    """The generated Go of every project: project -> path (relative to its proto root) -> content.

    The single source of generated files. Under Pants the `#go` codegen targets put them beside the
    protos, which is what the build ships; elsewhere (run directly) the CLI generates them.
    """
    projects = {}
    for project, root, protos in PROJECTS:
        files = existing_generated_go(repo_path(root))
        if files is None:
            # Under Pants the files must come from the real codegen targets, never from a fallback.
            assert not os.environ.get("SSEGEN_GENERATED_BY_PANTS"), f"no generated Go beside {root}"
            files = run_generator(repo_path(root), protos)
        projects[project] = files
    return projects


def existing_generated_go(root: Path) -> Optional[Dict[str, str]]:
    """The .go files beside the protos (in `<pkg>http` folders), if there are any."""
    files = {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.go"))
        if p.parent.name.endswith("http")
    }
    return files or None


def run_generator(root: Path, protos: Sequence[str]) -> Dict[str, str]:
    return generate_with_cli(root, protos, GO_OUTPUTS, "go")


def module_path() -> str:
    match = re.search(r"^module\s+(\S+)", (repo_path(GO_MODULE) / "go.mod").read_text(), re.M)
    assert match, "testprojects/go/go.mod has no module line"
    return match.group(1)


def protobuf_version() -> str:
    """The google.golang.org/protobuf version go.mod requires: protoc-gen-go must match it."""
    match = re.search(
        rf"^\s*(?:require\s+)?{re.escape(PROTOBUF_MODULE)}\s+(v\S+)", (repo_path(GO_MODULE) / "go.mod").read_text(), re.M
    )
    assert match, f"testprojects/go/go.mod does not require {PROTOBUF_MODULE}"
    return match.group(1)


def go_env() -> Dict[str, str]:
    env = dict(os.environ)
    # Never fetch another toolchain because of a go line, and keep VCS stamping out of temp dirs.
    env.setdefault("GOTOOLCHAIN", "local")
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false").strip()
    # -race needs cgo.
    env["CGO_ENABLED"] = "1"
    return env


def run(args: Sequence[str], cwd: Path, timeout: int, env: Optional[Dict[str, str]] = None) -> str:
    """Runs a command; on failure, fails the test with everything it printed."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"`{args[0]}` is not on PATH; the Go tests need a Go toolchain (>= 1.23) and a C compiler")
    return run_checked(args, cwd, timeout, env or go_env())


def protoc_gen_go() -> Path:
    """protoc-gen-go at go.mod's protobuf version, built once into $HOME/.cache/ssegen-go."""
    version = protobuf_version()
    home = Path(os.environ.get("HOME") or Path.home())
    binary = home / ".cache" / "ssegen-go" / f"protoc-gen-go-{version}" / "protoc-gen-go"
    if binary.is_file():
        return binary
    binary.parent.parent.mkdir(parents=True, exist_ok=True)
    # Built into a private folder, then renamed into place, so concurrent runs never see half a binary.
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=binary.parent.parent))
    try:
        env = go_env()
        env["GOBIN"] = str(staging)
        # Outside any module, so `go install pkg@version` ignores every go.mod around it.
        run(["go", "install", f"{PROTOBUF_MODULE}/cmd/protoc-gen-go@{version}"], staging, INSTALL_TIMEOUT_S, env)
        try:
            staging.rename(binary.parent)
        except OSError:
            if not binary.is_file():  # not another run's finished build: a real problem
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return binary


# The folder holding the ssegen package (src/python, or the root of a Pants sandbox), then
# everything this interpreter can import: Pants supplies third-party packages (grpc_tools) in a PEX
# that a child `python -m grpc_tools.protoc` would not otherwise see.
PYTHONPATH = os.pathsep.join(
    dict.fromkeys([os.path.dirname(os.path.dirname(os.path.abspath(ssegen.__file__)))] + [p for p in sys.path if p])
)


def protoc(plugin: Path, module_dir: Path, include: Sequence[Path], files: Sequence[str], mappings: Dict[str, str]) -> None:
    """Runs protoc-gen-go through the repo's protoc (grpc_tools), with the include folders ssegen uses."""
    options = [f"module={module_path()}"] + [f"M{proto}={package}" for proto, package in sorted(mappings.items())]
    args = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        *[f"--proto_path={p}" for p in (*include, BUNDLED_INCLUDE_DIR, well_known_include_dir())],
        f"--plugin=protoc-gen-go={plugin}",
        f"--go_out={module_dir}",
        f"--go_opt={','.join(options)}",
        *files,
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHONPATH
    run(args, module_dir, PROTOC_TIMEOUT_S, env)


def go_package_dirs(root: Path, files: Dict[str, str]) -> Dict[str, str]:
    """Each folder of generated Go (relative to the proto root) -> its import path.

    The generated package `<name>http` sits in the folder of its protos and is imported as
    `<go_package import path>/<name>http`, where go_package is the protos' option.
    """
    result: Dict[str, str] = {}
    for folder in sorted({str(Path(f).parent) for f in files}):
        proto_dir = root / Path(folder).parent
        options = {
            m.group(1) for p in proto_dir.glob("*.proto") for m in GO_PACKAGE_OPTION.finditer(p.read_text(encoding="utf-8"))
        }
        candidates = []
        for option in options:
            import_path, _, name = option.partition(";")
            if (name or import_path.rsplit("/", 1)[-1]) + "http" == Path(folder).name:
                candidates.append(f"{import_path}/{Path(folder).name}")
        assert len(candidates) == 1, f"cannot tell the import path of {folder} from go_package options {sorted(options)}"
        result[folder] = candidates[0]
    return result


def module_dir_of(import_path: str) -> str:
    prefix = module_path() + "/"
    assert import_path.startswith(prefix), f"{import_path} is outside module {module_path()}"
    return import_path[len(prefix):]


class GoModule:
    """The assembled module: where things are, for the tests below."""

    def __init__(self, root: Path, test_dirs: List[str]) -> None:
        self.root = root
        self.test_dirs = test_dirs  # module-relative folders that received Go tests


def assemble(work: Path, generated: Dict[str, Dict[str, str]]) -> GoModule:
    module = work / "module"
    module.mkdir()
    for name in ("go.mod", "go.sum"):
        shutil.copyfile(repo_path(GO_MODULE) / name, module / name)

    plugin = protoc_gen_go()
    sebuf_package = f"{module_path()}/{SEBUF_GO_PACKAGE}"
    mappings = {proto: sebuf_package for proto in SEBUF_PROTOS}
    protoc(plugin, module, [], SEBUF_PROTOS, mappings)
    # protovalidate's protos in a folder of their own: src/protos also holds the sebuf protos,
    # which the generator's bundled copies provide.
    validate_include = work / "include"
    (validate_include / PROTOVALIDATE_PROTO).parent.mkdir(parents=True)
    shutil.copyfile(repo_path(PROTOVALIDATE_ROOT) / PROTOVALIDATE_PROTO, validate_include / PROTOVALIDATE_PROTO)

    test_dirs: List[str] = []
    for project, root, protos in PROJECTS:
        proto_root = repo_path(root)
        protoc(plugin, module, [proto_root, validate_include], protos, mappings)

        files = generated[project]
        packages = go_package_dirs(proto_root, files)
        by_name: Dict[str, str] = {}
        for path, content in files.items():
            target_dir = module_dir_of(packages[str(Path(path).parent)])
            target = module / target_dir / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8"))
            by_name[Path(target_dir).name] = target_dir

        tests = repo_path(f"testprojects/{project}/go")
        for test_dir in sorted(p for p in tests.iterdir() if p.is_dir()) if tests.is_dir() else []:
            # A folder named like a generated package holds white-box tests of that package.
            target_dir = by_name.get(test_dir.name, f"{project}/{test_dir.name}")
            (module / target_dir).mkdir(parents=True, exist_ok=True)
            for source in sorted(test_dir.glob("*.go")):
                shutil.copyfile(source, module / target_dir / source.name)
            (module / target_dir / "testdata").mkdir(exist_ok=True)
            shutil.copyfile(repo_path(SSE_VECTORS), module / target_dir / "testdata" / "sse_vectors.json")
            shutil.copyfile(repo_path(JSON_MAPPING_CASES), module / target_dir / "testdata" / "json_mapping.json")
            shutil.copyfile(repo_path(VALIDATION_CASES), module / target_dir / "testdata" / "validation.json")
            test_dirs.append(target_dir)
    return GoModule(module, test_dirs)


@pytest.fixture(scope="module")
def generated() -> Dict[str, Dict[str, str]]:
    return generated_go()


@pytest.fixture(scope="module")
def go_module(generated: Dict[str, Dict[str, str]]) -> Iterator[GoModule]:
    work = Path(tempfile.mkdtemp(prefix="ssegen-go-"))
    try:
        yield assemble(work, generated)
    finally:
        if os.environ.get("SSEGEN_GO_KEEP"):
            print(f"kept Go work directory {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def test_generated_go_covers_every_project(generated: Dict[str, Dict[str, str]]) -> None:
    market = generated["market_data"]
    for name in ("ssegen_errors.go", "ssegen_server.go", "ssegen_client.go",
                 "market_data_server.ssegen.go", "market_data_client.ssegen.go"):
        assert f"market/v1/marketv1http/{name}" in market, f"no market/v1/marketv1http/{name} among {sorted(market)}"
    shop_dirs = {str(Path(p).parent) for p in generated["multi_package"]}
    assert {"shop/catalog/v1/catalogv1http", "shop/orders/v1/ordersv1http"} <= shop_dirs, sorted(shop_dirs)


def gofmt() -> str:
    # gofmt ships beside go, but only go itself has to be on PATH.
    if shutil.which("gofmt"):
        return "gofmt"
    goroot = run(["go", "env", "GOROOT"], Path.cwd(), VET_TIMEOUT_S).strip()
    return str(Path(goroot) / "bin" / "gofmt")


def test_gofmt(go_module: GoModule) -> None:
    # Generated code and the tests alike; gofmt -l lists the files that are not formatted.
    unformatted = run([gofmt(), "-l", "."], go_module.root, VET_TIMEOUT_S).split()
    assert not unformatted, "not gofmt-clean:\n" + "\n".join(unformatted)


def test_go_vet(go_module: GoModule) -> None:
    run(["go", "vet", "./..."], go_module.root, VET_TIMEOUT_S)


def test_go_test_race(go_module: GoModule) -> None:
    output = run(["go", "test", "-race", "-count=1", "-timeout=15m", "./..."], go_module.root, GO_TEST_TIMEOUT_S)
    print(output)
    for test_dir in go_module.test_dirs:
        assert f"{module_path()}/{test_dir}\t" in output or f"{module_path()}/{test_dir} " in output, (
            f"go test did not report {test_dir}:\n{output}"
        )


def test_sse_decoder_full_density(go_module: GoModule) -> None:
    # Without -race the decoder tests split large vectors at many more offsets (see race_*_test.go).
    run(["go", "test", "-count=1", "-run=^TestSSE", "-timeout=15m", f"./{DECODER_TEST_PACKAGE}"], go_module.root, GO_TEST_TIMEOUT_S)


def test_fuzz_sse_decoder(go_module: GoModule) -> None:
    # A count, not a duration: Go 1.26's fuzz coordinator can fail a duration-bounded run with a
    # spurious "context deadline exceeded" as the time runs out (golang/go#75804). 60000
    # executions take about ten seconds here.
    fuzztime = os.environ.get("SSEGEN_GO_FUZZTIME", "60000x")
    if fuzztime in ("0", "0s", "0x"):
        pytest.skip("SSEGEN_GO_FUZZTIME=0")
    package = go_module.root / DECODER_TEST_PACKAGE
    try:
        run(
            ["go", "test", "-run=^$", "-fuzz=^FuzzSSEDecoder$", f"-fuzztime={fuzztime}", "-timeout=15m", f"./{DECODER_TEST_PACKAGE}"],
            go_module.root,
            GO_TEST_TIMEOUT_S,
        )
    except pytest.fail.Exception as e:
        # The failing input is written to testdata/fuzz; show it, as the work directory goes away.
        found = sorted((package / "testdata" / "fuzz").rglob("*")) if (package / "testdata" / "fuzz").is_dir() else []
        inputs = "\n".join(f"{p.name}:\n{p.read_text(errors='replace')}" for p in found if p.is_file())
        pytest.fail(f"{e}\nfailing inputs:\n{inputs}", pytrace=False)
