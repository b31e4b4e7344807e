"""Adopting ssegen from its wheel, as a new repo would: no copy of src/python, no `pythonpath`.

Pants builds the wheel (`src/python/ssegen:dist`, a runtime package of this test). A brand-new repo
in a temporary folder gets a pants.toml whose only ssegen settings are `plugins = ["ssegen==<version>"]`,
a `find_links` to the folder holding the wheel, and the backends; plus the market_data API (with an
`sse_proto_library`) and the chat API of testprojects/monorepo with a Go module and a small Go
program using the generated server and client. One nested Pants run then
- `export-codegen`s market_data, which must equal testprojects/market_data/expected byte for byte
  (plus protoc-gen-go's messages, which ssegen generates for a library without protobuf_sources);
- `package`s the Go program with Pants' Go backend, which compiles ssegen's generated package and
  the protoc-gen-go messages it imports; the binary runs a request through both.

protoc-gen-go's code imports the Go package of the sebuf.http annotations, so Pants' protobuf
backend needs those protos as sources: the repo takes them out of the wheel, as a user would.

The repo runs this repo's `pants` bootstrap script (it stands in for the Pants launcher, which needs
GitHub) and shares ~/.cache with the outer Pants: the bootstrap, the plugin resolve (PyPI, once),
the Go toolchain builds and the process cache. Cold, the run is mostly the plugin resolve and the Go
builds. Measured on 2 cores shared with other builds: 17-20 minutes, most of it Pants compiling the
Go standard library, because the nested run's environment (PATH, LANG) differs from the outer
runs' and so misses their cached Go builds; about 3 minutes up to the exported code.
Needs `go` on PATH and the Go module proxy. Set SSEGEN_ADOPTION_KEEP=1 to keep the folder.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Iterator, List

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.testing import repo_path, run_checked
from ssegen.testing.nested_pants import PASSED_ENV as NESTED_PANTS_ENV
from ssegen.version import __version__

WHEEL = f"ssegen-{__version__}-py3-none-any.whl"
MARKET_PROTO = "testprojects/market_data/proto/market/v1/market_data.proto"
MARKET_EXPECTED = "testprojects/market_data/expected"
MARKET_MESSAGES = "market/v1/market_data.pb.go"
CHAT_PROTO = "testprojects/monorepo/proto/chat/v1/chat.proto"
# google.golang.org/protobuf at the version the chat module requires, with its go.sum.
GO_SUM = "testprojects/go/go.sum"
PROTOBUF_REQUIREMENT = "google.golang.org/protobuf v1.36.12"

# A generous ceiling so a hung run fails the test instead of the whole run; not a timing check.
PANTS_TIMEOUT_S = 2700

# The nested runs' environment, plus how `go` is configured; the new repo's Go builds also get
# what [golang].subprocess_env_vars names (see go_env_vars).
PASSED_ENV = (*NESTED_PANTS_ENV, "GOFLAGS", "GOTOOLCHAIN")

PANTS_TOML = """\
[GLOBAL]
pants_version = "2.17.1"
plugins = ["ssegen=={version}"]
backend_packages = [
  "pants.backend.experimental.go",
  "pants.backend.experimental.codegen.protobuf.go",
  "ssegen.rules",
  "ssegen.rules.go",
]

[python-repos]
find_links = ["file://{wheels}"]

[source]
root_patterns = ["/proto"]

[golang]
cgo_enabled = false
subprocess_env_vars = {go_env_vars}
"""

MAIN_GO = """\
// Serves the chat API with a stub implementation and calls it with the generated client.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"example.com/ssegen/monorepo/gen/chatv1"
	"example.com/ssegen/monorepo/gen/chatv1/chatv1http"
)

type rooms struct{ chatv1http.ChatServiceServer }

func (rooms) GetRoom(_ context.Context, req *chatv1.GetRoomRequest) (*chatv1.Room, error) {
	return &chatv1.Room{RoomId: req.GetRoomId(), Title: "General", MessageCount: 3}, nil
}

