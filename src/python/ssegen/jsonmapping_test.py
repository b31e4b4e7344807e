"""Unit tests of the JSON mapping (ssegen.jsonmapping): options read, mapped messages, checks."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.build import build_model
from ssegen.descriptors import compile_request
from ssegen.errors import GenerationError
from ssegen.generate import generate
from ssegen.jsonmapping import JsonField, object_keys
from ssegen.model import Model
from ssegen.testing import repo_path

HEADER = """\
syntax = "proto3";
package t;
import "google/protobuf/timestamp.proto";
import "sebuf/http/annotations.proto";
"""

PROJECT_ROOT = "testprojects/json_mapping/proto"
PROJECT_FILE = "jsonmap/v1/jsonmap.proto"


def build(tmp_path: Path, body: str) -> Model:
    (tmp_path / "t.proto").write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    request = compile_request(["t.proto"], [str(tmp_path)], "")
    return build_model(request.proto_file, request.file_to_generate)


def project() -> Model:
    request = compile_request([PROJECT_FILE], [str(repo_path(PROJECT_ROOT))], "")
    return build_model(request.proto_file, request.file_to_generate)


def test_field_options_are_read() -> None:
    item = project().json.messages["jsonmap.v1.Item"]
    assert item.field("count") == JsonField("count", "count", int64_number=True)
    assert item.field("priority").enum_number
    assert item.field("middle_name") == JsonField("middle_name", "middleName", nullable=True)
    assert (item.field("home").empty, item.field("work").empty, item.field("other").empty) == ("null", "omit", "preserve")
    assert [item.field(n).timestamp for n in ("created", "updated", "birthday", "seen")] == [
        "unix_seconds", "unix_millis", "date", "rfc3339"]
    assert [item.field(n).bytes for n in ("raw", "token", "token_raw", "digest", "plain")] == [
        "base64_raw", "base64url", "base64url_raw", "hex", "base64"]
    billing = item.field("billing")
    assert (billing.flatten, billing.flatten_prefix) == (True, "billing_")
    assert item.field("level") == JsonField("level", "level", enum_number=True, nullable=True)
    assert not item.field("id").has_options


def test_oneofs_and_unwrap() -> None:
    mapping = project().json
    media, content = mapping.messages["jsonmap.v1.Item"].oneofs
    assert (media.discriminator, media.flatten, media.variants) == (
        "kind", False, (("vid", "video"), ("image", "image"), ("link", "link")))
    assert (content.discriminator, content.flatten, content.variants) == ("type", True, (("text", "text"), ("pic", "photo")))
    assert mapping.messages["jsonmap.v1.BarList"].unwrap == "bars"
    assert mapping.messages["jsonmap.v1.BarsBySymbol"].unwrap == "bars"
    assert mapping.messages["jsonmap.v1.BarsResponse"].unwrap == ""


def test_mapped_is_transitive_and_option_less_messages_are_not_mapped() -> None:
    mapping = project().json
    # Tag has no option but an enum with custom names; BarsResponse only reaches BarList.
    for name in ("Item", "Tag", "BarsResponse", "BarList", "GetItemRequest", "FindRequest", "Photo"):
        assert mapping.mapped(f"jsonmap.v1.{name}"), name
    for name in ("Plain", "Address", "Video", "Text"):
        assert not mapping.mapped(f"jsonmap.v1.{name}"), name
    assert mapping.enum_custom("jsonmap.v1.Status") and not mapping.enum_custom("jsonmap.v1.Priority")
    assert [v.json for v in mapping.enums["jsonmap.v1.Status"].values] == ["unknown", "active", "inactive"]


def test_object_keys_lift_flattened_fields_and_discriminators() -> None:
    model = project()
    keys = [k.key for k in object_keys(model.json, model.messages, "jsonmap.v1.Item")]
    assert "billing_street" in keys and "billing_zipCode" in keys and "billing" not in keys
    assert keys[-5:] == ["kind", "video", "image", "link", "type"]
    assert [k.key for k in object_keys(model.json, model.messages, "jsonmap.v1.Place")] == [
        "label", "street", "city", "zipCode"]


def test_int64_number_warns_on_stderr_without_failing(capsys: pytest.CaptureFixture) -> None:
    request = compile_request([PROJECT_FILE], [str(repo_path(PROJECT_ROOT))], "outputs=openapi")
    generate(request)
    err = capsys.readouterr().err
    assert f"{PROJECT_FILE}:57:20: warning: message jsonmap.v1.Item, field count: int64_encoding = NUMBER" in err
    assert err.count(": warning: ") == 5


def test_nested_flatten_and_prefixes_compose(tmp_path: Path) -> None:
    model = build(tmp_path, """
        message Geo { double lat = 1; }
        message Address { string street = 1; Geo geo = 2 [(sebuf.http.flatten) = true, (sebuf.http.flatten_prefix) = "geo_"]; }
        message M { string id = 1; Address a = 2 [(sebuf.http.flatten) = true, (sebuf.http.flatten_prefix) = "a_"]; }
    """)
    assert [k.key for k in object_keys(model.json, model.messages, "t.M")] == ["id", "a_street", "a_geo_lat"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("message M { M m = 1 [(sebuf.http.flatten) = true]; }", "flattens t.M into itself"),
        ("message L { repeated string v = 1 [(sebuf.http.unwrap) = true]; }\n"
         "message M { L l = 1 [(sebuf.http.flatten) = true]; }", "written as its unwrapped field"),
        ("message M { map<string, string> a = 1 [(sebuf.http.unwrap) = true];"
         " repeated string b = 2 [(sebuf.http.unwrap) = true]; }", "needs it to be the message's only field"),
        ("message M { oneof o { option (sebuf.http.oneof_config) = {discriminator: \"k\"};"
         " string a = 1 [(sebuf.http.oneof_value) = \"x\"]; string b = 2 [(sebuf.http.oneof_value) = \"x\"]; } }",
         "the discriminator value 'x' of `b` is also that of `a`"),
        ("message M { google.protobuf.Timestamp t = 1 [(sebuf.http.flatten) = true]; }",
         "applies to singular fields of a message type"),
        ("message M { optional string s = 1 [(sebuf.http.nullable) = true]; oneof o {"
         " option (sebuf.http.oneof_config) = {discriminator: \"k\"}; string k2 = 2; } string k = 3; }",
         "its JSON key 'k' comes from"),
    ],
)
def test_shape_problems(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(GenerationError) as info:
        build(tmp_path, body)
    assert message in str(info.value)
    assert str(info.value).startswith("t.proto:")


def test_empty_discriminator_is_ignored(tmp_path: Path) -> None:
    model = build(tmp_path, """
        message M { oneof o { option (sebuf.http.oneof_config) = {discriminator: ""}; string a = 1; } }
    """)
    assert model.json.messages["t.M"].oneofs == () and not model.json.mapped("t.M")
