"""The Bazel rule and the generator agree: the attribute choices and defaults in
rules/bazel/private/options.bzl are those of ssegen.options, and the Python packages Bazel installs
(rules/bazel/requirements.txt) are pinned to the versions the repo resolves
(3rdparty/python/constraints.txt), so Bazel and Pants run the same generator to the same bytes."""
from __future__ import annotations

import ast
import dataclasses
import re
from typing import Dict

from ssegen import options
from ssegen.testing import repo_path

OPTIONS_BZL = "rules/bazel/private/options.bzl"


def _starlark_constants(path: str) -> Dict[str, object]:
    """Top-level `NAME = <literal>` assignments of a .bzl file (Starlark literals are Python's)."""
    tree = ast.parse(repo_path(path).read_text(encoding="utf-8"))
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = ast.literal_eval(node.value)
    return constants


def _pins(path: str) -> Dict[str, str]:
    pins = {}
    for line in repo_path(path).read_text(encoding="utf-8").splitlines():
        requirement = line.split("#")[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return pins


def test_rule_attributes_follow_the_generators_options() -> None:
    bzl = _starlark_constants(OPTIONS_BZL)
    assert tuple(bzl["OUTPUTS"]) == options.OUTPUTS
    assert tuple(bzl["DEFAULT_OUTPUTS"]) == options.DEFAULT_OUTPUTS
    assert bzl["LANGUAGE_OF"] == options.LANGUAGE_OF
    assert tuple(bzl["OPENAPI_VERSIONS"]) == options.OPENAPI_VERSIONS
    assert tuple(bzl["OPENAPI_FORMATS"]) == options.OPENAPI_FORMATS
    assert tuple(bzl["DEFAULT_PATH_STYLES"]) == options.DEFAULT_PATH_STYLES
    defaults = {f.name: f.default for f in dataclasses.fields(options.Options) if f.name != "outputs"}
    passed_always = bzl["OPTION_DEFAULTS"]
    passed_when_set = bzl["OPTIONAL_OPTIONS"]
    unmapped = sorted(set(defaults) - set(passed_always) - set(passed_when_set) - {bzl["GO_PACKAGE_OVERRIDES"]})
    assert not unmapped, f"generator options without a sse_proto_library attribute in {OPTIONS_BZL}: {unmapped}"
    for name, default in passed_always.items():
        assert name in defaults, f"{OPTIONS_BZL} passes {name}, which the generator does not know"
        assert default == defaults[name], f"{name}: Bazel's default {default!r}, the generator's {defaults[name]!r}"
    for name in passed_when_set:
        # Passed only when set: the generator's default must be what leaving it out means.
        assert name in defaults, f"{OPTIONS_BZL} passes {name}, which the generator does not know"
        assert defaults[name] in ("", None, False), f"{name} has a default the rule would not pass"
    assert defaults[bzl["GO_PACKAGE_OVERRIDES"]] == ()


def test_bazel_python_packages_are_the_repos_pins() -> None:
    bazel = _pins("rules/bazel/requirements.txt")
    repo = _pins("3rdparty/python/constraints.txt")
    assert bazel, "rules/bazel/requirements.txt pins nothing"
    for name, version in bazel.items():
        assert version and re.fullmatch(r"[0-9][0-9A-Za-z.]*", version), f"{name} is not pinned exactly"
        assert repo.get(name) == version, f"{name}: Bazel installs {version}, the repo pins {repo.get(name)}"
