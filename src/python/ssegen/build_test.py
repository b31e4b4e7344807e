"""Unit tests of the model: ssegen.build turns descriptors into ssegen.model and checks annotations."""
from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path
from typing import Dict, Optional, Sequence

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen import build as build_module
from ssegen.build import build_model
from ssegen.generate import generate
from ssegen.descriptors import ProtocFailed, compile_request, source_reader
from ssegen.errors import GenerationError, Location
from ssegen.model import Message, Method, Model, PathSegment, Route, Service
from ssegen.options import Options
from ssegen.testing import repo_path


INVALID_ROOT = "testprojects/invalid/proto"

HEADER = """\
syntax = "proto3";
package t;
import "sebuf/http/annotations.proto";
import "sebuf/http/headers.proto";
"""


def build(
    tmp_path: Path, protos: Dict[str, str], files: Optional[Sequence[str]] = None, options: Options = Options()
) -> Model:
    """Writes the protos into tmp_path, compiles `files` (default: all) and builds the model."""
    for name, text in protos.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    request = compile_request(list(files if files is not None else protos), [str(tmp_path)], "")
    return build_model(request.proto_file, request.file_to_generate, options, source_reader([str(tmp_path)]))


def build_one(tmp_path: Path, body: str, options: Options = Options()) -> Model:
    return build(tmp_path, {"t.proto": HEADER + textwrap.dedent(body)}, options=options)


def build_error(tmp_path: Path, body: str) -> GenerationError:
    with pytest.raises(GenerationError) as info:
        build_one(tmp_path, body)
    return info.value


def method(model: Model, name: str) -> Method:
    found = [m for s in model.services for m in s.methods if m.name == name]
    assert len(found) == 1, (name, [m.full_name for s in model.services for m in s.methods])
    return found[0]


def service(model: Model, name: str) -> Service:
    found = [s for s in model.services if s.name == name]
    assert len(found) == 1
    return found[0]


def message(model: Model, full_name: str) -> Message:
    return model.messages[full_name]


EMPTY = "message Empty {}\n"


# Paths -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "style, base_path, method_name, expected",
    [
        # sebuf's Go server: an underscore before every capital; its package prefix without a base path.
        ("sebuf", "/api/v1", "GetHTTPStatus", "/api/v1/get_h_t_t_p_status"),
        ("sebuf", "/api/v1", "GetUserByID", "/api/v1/get_user_by_i_d"),
        ("sebuf", "/api/v1/", "ListItems", "/api/v1/list_items"),
        ("sebuf", "", "ListItems", "/t/list_items"),
        ("sebuf", "/", "ListItems", "/t/list_items"),
        ("sebuf", "api", "Ping", "/api/ping"),
        ("sebuf", "//api//v1//", "already_snake", "/api/v1/already_snake"),
        ("sebuf", "/a", "XMLHttpRequest2Go", "/a/x_m_l_http_request2_go"),
        # ssegen's earlier form, by words, without a prefix.
        ("words", "/api/v1", "GetHTTPStatus", "/api/v1/get_http_status"),
        ("words", "/api/v1/", "ListItems", "/api/v1/list_items"),
        ("words", "", "ListItems", "/list_items"),
        ("words", "api", "Ping", "/api/ping"),
        ("words", "//api//v1//", "already_snake", "/api/v1/already_snake"),
        ("words", "/a", "XMLHttpRequest2Go", "/a/xml_http_request2_go"),
    ],
)
def test_default_path(tmp_path: Path, style: str, base_path: str, method_name: str, expected: str) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          option (sebuf.http.service_config) = {{base_path: "{base_path}"}};
          rpc {method_name}(Empty) returns (Empty) {{
            option (sebuf.http.config) = {{method: HTTP_METHOD_POST}};
          }}
        }}
        {EMPTY}
        """,
        Options(default_path_style=style),
    )
    route = method(model, method_name).route
    assert route.path == expected
    assert route.verb == "POST"
    assert route.path_params == ()
    assert "//" not in route.path


@pytest.mark.parametrize(
    "go_package, package, expected",
    [
        ('option go_package = "example.com/gen/shopv1;shop";', "shop.v1", "/shop/do_thing"),
        ('option go_package = "example.com/gen/shopv1";', "shop.v1", "/shopv1/do_thing"),
        ("", "shop.v1", "/shop_v1/do_thing"),
    ],
)
def test_sebuf_default_path_prefix_is_the_go_package_name(
    tmp_path: Path, go_package: str, package: str, expected: str
) -> None:
    text = f"""\
        syntax = "proto3";
        package {package};
        {go_package}
        service S {{ rpc DoThing(Empty) returns (Empty); }}
        {EMPTY}
        """
    model = build(tmp_path, {"t.proto": text})
    assert method(model, "DoThing").route.path == expected


def test_default_path_without_service_config(tmp_path: Path) -> None:
    model = build_one(tmp_path, f"service S {{ rpc DoThing(Empty) returns (Empty); }}\n{EMPTY}")
    assert method(model, "DoThing").route.path == "/t/do_thing"
    assert service(model, "S").base_path == ""
    words = build_one(tmp_path, f"service S {{ rpc DoThing(Empty) returns (Empty); }}\n{EMPTY}", Options(default_path_style="words"))
    assert method(words, "DoThing").route.path == "/do_thing"


@pytest.mark.parametrize(
    "base_path, path, expected",
    [
        ("/api/v1", "/items", "/api/v1/items"),
        ("/api/v1/", "/items", "/api/v1/items"),
        ("/api/v1", "items/", "/api/v1/items"),
        ("/api/v1/", "//items//{id}//", "/api/v1/items/{id}"),
        ("", "/items/{id}", "/items/{id}"),
        ("", "/", "/"),
        ("/api", "/", "/api"),
    ],
)
def test_explicit_path_joins_segments_with_one_slash(tmp_path: Path, base_path: str, path: str, expected: str) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          option (sebuf.http.service_config) = {{base_path: "{base_path}"}};
          rpc M(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "{path}" method: HTTP_METHOD_POST}};
          }}
        }}
        message Req {{ string id = 1; }}
        {EMPTY}
        """,
    )
    route = method(model, "M").route
    assert route.path == expected
    # Segments hold the base path's and the path's parts, variables marked.
    rebuilt = "/" + "/".join("{%s}" % s.text if s.is_variable else s.text for s in route.segments)
    assert rebuilt == expected


