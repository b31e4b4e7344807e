"""Unit tests of the Go renderer: names, layout, imports and the errors it reports.

Compiling and running the generated Go is the Go harness's job; these tests pin what the renderer
decides.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Sequence

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen import golang, golayout
from ssegen.descriptors import compile_request
from ssegen.errors import GenerationError
from ssegen.generate import generate
from ssegen.testing import JSON_MAPPING_PROJECT, repo_path
from ssegen.version import __version__

MARKET = "testprojects/market_data/proto"
MULTI = "testprojects/multi_package/proto"
JSON_MAPPING = JSON_MAPPING_PROJECT
GO_OUTPUTS = "outputs=go_server,outputs=go_client"


def render(root: Path, files: Sequence[str], parameter: str = GO_OUTPUTS) -> Dict[str, str]:
    return generate(compile_request(list(files), [str(root)], parameter)).get("go", {})


def render_protos(tmp_path: Path, protos: Dict[str, str], parameter: str = GO_OUTPUTS) -> Dict[str, str]:
    for name, text in protos.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return render(tmp_path, sorted(protos), parameter)


def problems(tmp_path: Path, protos: Dict[str, str]) -> str:
    with pytest.raises(GenerationError) as e:
        render_protos(tmp_path, protos)
    return str(e.value)


def proto(package: str, go_package: str, body: str, imports: Sequence[str] = ()) -> str:
    lines = ['syntax = "proto3";', f"package {package};", 'import "sebuf/http/annotations.proto";']
    lines += [f'import "{i}";' for i in imports]
    if go_package:
        lines.append(f'option go_package = "{go_package}";')
    return "\n".join(lines + [body, ""])


PING = """
message PingRequest {}
message PingResponse {}
"""


def declarations(text: str) -> List[str]:
    return re.findall(r"^(?:func|type) (\w+)", text, re.MULTILINE)


# Names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "proto_name, go_name",
    [
        # Checked against the type names protoc-gen-go v1.36 generates.
        ("foo_bar", "FooBar"),
        ("foo_bar.inner_msg", "FooBarInnerMsg"),
        ("foo_bar.inner_msg._deep", "FooBarInnerMsg_XDeep"),
        ("_Lead", "XLead"),
        ("HTTPServer2x", "HTTPServer2X"),
        ("HTTPServer2x.a1b_c", "HTTPServer2XA1BC"),
        ("Snake_Case_X", "Snake_Case_X"),
        ("OrderBook.Level", "OrderBook_Level"),
        ("lower", "Lower"),
    ],
)
def test_go_camel_case_follows_protoc_gen_go(proto_name: str, go_name: str) -> None:
    assert golang.go_camel_case(proto_name) == go_name


@pytest.mark.parametrize(
    "header, suffix",
    [
        ("X-API-Key", "APIKey"),
        ("X-Request-ID", "RequestID"),
        ("x-request-id", "RequestId"),
        ("Authorization", "Authorization"),
        ("X-Client.Version_2", "ClientVersion2"),
        ("X-", "X"),
    ],
)
def test_header_option_suffix(header: str, suffix: str) -> None:
    assert golang.header_option_suffix(header) == suffix


@pytest.mark.parametrize(
    "option, import_path, name",
    [
        ("example.com/x/marketv1;marketv1", "example.com/x/marketv1", "marketv1"),
        ("example.com/x/marketv1", "example.com/x/marketv1", "marketv1"),
        ("example.com/x/market-data", "example.com/x/market-data", "market_data"),
        ("example.com/x/2fa", "example.com/x/2fa", "_2fa"),
        ("example.com/x/go", "example.com/x/go", "_go"),
        ("example.com/x/v1;", "example.com/x/v1", "v1"),
    ],
)
def test_parse_go_package(option: str, import_path: str, name: str) -> None:
    assert golayout.parse_go_package(option) == golayout.GoPackage(import_path, name)
    assert golayout.parse_go_package("") is None


@pytest.mark.parametrize(
    "source, import_path",
    [
        ('option go_package = "example.com/x/chatv1";\nservice Chat {}', "example.com/x/chatv1/chatv1http"),
        ("service Chat {\n}\n  option  go_package='example.com/x/v1;chatv1' ;", "example.com/x/v1/chatv1http"),
        ('option go_package = "example.com/x/chatv1";\nmessage Chat {}', None),  # no service: nothing generated
        ("service Chat {}", None),  # no go_package: the generator reports it
    ],
)
def test_generated_go_package(source: str, import_path: str) -> None:
    """The Pants Go integration reads the generated package's import path from the proto text."""
    package = golayout.generated_go_package(source)
    assert (package.http_import_path if package else None) == import_path


