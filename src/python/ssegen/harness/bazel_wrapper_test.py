"""./bazel installs Bazel once when tests run it in parallel on a machine without one.

Runs the real script three times at once on a PATH of stand-ins: no `bazel`, an `apt-get` that
records its calls and, for `install`, takes a while and then puts a `bazel` on that PATH, a
`dpkg` that reports the packages once that install finished, an `id` saying root. Without the
wrapper's lock, each run installs (and real apt-get runs would fail on dpkg's lock).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ssegen.testing import repo_path

RUNS = 3
# The stand-ins; $STUBS is their folder. The install's delay gives the other runs time to start.
APT_GET = """#!/bin/bash
echo "$*" >>"$STUBS/apt-get.log"
if [[ " $* " == *" install "* ]]; then
  sleep 1
  printf '#!/bin/bash\\necho "bazel 7.0.0"\\n' >"$STUBS/bazel"
  chmod +x "$STUBS/bazel"
  touch "$STUBS/installed"
fi
"""
DPKG = '#!/bin/bash\n[[ -e "$STUBS/installed" ]]\n'
ID = "#!/bin/bash\necho 0\n"
# What the script runs besides them, from this machine.
TOOLS = ("bash", "flock", "mkdir", "dirname", "cat", "sleep", "touch", "chmod", "printf", "tail", "env")


def test_parallel_runs_install_once(tmp_path: Path) -> None:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is not on PATH"
        (stubs / tool).symlink_to(found)
    for name, script in (("apt-get", APT_GET), ("dpkg", DPKG), ("id", ID)):
        (stubs / name).write_text(script, encoding="utf-8")
        (stubs / name).chmod(0o755)
    env = {"PATH": str(stubs), "STUBS": str(stubs), "HOME": str(tmp_path), "SSEGEN_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.Popen(
            [str(stubs / "bash"), str(repo_path("bazel")), "--version"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(RUNS)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0] * RUNS, outputs
    assert all(output.strip().endswith("bazel 7.0.0") for output in outputs), outputs
    calls = (stubs / "apt-get.log").read_text(encoding="utf-8").splitlines()
    installs = [call for call in calls if " install " in f" {call} "]
    assert len(installs) == 1, f"apt-get install ran {len(installs)} times:\n" + "\n".join(calls)