def test_segments_and_path_params(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          option (sebuf.http.service_config) = {{base_path: "/api"}};
          rpc M(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "/venues/{{venue}}/items/{{item_id}}" method: HTTP_METHOD_GET}};
          }}
        }}
        enum Venue {{ VENUE_UNSPECIFIED = 0; VENUE_X = 1; }}
        message Req {{ string item_id = 1; Venue venue = 2; }}
        {EMPTY}
        """,
    )
    route = method(model, "M").route
    assert [(s.text, s.is_variable) for s in route.segments] == [
        ("api", False), ("venues", False), ("venue", True), ("items", False), ("item_id", True)
    ]
    # In path order, each bound to the request field of the same name.
    assert [p.name for p in route.path_params] == ["venue", "item_id"]
    assert [p.field.name for p in route.path_params] == ["venue", "item_id"]
    assert route.path_params[0].field.is_enum
    assert route.path_params[0].field.type_name == "t.Venue"
    assert route.path_params[1].field.type == "string"
    assert route.query_params == ()


# Verbs, bodies, streaming ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, verb, has_body",
    [
        ("method: HTTP_METHOD_GET", "GET", False),
        ("method: HTTP_METHOD_POST", "POST", True),
        ("method: HTTP_METHOD_PUT", "PUT", True),
        ("method: HTTP_METHOD_DELETE", "DELETE", False),
        ("method: HTTP_METHOD_PATCH", "PATCH", True),
        ("method: HTTP_METHOD_UNSPECIFIED", "POST", True),
        ("path: \"/x\"", "POST", True),  # no method given: UNSPECIFIED, i.e. POST
    ],
)
def test_verbs_and_bodies(tmp_path: Path, option: str, verb: str, has_body: bool) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          rpc M(Empty) returns (Empty) {{ option (sebuf.http.config) = {{{option}}}; }}
        }}
        {EMPTY}
        """,
    )
    route = method(model, "M").route
    assert route.verb == verb
    assert route.has_body is has_body


