"""@ssegen_pip: the generator's Python dependencies from a Python package index, pinned.

The layout follows rules_python's pip hubs (`@ssegen_pip//mako`, `@ssegen_pip//pyyaml`, ...), so
the BUILD files name the same labels in WORKSPACE mode (this rule) and under bzlmod (pip.parse).
Every pinned distribution is installed into one `site` directory by one `pip install --no-deps`
run: the requirements file is the complete, closed set.
"""

load(":python.bzl", "PIP_ENVIRON", "find_python", "run_pip")

def _normalize(name):
    # rules_python's package names: PEP 503 normalisation with underscores.
    return name.lower().replace("-", "_").replace(".", "_")

def _pinned(rctx, requirements):
    names = []
    for line in rctx.read(requirements).splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not version or " " in version:
            fail("ssegen: %s: %r is not pinned as name==version" % (requirements, line))
        names.append(_normalize(name.strip()))
    return names

_TOOLCHAIN = """\
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

# The interpreter pip installed for. Bazel 4's py_binary stub runs `python` from PATH, which
# strict action environments do not have; register_toolchains("@{name}//:python_toolchain").
py_runtime(
    name = "python3",
    interpreter_path = "{python}",
    python_version = "PY3",
    stub_shebang = "#!{python}",
)

py_runtime_pair(
    name = "runtime_pair",
    py3_runtime = ":python3",
)

toolchain(
    name = "python_toolchain",
    toolchain = ":runtime_pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)

py_library(
    name = "site",
    srcs = glob(["site/**/*.py"]),
    data = glob(["site/**"], exclude = ["site/**/*.py", "site/**/__pycache__/**", "site/bin/**"]),
    imports = ["site"],
    visibility = ["//:__subpackages__"],
)
"""

def _ssegen_pip_impl(rctx):
    python = find_python(rctx)
    requirements = rctx.path(rctx.attr.requirements)
    run_pip(rctx, python, [
        "install",
        "--no-deps",
        "--only-binary=:all:",
        "--no-compile",
        "--target",
        "site",
        "-r",
        str(requirements),
    ], "pip install -r %s" % requirements)
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD.bazel", _TOOLCHAIN.format(name = rctx.name, python = python))
    for name in _pinned(rctx, requirements):
        rctx.file(name + "/BUILD.bazel", 'alias(name = "%s", actual = "//:site", visibility = ["//visibility:public"])\n' % name)

ssegen_pip = repository_rule(
    implementation = _ssegen_pip_impl,
    doc = "Installs a pinned requirements file with pip, as a rules_python-like hub of py_library targets.",
    attrs = {
        "python": attr.string(default = "python3", doc = "The interpreter (>= 3.9) to install for and run with."),
        "requirements": attr.label(allow_single_file = True, mandatory = True),
    },
    environ = PIP_ENVIRON,
)
