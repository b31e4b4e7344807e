"""Finding a field inside an option's text-format value (ssegen.option_text)."""
from __future__ import annotations

import textwrap

from ssegen.option_text import value_position

TEXT = textwrap.dedent(
    """\
    service S {
      option (sebuf.http.service_headers) = {
        // a comment with path: in it
        required_headers: [
          { name: "X-A" type: "string" },
          {
            name: "X-B"
    \ttype: "int"
          }
        ]
        required_headers { name: "X-C" }
      };
      rpc M(Req) returns (Res) {
        option (sebuf.http.config) = {path: "/a/" "{b}" method: HTTP_METHOD_GET};
      }
    }
    message Req {
      string b = 1 [deprecated = true, (sebuf.http.query) = {name: "bee" sub <k: 1>}];
    }
    """
)


def test_finds_fields_of_repeated_messages_in_lists_and_repeated_occurrences() -> None:
    assert value_position(TEXT, 2, 3, ["required_headers", 0, "type"]) == (5, 21)
    assert value_position(TEXT, 2, 3, ["required_headers", 1, "name"]) == (7, 9)
    # A tab advances to the next multiple of 8, as protoc counts columns.
    assert value_position(TEXT, 2, 3, ["required_headers", 1, "type"]) == (8, 9)
    assert value_position(TEXT, 2, 3, ["required_headers", 2, "name"]) == (11, 24)
    assert value_position(TEXT, 2, 3, ["required_headers", 3, "name"]) is None


def test_finds_fields_on_the_option_line_after_concatenated_strings() -> None:
    assert value_position(TEXT, 14, 5, ["path"]) == (14, 35)
    assert value_position(TEXT, 14, 5, ["method"]) == (14, 53)


def test_finds_a_named_option_among_a_fields_options() -> None:
    assert value_position(TEXT, 18, 3, ["name"], option="sebuf.http.query") == (18, 58)
    assert value_position(TEXT, 18, 3, ["sub", "k"], option="sebuf.http.query") == (18, 75)


def test_no_position_when_the_field_or_the_option_is_absent() -> None:
    assert value_position(TEXT, 14, 5, ["body"]) is None
    # The field has no such option: the search stops at the end of its statement.
    assert value_position(TEXT, 18, 3, ["name"], option="sebuf.http.config") is None
    # Not an aggregate value, or a position past the end of the text.
    assert value_position("option java_package = \"x\";\n", 1, 1, ["path"]) is None
    assert value_position(TEXT, 99, 1, ["path"]) is None