def test_no_config_is_post_on_default_path(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          option (sebuf.http.service_config) = {{base_path: "/svc"}};
          rpc GetServerTime(Req) returns (Empty);
        }}
        message Req {{ string zone = 1; int64 at = 2; }}
        {EMPTY}
        """,
    )
    m = method(model, "GetServerTime")
    assert m.route.verb == "POST"
    assert m.route.path == "/svc/get_server_time"
    assert m.route.has_body
    assert m.streaming is False
    assert m.route.path_params == ()
    assert m.route.query_params == ()
    assert m.headers == ()


def test_streaming_detection(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          rpc ByOption(Empty) returns (Event) {{
            option (sebuf.http.config) = {{path: "/a" method: HTTP_METHOD_GET stream: true}};
          }}
          rpc ByProto(Empty) returns (stream Event) {{
            option (sebuf.http.config) = {{path: "/b" method: HTTP_METHOD_GET}};
          }}
          rpc ByProtoNoConfig(Empty) returns (stream Event);
          rpc Both(Empty) returns (stream Event) {{
            option (sebuf.http.config) = {{path: "/d" stream: true}};
          }}
          rpc Unary(Empty) returns (Event) {{
            option (sebuf.http.config) = {{path: "/e" stream: false}};
          }}
          rpc UnaryNoConfig(Empty) returns (Event);
        }}
        message Event {{ string text = 1; }}
        {EMPTY}
        """,
    )
    assert method(model, "ByOption").streaming is True
    assert method(model, "ByProto").streaming is True
    assert method(model, "ByProtoNoConfig").streaming is True
    assert method(model, "Both").streaming is True
    assert method(model, "Unary").streaming is False
    assert method(model, "UnaryNoConfig").streaming is False
    # A streaming method's verb and binding follow the same rules as a unary one.
    assert method(model, "ByOption").route.verb == "GET"
    assert method(model, "ByProtoNoConfig").route.verb == "POST"
    assert method(model, "ByProtoNoConfig").route.path == "/t/by_proto_no_config"
    assert method(model, "Both").route.verb == "POST"
    # Each event carries one response message.
    assert method(model, "ByProto").response.full_name == "t.Event"


# Query parameters --------------------------------------------------------------------------------


def test_query_params(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          rpc List(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "/items/{{shelf}}" method: HTTP_METHOD_GET}};
          }}
        }}
        enum Kind {{ KIND_UNSPECIFIED = 0; KIND_A = 1; }}
        message Req {{
          string shelf = 1;
          int32 page_size = 2 [(sebuf.http.query) = {{}}];
          string page_token = 3 [(sebuf.http.query) = {{name: "token" required: true}}];
          repeated string tags = 4 [(sebuf.http.query) = {{name: "tag"}}];
          repeated Kind kinds = 5 [(sebuf.http.query) = {{name: "kind" required: true}}];
          bool verbose = 6 [(sebuf.http.query) = {{name: ""}}];
        }}
        {EMPTY}
        """,
    )
    route = method(model, "List").route
    # In field order; the name defaults to the field name.
    assert [(q.name, q.field.name, q.required, q.field.repeated) for q in route.query_params] == [
        ("page_size", "page_size", False, False),
        ("token", "page_token", True, False),
        ("tag", "tags", False, True),
        ("kind", "kinds", True, True),
        ("verbose", "verbose", False, False),
    ]
    assert route.query_params[3].field.is_enum
    assert [p.name for p in route.path_params] == ["shelf"]
    req = message(model, "t.Req")
    assert req.field_named("shelf").query_name == ""
    assert req.field_named("page_token").query_name == "token"
    assert req.field_named("page_token").query_required is True
    assert req.field_named("page_size").query_required is False


def test_query_params_on_a_body_verb(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          rpc Put(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "/items/{{id}}" method: HTTP_METHOD_PUT}};
          }}
        }}
        message Req {{
          string id = 1;
          bool dry_run = 2 [(sebuf.http.query) = {{name: "dry_run"}}];
          string payload = 3;
        }}
        {EMPTY}
        """,
    )
    route = method(model, "Put").route
    assert route.has_body
    assert [p.name for p in route.path_params] == ["id"]
    assert [q.name for q in route.query_params] == ["dry_run"]


