"""A smoke run of the benchmark suite, `bench/run --smoke`, so its code cannot rot unnoticed.

Every benchmark but the ./pants timing (which needs this checkout's pantsd) runs with tiny sizes
and one rep; the test checks that each wrote all its figures and that the report renders them.
The figures mean nothing at these sizes and nothing here compares them: timed assertions would
only be flaky.

Needs what bench/run and the Go and TS harnesses need: go, node and npm on PATH, HOME (the Go
caches, protoc-gen-go in $HOME/.cache/ssegen-go, npm's cache in $HOME/.cache/ssegen-npm), the Go
module proxy and the npm registry.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

from ssegen.testing import repo_path, run_checked

# Generous: a cold first run builds the Go benchmark and installs the npm packages.
SMOKE_TIMEOUT_S = 1200

CHUNKED_STREAMS = {f"{stream}, {chunk} B chunks" for stream in ("small events", "1 MiB events") for chunk in (1, 16, 1024, 65536)}
# Per results file: its cases, and what each case holds.
EXPECTED: Dict[str, Tuple[str, set, set]] = {
    "ts_parser": ("results", CHUNKED_STREAMS, {"ssegen", "eventsource-parser"}),
    "ts_stream": (
        "results",
        {
            "generated server -> generated client",
            "generated server -> eventsource-parser",
            "raw node:http -> eventsource-parser",
            "raw node:http -> generated client",
        },
        {"eventsPerS"},
    ),
    "go_parser": ("results", CHUNKED_STREAMS, {"ssegen", "go-sse"}),
    # The 1M-event stream runs at full scale only.
    "go_stream": (
        "results",
        {"small events", "8 MiB events"},
        {"generated server -> generated client", "net/http writer -> bufio + protojson"},
    ),
    "go_unary": (
        "results",
        {"generated server, generated client", "generated server, net/http client", "hand-written server, net/http client"},
        {"requestsPerS"},
    ),
    "codegen": (
        "sizes",
        {"50"},
        {"cli cpu", "reference cli cpu", "protoc plugin cpu"}
        | {f"phase {p} cpu" for p in ("protoc", "model", "route check", "go_server", "go_client", "ts_client", "ts_server", "openapi")},
    ),
}
REPORT_SECTIONS = (
    "## Targets (issue 14)",
    "## Codegen",
    "## TypeScript SSE parser vs eventsource-parser",
    "## TypeScript end to end",
    "## Go SSE decoder vs go-sse",
    "## Go end to end and memory",
    "## Go unary",
)


def summaries(value: Any, path: str = "") -> Iterator[Tuple[str, Dict[str, float]]]:
    """Every median/min/max summary in a results tree, with where it is."""
    if isinstance(value, dict):
        if "median" in value:
            yield path, value
            return
        for key, child in value.items():
            yield from summaries(child, f"{path}/{key}")


def test_every_benchmark_writes_its_figures(tmp_path: Path) -> None:
    results = tmp_path / "results"
    env = dict(
        os.environ,
        # The generator's requirements are this test's: the same interpreter and path.
        SSEGEN_BENCH_PYTHON=sys.executable,
        PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
        SSEGEN_BENCH_RESULTS=str(results),
        SSEGEN_BENCH_CACHE=str(tmp_path / "cache"),
        # The TS harness's npm cache: bench/run installs from it when it holds the packages.
        npm_config_cache=str(Path(os.environ.get("HOME") or Path.home()) / ".cache" / "ssegen-npm"),
    )
    run_checked([str(repo_path("bench/run")), "--smoke"], repo_path("."), SMOKE_TIMEOUT_S, env, "bench/run --smoke")

    records = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*.json")}
    assert set(records) == set(EXPECTED)
    for name, (key, cases, fields) in EXPECTED.items():
        record = records[name]
        assert record["load"]["cores"] >= 1, name
        assert set(record[key]) == cases, name
        for case, figures in record[key].items():
            assert fields <= set(figures), f"{name} / {case}: {sorted(figures)}"
            found = list(summaries(figures))
            assert found, f"{name} / {case}"
            for where, summary in found:
                assert summary["n"] >= 1 and 0 <= summary["min"] <= summary["median"] <= summary["max"], f"{name} / {case}{where}: {summary}"
            # Some figure moved (a run cut short by its time budget may finish no 1 MiB event).
            assert any(summary["max"] > 0 for _, summary in found), f"{name} / {case}: {figures}"

    report = (results / "benchmarks.md").read_text(encoding="utf-8")
    for section in REPORT_SECTIONS:
        assert section in report
