"""Codegen benchmark: CPU and wall time of generating all five outputs of synthetic APIs.

    python bench/codegen.py [--sizes 50,500,5000] [--reps N]

Run with a Python that has the generator's requirements (bench/run sets one up). Per size it
measures, each in a fresh process and interleaved rep by rep:
  - the phases in one process (protoc via grpcio-tools, model with the route check shown apart,
    each renderer);
  - `python -m ssegen.cli` end to end, and the same generator as a protoc plugin;
  - `python -m ssegen.cli` of the reference commit (REFERENCE_COMMIT, the code issue 14 measured),
    from which sebuf's CPU is derived: sebuf = reference / the ratio the issue measured at that size
    (sebuf's Go plugins cannot be built on this machine).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import REPO, save, summary  # noqa: E402
import synthetic_api  # noqa: E402

REFERENCE_COMMIT = "726f0e5"
# ssegen CPU / sebuf CPU, all five outputs, measured by issue 14 at these sizes.
SEBUF_RATIO = {50: 1.47, 500: 1.32, 5000: 1.71}
# RPCs -> (files, services per file, RPCs per service)
SHAPES = {50: (1, 5, 10), 500: (5, 10, 10), 5000: (50, 10, 10)}
SRC = os.path.join(REPO, "src", "python")
BUNDLED = os.path.join(SRC, "ssegen", "protos")


def phases(root: str) -> Dict[str, Tuple[float, float]]:
    """(cpu, wall) seconds of each phase of one generation, in this process."""
    from ssegen import build
    from ssegen.descriptors import compile_request
    from ssegen.generate import RENDERERS
    from ssegen.options import Options

    os.chdir(root)
    files = sorted(glob.glob("synth/v1/*.proto"))
    result: Dict[str, Tuple[float, float]] = {}

    def timed(name, call):
        c, w = time.process_time(), time.perf_counter()
        value = call()
        result[name] = (result.get(name, (0.0, 0.0))[0] + time.process_time() - c,
                        result.get(name, (0.0, 0.0))[1] + time.perf_counter() - w)
        return value

    check_routes = build._Builder.check_routes
    build._Builder.check_routes = lambda self, services: timed("route check", lambda: check_routes(self, list(services)))
    request = timed("protoc", lambda: compile_request(files, ["."], ""))
    model = timed("model", lambda: build.build_model(request.proto_file, request.file_to_generate))
    result["model"] = (result["model"][0] - result["route check"][0], result["model"][1] - result["route check"][1])
    options = Options.parse("")
    for output in options.outputs:
        timed(output, lambda: RENDERERS[output](model, options))
    return result


def run(args: List[str], env: Dict[str, str], cwd: str) -> Tuple[float, float]:
    """(cpu, wall) of a command and everything it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"`{' '.join(args)}` failed: {process.stderr.read().decode()}")
    return usage.ru_utime + usage.ru_stime, wall


def reference_tree(tmp: str) -> str:
    archive = os.path.join(tmp, "reference.tar")
    subprocess.run(["git", "archive", "-o", archive, REFERENCE_COMMIT, "src/python"], cwd=REPO, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(os.path.join(tmp, "reference"))
    return os.path.join(tmp, "reference", "src", "python")


def with_path(src: str) -> str:
    """PYTHONPATH for a child: `src` first, then what this process was given (a test's requirements)."""
    inherited = os.environ.get("PYTHONPATH")
    return src + os.pathsep + inherited if inherited else src


def plugin_wrapper(tmp: str) -> str:
    path = os.path.join(tmp, "protoc-gen-ssegen")
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\nPYTHONPATH='{with_path(SRC)}' exec {sys.executable} -m ssegen.protoc_plugin\n")
    os.chmod(path, 0o755)
    return path


def measure(size: int, reps: int, tmp: str, reference_src: str, plugin: str) -> Dict[str, object]:
    root = os.path.join(tmp, f"api{size}")
    files = synthetic_api.write(root, *SHAPES[size])
    env = dict(os.environ, PYTHONPATH=with_path(SRC))
    include = ["--proto-path", ".", "--proto-path", BUNDLED]
    samples: Dict[str, List[float]] = {}

    def add(name: str, cpu_wall: Tuple[float, float]) -> None:
        samples.setdefault(f"{name} cpu", []).append(cpu_wall[0])
        samples.setdefault(f"{name} wall", []).append(cpu_wall[1])

    for rep in range(reps):
        out = os.path.join(tmp, f"out{size}-{rep}")
        add("cli", run([sys.executable, "-m", "ssegen.cli", "--out", out + "a", *include, *files], env, root))
        add("reference cli", run([sys.executable, "-m", "ssegen.cli", "--out", out + "b", *include, *files],
                                 dict(env, PYTHONPATH=with_path(reference_src)), root))
        os.makedirs(out + "c")
        add("protoc plugin", run([sys.executable, "-m", "grpc_tools.protoc", "-I.", f"-I{BUNDLED}",
                                  f"--plugin=protoc-gen-ssegen={plugin}", f"--ssegen_out={out}c", *files], env, root))
        split = subprocess.run([sys.executable, os.path.abspath(__file__), "--phases", root], env=env,
                               check=True, stdout=subprocess.PIPE).stdout
        for name, cpu_wall in json.loads(split).items():
            add(f"phase {name}", cpu_wall)
    return {name: summary(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50,500,5000")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--phases", help=argparse.SUPPRESS)
    # A smoke run outside a git checkout: this tree stands in for the reference commit.
    parser.add_argument("--reference-src", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases:
        print(json.dumps(phases(args.phases)))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="ssegen-bench-") as tmp:
        reference_src = args.reference_src or reference_tree(tmp)
        plugin = plugin_wrapper(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            results[str(size)] = measure(size, args.reps, tmp, reference_src, plugin)
            print(f"codegen {size} RPCs: cli {results[str(size)]['cli cpu']['median']:.2f}s CPU", file=sys.stderr)
    save("codegen", f"python bench/codegen.py --sizes {args.sizes} --reps {args.reps}",
         {"sizes": results, "reference_commit": REFERENCE_COMMIT, "sebuf_ratio": {str(k): v for k, v in SEBUF_RATIO.items()},
          "python": sys.version.split()[0], "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss})


if __name__ == "__main__":
    main()
