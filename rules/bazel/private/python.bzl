"""Repository rule helpers shared by the pip-based repositories: the interpreter and pip runs."""

# What pip reads from the environment to reach an index (a mirror, a CA bundle, local wheels).
PIP_ENVIRON = [
    "PATH",
    "PIP_CERT",
    "PIP_CONFIG_FILE",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_TRUSTED_HOST",
]

def find_python(rctx):
    """The real path of the interpreter rctx.attr.python names (not a pyenv shim)."""
    name = rctx.attr.python
    found = rctx.path(name) if "/" in name else rctx.which(name)
    if not found or not found.exists:
        fail("ssegen: no Python interpreter %r on PATH; install python3 (>= 3.9) or set `python` of %s." % (name, rctx.name))
    result = rctx.execute([found, "-c", "import sys; assert sys.version_info >= (3, 9), sys.version; print(sys.executable)"])
    if result.return_code != 0:
        fail("ssegen: %s is not Python >= 3.9:\n%s" % (found, result.stderr))
    return result.stdout.strip()

def run_pip(rctx, python, args, what):
    """Runs `python -m pip ARGS`; fails the fetch with pip's output if it does not succeed."""
    result = rctx.execute(
        [python, "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"] + args,
        timeout = 900,
        quiet = True,
    )
    if result.return_code != 0:
        fail("ssegen: %s failed (exit %d). pip must reach a Python package index (pip config, PIP_INDEX_URL).\n%s%s" % (
            what,
            result.return_code,
            result.stdout,
            result.stderr,
        ))
