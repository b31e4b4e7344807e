"""What every benchmark shares: repetition statistics, the machine's load, the results files."""
from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any, Dict, List, Sequence

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
RESULTS_DIR = os.environ.get("SSEGEN_BENCH_RESULTS") or os.path.join(BENCH_DIR, "results")


def summary(samples: Sequence[float]) -> Dict[str, float]:
    """Median and spread (min, max) of repeated measurements."""
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def load() -> Dict[str, Any]:
    """The machine's load while a benchmark ran: 1-minute load average per core, at the end."""
    one, five, _ = os.getloadavg()
    return {"loadavg_1m": round(one, 2), "loadavg_5m": round(five, 2), "cores": os.cpu_count()}


def save(name: str, command: str, data: Dict[str, Any]) -> str:
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, f"{name}.json")
    record = {"name": name, "command": command, "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "load": load(), **data}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write("\n")
    return path


def read_all() -> List[Dict[str, Any]]:
    if not os.path.isdir(RESULTS_DIR):
        return []
    records = []
    for name in sorted(os.listdir(RESULTS_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(RESULTS_DIR, name), encoding="utf-8") as f:
                records.append(json.load(f))
    return records