def test_get_with_every_field_bound_is_valid(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          rpc Get(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "/items/{{id}}" method: HTTP_METHOD_GET}};
          }}
          rpc Delete(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "/items/{{id}}" method: HTTP_METHOD_DELETE}};
          }}
        }}
        message Req {{
          string id = 1;
          repeated int64 versions = 2 [(sebuf.http.query) = {{}}];
        }}
        {EMPTY}
        """,
    )
    assert method(model, "Get").route.has_body is False
    assert method(model, "Delete").route.has_body is False
    assert method(model, "Get").route.path == method(model, "Delete").route.path == "/items/{id}"


# Headers -----------------------------------------------------------------------------------------


def test_headers_merge_method_wins_case_insensitive_sorted(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          option (sebuf.http.service_headers) = {{
            required_headers: [
              {{name: "X-Tenant" description: "service tenant" required: true}},
              {{name: "x-request-id" description: "service id" type: "string" format: "uuid"}},
              {{name: "Authorization" description: "auth" example: "Bearer x" deprecated: true}}
            ]
          }};
          rpc A(Empty) returns (Empty) {{
            option (sebuf.http.method_headers) = {{
              required_headers: [
                {{name: "X-Request-ID" description: "method id" required: true}},
                {{name: "X-Count" type: "integer"}},
                {{name: "x-tags" type: "array"}}
              ]
            }};
          }}
          rpc B(Empty) returns (Empty);
        }}
        {EMPTY}
        """,
    )
    a = method(model, "A").headers
    # Sorted by name, case-insensitively; method specs replace service specs of the same name.
    assert [h.name for h in a] == ["Authorization", "X-Count", "X-Request-ID", "x-tags", "X-Tenant"]
    by_name = {h.name.lower(): h for h in a}
    request_id = by_name["x-request-id"]
    assert (request_id.description, request_id.required, request_id.format) == ("method id", True, "")
    assert by_name["x-count"].type == "integer"
    assert by_name["x-tags"].type == "array"
    assert by_name["x-tenant"].type == "string"  # empty type means string
    assert by_name["x-tenant"].required is True
    auth = by_name["authorization"]
    assert (auth.example, auth.deprecated, auth.required) == ("Bearer x", True, False)

    b = method(model, "B").headers
    assert [h.name for h in b] == ["Authorization", "x-request-id", "X-Tenant"]
    assert {h.name: h.description for h in b}["x-request-id"] == "service id"
    assert {h.name: h.format for h in b}["x-request-id"] == "uuid"


def test_method_headers_without_service_headers(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        f"""
        service S {{
          rpc A(Empty) returns (Empty) {{
            option (sebuf.http.method_headers) = {{
              required_headers: [{{name: "X-B"}}, {{name: "X-A" type: "boolean" required: true}}]
            }};
          }}
        }}
        {EMPTY}
        """,
    )
    headers = method(model, "A").headers
    assert [(h.name, h.type, h.required) for h in headers] == [("X-A", "boolean", True), ("X-B", "string", False)]


def test_header_specified_twice_is_an_error(tmp_path: Path) -> None:
    error = build_error(
        tmp_path,
        f"""
        service S {{
          option (sebuf.http.service_headers) = {{
            required_headers: [{{name: "X-A"}}, {{name: "x-a"}}]
          }};
          rpc A(Empty) returns (Empty);
        }}
        {EMPTY}
        """,
    )
    assert len(error.problems) == 1
    assert "header 'x-a' is specified twice." in str(error)
    assert "service t.S" in str(error)


# Comments ----------------------------------------------------------------------------------------