def test_go_quote_escapes_what_go_needs() -> None:
    assert golang.go_quote('a"b\\c\n\t\x00\u2028é') == '"a\\"b\\\\c\\n\\t\\u0000\\u2028é"'


def test_runtime_names_are_read_from_the_templates() -> None:
    for name in ("SSESender", "EventStream", "newSSEDecoder", "sseDecoder", "serverRoute", "ContentTypeJSON",
                 "errStreamClosed", "FieldViolation", "NewAPIError", "WithCallMaxEventSize"):
        assert name in golang.runtime_names()
    assert "Error" not in golang.runtime_names()  # a method, not a declaration of the package


# Doc comments -----------------------------------------------------------------------------------


def test_doc_comment_unindents_and_collapses_blank_lines() -> None:
    text = golang.doc_comment(["Summary.", "  indented\n\tcode\n\n\n\nlast  \n"])
    assert text == "// Summary.\n//\n// indented\n// code\n//\n// last"


def test_doc_comment_writes_headings_as_gofmt_does() -> None:
    text = golang.doc_comment(["Summary.", "Intro.\n\nDetails\n\nBody.\n\n#\tTabbed"])
    assert text.split("\n") == ["// Summary.", "//", "// Intro.", "//", "// # Details", "//", "// Body.",
                                "//", "// # Tabbed"]
    # A lone capitalised line is no heading when punctuated or last.
    assert "# " not in golang.doc_comment(["Summary.", "Intro.\n\nSee below:\n\nEnd"])


def test_doc_comment_keeps_link_definitions_in_place() -> None:
    text = golang.doc_comment(["Summary.", "See [spec].\n\n[spec]: https://example.com\n\nMore."])
    assert text.split("\n") == ["// Summary.", "//", "// See [spec].", "// [spec]: https://example.com", "//",
                                "// More."]


def test_doc_comment_indent_and_unsafe_characters() -> None:
    assert golang.doc_comment(["A\x00b\ufeff."], indent="\t") == "\t// Ab."


# Layout -----------------------------------------------------------------------------------------


def test_market_data_layout() -> None:
    files = render(repo_path(MARKET), ["market/v1/market_data.proto"])
    assert sorted(files) == [
        "market/v1/marketv1http/market_data_client.ssegen.go",
        "market/v1/marketv1http/market_data_server.ssegen.go",
        "market/v1/marketv1http/ssegen_client.go",
        "market/v1/marketv1http/ssegen_errors.go",
        "market/v1/marketv1http/ssegen_json.go",
        "market/v1/marketv1http/ssegen_server.go",
    ]
    for path, text in files.items():
        assert text.startswith(f"// Code generated by ssegen {__version__}. DO NOT EDIT.\n// source: market/v1/market_data.proto\n\n")
        assert "\npackage marketv1http\n" in text, path
    server = files["market/v1/marketv1http/market_data_server.ssegen.go"]
    assert 'marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"' in server
    assert "StreamQuotes(ctx context.Context, req *marketv1.StreamQuotesRequest, stream SSESender) error" in server
    assert "GetInstrument(ctx context.Context, req *marketv1.GetInstrumentRequest) (*marketv1.Instrument, error)" in server
    assert 'pattern: "GET /api/v1/venues/{venue}/instruments/{symbol}"' in server
    assert '{name: "symbols", field: "symbol_filter"}' in server
    client = files["market/v1/marketv1http/market_data_client.ssegen.go"]
    assert "(*EventStream[*marketv1.Trade], error)" in client
    assert declarations(client)[-3:] == [
        "WithMarketDataServiceAPIKey", "WithMarketDataServiceClientSequence", "WithMarketDataServiceRequestID"
    ]


