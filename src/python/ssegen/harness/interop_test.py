"""The cross-language interop matrix: every generated client against every generated server.

Go client -> Go server, TS client -> TS server, Go client -> TS server and TS client -> Go server
all run the same scenarios (testprojects/interop/scenarios.json) over loopback HTTP. Four more pairs
check sebuf's stream framing (sebuf_scenarios.json): sebufpeer, which writes and reads exactly
sebuf's wire, as the client of both servers and as the server of both clients, each generated side
with its sebuf framing option. Each server
(testprojects/interop/go/server, ts/interop_server.ts) serves market.v1.MarketDataService with one
shared behaviour; each driver (go/driver, ts/interop_driver.ts) runs every scenario with its
client and prints a RESULT line per scenario. A failure names the pair and the scenario.

The Go module and the TS package are assembled the way the Go and TS harnesses do it (their
helpers are reused), once per session. Set SSEGEN_WRITE_INTEROP_DOC=<repo>/docs/interop.md to
write the pair x scenario table there (the Pants sandbox is discarded, so only on request).
Needs what both harnesses need: go, node >= 20, npm, and their caches.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.harness import go_test, ts_test
from ssegen.testing import repo_path

INTEROP = "testprojects/interop"
SCENARIOS = INTEROP + "/scenarios.json"
# Streams between sebuf's framing and ssegen's: sebufpeer (a server and a client that write and read
# exactly sebuf's wire) against the generated clients and servers with their sebuf framing options.
SEBUF_SCENARIOS = INTEROP + "/sebuf_scenarios.json"
# Reconnection always ends: the generated clients against sebufpeer serving streams that end without
# the end event, ignore Last-Event-ID or close at once.
RECONNECT_SCENARIOS = INTEROP + "/reconnect_scenarios.json"
# buf.validate: the shared conformance cases, each sent by a generated client of
# testprojects/validation to a generated server, which must answer the same 400 body (or succeed).
VALIDATION_CASES = "testprojects/conformance/validation.json"
# sebuf's JSON mapping: json_mapping's JsonMapService between the generated clients and servers,
# every option through unary calls and streams (go/jsonmapserver, go/jsonmapdriver, ts/jsonmap_*.ts).
JSON_MAPPING_SCENARIOS = INTEROP + "/json_mapping_scenarios.json"
# Where the interop sources go inside the assembled Go module / TS package.
GO_DIR = "interop"
TS_FILES = (
    "interop_server.ts",
    "interop_driver.ts",
    "validation_server.ts",
    "validation_driver.ts",
    "jsonmap_server.ts",
    "jsonmap_driver.ts",
)

# Generous ceilings so a hung child fails the test instead of the whole run; not timing checks.
BUILD_TIMEOUT_S = 900
SERVER_START_TIMEOUT_S = 60
DRIVER_TIMEOUT_S = 600

PAIRS = [("go", "go"), ("ts", "ts"), ("go", "ts"), ("ts", "go")]  # (client, server)
SEBUF_PAIRS = [("sebuf", "go"), ("sebuf", "ts"), ("go", "sebuf"), ("ts", "sebuf")]
RECONNECT_PAIRS = [("go", "sebuf"), ("ts", "sebuf")]
VALIDATION_PAIRS = [("go", "go"), ("ts", "ts"), ("go", "ts"), ("ts", "go")]
# Servers that leave CEL rules to the Go side (the TS server): a case breaking only such a rule
# must pass there.
STANDARD_RULES_ONLY = {"ts"}
NAMES = {"go": "Go", "ts": "TS", "sebuf": "sebuf-framing", "reconnect": "reconnect-test"}
# The JSON-mapping pairs, keyed apart from the market_data pairs in the results.
JSON_PAIRS = [(c + "-json", s + "-json") for c, s in PAIRS]
NAMES.update({"go-json": "Go", "ts-json": "TS"})
# The buf.validate pairs are recorded under these keys, beside the market_data pairs.
NAMES.update({f"validation-{k}": v for k, v in NAMES.items()})
REPRODUCE = "./pants test src/python/ssegen/harness:interop"
REWRITE = (
    "./pants test --force src/python/ssegen/harness:interop "
    "--test-extra-env-vars=\"+['SSEGEN_WRITE_INTEROP_DOC=$PWD/docs/interop.md']\""
)


class Built(NamedTuple):
    """How to start each language's server and driver (argv prefixes and their working directory)."""

    server: Dict[str, Tuple[List[str], Path]]
    driver: Dict[str, Tuple[List[str], Path]]
    # The same for the sebuf-framing pairs: servers with their sebuf framing option, and drivers
    # reading sebuf_scenarios.json.
    sebuf_server: Dict[str, Tuple[List[str], Path]]
    sebuf_driver: Dict[str, Tuple[List[str], Path]]
    # sebufpeer serving reconnect_scenarios.json, and the drivers reading it.
    reconnect_server: Dict[str, Tuple[List[str], Path]]
    reconnect_driver: Dict[str, Tuple[List[str], Path]]
    # The OrderService of testprojects/validation, and the drivers sending validation.json's cases.
    validation_server: Dict[str, Tuple[List[str], Path]]
    validation_driver: Dict[str, Tuple[List[str], Path]]
    # The JSON-mapping servers and drivers, both reading json_mapping_scenarios.json.
    json_mapping_server: Dict[str, Tuple[List[str], Path]]
    json_mapping_driver: Dict[str, Tuple[List[str], Path]]