def test_comments(tmp_path: Path) -> None:
    model = build_one(
        tmp_path,
        """
        // Detached comments are not documentation.

        // The service.
        //
        // Second paragraph,
        //   indented line.
        service S {
          // Leading comment of M.
          rpc M(Req) returns (Res); // Trailing comment of M is ignored.
          rpc N(Req) returns (Res); // Trailing comment of N.
          rpc O(Req) returns (Res);
        }

        /* A block
         * comment. */
        message Req {
          // Leading wins.
          string a = 1; // over trailing.
          string b = 2; // Trailing only.
          string c = 3;
          // Line one
          // line two.
          string d = 4;
          oneof choice {
            string e = 5;
          }
        }

        // The kind.
        enum Kind {
          // Nothing.
          KIND_UNSPECIFIED = 0;
          KIND_A = 1; // The A.
          KIND_B = 2;
        }

        message Res { Kind kind = 1; }
        """,
    )
    s = service(model, "S")
    assert s.comment == "The service.\n\nSecond paragraph,\n  indented line."
    assert method(model, "M").comment == "Leading comment of M."
    assert method(model, "N").comment == "Trailing comment of N."
    assert method(model, "O").comment == ""
    req = message(model, "t.Req")
    assert req.field_named("a").comment == "Leading wins."
    assert req.field_named("b").comment == "Trailing only."
    assert req.field_named("c").comment == ""
    assert req.field_named("d").comment == "Line one\nline two."
    assert "A block" in req.comment and "comment." in req.comment
    kind = model.enums["t.Kind"]
    assert kind.comment == "The kind."
    assert [v.comment for v in kind.values] == ["Nothing.", "The A.", ""]


# Fields and types --------------------------------------------------------------------------------


FIELDS_PROTO = """
    service S { rpc M(Outer) returns (Outer); }

    enum Top { TOP_UNSPECIFIED = 0; TOP_A = 1; }

    message Outer {
      message Inner {
        enum Kind { KIND_UNSPECIFIED = 0; KIND_X = 1; }
        message Deepest { Kind kind = 1; }
        Kind kind = 1;
        Deepest deepest = 2;
      }
      string order_id = 1;
      int64 amount_minor = 2 [json_name = "amount"];
      map<string, Inner> inners = 3;
      map<int64, Top> tops = 4;
      map<bool, string> flags = 5;
      oneof choice {
        string by_name = 6;
        Inner by_inner = 7;
      }
      optional int32 limit = 8;
      repeated Inner.Kind kinds = 9;
      Inner.Deepest deepest = 10;
      bytes blob = 11 [deprecated = true, (sebuf.http.field_examples) = {values: ["AAE=", "AgM="]}];
      oneof other {
        bool flag = 12;
      }
      uint64 big = 13;
      double ratio = 14;
    }
"""


def test_fields(tmp_path: Path) -> None:
    model = build_one(tmp_path, FIELDS_PROTO)
    outer = message(model, "t.Outer")
    f = {x.name: x for x in outer.fields}
    assert [x.name for x in outer.fields] == [
        "order_id", "amount_minor", "inners", "tops", "flags", "by_name", "by_inner", "limit", "kinds", "deepest",
        "blob", "flag", "big", "ratio",
    ]
    assert [x.number for x in outer.fields] == list(range(1, 15))

    # json_name: protoc's default lowerCamelCase, or the explicit option.
    assert f["order_id"].json_name == "orderId"
    assert f["amount_minor"].json_name == "amount"
    assert f["by_inner"].json_name == "byInner"

    # Scalars.
    assert (f["order_id"].type, f["order_id"].type_name, f["order_id"].is_scalar) == ("string", "", True)
    assert f["amount_minor"].type == "int64"
    assert f["big"].type == "uint64"
    assert f["ratio"].type == "double"
    assert f["blob"].type == "bytes"
    assert f["blob"].deprecated is True
    assert f["blob"].examples == ("AAE=", "AgM=")
    assert f["order_id"].examples == ()

    # Maps: not repeated, no type name, key and value pseudo-fields.
    inners = f["inners"]
    assert (inners.type, inners.is_map, inners.repeated, inners.type_name) == ("map", True, False, "")
    assert (inners.map_key.type, inners.map_key.type_name) == ("string", "")
    assert (inners.map_value.type, inners.map_value.type_name) == ("message", "t.Outer.Inner")
    tops = f["tops"]
    assert (tops.map_key.type, tops.map_value.type, tops.map_value.type_name) == ("int64", "enum", "t.Top")
    flags = f["flags"]
    assert (flags.map_key.type, flags.map_value.type) == ("bool", "string")
    assert f["order_id"].map_key is None and f["order_id"].map_value is None

    # Oneofs: members know their oneof; the message lists real oneofs only (not proto3 optional's).
    assert f["by_name"].oneof == "choice"
    assert f["by_inner"].oneof == "choice"
    assert f["flag"].oneof == "other"
    assert f["order_id"].oneof == ""
    assert [(o.name, o.field_names) for o in outer.oneofs] == [
        ("choice", ("by_name", "by_inner")), ("other", ("flag",))
    ]

    # proto3 optional: explicit presence, no oneof.
    assert f["limit"].optional is True
    assert f["limit"].oneof == ""
    assert f["order_id"].optional is False
    assert f["by_name"].optional is False

    # Repeated, nested enums and messages with full names.
    assert (f["kinds"].repeated, f["kinds"].type, f["kinds"].type_name) == (True, "enum", "t.Outer.Inner.Kind")
    assert (f["deepest"].type, f["deepest"].type_name, f["deepest"].repeated) == ("message", "t.Outer.Inner.Deepest", False)
    assert f["by_inner"].is_message

    inner = message(model, "t.Outer.Inner")
    assert inner.name == "Inner"
    assert inner.full_name == "t.Outer.Inner"
    assert inner.file == "t.proto"
    deepest = message(model, "t.Outer.Inner.Deepest")
    assert deepest.name == "Deepest"
    assert deepest.fields[0].type_name == "t.Outer.Inner.Kind"
    kind = model.enums["t.Outer.Inner.Kind"]
    assert (kind.name, kind.full_name) == ("Kind", "t.Outer.Inner.Kind")
    assert [(v.name, v.number) for v in kind.values] == [("KIND_UNSPECIFIED", 0), ("KIND_X", 1)]

    # Map entries are not messages of their own.
    assert not any("Entry" in name for name in model.messages if name.startswith("t."))
    proto_file = model.files[0]
    assert proto_file.name == "t.proto"
    assert proto_file.package == "t"
    assert set(proto_file.message_names) == {"t.Outer", "t.Outer.Inner", "t.Outer.Inner.Deepest"}
    assert set(proto_file.enum_names) == {"t.Top", "t.Outer.Inner.Kind"}