def test_outputs_alone() -> None:
    root = repo_path(MARKET)
    server = render(root, ["market/v1/market_data.proto"], "outputs=go_server")
    client = render(root, ["market/v1/market_data.proto"], "outputs=go_client")
    assert sorted(p.rsplit("/", 1)[1] for p in server) == [
        "market_data_server.ssegen.go", "ssegen_errors.go", "ssegen_json.go", "ssegen_server.go"]
    assert sorted(p.rsplit("/", 1)[1] for p in client) == [
        "market_data_client.ssegen.go", "ssegen_client.go", "ssegen_errors.go", "ssegen_json.go"]
    # The files both outputs write are the same, so they can share a package.
    for shared in ("ssegen_errors.go", "ssegen_json.go"):
        assert server[f"market/v1/marketv1http/{shared}"] == client[f"market/v1/marketv1http/{shared}"]


def test_multi_package_layout_and_shared_package() -> None:
    root = repo_path(MULTI)
    orders = render(root, ["shop/orders/v1/orders_service.proto", "shop/orders/v1/returns_service.proto",
                           "shop/orders/v1/types.proto"])
    assert sorted(orders) == [
        "shop/orders/v1/ordersv1http/orders_service_client.ssegen.go",
        "shop/orders/v1/ordersv1http/orders_service_server.ssegen.go",
        "shop/orders/v1/ordersv1http/returns_service_client.ssegen.go",
        "shop/orders/v1/ordersv1http/returns_service_server.ssegen.go",
        "shop/orders/v1/ordersv1http/ssegen_client.go",
        "shop/orders/v1/ordersv1http/ssegen_errors.go",
        "shop/orders/v1/ordersv1http/ssegen_json.go",
        "shop/orders/v1/ordersv1http/ssegen_server.go",
    ]
    assert orders["shop/orders/v1/ordersv1http/ssegen_errors.go"].startswith(
        f"// Code generated by ssegen {__version__}. DO NOT EDIT.\n"
        "// source: shop/orders/v1/orders_service.proto\n"
        "// source: shop/orders/v1/returns_service.proto\n\n"
    )
    # Both services have Get and Watch; every declaration of the package is unique.
    names = [n for text in orders.values() for n in declarations(text)]
    assert len(names) == len(set(names))
    assert {"OrderServiceServer", "ReturnServiceServer", "NewOrderServiceClient", "NewReturnServiceClient"} <= set(names)
    # Message-only packages produce nothing.
    assert render(root, ["shop/common/v1/money.proto"]) == {}


def test_json_codec_only_where_messages_need_it(tmp_path: Path) -> None:
    plain = render_protos(tmp_path, {"p/v1/p.proto": """
        syntax = "proto3";
        package p.v1;
        import "sebuf/http/annotations.proto";
        option go_package = "example.com/p/v1;pv1";
        service S { rpc Get(M) returns (M); }
        message M { string id = 1; int64 n = 2; }
    """})
    codec = plain["p/v1/pv1http/ssegen_json.go"]
    assert "return opts.Unmarshal(data, msg)" in codec and "jsonMessages" not in codec
    mapped = render(repo_path(JSON_MAPPING[0]), list(JSON_MAPPING[1]))["jsonmap/v1/jsonmapv1http/ssegen_json.go"]
    assert '\t\t\t{name: "billing", flatten: true, prefix: "billing_"},\n' in mapped
    assert '{name: "media", discriminator: "kind", values: []string{"vid", "image", "link"}, ' in mapped
    assert '\t"jsonmap.v1.BarList": {\n\t\tunwrap: true,\n\t},\n' in mapped
    assert '\t"jsonmap.v1.Status": {\n\t\t0: "unknown",\n' in mapped
    # Option-less messages are not in the table: protojson handles them.
    assert '"jsonmap.v1.Plain"' not in mapped and '"jsonmap.v1.Address"' not in mapped


VALIDATE_PROTO = "buf/validate/validate.proto"