func main() {
	mux := http.NewServeMux()
	if err := chatv1http.RegisterChatServiceServer(rooms{}, chatv1http.WithMux(mux)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server := httptest.NewServer(mux)
	defer server.Close()
	room, err := chatv1http.NewChatServiceClient(server.URL).GetRoom(context.Background(), &chatv1.GetRoomRequest{RoomId: "general"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s %s %d\\n", room.GetRoomId(), room.GetTitle(), room.GetMessageCount())
}
"""


@pytest.fixture(scope="module")
def wheel() -> Path:
    """The wheel Pants built for this test (a runtime package dependency), in the sandbox root."""
    found = sorted(Path.cwd().glob(f"**/{WHEEL}"))
    assert len(found) == 1, f"expected one {WHEEL} in the sandbox, found {found}"
    return found[0]


def test_wheel_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        entries = {info.filename: info for info in z.infolist()}
        metadata = z.read(f"ssegen-{__version__}.dist-info/METADATA").decode()
        entry_points = z.read(f"ssegen-{__version__}.dist-info/entry_points.txt").decode()
    for path in (
        "ssegen/protos/sebuf/http/annotations.proto",
        "ssegen/protos/sebuf/http/headers.proto",
        "ssegen/templates/go/server.go.mako",
        "ssegen/templates/ts/client.ts.mako",
        "ssegen/rules/register.py",
        "ssegen/rules/go/register.py",
        "ssegen/version.py",
    ):
        assert path in entries, path
    # Real files, not the repo's symlink: the link's target is not in the wheel.
    annotations = entries["ssegen/protos/sebuf/http/annotations.proto"]
    assert not stat.S_ISLNK(annotations.external_attr >> 16) and annotations.file_size > 1000
    assert not any("_test.py" in name or name.startswith(("ssegen/testing", "ssegen/harness")) for name in entries)
    requires = sorted(line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:"))
    # Ranges Pants 2.17's interpreter can meet next to Pants' own pins, never the plugin API itself.
    assert not any(r.lower().startswith("pantsbuild") or "==" in r for r in requires), requires
    assert {r.split(" ")[0] for r in requires} == {"Mako", "protobuf", "grpcio-tools", "PyYAML"}
    assert "Requires-Python: >=3.9" in metadata
    assert "protoc-gen-ssegen = ssegen.protoc_plugin:main" in entry_points


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ssegen-adoption-"))
    yield path
    if os.environ.get("SSEGEN_ADOPTION_KEEP"):
        print(f"kept {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


def go_env_vars() -> List[str]:
    """This repo's [golang].subprocess_env_vars. With the same list (and the same environment,
    which the test gets from [test].extra_env_vars) the new repo's Go builds are the same processes
    as this repo's, so they come from the shared cache instead of compiling the standard library
    again."""
    toml = repo_path("pants.toml").read_text(encoding="utf-8")
    match = re.search(r"^\[golang\]$.*?^subprocess_env_vars = (\[.*?\])$", toml, re.S | re.M)
    assert match, "pants.toml has no [golang].subprocess_env_vars"
    return re.findall(r'"([^"]+)"', match.group(1))


def golden_outputs() -> str:
    """The `outputs` of the golden target (ts_node is not a default), as BUILD file text."""
    build = repo_path("testprojects/market_data/proto/BUILD").read_text(encoding="utf-8")
    match = re.search(r"outputs=\[([^\]]*)\]", build)
    assert match, "testprojects/market_data/proto/BUILD names no outputs"
    return match.group(1)


def new_repo(work: Path, wheel: Path) -> Path:
    wheels = work / "wheels"
    wheels.mkdir()
    shutil.copy(wheel, wheels / WHEEL)
    repo = work / "repo"
    files: Dict[str, str] = {
        "pants.toml": PANTS_TOML.format(version=__version__, wheels=wheels, go_env_vars=json.dumps(go_env_vars())),
        "BUILD": 'go_mod(name="mod")\n',
        "go.mod": f"module example.com/ssegen/monorepo\n\ngo 1.23\n\nrequire {PROTOBUF_REQUIREMENT}\n",
        "go.sum": repo_path(GO_SUM).read_text(encoding="utf-8"),
        "proto/market/v1/market_data.proto": repo_path(MARKET_PROTO).read_text(encoding="utf-8"),
        "proto/market/v1/BUILD": f'sse_proto_library(name="market_data", outputs=[{golden_outputs()}])\n',
        "proto/chat/v1/chat.proto": repo_path(CHAT_PROTO).read_text(encoding="utf-8"),
        "proto/chat/v1/BUILD": 'protobuf_sources(name="messages")\n\nsse_proto_library(name="chat", outputs=["go_server", "go_client"])\n',
        "proto/sebuf/http/BUILD": "protobuf_sources()\n",
        "cmd/adopt/main.go": MAIN_GO,
        "cmd/adopt/BUILD": 'go_package()\n\ngo_binary(name="bin")\n',
    }
    with zipfile.ZipFile(wheel) as z:
        for name in ("annotations.proto", "headers.proto"):
            files[f"proto/sebuf/http/{name}"] = z.read(f"ssegen/protos/sebuf/http/{name}").decode()
    for relative, content in files.items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    shutil.copy(repo_path("pants"), repo / "pants")
    (repo / "pants").chmod(0o755)
    return repo


def tree(root: Path) -> Dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != "BUILD"}


def test_new_repo_generates_and_builds_from_the_wheel(work: Path, wheel: Path) -> None:
    if shutil.which("go") is None:
        pytest.fail("`go` is not on PATH; the adoption test builds the generated Go with it", pytrace=False)
    repo = new_repo(work, wheel)
    passed = (*PASSED_ENV, *(name for name in go_env_vars() if "=" not in name))
    env = {name: os.environ[name] for name in passed if name in os.environ}
    output = run_checked(
        ["./pants", "--no-pantsd", "export-codegen", "proto/market/v1::", "package", "cmd/adopt:bin"],
        repo,
        PANTS_TIMEOUT_S,
        env,
        context="Pants in the new repo",
    )
    generated = tree(repo / "dist" / "codegen" / "proto")
    expected = tree(repo_path(MARKET_EXPECTED))
    # market_data has no protobuf_sources: its protoc-gen-go messages come from `:market_data#go_messages`.
    messages = generated.pop(MARKET_MESSAGES, b"").decode("utf-8")
    assert "// Code generated by protoc-gen-go. DO NOT EDIT." in messages and "\npackage marketv1\n" in messages, output
    assert sorted(generated) == sorted(expected), output
    for path, content in expected.items():
        assert generated[path] == content, f"{path} differs from {MARKET_EXPECTED}/{path}"
    binary = repo / "dist" / "cmd.adopt" / "bin"
    assert binary.is_file(), output
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "general General 3\n"