def test_reachable_types(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "lib/common.proto": """
                syntax = "proto3";
                package lib;
                import "google/protobuf/struct.proto";
                enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }
                message Shared { Color color = 1; google.protobuf.Struct extra = 2; }
                message Unused { string x = 1; }
            """,
            "api.proto": """
                syntax = "proto3";
                package api;
                import "google/protobuf/timestamp.proto";
                import "google/protobuf/wrappers.proto";
                import "lib/common.proto";
                service S {
                  rpc M(Req) returns (Res);
                }
                enum Unreached { UNREACHED_UNSPECIFIED = 0; }
                message Req {
                  map<string, ByMap> by_map = 1;
                  map<string, MapEnum> enum_by_map = 2;
                  google.protobuf.Timestamp at = 3;
                  Node tree = 4;
                }
                message ByMap { lib.Shared shared = 1; }
                enum MapEnum { MAP_ENUM_UNSPECIFIED = 0; }
                message Node { repeated Node children = 1; google.protobuf.StringValue label = 2; }
                message Res { repeated lib.Shared items = 1; }
                message Lonely { Unreached u = 1; }
            """,
        },
        files=["api.proto"],
    )
    messages, enums = model.reachable_types(("api.Req",))
    assert messages == (
        "api.ByMap", "api.Node", "api.Req", "google.protobuf.StringValue", "google.protobuf.Struct",
        "google.protobuf.Timestamp", "lib.Shared",
    )
    # Well-known types are leaves: Struct's google.protobuf.Value and NullValue are not reported.
    assert enums == ("api.MapEnum", "lib.Color")
    assert model.reachable_types(("api.Res",)) == (
        ("api.Res", "google.protobuf.Struct", "lib.Shared"), ("lib.Color",)
    )
    assert model.reachable_types(("api.Req", "api.Res"))[0] == tuple(sorted(set(messages) | {"api.Res"}))
    assert model.reachable_types(()) == ((), ())
    # Imports are modelled too, but only the requested files are generated.
    assert [f.name for f in model.files] == ["api.proto"]
    assert "lib.Unused" in model.messages
    assert message(model, "lib.Shared").file == "lib/common.proto"