def validation_protos(request_rule: bool, item_rule: bool) -> Dict[str, str]:
    """A request with an Item inside; each has a buf.validate rule or none (both files import
    validate.proto either way)."""

    def rule(on: bool) -> str:
        return " [(buf.validate.field).string.min_len = 1]" if on else ""

    return {
        VALIDATE_PROTO: repo_path("src/protos/" + VALIDATE_PROTO).read_text(encoding="utf-8"),
        "p/v1/item.proto": f"""
            syntax = "proto3";
            package p.v1;
            import "buf/validate/validate.proto";
            option go_package = "example.com/p/v1;pv1";
            message Item {{ string sku = 1{rule(item_rule)}; }}
        """,
        "p/v1/p.proto": f"""
            syntax = "proto3";
            package p.v1;
            import "sebuf/http/annotations.proto";
            import "buf/validate/validate.proto";
            import "p/v1/item.proto";
            option go_package = "example.com/p/v1;pv1";
            service S {{ rpc Put(PutRequest) returns (Item); }}
            message PutRequest {{ Item item = 1; string id = 2{rule(request_rule)}; }}
        """,
    }


def render_validation(tmp_path: Path, protos: Dict[str, str], parameter: str = GO_OUTPUTS) -> Dict[str, str]:
    files = render_protos(tmp_path, protos, parameter)
    return {k: v for k, v in files.items() if k.startswith("p/")}


@pytest.mark.parametrize(
    "request_rule, item_rule, validates",
    [(True, False, True), (False, True, True), (False, False, False)],
)
def test_protovalidate_only_where_requests_have_buf_validate_rules(
    tmp_path: Path, request_rule: bool, item_rule: bool, validates: bool
) -> None:
    # A rule on the request, or on a message inside it; importing validate.proto is not enough.
    files = render_validation(tmp_path, validation_protos(request_rule, item_rule))
    out = "p/v1/pv1http/"
    assert (out + "ssegen_validate.go" in files) == validates
    importing = sorted(p for p, text in files.items() if "buf.build/go/protovalidate" in text)
    assert importing == ([out + "ssegen_validate.go"] if validates else [])
    server, client = files[out + "ssegen_server.go"], files[out + "ssegen_client.go"]
    assert ("validateRequest(msg)" in server and "compileRequestRules(" in server) == validates
    assert ("func WithRequestValidation() ClientOption" in client and "validateRequest(req)" in client) == validates


def test_responses_with_rules_are_not_validated(tmp_path: Path) -> None:
    protos = validation_protos(False, True)
    protos["p/v1/p.proto"] = protos["p/v1/p.proto"].replace("PutRequest { Item item = 1; ", "PutRequest { ")
    assert "p/v1/pv1http/ssegen_validate.go" not in render_validation(tmp_path, protos)


def test_validate_file_is_the_same_for_server_and_client(tmp_path: Path) -> None:
    protos = validation_protos(True, False)
    server = render_validation(tmp_path / "s", protos, "outputs=go_server")["p/v1/pv1http/ssegen_validate.go"]
    client = render_validation(tmp_path / "c", protos, "outputs=go_client")["p/v1/pv1http/ssegen_validate.go"]
    assert server == client


def test_output_is_deterministic() -> None:
    root = repo_path(MULTI)
    files = ["shop/orders/v1/returns_service.proto", "shop/orders/v1/orders_service.proto"]
    assert render(root, files) == render(root, list(reversed(files)))


def test_messages_of_other_packages_are_imported_under_free_names(tmp_path: Path) -> None:
    files = render_protos(tmp_path, {
        "a/v1/context.proto": proto("a.v1", "example.com/a/v1/context", "message Msg {}"),
        "b/v1/context.proto": proto("b.v1", "example.com/b/v1/context", "message Msg {}"),
        "svc/v1/svc.proto": proto("svc.v1", "example.com/svc/v1;svcv1", """
service Svc {
  rpc One(a.v1.Msg) returns (b.v1.Msg);
  rpc Outer(Nested.Inner) returns (Nested.Inner);
}
message Nested { message Inner {} }
""", imports=("a/v1/context.proto", "b/v1/context.proto")),
    })
    server = files["svc/v1/svcv1http/svc_server.ssegen.go"]
    # "context" is the standard package; the taken name gets a number, in import path order.
    assert '\tcontext1 "example.com/a/v1/context"\n\tcontext2 "example.com/b/v1/context"\n' in server
    assert "One(ctx context.Context, req *context1.Msg) (*context2.Msg, error)" in server
    assert "Outer(ctx context.Context, req *svcv1.Nested_Inner) (*svcv1.Nested_Inner, error)" in server


