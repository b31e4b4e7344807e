"""buf.validate rules: the model's checks and messages, the RE2 -> ECMAScript translation, and the
rule usage protovalidate rejects (testprojects/invalid/validate)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen import re2
from ssegen.build import build_model
from ssegen.descriptors import compile_request
from ssegen.errors import GenerationError
from ssegen.model import Model
from ssegen.testing import VALIDATION_PROJECT, repo_path
from ssegen.validation import format_number

INVALID_ROOT = "testprojects/invalid/validate"


def _model(root: str, files: list) -> Model:
    request = compile_request(files, [str(repo_path(root)), str(repo_path("src/protos"))], "")
    return build_model(request.proto_file, request.file_to_generate)


def _inline(tmp_path: Path, body: str) -> Model:
    (tmp_path / "t.proto").write_text(
        'syntax = "proto3";\npackage t;\nimport "buf/validate/validate.proto";\n' + textwrap.dedent(body)
    )
    request = compile_request(["t.proto"], [str(tmp_path), str(repo_path("src/protos"))], "")
    return build_model(request.proto_file, request.file_to_generate)


def test_the_test_projects_rules_in_protovalidates_order_and_words() -> None:
    model = _model(*VALIDATION_PROJECT[:1], list(VALIDATION_PROJECT[1]))
    rules = model.validation.rules("validation.v1.CreateOrderRequest")
    assert rules is not None
    assert rules.required_oneofs == (("payment", ("cardToken", "iban")),)
    by_name = {f.name: f for f in rules.fields}
    assert [c.message for c in by_name["side"].value.checks] == [
        "must not be in list [0]", "value must be one of the defined enum values"]
    assert [c.message for c in by_name["batch"].value.checks] == ["must be greater than 100 or less than 10"]
    assert [c.message for c in by_name["tags"].checks] == [
        "must contain no more than 3 item(s)", "repeated value must contain unique items"]
    assert by_name["symbol"].required and not by_name["symbol"].skip_unset
    assert by_name["level"].skip_unset and not by_name["level"].explicit_presence
    assert by_name["discount"].explicit_presence
    # CEL rules only the Go server checks; coupon has no other rule, so no TypeScript check at all.
    assert model.validation.left_to_go("validation.v1.CreateOrderRequest") == (
        "message CEL rule 'order.limit_needs_price'", "field coupon: CEL rule 'coupon.upper'")
    assert "coupon" not in by_name
    assert model.validation.uses_protovalidate("validation.v1.Address")
    assert not model.validation.uses_protovalidate("validation.v1.Order")


def test_a_message_with_only_cel_rules_is_left_to_go(tmp_path: Path) -> None:
    model = _inline(tmp_path, """
        message M {
          option (buf.validate.message).cel = {id: "m", expression: "true"};
          string a = 1;
        }
        message N { M m = 1; }
    """)
    assert model.validation.rules("t.M") is None
    assert model.validation.rules("t.N") is None
    assert model.validation.uses_protovalidate("t.N")
    assert model.validation.left_to_go("t.M") == ("message CEL rule 'm'",)


def test_rules_without_a_typescript_check_are_left_to_go(tmp_path: Path) -> None:
    model = _inline(tmp_path, """
        import "google/protobuf/duration.proto";
        message M {
          string a = 1 [(buf.validate.field).string.pattern = "(?i)^ab[[:digit:]]$"];
          string b = 2 [(buf.validate.field).string.min_bytes = 2];
          google.protobuf.Duration c = 3 [(buf.validate.field).duration.gt = {seconds: 1}];
          string d = 4 [(buf.validate.field).string.uri_ref = true];
          string e = 5 [(buf.validate.field).string.max_len = 3];
        }
    """)
    assert model.validation.left_to_go("t.M") == (
        "message t.M, field a: pattern '(?i)^ab[[:digit:]]$' (POSIX classes such as [:alpha:] have no ECMAScript equivalent)",
        "message t.M, field b: string byte lengths",
        "message t.M, field c: duration rules",
        "message t.M, field d: string.uri_ref",
    )
    rules = model.validation.rules("t.M")
    assert rules is not None and [f.name for f in rules.fields] == ["e"]


@pytest.mark.parametrize(
    "pattern, source, flags",
    [
        ("^[0-9]{5}$", "^[0-9]{5}$", ""),
        ("(?i)^abc$", "^abc$", "i"),
        ("\\Aab\\z", "^ab$", ""),
        ("(?P<year>\\d{4})-\\d\\d", "(?<year>\\d{4})-\\d\\d", ""),
        ("a\\sb", "a[\\t\\n\\f\\r ]b", ""),
        ("\\pL+\\p{Greek}", "\\p{L}+\\p{Greek}", ""),
        ("a\\-b\\#", "a\\u{2d}b\\u{23}", ""),
        ("[a\\-z]", "[a\\-z]", ""),
        ("x{2,}/y", "x{2,}\\/y", ""),
        ("a{b", "a\\{b", ""),
    ],
)
def test_re2_patterns_become_the_same_ecmascript_pattern(pattern: str, source: str, flags: str) -> None:
    assert re2.translate(pattern) == re2.Translation(source=source, flags=flags)


@pytest.mark.parametrize(
    "pattern, error",
    [
        ("^(?=a)", "RE2 has no lookahead or lookbehind"),
        ("(a)\\1", "RE2 has no backreferences"),
        ("(ab", "missing closing )"),
        ("ab)", "unexpected )"),
        ("*a", "missing argument to repetition operator *"),
        ("a{3,2}", "repetition {3,2} has its maximum below its minimum"),
        ("a{1001}", "repetition count {1001} is above RE2's limit of 1000"),
        ("[ab", "missing closing ] in [ab"),
        ("a\\", "trailing backslash at end of expression"),
    ],
)
def test_patterns_re2_rejects(pattern: str, error: str) -> None:
    assert re2.translate(pattern).error == error


@pytest.mark.parametrize("pattern", ["a(?i)b", "\\Qa.b\\E", "[[:alpha:]]"])
def test_re2_patterns_ecmascript_cannot_express(pattern: str) -> None:
    translation = re2.translate(pattern)
    assert translation.unsupported and not translation.source and not translation.error


@pytest.mark.parametrize(
    "value, text",
    [(0.0, "0"), (1000000.0, "1000000"), (0.5, "0.5"), (1e21, "1000000000000000000000"), (-2.25, "-2.25"),
     (float("inf"), "Infinity"), (7, "7"), (True, "true")],
)
def test_rule_values_are_written_as_protovalidate_writes_them(value: object, text: str) -> None:
    assert format_number(value) == text


def _invalid_cases() -> list:
    root = repo_path(INVALID_ROOT)
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def test_invalid_cases_exist() -> None:
    assert len(_invalid_cases()) >= 4


@pytest.mark.parametrize("case", _invalid_cases())
def test_invalid_case(case: str) -> None:
    expected = (repo_path(INVALID_ROOT) / case / "expected_error.txt").read_text(encoding="utf-8")
    expected = expected.replace(INVALID_ROOT + "/", "").rstrip("\n")
    with pytest.raises(GenerationError) as info:
        _model(INVALID_ROOT, [f"{case}/{case}.proto"])
    assert str(info.value) == expected


def test_a_file_with_only_cel_rules_says_so_in_typescript(tmp_path: Path) -> None:
    from ssegen.generate import generate

    (tmp_path / "t.proto").write_text(textwrap.dedent("""\
        syntax = "proto3";
        package t;
        import "buf/validate/validate.proto";
        import "sebuf/http/annotations.proto";
        service S {
          rpc Get(M) returns (M) { option (sebuf.http.config) = {path: "/m", method: HTTP_METHOD_POST}; }
        }
        message M {
          option (buf.validate.message).cel = {id: "m.ok", expression: "true"};
          string a = 1;
        }
    """))
    request = compile_request(["t.proto"], [str(tmp_path), str(repo_path("src/protos"))], "outputs=ts_server")
    files = generate(request)["ts"]
    assert "//   - t.M: message CEL rule 'm.ok'\n" in files["t.validate.ts"]
    assert "export {};" in files["t.validate.ts"]
    assert "validate:" not in files["t.server.ts"]