def test_services_of_the_requested_files_only_in_request_order(tmp_path: Path) -> None:
    common = HEADER.replace("package t;", "package t.common;") + f"""
        service CommonService {{ rpc Ping(Empty) returns (Empty); }}
        {EMPTY}
    """
    def api(name: str) -> str:
        return HEADER + f"""
            import "common.proto";
            service {name}Service {{
              option (sebuf.http.service_config) = {{base_path: "/{name.lower()}"}};
              rpc Ping(t.common.Empty) returns (t.common.Empty);
            }}
        """
    model = build(
        tmp_path, {"common.proto": common, "b.proto": api("B"), "a.proto": api("A")}, files=["b.proto", "a.proto"]
    )
    assert [f.name for f in model.files] == ["b.proto", "a.proto"]
    assert [s.full_name for s in model.services] == ["t.BService", "t.AService"]
    assert [m.full_name for s in model.services for m in s.methods] == ["t.BService.Ping", "t.AService.Ping"]
    s = service(model, "BService")
    assert (s.package, s.file, s.base_path) == ("t", "b.proto", "/b")
    assert s.methods[0].service_name == "BService"
    assert s.methods[0].request.full_name == "t.common.Empty"


def test_several_problems_are_reported_together_in_file_order(tmp_path: Path) -> None:
    error = build_error(
        tmp_path,
        f"""
        service S {{
          rpc A(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "/a/{{missing}}" method: HTTP_METHOD_POST}};
          }}
          rpc B(Req) returns (Empty) {{
            option (sebuf.http.config) = {{path: "/b" method: HTTP_METHOD_GET}};
          }}
        }}
        message Req {{ string id = 1; }}
        {EMPTY}
        """,
    )
    assert len(error.problems) == 2
    assert [p.subject for p in error.problems] == ["method t.S.A", "method t.S.B, field t.Req.id"]
    lines = [p.location.line for p in error.problems]
    assert lines == sorted(lines)
    assert all(p.location.file == "t.proto" for p in error.problems)


# Invalid test projects ---------------------------------------------------------------------------


def _invalid_cases() -> list:
    root = repo_path(INVALID_ROOT)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_invalid_cases_exist_and_have_expected_errors() -> None:
    cases = _invalid_cases()
    assert cases, f"no cases found in {repo_path(INVALID_ROOT)}"
    for case in cases:
        case_dir = repo_path(f"{INVALID_ROOT}/{case}")
        assert (case_dir / "expected_error.txt").is_file(), f"{case} has no expected_error.txt"
        assert (case_dir / f"{case}.proto").is_file(), f"{case} has no {case}.proto"


@pytest.mark.parametrize("case", _invalid_cases())
def test_invalid_case(case: str, capfd: pytest.CaptureFixture) -> None:
    root = repo_path(INVALID_ROOT)
    expected = (root / case / "expected_error.txt").read_text(encoding="utf-8")
    # The expected text names repo paths; the library names import paths (relative to the root).
    expected = expected.replace(INVALID_ROOT + "/", "").rstrip("\n")
    assert expected, f"{case}/expected_error.txt is empty"
    try:
        request = compile_request([f"{case}/{case}.proto"], [str(root)], "")
    except ProtocFailed:
        # protoc itself rejected the file and printed its messages (to the process's stderr).
        printed = capfd.readouterr().err
        assert printed.rstrip("\n") == expected
        return
    with pytest.raises(GenerationError) as info:
        build_model(request.proto_file, request.file_to_generate, read_source=source_reader([str(root)]))
    assert str(info.value) == expected
    assert len(info.value.problems) == expected.count(": error: ")


def _cases_table() -> Dict[str, int]:
    """Case -> line, from the table of testprojects/invalid/CASES.md."""
    text = repo_path("testprojects/invalid/CASES.md").read_text(encoding="utf-8")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `(\w+)` \|.*\| (\d+) \|$", text, re.MULTILINE)}


def test_cases_md_agrees_with_the_expected_errors() -> None:
    table = _cases_table()
    # The annotation cases (proto/) and the buf.validate ones (validate/), each in its own folder.
    root = repo_path(".")
    folders = {p.name: p.parent.relative_to(root).as_posix() for p in root.glob("testprojects/invalid/*/*") if p.is_dir()}
    assert sorted(table) == sorted(folders), "CASES.md lists other cases than testprojects/invalid holds"
    wrong = {}
    for case, line in table.items():
        folder = folders[case]
        expected = repo_path(f"{folder}/{case}/expected_error.txt").read_text(encoding="utf-8")
        match = re.match(rf"{re.escape(folder)}/{case}/{case}\.proto:(\d+)", expected)
        assert match, f"{case}/expected_error.txt names no line of {case}.proto"
        if int(match.group(1)) != line:
            wrong[case] = (line, int(match.group(1)))
    assert not wrong, f"CASES.md line vs expected_error.txt line: {wrong}"