def test_service_without_methods(tmp_path: Path) -> None:
    files = render_protos(tmp_path, {"e/e.proto": proto("e", "example.com/e", "service Empty {}")})
    server = files["e/ehttp/e_server.ssegen.go"]
    assert "import" not in server
    assert "type EmptyServer interface {\n}" in server


# Errors -----------------------------------------------------------------------------------------


def test_service_file_without_go_package(tmp_path: Path) -> None:
    message = problems(tmp_path, {"p/p.proto": proto("p", "", "service S { rpc Ping(PingRequest) returns (PingResponse); }" + PING)})
    assert message.startswith("p/p.proto:2:1: error: file p/p.proto: the file has services but no go_package option")
    assert "fix: add `option go_package" in message
    # The fix names the ways that need no proto edit.
    assert "`go_package_prefix`" in message and "`go_package_overrides`" in message and "`outputs`" in message


def test_message_file_without_go_package(tmp_path: Path) -> None:
    message = problems(tmp_path, {
        "t/t.proto": proto("t", "", PING),
        "p/p.proto": proto("p", "example.com/p", "service S { rpc Ping(t.PingRequest) returns (t.PingResponse); }",
                           imports=("t/t.proto",)),
    })
    assert "t/t.proto:2:1: error: file t/t.proto: the message t.PingRequest is used by p.S.Ping" in message


def test_message_only_file_without_go_package_is_fine(tmp_path: Path) -> None:
    assert render_protos(tmp_path, {"t/t.proto": proto("t", "", PING)}) == {}


def test_go_package_in_two_directories(tmp_path: Path) -> None:
    message = problems(tmp_path, {
        "a/a.proto": proto("x", "example.com/x", "service A { rpc Ping(PingRequest) returns (PingResponse); }" + PING),
        "b/b.proto": proto("x", "example.com/x", "service B { rpc Pong(PingRequest) returns (PingResponse); }",
                           imports=("a/a.proto",)),
    })
    assert "b/b.proto:5:1: error: file b/b.proto: its go_package example.com/x is also the package of a/a.proto" in message


def test_go_package_of_a_message_file_in_another_directory(tmp_path: Path) -> None:
    message = problems(tmp_path, {
        "a/a.proto": proto("x", "example.com/x", PING),
        "b/b.proto": proto("x", "example.com/x", "service B { rpc Pong(PingRequest) returns (PingResponse); }",
                           imports=("a/a.proto",)),
    })
    assert "b/b.proto:5:1: error: file b/b.proto: its go_package example.com/x is also the package of a/a.proto" in message


def test_one_import_path_with_two_package_names(tmp_path: Path) -> None:
    message = problems(tmp_path, {
        "x/a.proto": proto("x", "example.com/x;xv1", PING),
        "x/b.proto": proto("x", "example.com/x;xv2", "service B { rpc Pong(PingRequest) returns (PingResponse); }",
                           imports=("x/a.proto",)),
    })
    assert "its go_package names the package xv2, while x/a.proto names example.com/x xv1" in message


def test_two_go_packages_into_one_directory(tmp_path: Path) -> None:
    message = problems(tmp_path, {
        "d/a.proto": proto("a", "example.com/a/api", "service A { rpc Ping(PingRequest) returns (PingResponse); }" + PING),
        "d/b.proto": proto("b", "example.com/b/api", "service B { rpc Pong(a.PingRequest) returns (a.PingResponse); }",
                           imports=("d/a.proto",)),
    })
    assert "would both be generated into d/apihttp" in message