def scenario_names(path: str = SCENARIOS) -> List[str]:
    data = json.loads(repo_path(path).read_text(encoding="utf-8"))
    if path == VALIDATION_CASES:
        # The cases a client can send: those with the whole request message.
        return [c["name"] for c in data["cases"] if c.get("message")]
    return [s["name"] for s in data["scenarios"]]


def build_go(work: Path) -> Path:
    """The folder of the Go binaries (server, driver, sebufpeer, validationserver,
    validationdriver, jsonmapserver, jsonmapdriver), built in the module the Go harness assembles."""
    work.mkdir(parents=True)
    module = go_test.assemble(work, go_test.generated_go())
    shutil.copytree(repo_path(INTEROP + "/go"), module.root / GO_DIR)
    bin_dir = work / "bin"
    go_test.run(["go", "build", "-o", str(bin_dir) + os.sep, f"./{GO_DIR}/..."], module.root, BUILD_TIMEOUT_S)
    return bin_dir


def build_ts(work: Path) -> Path:
    """The TS test package with the generated TS and the interop sources, installed and compiled."""
    package = work / "ts"
    root = repo_path(ts_test.TS_PACKAGE)
    shutil.copytree(
        root, package, ignore=lambda d, names: [n for n in names if n in ts_test.NOT_COPIED and Path(d) == root]
    )
    for path, content in ts_test.generated_ts().items():
        target = package / "gen" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
    for name in TS_FILES:
        shutil.copyfile(repo_path(f"{INTEROP}/ts/{name}"), package / "src" / name)
    ts_test.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--cache", str(ts_test.npm_cache_dir())],
        package,
        ts_test.NPM_TIMEOUT_S,
    )
    ts_test.tsc(package, "tsconfig.nodenext.json")
    return package