# Route conflicts, indexed ---------------------------------------------------------------------------


def _route(verb: str, path: str) -> Route:
    segments = tuple(
        PathSegment(s[1:-1], True) if s.startswith("{") else PathSegment(s, False) for s in path.split("/") if s
    )
    return Route(verb, path, segments, (), (), verb in ("POST", "PUT", "PATCH"), Location("t.proto"))


def test_route_conflicts_equal_the_pairwise_check() -> None:
    rng = random.Random(7)
    texts = ["a", "b", "{x}", "{y}"]
    for _ in range(200):
        routes = [
            _route(rng.choice(["GET", "POST"]), "/" + "/".join(rng.choice(texts) for _ in range(rng.randint(0, 3))))
            for _ in range(rng.randint(1, 12))
        ]
        pairwise = [
            (i, j, o)
            for i in range(len(routes))
            for j in range(i + 1, len(routes))
            for o in [build_module._overlap(routes[i], routes[j])]
            if o is not None
        ]
        assert build_module.route_conflicts(routes) == pairwise, [r.path for r in routes]


def test_route_conflicts_compare_only_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    # 5,000 routes of one verb and length: the pairwise check made 12.5 million comparisons.
    calls = []
    original = build_module._overlap
    monkeypatch.setattr(build_module, "_overlap", lambda a, b: calls.append(1) or original(a, b))
    routes = [_route("POST", f"/svc{i % 50}/method_{i}") for i in range(5000)]
    routes.append(_route("POST", "/svc1/{name}"))
    conflicts = build_module.route_conflicts(routes)
    assert conflicts == []  # a literal segment is more specific than {name}
    assert len(calls) <= 2 * len(routes)


def test_same_route_in_two_services_is_a_warning(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    body = """
        service ItemService {
          option (sebuf.http.service_config) = {base_path: "/api"};
          rpc GetItem(Req) returns (Empty) { option (sebuf.http.config) = {path: "/v1/items/{id}" method: HTTP_METHOD_GET}; }
        }
        service ItemAdminService {
          option (sebuf.http.service_config) = {base_path: "/api/v1"};
          rpc GetItem(Req) returns (Empty) { option (sebuf.http.config) = {path: "/items/{id}" method: HTTP_METHOD_GET}; }
        }
        message Req { string id = 1; }
        """ + EMPTY
    model = build_one(tmp_path, body)
    assert [m.route.path for s in model.services for m in s.methods] == ["/api/v1/items/{id}"] * 2
    (warning,) = model.warnings
    assert str(warning).startswith("t.proto:12:")
    assert ": warning: method t.ItemAdminService.GetItem: GET /api/v1/items/{id} is also the route of t.ItemService.GetItem" in str(warning)
    assert "different muxes or routers" in str(warning)
    # generate() reports it on stderr, where protoc and the Pants rule pass it on, and goes on.
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "t.proto").write_text(HEADER + textwrap.dedent(body))
    outputs = generate(compile_request(["t.proto"], [str(tmp_path / "w")], "outputs=openapi"))
    assert outputs["openapi"]
    assert ": warning: method t.ItemAdminService.GetItem" in capfd.readouterr().err


def test_same_route_in_one_service_stays_an_error(tmp_path: Path) -> None:
    error = build_error(tmp_path, """
        service ItemService {
          rpc GetItem(Req) returns (Empty) { option (sebuf.http.config) = {path: "/items/{id}" method: HTTP_METHOD_GET}; }
          rpc FetchItem(Req) returns (Empty) { option (sebuf.http.config) = {path: "/items/{id}" method: HTTP_METHOD_GET}; }
        }
        message Req { string id = 1; }
        """ + EMPTY)
    assert ": error: method t.ItemService.FetchItem: GET /items/{id} is also the route of t.ItemService.GetItem" in str(error)