def test_declarations_that_clash(tmp_path: Path) -> None:
    # WithCallReconnect is the runtime's; S2 in another proto package of the same Go package
    # declares what S2 declares.
    message = problems(tmp_path, {
        "x/a.proto": proto("a", "example.com/x", """
import "sebuf/http/headers.proto";
service Call {
  option (sebuf.http.service_headers) = {required_headers: [{name: "X-Reconnect"}]};
  rpc Ping(PingRequest) returns (PingResponse);
}
service S2 { rpc Ping(PingRequest) returns (PingResponse) { option (sebuf.http.config) = {path: "/a"}; } }
""" + PING),
        "x/b.proto": proto("b", "example.com/x", """
service S2 { rpc Ping(a.PingRequest) returns (a.PingResponse) { option (sebuf.http.config) = {path: "/b"}; } }
""", imports=("x/a.proto",)),
    })
    assert "service a.Call: its Go code declares WithCallReconnect in package xhttp, as does the ssegen runtime" in message
    assert "service b.S2: its Go code declares S2Server in package xhttp, as does service a.S2" in message


def test_methods_with_one_go_name(tmp_path: Path) -> None:
    message = problems(tmp_path, {"m/m.proto": proto("m", "example.com/m", """
service S {
  rpc get_item(PingRequest) returns (PingResponse) { option (sebuf.http.config) = {path: "/a"}; }
  rpc GetItem(PingRequest) returns (PingResponse) { option (sebuf.http.config) = {path: "/b"}; }
}
""" + PING)})
    assert "method m.S.GetItem: its Go name GetItem is also the Go name of m.S.get_item" in message


# go_package without editing protos -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path, package, option, expected",
    [
        ("acme/weather/v1/w.proto", "acme.weather.v1", "", "example.com/gen/acme/weather/v1;weatherv1"),
        ("acme/weather/v1beta1/w.proto", "acme.weather.v1beta1", "", "example.com/gen/acme/weather/v1beta1;weatherv1beta1"),
        ("acme/weather/w.proto", "acme.weather", "", "example.com/gen/acme/weather"),
        ("w.proto", "weather", "", "example.com/gen"),
        # A file with the option keeps it: protoc-gen-go's messages of it use that path.
        ("acme/weather/v1/w.proto", "acme.weather.v1", "example.com/own;own", "example.com/own;own"),
    ],
)
def test_go_package_prefix_is_buf_managed_mode(path: str, package: str, option: str, expected: str) -> None:
    assert golayout.effective_go_package(path, package, option, "example.com/gen/") == expected


def test_go_package_override_wins() -> None:
    overrides = {"a/a.proto": "example.com/x;y"}
    assert golayout.effective_go_package("a/a.proto", "a.v1", "example.com/own", "example.com/gen", overrides) == "example.com/x;y"
    assert golayout.effective_go_package("b/b.proto", "b.v1", "", "", overrides) == ""


def test_go_outputs_with_go_package_prefix(tmp_path: Path) -> None:
    body = "service S { rpc Ping(PingRequest) returns (PingResponse); }" + PING
    files = render_protos(
        tmp_path,
        {"acme/chat/v1/chat.proto": proto("acme.chat.v1", "", body)},
        GO_OUTPUTS + ",go_package_prefix=example.com/gen",
    )
    server = files["acme/chat/v1/chatv1http/chat_server.ssegen.go"]
    assert "package chatv1http" in server
    assert 'chatv1 "example.com/gen/acme/chat/v1"' in server
    # Without a base path the default path starts with the managed package name, as in sebuf.
    assert '"POST /chatv1/ping"' in server


def test_go_outputs_with_go_package_override(tmp_path: Path) -> None:
    body = "service S { rpc Ping(PingRequest) returns (PingResponse); }" + PING
    files = render_protos(
        tmp_path,
        {"p/p.proto": proto("p", "", body)},
        GO_OUTPUTS + ",Mp/p.proto=example.com/elsewhere/pv1;pv1",
    )
    assert 'pv1 "example.com/elsewhere/pv1"' in files["p/pv1http/p_server.ssegen.go"]


def test_generated_go_package_for_the_pants_mapping_follows_the_prefix() -> None:
    source = 'syntax = "proto3";\npackage acme.chat.v1;\nservice S {}\n'
    assert golayout.generated_go_package(source, "acme/chat/v1/chat.proto") is None
    found = golayout.generated_go_package(source, "acme/chat/v1/chat.proto", "example.com/gen")
    assert found is not None and found.http_import_path == "example.com/gen/acme/chat/v1/chatv1http"