@pytest.fixture(scope="module")
def built() -> Iterator[Built]:
    work = Path(tempfile.mkdtemp(prefix="ssegen-interop-"))
    try:
        go_bin = build_go(work / "go")
        go_server, go_driver, sebuf_peer = go_bin / "server", go_bin / "driver", go_bin / "sebufpeer"
        validation_cases = str(repo_path(VALIDATION_CASES))
        json_mapping_scenarios = str(repo_path(JSON_MAPPING_SCENARIOS))
        package = build_ts(work)
        scenarios = str(repo_path(SCENARIOS))
        sebuf_scenarios = str(repo_path(SEBUF_SCENARIOS))
        reconnect_scenarios = str(repo_path(RECONNECT_SCENARIOS))
        yield Built(
            server={
                "go": ([str(go_server)], work),
                "ts": (["node", "build/src/interop_server.js"], package),
            },
            # The server's URL is appended to each driver's arguments.
            driver={
                "go": ([str(go_driver), "-scenarios", scenarios, "-base-url"], work),
                "ts": (["node", "build/src/interop_driver.js", scenarios], package),
            },
            sebuf_server={
                "go": ([str(go_server), "-framing", "sebuf"], work),
                "ts": (["node", "build/src/interop_server.js", "--framing=sebuf"], package),
                "sebuf": ([str(sebuf_peer), "-scenarios", sebuf_scenarios, "-serve"], work),
            },
            sebuf_driver={
                "go": ([str(go_driver), "-scenarios", sebuf_scenarios, "-base-url"], work),
                "ts": (["node", "build/src/interop_driver.js", sebuf_scenarios], package),
                "sebuf": ([str(sebuf_peer), "-scenarios", sebuf_scenarios, "-base-url"], work),
            },
            reconnect_server={"sebuf": ([str(sebuf_peer), "-scenarios", reconnect_scenarios, "-serve"], work)},
            reconnect_driver={
                "go": ([str(go_driver), "-scenarios", reconnect_scenarios, "-base-url"], work),
                "ts": (["node", "build/src/interop_driver.js", reconnect_scenarios], package),
            },
            validation_server={
                "go": ([str(go_bin / "validationserver")], work),
                "ts": (["node", "build/src/validation_server.js"], package),
            },
            validation_driver={
                "go": ([str(go_bin / "validationdriver"), "-cases", validation_cases, "-base-url"], work),
                "ts": (["node", "build/src/validation_driver.js", validation_cases], package),
            },
            json_mapping_server={
                "go": ([str(go_bin / "jsonmapserver"), "-scenarios", json_mapping_scenarios], work),
                "ts": (["node", "build/src/jsonmap_server.js", json_mapping_scenarios], package),
            },
            json_mapping_driver={
                "go": ([str(go_bin / "jsonmapdriver"), "-scenarios", json_mapping_scenarios, "-base-url"], work),
                "ts": (["node", "build/src/jsonmap_driver.js", json_mapping_scenarios], package),
            },
        )
    finally:
        if os.environ.get("SSEGEN_INTEROP_KEEP"):
            print(f"kept interop work directory {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


class Server:
    """A server subprocess; the URL is the first stdout line, "LISTENING <url>"."""

    def __init__(self, argv: List[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8", errors="replace"
        )
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.output: List[str] = []
        # A reader thread, so a server that prints nothing cannot block the test past the deadline.
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._await_url()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _await_url(self) -> str:
        try:
            while True:
                line = self.lines.get(timeout=SERVER_START_TIMEOUT_S)
                if line is None:
                    break
                if line.startswith("LISTENING "):
                    return line.split(" ", 1)[1].strip()
        except queue.Empty:
            pass
        self.stop()
        pytest.fail("server did not start:\n" + "".join(self.output), pytrace=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_pair(built: Built, client: str, server: str, suite: str = SCENARIOS, flags: Tuple[str, ...] = ()) -> Dict[str, str]:
    """Scenario name -> "" (passed) or what failed, for one client x server pair over one suite;
    `flags` go to the driver, after the server's URL."""
    names = scenario_names(suite)
    servers, drivers = {
        SCENARIOS: (built.server, built.driver),
        SEBUF_SCENARIOS: (built.sebuf_server, built.sebuf_driver),
        RECONNECT_SCENARIOS: (built.reconnect_server, built.reconnect_driver),
        VALIDATION_CASES: (built.validation_server, built.validation_driver),
        JSON_MAPPING_SCENARIOS: (built.json_mapping_server, built.json_mapping_driver),
    }[suite]
    argv, cwd = servers[server]
    process = Server(argv, cwd)
    try:
        driver, driver_cwd = drivers[client]
        args = driver + [process.url, *flags]
        try:
            result = subprocess.run(
                args, cwd=driver_cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                encoding="utf-8", errors="replace", timeout=DRIVER_TIMEOUT_S,
                env={**os.environ, "NODE_OPTIONS": ""},
            )
            output, code = result.stdout, result.returncode
        except subprocess.TimeoutExpired as e:
            output = e.output if isinstance(e.output, str) else (e.output or b"").decode("utf-8", "replace")
            code = f"timeout after {DRIVER_TIMEOUT_S}s"
    finally:
        process.stop()
    results: Dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("RESULT "):
            record = json.loads(line[len("RESULT "):])
            results[record["scenario"]] = "" if record["ok"] else (record["detail"] or "failed")
    tail = "\n".join(output.splitlines()[-30:])
    server_tail = "".join(process.output[-30:])
    for name in names:
        if name not in results:
            results[name] = f"no result (driver exit {code}); driver output:\n{tail}\nserver output:\n{server_tail}"
    if code not in (0, None) and all(v == "" for v in results.values()):
        results["(driver exit status)"] = f"driver exited with {code}:\n{tail}"
    return results


@pytest.fixture(scope="module")
def matrix() -> Iterator[Dict[Tuple[str, str], Dict[str, str]]]:
    """Results of every pair run so far; written to the doc at the end, when asked to."""
    results: Dict[Tuple[str, str], Dict[str, str]] = {}
    yield results
    target = os.environ.get("SSEGEN_WRITE_INTEROP_DOC")
    if target and results:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(render_doc(results), encoding="utf-8")


def render_table(results: Dict[Tuple[str, str], Dict[str, str]], all_pairs, path: str) -> Tuple[str, List[str]]:
    pairs = [p for p in all_pairs if p in results]
    header = ["scenario"] + [f"{NAMES[c]} client → {NAMES[s]} server" for c, s in pairs]
    rows = [header, ["---"] * len(header)]
    names = scenario_names(path)
    extra = sorted({n for p in pairs for n in results[p]} - set(names))
    for name in names + extra:
        cells = [name.replace("|", "\\|")]
        for pair in pairs:
            detail = results[pair].get(name)
            cells.append("—" if detail is None else ("pass" if detail == "" else "**FAIL**"))
        rows.append(cells)
    table = "\n".join("| " + " | ".join(row) + " |" for row in rows)
    failures = [
        f"- {NAMES[c]} client → {NAMES[s]} server: {name}: {detail.splitlines()[0] if detail else ''}"
        for (c, s) in pairs for name, detail in results[(c, s)].items() if detail
    ]
    return table, failures


def render_doc(results: Dict[Tuple[str, str], Dict[str, str]]) -> str:
    table, failures = render_table(results, PAIRS, SCENARIOS)
    sebuf_table, sebuf_failures = render_table(results, SEBUF_PAIRS, SEBUF_SCENARIOS)
    reconnect_pairs = [(c, "reconnect") for c, _ in RECONNECT_PAIRS]
    reconnect_table, reconnect_failures = render_table(results, reconnect_pairs, RECONNECT_SCENARIOS)
    validation_pairs = [(f"validation-{c}", f"validation-{s}") for c, s in VALIDATION_PAIRS]
    validation_table, validation_failures = render_table(results, validation_pairs, VALIDATION_CASES)
    json_table, json_failures = render_table(results, JSON_PAIRS, JSON_MAPPING_SCENARIOS)
    failures += sebuf_failures + reconnect_failures + validation_failures + json_failures
    return (
        "# Interop matrix\n\n"
        "Every generated client against every generated server of `testprojects/market_data`, all driving\n"
        "the same scenarios (`testprojects/interop/scenarios.json`; servers and drivers in\n"
        "`testprojects/interop/`). Reproduce with:\n\n"
        f"```sh\n{REPRODUCE}\n```\n\n"
        "and rewrite this file from a run with:\n\n"
        f"```sh\n{REWRITE}\n```\n\n"
        f"{table}\n\n"
        "sebuf's stream framing (`testprojects/interop/sebuf_scenarios.json`): `sebufpeer` writes and reads\n"
        "exactly sebuf's wire (no end event, no ids, a quoted-string error event; clients that read only\n"
        "`data: ` lines); the generated servers and clients run with their sebuf framing options.\n\n"
        f"{sebuf_table}\n\n"
        "Reconnection always ends (`testprojects/interop/reconnect_scenarios.json`): `sebufpeer` serves\n"
        "streams with ids and no end event, resuming after `Last-Event-ID`, replaying everything, or closing\n"
        "at once; the clients reconnect, deliver each event once and end with an interruption.\n\n"
        f"{reconnect_table}\n\n"
        "buf.validate (`testprojects/conformance/validation.json`): the clients of `testprojects/validation`\n"
        "send every case; the servers answer the same 400 body (the Go server checks every rule with\n"
        "protovalidate) or serve a valid request.\n\n"
        f"{validation_table}\n\n"
        "sebuf's JSON mapping (`testprojects/interop/json_mapping_scenarios.json`): `testprojects/json_mapping`'s\n"
        "service between the generated clients and servers; each side checks the values it decoded and the\n"
        "JSON on the wire.\n\n"
        f"{json_table}\n"
        + ("\nFailures:\n\n" + "\n".join(failures) + "\n" if failures else "")
    )


@pytest.mark.parametrize("client,server", PAIRS, ids=[f"{c}-client-{s}-server" for c, s in PAIRS])
def test_interop(built: Built, matrix: Dict[Tuple[str, str], Dict[str, str]], client: str, server: str) -> None:
    results = run_pair(built, client, server)
    matrix[(client, server)] = results
    failures = [
        f"{NAMES[client]} client -> {NAMES[server]} server: {name}: {detail}" for name, detail in results.items() if detail
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("client,server", SEBUF_PAIRS, ids=[f"{c}-client-{s}-server" for c, s in SEBUF_PAIRS])
def test_sebuf_framing_interop(built: Built, matrix: Dict[Tuple[str, str], Dict[str, str]], client: str, server: str) -> None:
    results = run_pair(built, client, server, SEBUF_SCENARIOS)
    matrix[(client, server)] = results
    failures = [
        f"{NAMES[client]} client -> {NAMES[server]} server: {name}: {detail}" for name, detail in results.items() if detail
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("client", [c for c, _ in RECONNECT_PAIRS], ids=[f"{c}-client" for c, _ in RECONNECT_PAIRS])
def test_reconnect_always_ends(built: Built, matrix: Dict[Tuple[str, str], Dict[str, str]], client: str) -> None:
    results = run_pair(built, client, "sebuf", RECONNECT_SCENARIOS)
    matrix[(client, "reconnect")] = results
    failures = [f"{NAMES[client]} client -> reconnect server: {name}: {detail}" for name, detail in results.items() if detail]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("client,server", VALIDATION_PAIRS, ids=[f"{c}-client-{s}-server" for c, s in VALIDATION_PAIRS])
def test_validation_interop(built: Built, matrix: Dict[Tuple[str, str], Dict[str, str]], client: str, server: str) -> None:
    flags = ("-standard-rules-only" if client == "go" else "--standard-rules-only",) if server in STANDARD_RULES_ONLY else ()
    results = run_pair(built, client, server, VALIDATION_CASES, flags)
    matrix[("validation-" + client, "validation-" + server)] = results
    failures = [
        f"{NAMES[client]} client -> {NAMES[server]} server: {name}: {detail}" for name, detail in results.items() if detail
    ]
    assert not failures, "\n".join(failures)


def test_scenarios_are_well_formed() -> None:
    data = json.loads(repo_path(SCENARIOS).read_text(encoding="utf-8"))
    names = [s["name"] for s in data["scenarios"]]
    assert len(names) == len(set(names)), "scenario names must be unique"
    for s in data["scenarios"]:
        expect = s["expect"]
        if s["kind"] == "unary":
            assert ("response" in expect) != ("error" in expect), f"{s['name']}: a response or an error"
        else:
            assert s["kind"] == "stream", s["name"]
            assert expect.get("end") in ("clean", "error", "cancelled"), f"{s['name']}: how the stream ends"
            assert (expect["end"] == "error") == ("error" in expect), f"{s['name']}: an error exactly when it ends with one"
            assert (expect["end"] == "cancelled") == ("cancel_after" in s), f"{s['name']}: cancel_after with end=cancelled"
            if "observation" in expect:
                assert "X-Request-ID" in s.get("headers", {}), f"{s['name']}: observations are keyed by X-Request-ID"


@pytest.mark.parametrize("client,server", PAIRS, ids=[f"{c}-client-{s}-server" for c, s in PAIRS])
def test_json_mapping_interop(built: Built, matrix: Dict[Tuple[str, str], Dict[str, str]], client: str, server: str) -> None:
    results = run_pair(built, client, server, JSON_MAPPING_SCENARIOS)
    matrix[(client + "-json", server + "-json")] = results
    failures = [
        f"{NAMES[client]} client -> {NAMES[server]} server (JSON mapping): {name}: {detail}"
        for name, detail in results.items() if detail
    ]
    assert not failures, "\n".join(failures)
