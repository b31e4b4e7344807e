"""Third-party SSE implementations against the generated servers and clients.

(a) An independent SSE parser, the npm package `eventsource-parser`, consumes StreamQuotes streams
    from both generated interop servers (Go and TS, testprojects/interop) and must see exactly the
    events the server sent: names, ids, compact JSON data, `retry`, and the terminal `end` /
    `error` events.
(b) A third-party SSE server (testprojects/thirdparty/node/sse_server.mjs, built on the npm
    package `better-sse`, plus a minimal raw CRLF writer) serves the StreamQuotes route; the
    generated Go client (testprojects/thirdparty/go/tpclient, built in the interop Go module) and
    the generated TS client (node/ts_client_driver.mjs over the compiled client) must yield exactly
    the expected typed messages, names and ids, and finish cleanly on `end`.
(c) schemathesis (PyPI, pinned; in its own venv under $HOME/.cache, since it cannot join the
    repo's Python resolve) fuzzes the unary operations of the Go interop server from the generated
    OpenAPI document (testprojects/market_data/expected) and checks response conformance: status
    codes, content types and bodies as documented, and no 5xx. Positive mode only: in negative
    mode it sends syntactically invalid header names/values, which Go's net/http rejects with a
    text/plain 400 before any generated code runs. Set SSEGEN_SKIP_SCHEMATHESIS=1 to skip it.

The npm package testprojects/thirdparty/node (exact pins, lockfile without download addresses) is
installed with `npm ci`; the Go module and TS package are built the way the interop harness does
it (its helpers are reused). Needs go, node >= 20, npm, and their caches.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple
from urllib.parse import quote

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.harness import go_test, interop_test, ts_test
from ssegen.testing import assert_npm_package_pinned, repo_path

THIRDPARTY = "testprojects/thirdparty"
NODE_PACKAGE = THIRDPARTY + "/node"
GO_DIR = "thirdparty"
API_KEY = {"X-API-Key": "mk_interop"}

# Generous ceilings so a hung child fails the test instead of the whole run; not timing checks.
RUN_TIMEOUT_S = 120


class Built(NamedTuple):
    go_server: Path
    go_client: Path
    ts_package: Path
    node_package: Path


def build_go(work: Path) -> Tuple[Path, Path]:
    """The interop Go server and the third-party test's Go client driver, built in the Go harness's module."""
    work.mkdir(parents=True)
    module = go_test.assemble(work, go_test.generated_go())
    shutil.copytree(repo_path(interop_test.INTEROP + "/go"), module.root / interop_test.GO_DIR)
    shutil.copytree(repo_path(THIRDPARTY + "/go"), module.root / GO_DIR)
    bin_dir = work / "bin"
    go_test.run(
        ["go", "build", "-o", str(bin_dir) + os.sep, f"./{interop_test.GO_DIR}/server", f"./{GO_DIR}/..."],
        module.root,
        interop_test.BUILD_TIMEOUT_S,
    )
    return bin_dir / "server", bin_dir / "tpclient"


def install_node_package(work: Path) -> Path:
    package = work / "node"
    shutil.copytree(repo_path(NODE_PACKAGE), package, ignore=shutil.ignore_patterns("node_modules"))
    ts_test.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--cache", str(ts_test.npm_cache_dir())],
        package,
        ts_test.NPM_TIMEOUT_S,
    )
    return package


@pytest.fixture(scope="module")
def built() -> Iterator[Built]:
    work = Path(tempfile.mkdtemp(prefix="ssegen-thirdparty-"))
    try:
        go_server, go_client = build_go(work / "go")
        ts_package = interop_test.build_ts(work)
        node_package = install_node_package(work)
        yield Built(go_server, go_client, ts_package, node_package)
    finally:
        if os.environ.get("SSEGEN_THIRDPARTY_KEEP"):
            print(f"kept third-party work directory {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args: List[str], cwd: Path) -> str:
    try:
        result = subprocess.run(
            args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
            errors="replace", timeout=RUN_TIMEOUT_S, env={**os.environ, "NODE_OPTIONS": ""},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{' '.join(args)}` did not finish within {RUN_TIMEOUT_S}s", pytrace=False)
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` exited with {result.returncode}:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return result.stdout


def stream_url(base: str, symbol: str) -> str:
    return f"{base}/api/v1/quotes/{quote(symbol, safe='')}/stream"


# ---------------------------------------------------------------------------------------------
# (a) eventsource-parser against the generated servers


def quote_of(symbol: str, bid: float) -> Dict[str, Any]:
    return {"symbol": symbol, "bid": bid}


END = ("end", None, {})
# symbol -> (status, retry values, events as (event field, id field, data JSON)) exactly as sent:
# eventsource-parser reports each event's own `event` and `id` fields (None when absent).
PARSER_SCENARIOS: Dict[str, Tuple[int, List[int], List[Tuple[Optional[str], Optional[str], Any]]]] = {
    "EVENTS": (200, [1500], [
        ("quote", "1", quote_of("EVENTS", 1)),
        ("quote", "2", quote_of("EVENTS", 2)),
        (None, None, quote_of("EVENTS", 3)),
        ("summary", "4", quote_of("EVENTS", 4)),
        END,
    ]),
    "UNICODE": (200, [], [(None, None, quote_of("a\nb\r\nc \u2028 d \u2029 é 😀 \"q\"", 1)), END]),
    "EMPTY": (200, [], [END]),
    "LATE": (200, [], [
        (None, None, quote_of("LATE", 1)),
        (None, None, quote_of("LATE", 2)),
        ("error", None, {"message": "feed lost"}),
    ]),
    "LATEVALIDATION": (200, [], [
        (None, None, quote_of("LATEVALIDATION", 1)),
        ("error", None, {"violations": [{"field": "symbol", "description": "delisted"}]}),
    ]),
    "EARLY": (404, [], []),
}


def check_parsed(symbol: str, parsed: Dict[str, Any]) -> List[str]:
    status, retries, events = PARSER_SCENARIOS[symbol]
    problems = []
    if parsed["status"] != status:
        problems.append(f"status {parsed['status']}, want {status}")
    if status == 200 and not (parsed["contentType"] or "").startswith("text/event-stream"):
        problems.append(f"content type {parsed['contentType']!r}")
    if parsed["errors"]:
        problems.append(f"parser errors: {parsed['errors']}")
    if parsed["retries"] != retries:
        problems.append(f"retry values {parsed['retries']}, want {retries}")
    got = parsed["events"]
    if len(got) != len(events):
        problems.append(f"{len(got)} events, want {len(events)}: {got}")
    for number, (event, want) in enumerate(zip(got, events), 1):
        name, event_id, data = want
        if (event["event"], event["id"]) != (name, event_id):
            problems.append(f"event #{number}: event={event['event']!r} id={event['id']!r}, want {name!r} {event_id!r}")
        # SPEC §3: data is compact single-line JSON.
        if "\n" in event["data"] or "\r" in event["data"]:
            problems.append(f"event #{number}: data spans lines: {event['data']!r}")
        try:
            decoded = json.loads(event["data"])
        except ValueError:
            problems.append(f"event #{number}: data is not JSON: {event['data']!r}")
            continue
        if decoded != data:
            problems.append(f"event #{number}: data {decoded!r}, want {data!r}")
    return problems


def start_generated_server(built: Built, server: str) -> "interop_test.Server":
    """The interop server of the generated Go or TypeScript server code, listening on loopback."""
    if server == "go":
        return interop_test.Server([str(built.go_server)], built.go_server.parent)
    return interop_test.Server(["node", "build/src/interop_server.js"], built.ts_package)


@pytest.mark.parametrize("server", ["go", "ts"])
def test_eventsource_parser_reads_generated_server(built: Built, server: str) -> None:
    process = start_generated_server(built, server)
    failures = []
    try:
        headers = [f"{k}={v}" for k, v in API_KEY.items()]
        for symbol in PARSER_SCENARIOS:
            output = run(["node", "parse_stream.mjs", stream_url(process.url, symbol), *headers], built.node_package)
            # split on LF only: str.splitlines would also split on U+2028/U+2029 inside the JSON.
            parsed = json.loads(output.strip().split("\n")[-1])
            failures += [f"{server} server, {symbol}: {p}" for p in check_parsed(symbol, parsed)]
    finally:
        process.stop()
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------
# (b) the generated clients against a third-party SSE server


def quotes() -> Dict[str, Any]:
    return json.loads(repo_path(NODE_PACKAGE + "/quotes.json").read_text(encoding="utf-8"))


def expected_client_events(stream: str) -> List[Dict[str, Any]]:
    """What a generated client yields: name ("message" by default) and the last event id."""
    q = quotes()
    if stream == "LIB":
        return [
            {"event": "quote", "id": "l1", "data": q["q1"]},
            {"event": "quote", "id": "l2", "data": q["q2"]},
            {"event": "message", "id": "l2", "data": q["q3"]},
            {"event": "summary", "id": "l4", "data": q["q4"]},
        ]
    assert stream == "RAW"
    return [
        {"event": "quote", "id": "r1", "data": q["q1"]},
        {"event": "summary", "id": "r2", "data": q["q2"]},
        {"event": "message", "id": "r2", "data": q["q3"]},
    ]


@pytest.fixture(scope="module")
def thirdparty_server(built: Built) -> Iterator[str]:
    process = interop_test.Server(["node", "sse_server.mjs"], built.node_package)
    try:
        yield process.url
    finally:
        process.stop()


def test_thirdparty_server_framing(built: Built, thirdparty_server: str) -> None:
    """Sanity check of the third-party server itself: eventsource-parser reads both streams."""
    q = quotes()
    for symbol, retry, events in [
        ("LIB", [1500], [("quote", "l1", q["q1"]), ("quote", "l2", q["q2"]), (None, None, q["q3"]),
                         ("summary", "l4", q["q4"]), END]),
        ("RAW", [2500], [("quote", "r1", q["q1"]), ("summary", "r2", q["q2"]), (None, None, q["q3"]), END]),
    ]:
        parsed = json.loads(run(["node", "parse_stream.mjs", stream_url(thirdparty_server, symbol)], built.node_package))
        assert parsed["retries"] == retry, (symbol, parsed)
        assert parsed["comments"], (symbol, parsed)
        got = [(e["event"], e["id"], json.loads(e["data"])) for e in parsed["events"]]
        assert got == events, symbol
        # The multi-line event really is split over several data: lines.
        assert any("\n" in e["data"] for e in parsed["events"]), symbol


def test_thirdparty_server_raw_stream_uses_crlf(thirdparty_server: str) -> None:
    with urllib.request.urlopen(stream_url(thirdparty_server, "RAW"), timeout=RUN_TIMEOUT_S) as response:
        body = response.read()
    assert b"\r\n" in body and not re.search(rb"[^\r]\n", body), "RAW must use CRLF line ends only"
    with urllib.request.urlopen(stream_url(thirdparty_server, "LIB"), timeout=RUN_TIMEOUT_S) as response:
        body = response.read()
    assert b"\r" not in body and b"\ndata:" in body


def client_events(output: str) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    records = [json.loads(line) for line in output.split("\n") if line.strip()]
    assert records and "end" in records[-1], f"no end record in client output:\n{output}"
    return records[:-1], records[-1]


@pytest.mark.parametrize("client", ["go", "ts"])
@pytest.mark.parametrize("stream", ["LIB", "RAW"])
def test_generated_client_reads_thirdparty_server(built: Built, thirdparty_server: str, client: str, stream: str) -> None:
    if client == "go":
        args = [str(built.go_client), "-base-url", thirdparty_server, "-symbol", stream]
        cwd = built.go_client.parent
    else:
        index = built.ts_package / "build" / "gen" / "market" / "v1" / "index.js"
        args = ["node", "ts_client_driver.mjs", str(index), thirdparty_server, stream]
        cwd = built.node_package
    events, end = client_events(run(args, cwd))
    assert end == {"end": "clean"}, f"{client} client on {stream}: {end}; events: {events}"
    assert events == expected_client_events(stream), f"{client} client on {stream}"


def test_node_package_is_pinned_and_names_no_registry() -> None:
    assert_npm_package_pinned(NODE_PACKAGE, {"eventsource-parser", "better-sse"})


# ---------------------------------------------------------------------------------------------
# (c) schemathesis against the Go server's unary operations

SCHEMATHESIS_VERSION = "4.4.4"
# The document the real Pants rules generate (the `#openapi` target puts it in the sandbox); run
# directly, the checked-in golden copy of it.
GENERATED_OPENAPI = "testprojects/market_data/proto/market/v1/MarketDataService.openapi.yaml"
EXPECTED_OPENAPI = "testprojects/market_data/expected/market/v1/MarketDataService.openapi.yaml"


def openapi_document() -> Path:
    generated = repo_path(GENERATED_OPENAPI)
    if generated.is_file():
        return generated
    assert not os.environ.get("SSEGEN_GENERATED_BY_PANTS"), f"no generated {GENERATED_OPENAPI} in the sandbox"
    return repo_path(EXPECTED_OPENAPI)
SCHEMATHESIS_TIMEOUT_S = 900


def schemathesis_bin() -> Path:
    """schemathesis in its own venv, reused across runs; a marker file records a finished install."""
    home = Path(os.environ.get("HOME") or Path.home())
    venv = home / ".cache" / f"ssegen-schemathesis-{SCHEMATHESIS_VERSION}"
    marker = venv / ".ssegen-installed"
    exe = venv / "bin" / "schemathesis"
    if not marker.is_file():
        shutil.rmtree(venv, ignore_errors=True)
        ts_test.run([sys.executable, "-m", "venv", str(venv)], home, ts_test.NPM_TIMEOUT_S)
        # The CA bundle ./pants found: Pants keeps the machine's pip configuration away from
        # subprocesses, and some networks only let PyPI through a proxy with its own CA.
        ca_bundle = os.environ.get("PANTS_CA_CERTS_PATH")
        ts_test.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             *([f"--cert={ca_bundle}"] if ca_bundle else []), f"schemathesis=={SCHEMATHESIS_VERSION}"],
            home,
            ts_test.NPM_TIMEOUT_S,
        )
        marker.write_text(SCHEMATHESIS_VERSION + "\n", encoding="utf-8")
    return exe


@pytest.mark.skipif(bool(os.environ.get("SSEGEN_SKIP_SCHEMATHESIS")), reason="SSEGEN_SKIP_SCHEMATHESIS is set")
@pytest.mark.parametrize("server", ["go", "ts"])
def test_schemathesis_unary_conformance(built: Built, server: str) -> None:
    exe = schemathesis_bin()
    process = start_generated_server(built, server)
    try:
        with tempfile.TemporaryDirectory(prefix="ssegen-schemathesis-") as cwd:
            args = [
                str(exe), "run", str(openapi_document()), "--url", process.url,
                "-H", "X-API-Key: mk_interop",
                # Unary operations only: the streaming ones answer text/event-stream.
                "--exclude-path-regex", "/stream$|/trades/watch$",
                "--checks", "response_schema_conformance,status_code_conformance,content_type_conformance,not_a_server_error",
                "--mode", "positive",
                "--phases", "examples,coverage,fuzzing",
                "--seed", "1", "--max-examples", "50", "--generation-database", "none",
                "--no-color",
            ]
            try:
                result = subprocess.run(
                    args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8",
                    errors="replace", timeout=SCHEMATHESIS_TIMEOUT_S,
                )
            except subprocess.TimeoutExpired:
                pytest.fail(f"schemathesis did not finish within {SCHEMATHESIS_TIMEOUT_S}s", pytrace=False)
    finally:
        process.stop()
    print(result.stdout)
    assert result.returncode == 0, "schemathesis found problems:\n" + result.stdout
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert tested and int(tested.group(1)) == 9, "expected the 9 unary operations to be tested:\n" + result.stdout
