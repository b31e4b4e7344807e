"""Unit tests of Options.parse: the protoc plugin parameter and the Pants rule's --param."""
from __future__ import annotations

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.errors import OptionsError
from ssegen.options import DEFAULT_OUTPUTS, OUTPUTS, Options


def test_defaults() -> None:
    options = Options.parse("")
    assert options == Options()
    assert options.outputs == DEFAULT_OUTPUTS
    assert "ts_node" not in DEFAULT_OUTPUTS and set(DEFAULT_OUTPUTS) | {"ts_node"} == set(OUTPUTS)
    assert options.openapi_version == "3.1"
    assert options.openapi_format == "yaml"
    assert options.openapi_bundle is False
    assert options.openapi_bundle_name == "openapi"
    assert options.openapi_title == ""
    assert options.openapi_info_version == "1.0.0"


@pytest.mark.parametrize("parameter", [" ", ",", " , ,, "])
def test_blank_items_are_ignored(parameter: str) -> None:
    assert Options.parse(parameter) == Options()


def test_values() -> None:
    options = Options.parse(
        "outputs=openapi, openapi_version=3.2,openapi_format=json,openapi_bundle=true,"
        "openapi_bundle_name=shop,openapi_title=Shop API,openapi_info_version=2.3.4"
    )
    assert options == Options(
        outputs=("openapi",),
        openapi_version="3.2",
        openapi_format="json",
        openapi_bundle=True,
        openapi_bundle_name="shop",
        openapi_title="Shop API",
        openapi_info_version="2.3.4",
    )


def test_value_may_contain_equals_sign() -> None:
    assert Options.parse("openapi_title=a=b").openapi_title == "a=b"


def test_empty_string_value() -> None:
    assert Options.parse("openapi_title=").openapi_title == ""


def test_repeated_outputs_are_collected_deduplicated_and_sorted() -> None:
    assert Options.parse("outputs=openapi").outputs == ("openapi",)
    assert Options.parse("outputs=openapi,outputs=openapi").outputs == ("openapi",)
    # Every output exists in OUTPUTS, and naming each one selects them all.
    everything = ",".join(f"outputs={o}" for o in reversed(OUTPUTS))
    assert Options.parse(everything).outputs == tuple(sorted(OUTPUTS))


def test_repeated_scalar_option_last_wins() -> None:
    assert Options.parse("openapi_format=json,openapi_format=yaml").openapi_format == "yaml"


@pytest.mark.parametrize("value, expected", [("true", True), ("false", False)])
def test_booleans(value: str, expected: bool) -> None:
    assert Options.parse(f"openapi_bundle={value}").openapi_bundle is expected


@pytest.mark.parametrize("value", ["True", "1", "yes", "", "on"])
def test_bad_boolean(value: str) -> None:
    with pytest.raises(OptionsError, match="openapi_bundle must be true or false"):
        Options.parse(f"openapi_bundle={value}")


def test_unknown_key() -> None:
    with pytest.raises(OptionsError) as info:
        Options.parse("openapi_format=json,openapi_flavour=spicy")
    message = str(info.value)
    assert "unknown option 'openapi_flavour'" in message
    # The message lists the known options.
    assert "openapi_bundle" in message and "outputs" in message


def test_unknown_output() -> None:
    with pytest.raises(OptionsError, match="unknown output 'cobol'"):
        Options.parse("outputs=openapi,outputs=cobol")


def test_empty_output() -> None:
    with pytest.raises(OptionsError, match="unknown output ''"):
        Options.parse("outputs=")


@pytest.mark.parametrize(
    "parameter, message",
    [
        ("openapi_version=3.0", "openapi_version must be one of 3.1, 3.2, not '3.0'"),
        ("openapi_version=3.1.0", "openapi_version must be one of 3.1, 3.2"),
        ("openapi_format=xml", "openapi_format must be one of yaml, json, not 'xml'"),
        ("openapi_format=JSON", "openapi_format must be one of yaml, json"),
        ("openapi_bundle_name=", "openapi_bundle_name must be a plain file name"),
        ("openapi_bundle_name=a/b", "openapi_bundle_name must be a plain file name"),
    ],
)
def test_bad_values(parameter: str, message: str) -> None:
    with pytest.raises(OptionsError) as info:
        Options.parse(parameter)
    assert message in str(info.value)


@pytest.mark.parametrize("parameter", ["openapi_bundle", "openapi_format=json,openapi", "outputs"])
def test_missing_equals_sign(parameter: str) -> None:
    with pytest.raises(OptionsError, match="has no value; write it as key=value"):
        Options.parse(parameter)


def test_options_are_immutable_and_hashable() -> None:
    options = Options.parse("openapi_bundle=true")
    assert hash(options) == hash(Options.parse("openapi_bundle=true"))
    with pytest.raises(Exception):
        options.openapi_bundle = False  # type: ignore[misc]


def test_go_package_prefix_and_overrides() -> None:
    options = Options.parse("go_package_prefix=example.com/gen,Ma/a.proto=example.com/a;av1,Mb.proto=example.com/b")
    assert options.go_package_prefix == "example.com/gen"
    assert options.go_package_override_map == {"a/a.proto": "example.com/a;av1", "b.proto": "example.com/b"}
    assert Options.parse("").go_package_overrides == ()


def test_go_package_override_needs_a_value() -> None:
    with pytest.raises(OptionsError, match="M<file>"):
        Options.parse("Ma.proto=")


@pytest.mark.parametrize("style", ["sebuf", "words"])
def test_default_path_style(style: str) -> None:
    assert Options.parse(f"default_path_style={style}").default_path_style == style


def test_unknown_default_path_style() -> None:
    with pytest.raises(OptionsError, match="default_path_style"):
        Options.parse("default_path_style=camel")
