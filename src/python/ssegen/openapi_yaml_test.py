"""The YAML writer: libyaml's emitter, used when present, writes what PyYAML's pure-Python one does."""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator

import pytest  # pants: no-infer-dep (the pytest tool provides it)
import yaml

from ssegen import openapi
from ssegen.descriptors import compile_request
from ssegen.generate import generate
from ssegen.testing import MARKET_DATA_PROJECT, MULTI_PACKAGE_PROJECT, repo_path

PARAMETERS = ("", "openapi_version=3.2", "openapi_bundle=true", "openapi_version=3.2,openapi_bundle=true")


def golden_documents() -> Iterator[Dict[str, Any]]:
    """Every OpenAPI document of the golden projects, in each version and grouping, as data."""
    for root, files in (MARKET_DATA_PROJECT, MULTI_PACKAGE_PROJECT):
        for parameter in PARAMETERS:
            request = compile_request(list(files), [str(repo_path(root))], f"outputs=openapi,openapi_format=json,{parameter}")
            for text in generate(request)["openapi"].values():
                yield json.loads(text)


def test_the_pinned_pyyaml_has_libyaml() -> None:
    # Otherwise the fast path and the comparisons below would test nothing.
    assert yaml.__with_libyaml__
    assert issubclass(openapi._FastDumper, yaml.CSafeDumper)


def test_both_emitters_write_the_golden_documents_alike() -> None:
    documents = list(golden_documents())
    assert len(documents) >= 8
    for document in documents:
        pure = openapi.dump_yaml(document, openapi._Dumper)
        assert openapi.dump_yaml(document, openapi._FastDumper) == pure
        assert openapi.dump_yaml(document) == pure
        assert yaml.safe_load(pure) == document


@pytest.mark.parametrize(
    "text",
    ["", "yes", "1.0", "~", " lead", "trail ", "a: b", "- x", "#c", "a #b", "quote's \"q\"", "{x}", "@at",
     "tab\there", "é ü 日本", "\u2028", "a\u00a0b", "\ufeffbom", "ctl\x07", "line\n  indented\n",
     "multi\n\nline\n\n", "\nlead newline", "trail \nline", "x" * 300],
)
def test_both_emitters_write_awkward_strings_alike(text: str) -> None:
    document = {"description": text, "examples": [text, {"d": text}]}
    assert openapi.dump_yaml(document, openapi._FastDumper) == openapi.dump_yaml(document, openapi._Dumper)


@pytest.mark.parametrize("text", ["emoji \U0001f389", "next\x85line", "a\nb \U00010000"])
def test_what_libyaml_would_escape_is_written_by_pure_python(text: str) -> None:
    document = {"description": text}
    assert openapi.dump_yaml(document, openapi._FastDumper) != openapi.dump_yaml(document, openapi._Dumper)
    assert openapi.dump_yaml(document) == openapi.dump_yaml(document, openapi._Dumper)
