"""yaml_text writes what `yaml.dump` with PyYAML's pure-Python emitter writes, faster."""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator

import pytest  # pants: no-infer-dep (the pytest tool provides it)
import yaml

from ssegen import yaml_text
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
    assert issubclass(yaml_text.FastDumper, yaml.CSafeDumper)


def test_the_golden_documents_come_out_as_the_reference_writes_them() -> None:
    documents = list(golden_documents())
    assert len(documents) >= 8
    for document in documents:
        expected = yaml_text.reference(document)
        assert yaml_text.reference(document, yaml_text.FastDumper) == expected
        assert yaml_text.dump(document) == expected
        assert yaml.safe_load(expected) == document


AWKWARD = [
    "", "yes", "No", "1.0", "0x1F", "1e3", "~", "null", " lead", "trail ", "a: b", "- x", "#c", "a #b",
    "quote's \"q\"", "{x}", "[a]", "@at", "%p", "!bang", "&a", "*a", "|", ">", "?", "tab\there", "é ü 日本",
    "\u2028", "a\u00a0b", "\ufeffbom", "ctl\x07", "line\n  indented\n", "multi\n\nline\n\n",
    "\nlead newline", "trail \nline", "x" * 300,
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_strings_come_out_as_the_reference_writes_them(text: str) -> None:
    document = {"description": text, "examples": [text, {"d": text}], "x": [1, 2.5, True, None, {}, []]}
    assert yaml_text.dump(document) == yaml_text.reference(document)
    as_key = {"a": 1, text: {"b": text}}
    assert yaml_text.dump(as_key) == yaml_text.reference(as_key)


@pytest.mark.parametrize("key", ["", "multi\n\nline\n\n"])
def test_keys_libyaml_would_write_differently_are_written_as_the_reference_writes_them(key: str) -> None:
    document = {"a": 1, key: [1]}
    assert yaml_text.reference(document, yaml_text.FastDumper) != yaml_text.reference(document)
    assert yaml_text.dump(document) == yaml_text.reference(document)


@pytest.mark.parametrize("text", ["emoji \U0001f389", "next\x85line", "a\nb \U00010000", "blank lines\n\n"])
def test_what_libyaml_writes_differently_is_written_as_the_reference_writes_it(text: str) -> None:
    document = {"description": text, "after": "x"}
    assert yaml_text.reference(document, yaml_text.FastDumper) != yaml_text.reference(document)
    assert yaml_text.dump(document) == yaml_text.reference(document)


def test_a_shared_object_is_an_alias_as_in_the_reference() -> None:
    shared = {"type": "string"}
    document = {"a": shared, "b": [shared, shared], "c": [[1], [1]]}
    assert "*id001" in yaml_text.reference(document)
    assert yaml_text.dump(document) == yaml_text.reference(document)
