"""Stores a result a non-Python benchmark wrote (JSON) with the load and command, as common.save does.

    python bench/wrap_result.py NAME COMMAND FILE
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import save  # noqa: E402

if __name__ == "__main__":
    name, command, path = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    os.remove(path)
    save(name, command, data)
