"""Unit tests of the OpenAPI renderer on the test projects, checked by an independent validator."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest  # pants: no-infer-dep (the pytest tool provides it)
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from ssegen.build import build_model
from ssegen.descriptors import compile_request
from ssegen.generate import generate
from ssegen.model import Method, Model
from ssegen.testing import repo_path


PROJECTS = {
    "market_data": "testprojects/market_data/proto",
    "multi_package": "testprojects/multi_package/proto",
    "json_mapping": "testprojects/json_mapping/proto",
    "validation": "testprojects/validation/proto",
}
# Where buf/validate/validate.proto is found, after a project's own root.
PROTOVALIDATE_ROOT = "src/protos"
VERBS = ("get", "put", "post", "delete", "patch")
BODY_VERBS = ("post", "put", "patch")
COMPONENT_PREFIX = "#/components/schemas/"

Document = Dict[str, Any]


def project_root(project: str) -> Path:
    return repo_path(PROJECTS[project])


def project_files(project: str, root: Path = None) -> List[str]:
    """Import paths of every .proto file of a project, sorted."""
    root = root or project_root(project)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.proto"))


def project_groups(project: str) -> List[List[str]]:
    """The project's files grouped by directory, as Pants generates them (one target per directory)."""
    groups: Dict[str, List[str]] = {}
    for f in project_files(project):
        groups.setdefault(f.rsplit("/", 1)[0], []).append(f)
    return [groups[d] for d in sorted(groups)]


def render(root: Path, files: Sequence[str], parameter: str = "") -> Dict[str, str]:
    """The OpenAPI output alone (the other outputs have their own tests and requirements)."""
    parameter = ",".join(p for p in ("outputs=openapi", parameter) if p)
    return generate(compile_request(list(files), [str(root), str(repo_path(PROTOVALIDATE_ROOT))], parameter))["openapi"]


def model_of(root: Path, files: Sequence[str]) -> Model:
    request = compile_request(list(files), [str(root), str(repo_path(PROTOVALIDATE_ROOT))], "")
    return build_model(request.proto_file, request.file_to_generate)


def load(path: str, text: str) -> Document:
    if path.endswith(".json"):
        return json.loads(text)
    assert path.endswith(".yaml"), path
    return yaml.safe_load(text)


def validate_31(document: Document) -> None:
    validate(document, cls=OpenAPIV31SpecValidator)


