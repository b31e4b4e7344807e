"""Wall time of `./pants export-codegen ::` in this repo, pantsd up:

    python bench/pants_timing.py [--reps N]

- warm no-change runs, through ./pants as it is (the wheel's native client when pantsd is up) and
  with PANTS_NO_NATIVE_CLIENT=1 (the Python client), interleaved;
- one-edit runs: a comment appended to a golden proto, so its libraries regenerate (restored after);
- a run without pantsd (`--no-pantsd`: the engine starts cold, the caches on disk are warm).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import REPO, save, summary  # noqa: E402

EDITED = os.path.join(REPO, "testprojects", "market_data", "proto", "market", "v1", "market_data.proto")
COMMAND = ["./pants", "export-codegen", "::"]


def timed(args: List[str], env: Dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ)
    python_client = dict(env, PANTS_NO_NATIVE_CLIENT="1")
    timed(COMMAND, env)  # starts pantsd and fills the caches
    samples: Dict[str, List[float]] = {"no change, native client": [], "no change, Python client": [], "one edit": []}
    with open(EDITED, encoding="utf-8") as f:
        original = f.read()
    try:
        for rep in range(args.reps):
            samples["no change, native client"].append(timed(COMMAND, env))
            samples["no change, Python client"].append(timed(COMMAND, python_client))
            with open(EDITED, "w", encoding="utf-8") as f:
                f.write(original + f"// bench edit {rep} {time.time()}\n")
            samples["one edit"].append(timed(COMMAND, env))
            with open(EDITED, "w", encoding="utf-8") as f:
                f.write(original)
            timed(COMMAND, env)  # back to the unedited outputs
    finally:
        with open(EDITED, "w", encoding="utf-8") as f:
            f.write(original)
    samples["without pantsd (engine cold, disk caches warm)"] = [timed(["./pants", "--no-pantsd", *COMMAND[1:]], env)]
    save("pants", f"python bench/pants_timing.py --reps {args.reps}",
         {"seconds": {name: summary(values) for name, values in samples.items()}})


if __name__ == "__main__":
    main()