def as_31(document: Document) -> Document:
    """A 3.2 document as 3.1 would spell it: `itemSchema` becomes `schema`."""
    assert document["openapi"] == "3.2.0"

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            return {("schema" if k == "itemSchema" else k): rename(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rename(v) for v in node]
        return node

    converted = rename(copy.deepcopy(document))
    converted["openapi"] = "3.1.0"
    return converted


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def check_refs(document: Document) -> None:
    """Every $ref points at a schema of the document's components."""
    schemas = document["components"]["schemas"]
    found = list(refs(document))
    assert found
    for ref in found:
        assert ref.startswith(COMPONENT_PREFIX), ref
        assert ref[len(COMPONENT_PREFIX):] in schemas, ref


def operations(document: Document) -> Iterator[Tuple[str, str, Document]]:
    for path, item in document["paths"].items():
        for verb, op in item.items():
            assert verb in VERBS, (path, verb)
            yield path, verb, op


def ref(name: str) -> Document:
    return {"$ref": COMPONENT_PREFIX + name}


def methods_by_route(model: Model) -> Dict[Tuple[str, str], Method]:
    return {(m.route.path, m.route.verb.lower()): m for s in model.services for m in s.methods}


def parameter(op: Document, name: str, location: str) -> Document:
    found = [p for p in op.get("parameters", []) if p["name"] == name and p["in"] == location]
    assert len(found) == 1, (op["operationId"], name, location)
    return found[0]


def render_all(project: str, parameter_: str = "") -> Dict[str, Document]:
    """Every document of a project, all its files in one request."""
    root = project_root(project)
    return {path: load(path, text) for path, text in render(root, project_files(project), parameter_).items()}


def check_operations(document: Document, model: Model, version: str) -> None:
    """The HTTP semantics every operation of every document must describe."""
    routes = methods_by_route(model)
    for path, verb, op in operations(document):
        method = routes[(path, verb)]
        params = op.get("parameters", [])
        # Path parameters: exactly the template's variables, all required.
        path_params = [p for p in params if p["in"] == "path"]
        assert ["{%s}" % p["name"] for p in path_params] == [s for s in path.split("/") if s.startswith("{")]
        assert all(p["required"] is True for p in path_params)
        # Query parameters: the model's, repeated ones as exploded form arrays.
        query = [p for p in params if p["in"] == "query"]
        assert [(p["name"], p["required"]) for p in query] == [(q.name, q.required) for q in method.route.query_params]
        for p, q in zip(query, method.route.query_params):
            if q.field.repeated:
                assert p["schema"]["type"] == "array"
                assert (p["style"], p["explode"]) == ("form", True)
            else:
                assert "style" not in p and "explode" not in p
        # Headers: the merged required headers, then Last-Event-ID on streams only.
        headers = [p["name"] for p in params if p["in"] == "header"]
        expected_headers = [h.name for h in method.headers] + (["Last-Event-ID"] if method.streaming else [])
        assert headers == expected_headers
        # Bodies only on POST, PUT and PATCH.
        if verb in BODY_VERBS:
            body = op["requestBody"]
            assert body["required"] is True
            assert body["content"] == {"application/json": {"schema": ref(method.request.full_name)}}
        else:
            assert "requestBody" not in op
        responses = op["responses"]
        assert set(responses) == {"200", "400", "default"}
        assert responses["400"]["content"] == {"application/json": {"schema": ref("sebuf.http.ValidationError")}}
        assert responses["default"]["content"] == {"application/json": {"schema": ref("sebuf.http.Error")}}
        ok = responses["200"]
        if not method.streaming:
            assert ok["content"] == {"application/json": {"schema": ref(method.response.full_name)}}
            assert not any(k.startswith("x-sse") for k in ok)
        elif version == "3.1":
            assert list(ok["content"]) == ["text/event-stream"]
            assert "itemSchema" not in ok["content"]["text/event-stream"]
            assert ok["x-sse-event-schema"] == ref(method.response.full_name)
        else:
            check_item_schema(ok, method)


def check_item_schema(ok: Document, method: Method) -> None:
    """OpenAPI 3.2: the stream's events described by itemSchema."""
    assert list(ok["content"]) == ["text/event-stream"]
    media = ok["content"]["text/event-stream"]
    assert "schema" not in media
    item = media["itemSchema"]
    assert item["type"] == "object"
    assert item["required"] == ["data"]
    assert set(item["properties"]) == {"event", "id", "retry", "data"}
    assert item["properties"]["data"]["type"] == "string"
    branches = item["oneOf"]
    assert len(branches) == 3

    def data_schema(branch: Document) -> Document:
        data = branch["properties"]["data"]
        assert data["type"] == "string"
        assert data["contentMediaType"] == "application/json"
        return data["contentSchema"]

    message_events = [b for b in branches if "not" in b["properties"]["event"]]
    assert len(message_events) == 1
    assert set(message_events[0]["properties"]["event"]["not"]["enum"]) == {"error", "end"}
    assert data_schema(message_events[0]) == ref(method.response.full_name)

    error_events = [b for b in branches if b["properties"]["event"].get("const") == "error"]
    assert len(error_events) == 1
    assert "event" in error_events[0]["required"]
    assert data_schema(error_events[0]) == ref("sebuf.http.Error")

    end_events = [b for b in branches if b["properties"]["event"].get("const") == "end"]
    assert len(end_events) == 1
    assert "event" in end_events[0]["required"]
    data_schema(end_events[0])
    assert "x-sse-event-schema" not in ok


# Validity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("project", sorted(PROJECTS))
@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("grouping", ["one_request", "per_directory"])
def test_31_documents_are_valid(project: str, fmt: str, grouping: str) -> None:
    root = project_root(project)
    groups = [project_files(project)] if grouping == "one_request" else project_groups(project)
    model = model_of(root, project_files(project))
    seen: Dict[str, str] = {}
    for files in groups:
        for path, text in render(root, files, f"openapi_format={fmt}").items():
            assert path not in seen
            seen[path] = text
            assert path.endswith(f".openapi.{fmt}")
            document = load(path, text)
            assert document["openapi"] == "3.1.0"
            validate_31(document)
            check_refs(document)
            check_operations(document, model, "3.1")
    # One document per service, beside the service's proto file.
    assert sorted(seen) == sorted(
        f"{s.file.rsplit('/', 1)[0]}/{s.name}.openapi.{fmt}" for s in model.services
    )


@pytest.mark.parametrize("project", sorted(PROJECTS))
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_32_documents(project: str, fmt: str) -> None:
    root = project_root(project)
    model = model_of(root, project_files(project))
    documents = render_all(project, f"openapi_version=3.2,openapi_format={fmt}")
    assert len(documents) == len(model.services)
    for document in documents.values():
        assert document["openapi"] == "3.2.0"
        check_refs(document)
        check_operations(document, model, "3.2")
        converted = as_31(document)
        validate_31(converted)
        check_refs(converted)


def test_32_has_streams_to_check() -> None:
    documents = render_all("market_data", "openapi_version=3.2")
    (document,) = documents.values()
    streams = [
        op for _, _, op in operations(document)
        if "text/event-stream" in op["responses"]["200"]["content"]
    ]
    assert sorted(op["operationId"] for op in streams) == ["StreamQuotes", "WatchTrades"]


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_yaml_and_json_describe_the_same_document(project: str) -> None:
    for version in ("3.1", "3.2"):
        as_yaml = render_all(project, f"openapi_version={version}")
        as_json = render_all(project, f"openapi_version={version},openapi_format=json")
        assert {p[: -len(".yaml")]: d for p, d in as_yaml.items()} == {
            p[: -len(".json")]: d for p, d in as_json.items()
        }


# Semantics, market_data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def market() -> Document:
    documents = render_all("market_data")
    assert list(documents) == ["market/v1/MarketDataService.openapi.yaml"]
    return documents["market/v1/MarketDataService.openapi.yaml"]


def op_named(document: Document, operation_id: str) -> Tuple[str, str, Document]:
    found = [(p, v, op) for p, v, op in operations(document) if op["operationId"] == operation_id]
    assert len(found) == 1, operation_id
    return found[0]


def test_market_routes(market: Document) -> None:
    routes = sorted((v.upper(), p, op["operationId"]) for p, v, op in operations(market))
    assert routes == sorted([
        ("GET", "/api/v1/venues/{venue}/instruments/{symbol}", "GetInstrument"),
        ("GET", "/api/v1/instruments", "ListInstruments"),
        ("GET", "/api/v1/instruments/{symbol}/book", "GetOrderBook"),
        ("POST", "/api/v1/accounts/{account_id}/orders", "SubmitOrder"),
        ("PUT", "/api/v1/watchlists/{id}", "ReplaceWatchlist"),
        ("PATCH", "/api/v1/watchlists/{id}", "UpdateWatchlist"),
        ("DELETE", "/api/v1/watchlists/{id}", "DeleteWatchlist"),
        # No annotation: POST on the default path.
        ("POST", "/api/v1/get_server_time", "GetServerTime"),
        # Only a method: the default path.
        ("GET", "/api/v1/get_market_status", "GetMarketStatus"),
        ("GET", "/api/v1/quotes/{symbol}/stream", "StreamQuotes"),
        ("POST", "/api/v1/trades/watch", "WatchTrades"),
    ])
    assert market["info"]["title"] == "MarketDataService API"
    assert market["info"]["description"].startswith("MarketDataService serves reference data")
    assert market["tags"][0]["name"] == "MarketDataService"
    _, _, op = op_named(market, "GetInstrument")
    assert op["description"] == "Returns one instrument listed on a venue."
    assert op["tags"] == ["MarketDataService"]
    _, _, op = op_named(market, "SubmitOrder")
    assert op["description"] == (
        "Submits an order on behalf of an account.\nThe account id in the URL wins over the one in the body."
    )


def test_market_path_and_query_params(market: Document) -> None:
    _, _, op = op_named(market, "GetInstrument")
    venue = parameter(op, "venue", "path")
    assert venue == {"name": "venue", "in": "path", "required": True, "schema": ref("market.v1.Venue")}
    assert parameter(op, "symbol", "path")["schema"] == {"type": "string"}

    _, _, op = op_named(market, "ListInstruments")
    symbols = parameter(op, "symbols", "query")
    assert symbols["schema"] == {"type": "array", "items": {"type": "string"}}
    assert (symbols["style"], symbols["explode"], symbols["required"]) == ("form", True, False)
    assert symbols["description"] == "Only these symbols; every symbol when empty."
    page_size = parameter(op, "page_size", "query")
    assert page_size["required"] is True
    assert page_size["schema"] == {"type": "integer", "format": "int32"}
    assert parameter(op, "include_inactive", "query")["schema"] == {"type": "boolean"}
    assert parameter(op, "asset_class", "query")["schema"] == ref("market.v1.AssetClass")

    _, _, op = op_named(market, "StreamQuotes")
    venue = parameter(op, "venue", "query")
    assert venue["schema"] == {"type": "array", "items": ref("market.v1.Venue")}
    assert (venue["style"], venue["explode"]) == ("form", True)

    _, _, op = op_named(market, "GetMarketStatus")
    assert parameter(op, "venue", "query")["required"] is True
    assert parameter(op, "symbol", "query")["required"] is False


def test_market_headers(market: Document) -> None:
    _, _, op = op_named(market, "GetInstrument")
    headers = [p for p in op["parameters"] if p["in"] == "header"]
    assert headers == [
        {
            "name": "X-API-Key",
            "in": "header",
            "required": True,
            "description": "API key issued to the client",
            "schema": {"type": "string"},
            "example": "mk_live_0123456789abcdef",
        },
        {
            "name": "X-Request-ID",
            "in": "header",
            "required": False,
            "description": "Correlation id echoed in logs",
            "schema": {"type": "string", "format": "uuid"},
            "example": "7f4c1e2a-93d5-4b8e-a1f0-5d2c9b7e6a31",
        },
    ]
    # The method's X-Request-ID replaces the service's; sorted case-insensitively.
    _, _, op = op_named(market, "SubmitOrder")
    headers = {p["name"]: p for p in op["parameters"] if p["in"] == "header"}
    assert list(headers) == ["X-API-Key", "X-Client-Sequence", "X-Request-ID"]
    assert headers["X-Request-ID"]["required"] is True
    assert headers["X-Request-ID"]["description"] == "Idempotency key; required when submitting orders"
    assert headers["X-Client-Sequence"]["schema"] == {"type": "integer"}
    assert headers["X-Client-Sequence"]["required"] is False


def test_market_last_event_id_only_on_streams(market: Document) -> None:
    with_header = sorted(
        op["operationId"] for _, _, op in operations(market)
        if any(p["name"] == "Last-Event-ID" for p in op.get("parameters", []))
    )
    assert with_header == ["StreamQuotes", "WatchTrades"]
    _, _, op = op_named(market, "WatchTrades")
    last_event_id = parameter(op, "Last-Event-ID", "header")
    assert last_event_id["required"] is False
    assert last_event_id["schema"] == {"type": "string"}


def test_market_streams(market: Document) -> None:
    for operation_id, response in (("StreamQuotes", "market.v1.Quote"), ("WatchTrades", "market.v1.Trade")):
        _, _, op = op_named(market, operation_id)
        ok = op["responses"]["200"]
        assert list(ok["content"]) == ["text/event-stream"]
        assert ok["x-sse-event-schema"] == ref(response)
        assert ok["x-sse-error-event"] == {"event": "error", "schema": ref("sebuf.http.Error")}
        assert ok["x-sse-terminal-event"] == "end"
    # The POST stream (returns (stream T)) takes its request as a body; the GET one does not.
    assert "requestBody" in op_named(market, "WatchTrades")[2]
    assert "requestBody" not in op_named(market, "StreamQuotes")[2]


def test_market_errors(market: Document) -> None:
    schemas = market["components"]["schemas"]
    assert schemas["sebuf.http.Error"]["properties"] == {"message": {"type": "string"}}
    assert schemas["sebuf.http.Error"]["required"] == ["message"]
    violations = schemas["sebuf.http.ValidationError"]["properties"]["violations"]
    assert violations == {"type": "array", "items": ref("sebuf.http.FieldViolation")}
    assert set(schemas["sebuf.http.FieldViolation"]["properties"]) == {"field", "description"}


def test_market_request_bodies(market: Document) -> None:
    with_body = sorted((v, op["operationId"]) for _, v, op in operations(market) if "requestBody" in op)
    assert with_body == [
        ("patch", "UpdateWatchlist"),
        ("post", "GetServerTime"),
        ("post", "SubmitOrder"),
        ("post", "WatchTrades"),
        ("put", "ReplaceWatchlist"),
    ]


def test_market_schemas(market: Document) -> None:
    schemas = market["components"]["schemas"]
    instrument = schemas["market.v1.Instrument"]
    assert instrument["type"] == "object"
    assert instrument["description"] == "A tradable instrument."
    props = instrument["properties"]
    # protojson names.
    assert list(props) == ["symbol", "venue", "assetClass", "name", "tickSize", "lotSize", "active", "listedAt"]
    # 64-bit integers are JSON strings.
    assert props["lotSize"]["type"] == "string"
    assert props["lotSize"]["format"] == "int64"
    assert schemas["market.v1.OrderBook"]["properties"]["sequence"]["type"] == "string"
    assert schemas["market.v1.OrderBook"]["properties"]["sequence"]["format"] == "uint64"
    assert props["tickSize"] == {"type": "number", "format": "double", "description": "Smallest price increment."}
    # Well-known types are inlined in their JSON form.
    assert props["listedAt"] == {"type": "string", "format": "date-time"}
    assert props["active"]["description"] == "Inactive instruments cannot be traded."
    assert props["symbol"]["examples"] == ["AAPL", "MSFT", "BTC-USD"]
    assert props["venue"] == ref("market.v1.Venue")
    assert not any(name.startswith("google.protobuf.") for name in schemas)

    order = schemas["market.v1.SubmitOrderRequest"]["properties"]
    # Maps are objects with additionalProperties.
    assert order["annotations"]["type"] == "object"
    assert order["annotations"]["additionalProperties"] == ref("market.v1.SubmitOrderRequest.Annotation")
    assert order["legs"] == {"type": "array", "items": ref("market.v1.SubmitOrderRequest.Leg")}
    assert order["timeInForce"] == ref("market.v1.SubmitOrderRequest.TimeInForce")
    assert order["quantity"]["type"] == "string"
    assert order["expireAt"] == {"type": "string", "format": "date-time"}
    assert order["maxLatency"]["type"] == "string"
    assert order["clientOrderId"] == {"type": "string"}
    assert order["riskToken"]["type"] == "string"
    assert order["riskToken"]["contentEncoding"] == "base64"
    assert "oneof `pricing`" in order["limitPrice"]["description"]

    # Nested messages and enums under their full names.
    for name in (
        "market.v1.OrderBook.Level",
        "market.v1.SubmitOrderRequest.Leg",
        "market.v1.SubmitOrderRequest.Annotation",
        "market.v1.PriceBand",
    ):
        assert schemas[name]["type"] == "object", name
    for name in ("market.v1.SubmitOrderRequest.TimeInForce", "market.v1.MarketStatus.Phase", "market.v1.Side"):
        assert schemas[name]["type"] == "string", name
    assert schemas["market.v1.Venue"]["enum"] == ["VENUE_UNSPECIFIED", "VENUE_XNAS", "VENUE_XNYS", "VENUE_CRYPTO"]
    assert schemas["market.v1.Venue"]["description"].startswith("A trading venue.")
    assert schemas["market.v1.OrderBook.Level"]["properties"]["orderCount"]["description"] == (
        "Number of resting orders at this price."
    )


# Semantics, multi_package ------------------------------------------------------------------------


def test_multi_package_per_directory_as_in_the_build_files() -> None:
    root = project_root("multi_package")
    groups = {files[0].rsplit("/", 1)[0]: files for files in project_groups("multi_package")}
    assert set(groups) == {"shop/catalog/v1", "shop/common/v1", "shop/orders/v1"}

    # A package without services generates nothing.
    assert render(root, groups["shop/common/v1"]) == {}

    catalog = render(root, groups["shop/catalog/v1"], "openapi_version=3.2,openapi_format=json")
    assert list(catalog) == ["shop/catalog/v1/CatalogService.openapi.json"]
    document = json.loads(catalog["shop/catalog/v1/CatalogService.openapi.json"])
    validate_31(as_31(document))
    check_refs(document)
    schemas = document["components"]["schemas"]
    # Types of other packages are included under their full names.
    assert schemas["shop.common.v1.Money"]["properties"]["minorUnits"]["type"] == "string"
    assert schemas["shop.common.v1.Currency"]["enum"][0] == "CURRENCY_UNSPECIFIED"
    assert "shop.common.v1.Address" not in schemas
    search = document["paths"]["/api/catalog/v1/products"]["get"]
    assert parameter(search, "min_price", "query")["schema"]["type"] == "string"
    assert parameter(search, "currency", "query")["schema"] == ref("shop.common.v1.Currency")
    tag = parameter(search, "tag", "query")
    assert (tag["schema"], tag["style"], tag["explode"]) == ({"type": "array", "items": {"type": "string"}}, "form", True)

    orders = render(root, groups["shop/orders/v1"], "openapi_bundle=true,openapi_title=Shop orders API")
    assert list(orders) == ["shop/orders/v1/openapi.yaml"]
    document = yaml.safe_load(orders["shop/orders/v1/openapi.yaml"])
    assert document["info"]["title"] == "Shop orders API"
    validate_31(document)
    check_refs(document)
    schemas = document["components"]["schemas"]
    assert schemas["shop.orders.v1.Return.Reason"]["type"] == "string"
    assert schemas["shop.orders.v1.LineItem"]["properties"]["unitPrice"] == ref("shop.common.v1.Money")
    watch = document["paths"]["/api/orders/v1/watch"]["get"]
    assert watch["operationId"] == "OrderService_Watch"
    assert watch["responses"]["200"]["x-sse-event-schema"] == ref("shop.orders.v1.Order")
    assert parameter(watch, "order_id", "query")["required"] is True
    returns_watch = document["paths"]["/api/returns/v1/watch"]["post"]
    assert returns_watch["operationId"] == "ReturnService_Watch"
    assert returns_watch["responses"]["200"]["x-sse-event-schema"] == ref("shop.orders.v1.Return")
    assert parameter(returns_watch, "Last-Event-ID", "header")["in"] == "header"
    statuses = parameter(document["paths"]["/api/orders/v1/orders"]["get"], "status", "query")
    assert statuses["schema"] == {"type": "array", "items": ref("shop.orders.v1.OrderStatus")}


# Bundles -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("project", sorted(PROJECTS))
@pytest.mark.parametrize("version", ["3.1", "3.2"])
def test_bundle(project: str, version: str) -> None:
    root = project_root(project)
    files = project_files(project)
    model = model_of(root, files)
    bundle = render(root, files, f"openapi_bundle=true,openapi_bundle_name=all,openapi_format=json,openapi_version={version}")
    assert len(bundle) == 1
    ((path, text),) = bundle.items()
    directories = {s.file.rsplit("/", 1)[0] for s in model.services}
    expected_dir = {
        "market_data": "market/v1", "multi_package": "shop", "json_mapping": "jsonmap/v1", "validation": "validation/v1",
    }[project]
    assert path == f"{expected_dir}/all.json", directories
    document = json.loads(text)
    assert document["info"]["title"] == "API"
    check_refs(document)
    check_operations(document, model, version)
    validate_31(as_31(document) if version == "3.2" else document)

    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(f"{s.name}_{m.name}" for s in model.services for m in s.methods)
    assert [t["name"] for t in document["tags"]] == [s.name for s in model.services]
    # Every service's routes, and the union of the per-service documents' paths and schemas.
    routes = sorted((p, v) for p, v, _ in operations(document))
    assert routes == sorted((m.route.path, m.route.verb.lower()) for s in model.services for m in s.methods)
    singles = [json.loads(t) for t in render(root, files, f"openapi_format=json,openapi_version={version}").values()]
    assert set(document["paths"]) == {p for d in singles for p in d["paths"]}
    assert set(document["components"]["schemas"]) == {n for d in singles for n in d["components"]["schemas"]}


def test_bundle_of_files_without_services_is_empty() -> None:
    root = project_root("multi_package")
    assert render(root, ["shop/common/v1/money.proto"], "openapi_bundle=true") == {}


# Determinism -------------------------------------------------------------------------------------

PARAMETERS = ["", "openapi_format=json", "openapi_version=3.2", "openapi_bundle=true,openapi_version=3.2"]


@pytest.mark.parametrize("project", sorted(PROJECTS))
@pytest.mark.parametrize("parameter_", PARAMETERS)
def test_two_renders_are_identical(project: str, parameter_: str) -> None:
    root = project_root(project)
    files = project_files(project)
    first = render(root, files, parameter_)
    second = render(root, files, parameter_)
    assert first and first == second


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_same_bytes_from_copies_in_different_directories(project: str, tmp_path: Path) -> None:
    copies = []
    for name in ("first", "second/deeper"):
        target = tmp_path / name / "proto"
        shutil.copytree(project_root(project), target)
        copies.append(target)
    for parameter_ in PARAMETERS:
        outputs = [render(root, project_files(project, root), parameter_) for root in copies]
        assert outputs[0]
        assert outputs[0] == outputs[1]
        for text in outputs[0].values():
            assert str(tmp_path) not in text
    # And from the original location.
    assert render(project_root(project), project_files(project)) == render(copies[0], project_files(project, copies[0]))


# Inline protos -----------------------------------------------------------------------------------

WELL_KNOWN_PROTO = """\
syntax = "proto3";
package wk;
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "sebuf/http/annotations.proto";

service WellKnownService {
  option (sebuf.http.service_config) = {base_path: "/wk"};
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty) {
    option (sebuf.http.config) = {method: HTTP_METHOD_GET};
  }
  rpc Put(Everything) returns (Everything) {
    option (sebuf.http.config) = {path: "/everything/{id}" method: HTTP_METHOD_PUT};
  }
  rpc Watch(google.protobuf.Empty) returns (stream Everything);
}

message Everything {
  int64 id = 1;
  google.protobuf.Any any = 2;
  google.protobuf.Duration duration = 3;
  google.protobuf.FieldMask mask = 4;
  google.protobuf.Struct struct = 5;
  google.protobuf.Value value = 6;
  google.protobuf.ListValue list = 7;
  google.protobuf.NullValue null = 8;
  google.protobuf.Timestamp at = 9;
  google.protobuf.BoolValue b = 10;
  google.protobuf.StringValue s = 11;
  google.protobuf.BytesValue by = 12;
  google.protobuf.FloatValue f = 13;
  google.protobuf.DoubleValue d = 14;
  google.protobuf.Int32Value i32 = 15;
  google.protobuf.UInt32Value u32 = 16;
  google.protobuf.Int64Value i64 = 17;
  google.protobuf.UInt64Value u64 = 18;
  map<int64, google.protobuf.Timestamp> times = 19;
  map<bool, Everything> children = 20;
  repeated google.protobuf.Duration durations = 21;
  double ratio = 22 [(sebuf.http.field_examples) = {values: ["0.5", "NaN", "Infinity", "-Infinity", "1e400"]}];
  int32 count = 23 [(sebuf.http.field_examples) = {values: ["3", "many"]}];
  bool flag = 24 [(sebuf.http.field_examples) = {values: ["true", "false"]}];
  string name = 25 [(sebuf.http.field_examples) = {values: ["3"]}];
  int64 big = 26 [(sebuf.http.field_examples) = {values: ["9007199254740993"]}];
}
"""


def _strict_json(text: str) -> Document:
    def reject(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=reject)


@pytest.mark.parametrize("version", ["3.1", "3.2"])
def test_well_known_types(tmp_path: Path, version: str) -> None:
    (tmp_path / "wk.proto").write_text(WELL_KNOWN_PROTO, encoding="utf-8")
    files = render(tmp_path, ["wk.proto"], f"openapi_format=json,openapi_version={version}")
    assert list(files) == ["WellKnownService.openapi.json"]  # a file at the import root
    document = _strict_json(files["WellKnownService.openapi.json"])
    check_refs(document)
    validate_31(as_31(document) if version == "3.2" else document)
    schemas = document["components"]["schemas"]
    # Well-known types are inlined, never components.
    assert sorted(n for n in schemas if not n.startswith("sebuf.http.")) == ["wk.Everything"]
    props = schemas["wk.Everything"]["properties"]
    assert props["id"]["type"] == "string"
    assert props["at"] == {"type": "string", "format": "date-time"}
    assert props["duration"]["type"] == "string"
    assert props["mask"]["type"] == "string"
    assert props["struct"] == {"type": "object"}
    assert props["list"] == {"type": "array"}
    assert props["null"] == {"type": "null"}
    assert props["any"]["required"] == ["@type"]
    assert props["b"] == {"type": "boolean"}
    assert props["i64"]["type"] == "string"
    assert props["u64"]["type"] == "string"
    assert props["i32"]["type"] == "integer"
    assert props["times"]["additionalProperties"] == {"type": "string", "format": "date-time"}
    assert props["times"]["propertyNames"] == {"pattern": "^-?[0-9]+$"}
    assert props["children"]["additionalProperties"] == ref("wk.Everything")
    assert props["children"]["propertyNames"] == {"enum": ["true", "false"]}
    assert props["durations"]["type"] == "array"
    # Examples take their field's JSON type; what is no JSON number stays a string.
    assert props["ratio"]["examples"] == [0.5, "NaN", "Infinity", "-Infinity", "1e400"]
    assert props["count"]["examples"] == [3, "many"]
    assert props["flag"]["examples"] == [True, False]
    assert props["name"]["examples"] == ["3"]
    assert props["big"]["examples"] == ["9007199254740993"]

    ping = document["paths"]["/wk/ping"]["get"]
    assert ping["responses"]["200"]["content"] == {"application/json": {"schema": {"type": "object"}}}
    assert "requestBody" not in ping
    put = document["paths"]["/wk/everything/{id}"]["put"]
    assert parameter(put, "id", "path")["schema"]["type"] == "string"
    assert put["requestBody"]["content"] == {"application/json": {"schema": ref("wk.Everything")}}
    watch = document["paths"]["/wk/watch"]["post"]
    assert watch["requestBody"]["content"] == {"application/json": {"schema": {"type": "object"}}}
    ok = watch["responses"]["200"]
    if version == "3.1":
        assert ok["x-sse-event-schema"] == ref("wk.Everything")
    else:
        message_event = ok["content"]["text/event-stream"]["itemSchema"]["oneOf"][0]
        assert message_event["properties"]["data"]["contentSchema"] == ref("wk.Everything")


def test_yaml_examples_are_plain_values(tmp_path: Path) -> None:
    (tmp_path / "wk.proto").write_text(WELL_KNOWN_PROTO, encoding="utf-8")
    files = render(tmp_path, ["wk.proto"])
    document = yaml.safe_load(files["WellKnownService.openapi.yaml"])
    ratio = document["components"]["schemas"]["wk.Everything"]["properties"]["ratio"]
    assert ratio["examples"] == [0.5, "NaN", "Infinity", "-Infinity", "1e400"]


def test_the_validator_is_not_a_no_op(market: Document) -> None:
    """The checks above rely on the validator rejecting what it should."""
    broken = copy.deepcopy(market)
    _, _, op = op_named(broken, "GetOrderBook")
    parameter(op, "symbol", "path")["required"] = False
    with pytest.raises(Exception):
        validate_31(broken)
    broken = copy.deepcopy(market)
    op_named(broken, "GetOrderBook")[2]["responses"]["200"]["content"]["application/json"]["schema"] = ref("Nope")
    with pytest.raises(Exception):
        validate_31(broken)


# JSON mapping ------------------------------------------------------------------------------------


def _json_mapping_document(version: str) -> Document:
    (document,) = render_all("json_mapping", f"openapi_version={version}").values()
    return document


@pytest.mark.parametrize("version", ["3.1", "3.2"])
def test_json_mapping_schemas_follow_the_mapping(version: str) -> None:
    schemas = _json_mapping_document(version)["components"]["schemas"]
    item_object, media, content = schemas["jsonmap.v1.Item"]["allOf"]
    props = item_object["properties"]
    assert props["count"] == {"type": "integer", "format": "int64"}
    assert props["priority"] == {"type": "integer", "enum": [0, 1, 2]}
    assert props["middleName"]["type"] == ["string", "null"]
    assert props["home"] == {"oneOf": [ref("jsonmap.v1.Address"), {"type": "null"}]}
    assert props["created"] == {"type": "integer", "format": "unix-timestamp"}
    assert props["updated"]["format"] == "unix-timestamp-ms"
    assert props["birthday"] == {"type": "string", "format": "date"}
    assert props["digest"]["format"] == "hex" and props["token"]["format"] == "base64url"
    assert "billing_zipCode" in props and "billing" not in props
    assert "video" not in props and "kind" not in props
    assert media["discriminator"] == {"propertyName": "kind"}
    assert media["oneOf"][0]["properties"]["kind"] == {"const": "vid"}
    assert content["oneOf"][1]["allOf"][1] == ref("jsonmap.v1.Photo")
    assert schemas["jsonmap.v1.Status"]["enum"] == ["unknown", "active", "inactive"]
    assert schemas["jsonmap.v1.ItemList"] == {"type": "array", "items": ref("jsonmap.v1.Item"),
                                              "description": "Root array unwrap: [{...}, {...}]."}
    assert schemas["jsonmap.v1.BarsBySymbol"]["additionalProperties"] == ref("jsonmap.v1.BarList")
    assert schemas["jsonmap.v1.BarList"]["type"] == "array"
    assert schemas["jsonmap.v1.Place"]["allOf"][1] == ref("jsonmap.v1.Address")
    # Option-less messages keep protojson's form.
    assert schemas["jsonmap.v1.Plain"]["properties"]["n"]["type"] == "string"


def test_json_mapping_conformance_examples_fit_the_schemas() -> None:
    """What servers write back for each valid case of the conformance file fits its schema (the
    lenient spellings servers also read, e.g. an int64 NUMBER as a string, are not documented)."""
    from jsonschema import Draft202012Validator  # pants: no-infer-dep (openapi-spec-validator brings it)

    document = _json_mapping_document("3.1")
    cases = json.loads(repo_path("testprojects/conformance/json_mapping.json").read_text(encoding="utf-8"))["cases"]
    checked = 0
    for case in cases:
        if "error" in case or case["message"] not in document["components"]["schemas"]:
            continue
        schema = {"$ref": COMPONENT_PREFIX + case["message"], "components": document["components"]}
        validator = Draft202012Validator(schema)
        value = case.get("encoded", case["json"])
        errors = [e.message for e in validator.iter_errors(value)]
        assert not errors, (case["name"], value, errors)
        checked += 1
    assert checked >= 10
    invalid = {"$ref": COMPONENT_PREFIX + "jsonmap.v1.Item", "components": document["components"]}
    for value in ({"kind": "nope"}, {"count": "abc"}, {"status": "STATUS_ACTIVE"}):
        assert not Draft202012Validator(invalid).is_valid(value), value


# The conformance bodies whose violations the schema does not state: prefix, suffix and substring
# rules, an exclusive (outside) range, 64-bit integers (strings in JSON), a rule broken by leaving a
# key out (protojson omits zero values), the path variable (not in the body), a field whose zero
# value passes (IGNORE_IF_ZERO_VALUE), CEL, and formats jsonschema checks only with optional
# packages (uri, hostname) or that JSON Schema has no name for (ip).
_NOT_IN_THE_SCHEMA = {
    "string suffix and contains", "uint64 exclusive range (outside)", "int64 gt", "int64 lte",
    "enum not_in the zero value", "a path variable that does not match its pattern", "ignore if zero value: set",
    "message CEL rule (left to the Go server)", "field CEL rule (left to the Go server)",
    "uri", "uri without a scheme", "hostname", "hostname too long a label", "ip",
}


@pytest.mark.parametrize("version", ["3.1", "3.2"])
def test_validation_rules_are_schema_constraints(version: str) -> None:
    """Every valid body of the buf.validate conformance cases fits its request schema, and every
    invalid one is rejected by it, except where no keyword can state the rule."""
    from jsonschema import Draft202012Validator, FormatChecker  # pants: no-infer-dep (openapi-spec-validator brings it)

    root = project_root("validation")
    [text] = render(root, project_files("validation"), f"openapi_format=json,openapi_version={version}").values()
    components = json.loads(text)["components"]
    cases = json.loads(repo_path("testprojects/conformance/validation.json").read_text(encoding="utf-8"))["cases"]
    rejected = 0
    for case in cases:
        if "body" not in case:
            continue
        schema = {"$ref": COMPONENT_PREFIX + case["message"], "components": components}
        errors = [e.message for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(case["body"])]
        if not case["violations"] or case["name"] in _NOT_IN_THE_SCHEMA:
            assert not errors, (case["name"], errors)
        else:
            assert errors, case["name"]
            rejected += 1
    assert rejected >= 30
