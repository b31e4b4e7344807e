"""Rule tests: the plugin's targets, codegen, dependency inference and errors, run by a real
Pants engine (RuleRunner) in a scratch build root."""
from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent
from typing import Dict

import pytest  # pants: no-infer-dep (the pytest tool provides it)
from pants.backend.codegen.protobuf.target_types import ProtobufSourcesGeneratorTarget, ProtobufSourceTarget
from pants.backend.codegen.protobuf.target_types import rules as protobuf_target_rules
from pants.core.goals.tailor import AllOwnedSources, PutativeTarget, PutativeTargets
from pants.core.util_rules import source_files, stripped_source_files
from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.engine.target import HydratedSources, HydrateSourcesRequest, InferredDependencies, SourcesField
from pants.testutil.rule_runner import RuleRunner

from ssegen.rules import register
from ssegen.rules.dependency_inference import InferSseProtoDependencies, SseProtoInferenceFieldSet
from ssegen.rules.subsystem import SsegenSubsystem
from ssegen.rules.tailor import PutativeSseProtoTargetsRequest
from ssegen.testing import PANTS_BOOTSTRAP_ENV
from ssegen.rules.target_types import (
    SseGoSourcesField,
    SseProtoLibraryTarget,
    SseOpenApiSourcesField,
    SseProtoGoTarget,
    SseProtoOpenApiTarget,
    SseProtoTsTarget,
    SseTypeScriptSourcesField,
)

INVALID_CASES = Path("testprojects/invalid/proto")


def configure(rule_runner: RuleRunner, *extra_args: str) -> None:
    # RuleRunner ignores pants.toml: pass what ./pants and pants.toml set, pex-cli in particular.
    rule_runner.set_options(
        [
            "--source-root-patterns=['/src/protos', '/testprojects/*/proto']",
            "--subprocess-environment-env-vars=['PIP_CONFIG_FILE=/dev/null']",
            *extra_args,
        ],
        env_inherit=set(PANTS_BOOTSTRAP_ENV),
    )


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *source_files.rules(),
            *stripped_source_files.rules(),
            *protobuf_target_rules(),
            QueryRule(HydratedSources, [HydrateSourcesRequest]),
            QueryRule(DigestContents, [Digest]),
            QueryRule(InferredDependencies, [InferSseProtoDependencies]),
            QueryRule(SsegenSubsystem, []),
            QueryRule(PutativeTargets, [PutativeSseProtoTargetsRequest, AllOwnedSources]),
        ],
        target_types=[*register.target_types(), ProtobufSourcesGeneratorTarget, ProtobufSourceTarget],
        ca_certs_path=os.environ.get("PANTS_CA_CERTS_PATH"),
    )
    configure(rule_runner)
    return rule_runner


def generate(rule_runner: RuleRunner, address: Address, output_type: type) -> Dict[str, str]:
    target = rule_runner.get_target(address)
    hydrated = rule_runner.request(
        HydratedSources,
        [HydrateSourcesRequest(target[SourcesField], for_sources_types=(output_type,), enable_codegen=True)],
    )
    contents = rule_runner.request(DigestContents, [hydrated.snapshot.digest])
    return {fc.path: fc.content.decode() for fc in contents}


def generate_openapi(rule_runner: RuleRunner, address: Address) -> Dict[str, str]:
    return generate(rule_runner, address, SseOpenApiSourcesField)


MONEY_PROTO = dedent(
    """\
    syntax = "proto3";
    package shop.money;
    option go_package = "example.com/shop/money;moneyv1";
    message Money { string currency = 1; int64 units = 2; }
    """
)
LEGACY_PROTO = dedent(
    """\
    syntax = "proto3";
    package legacy;
    option go_package = "example.com/legacy;legacy";
    message Tag { string name = 1; }
    """
)
SHOP_PROTO = dedent(
    """\
    syntax = "proto3";
    package shop.api;
    option go_package = "example.com/shop/api;apiv1";
    import "google/protobuf/timestamp.proto";
    import "legacy/tag.proto";
    import "sebuf/http/annotations.proto";
    import "shop/money/money.proto";

    service PriceService {
      option (sebuf.http.service_config) = { base_path: "/v1" };
      rpc GetPrice(GetPriceRequest) returns (Price) {
        option (sebuf.http.config) = { path: "/prices/{sku}" method: HTTP_METHOD_GET };
      }
      rpc WatchPrices(GetPriceRequest) returns (stream Price);
    }
    message GetPriceRequest { string sku = 1; }
    message Price {
      shop.money.Money amount = 1;
      google.protobuf.Timestamp at = 2;
      repeated legacy.Tag tags = 3;
    }
    """
)


def write_shop(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "src/protos/shop/money/money.proto": MONEY_PROTO,
            "src/protos/shop/money/BUILD": "sse_proto_library(name='money')\n",
            "src/protos/legacy/tag.proto": LEGACY_PROTO,
            "src/protos/legacy/BUILD": "protobuf_sources(name='legacy')\n",
            "src/protos/shop/api/price.proto": SHOP_PROTO,
            "src/protos/shop/api/BUILD": "sse_proto_library(name='api')\n",
        }
    )


def test_library_generates_one_target_per_language(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    for language, target_type in (("go", SseProtoGoTarget), ("ts", SseProtoTsTarget), ("openapi", SseProtoOpenApiTarget)):
        address = Address("src/protos/shop/api", target_name="api", generated_name=language)
        assert isinstance(rule_runner.get_target(address), target_type)
    rule_runner.write_files({"src/protos/shop/api/BUILD": "sse_proto_library(name='api', outputs=['go_client'])\n"})
    assert isinstance(
        rule_runner.get_target(Address("src/protos/shop/api", target_name="api", generated_name="go")), SseProtoGoTarget
    )
    with pytest.raises(ExecutionError):
        rule_runner.get_target(Address("src/protos/shop/api", target_name="api", generated_name="ts"))


def test_each_language_target_gets_its_own_files(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    api = "src/protos/shop/api"
    go = generate(rule_runner, Address(api, target_name="api", generated_name="go"), SseGoSourcesField)
    assert sorted(go) == [
        f"{api}/apiv1http/{name}"
        for name in ("price_client.ssegen.go", "price_server.ssegen.go", "ssegen_client.go", "ssegen_errors.go", "ssegen_server.go")
    ]
    assert "package apiv1http" in go[f"{api}/apiv1http/price_server.ssegen.go"]
    ts = generate(rule_runner, Address(api, target_name="api", generated_name="ts"), SseTypeScriptSourcesField)
    assert f"{api}/price.client.ts" in ts and f"{api}/price.server.ts" in ts and f"{api}/price.ts" in ts
    assert all(path.endswith(".ts") for path in ts)


def test_codegen_resolves_imports_across_targets(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    files = generate_openapi(rule_runner, Address("src/protos/shop/api", target_name="api", generated_name="openapi"))
    # Only the library's own file is generated from, and the source root is restored.
    assert list(files) == ["src/protos/shop/api/PriceService.openapi.yaml"]
    document = files["src/protos/shop/api/PriceService.openapi.yaml"]
    for schema in ("shop.money.Money:", "legacy.Tag:", "shop.api.Price:"):
        assert schema in document
    assert "format: date-time" in document
    assert "/v1/prices/{sku}:" in document
    assert "/v1/watch_prices:" in document and "text/event-stream" in document


def test_message_only_library_generates_nothing(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    assert generate_openapi(rule_runner, Address("src/protos/shop/money", target_name="money", generated_name="openapi")) == {}


def test_options_reach_the_generator(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    rule_runner.write_files(
        {"src/protos/shop/api/BUILD": "sse_proto_library(name='api', openapi_bundle=True, openapi_format='json', "
         "openapi_bundle_name='shop', openapi_version='3.2')\n"}
    )
    files = generate_openapi(rule_runner, Address("src/protos/shop/api", target_name="api", generated_name="openapi"))
    assert list(files) == ["src/protos/shop/api/shop.json"]
    assert '"openapi": "3.2.0"' in files["src/protos/shop/api/shop.json"]
    assert '"operationId": "PriceService_GetPrice"' in files["src/protos/shop/api/shop.json"]


def test_dependencies_are_inferred_from_imports(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    target = rule_runner.get_target(Address("src/protos/shop/api", target_name="api", generated_name="openapi"))
    inferred = rule_runner.request(
        InferredDependencies, [InferSseProtoDependencies(SseProtoInferenceFieldSet.create(target))]
    )
    assert set(inferred.include) == {
        Address("src/protos/shop/money", target_name="money", generated_name="openapi"),
        Address("src/protos/legacy", target_name="legacy", relative_file_path="tag.proto"),
    }


def test_dependency_inference_can_be_disabled(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    target = rule_runner.get_target(Address("src/protos/shop/api", target_name="api", generated_name="openapi"))
    configure(rule_runner, "--no-ssegen-dependency-inference")
    try:
        inferred = rule_runner.request(
            InferredDependencies, [InferSseProtoDependencies(SseProtoInferenceFieldSet.create(target))]
        )
    finally:
        configure(rule_runner)
    assert not inferred.include


def test_missing_import_names_the_file(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "src/protos/broken/broken.proto": 'syntax = "proto3";\npackage broken;\nimport "nowhere/x.proto";\n',
            "src/protos/broken/BUILD": "sse_proto_library(name='broken')\n",
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate_openapi(rule_runner, Address("src/protos/broken", target_name="broken", generated_name="openapi"))
    message = str(error.value)
    assert "src/protos/broken/broken.proto:3:1: Import \"nowhere/x.proto\" was not found" in message
    assert "Traceback" not in message.split("ssegen could not generate code")[1]


@pytest.mark.parametrize("case", sorted(p.name for p in INVALID_CASES.iterdir()) if INVALID_CASES.is_dir() else [])
def test_invalid_case_fails_with_its_message(rule_runner: RuleRunner, case: str) -> None:
    directory = INVALID_CASES / case
    rule_runner.write_files(
        {
            # Bytes: a case may hold bytes that are not UTF-8 on purpose.
            str(directory / f"{case}.proto"): (directory / f"{case}.proto").read_bytes(),
            str(directory / "BUILD"): f"sse_proto_library(name='{case}')\n",
        }
    )
    expected = (directory / "expected_error.txt").read_text().strip()
    with pytest.raises(ExecutionError) as error:
        generate_openapi(rule_runner, Address(str(directory), target_name=case, generated_name="openapi"))
    message = str(error.value)
    assert f"ssegen could not generate code:\n{expected}\n" in message + "\n"


def test_sources_matching_nothing_name_the_target(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"src/protos/empty/BUILD": "sse_proto_library(name='empty', sources=['nothing/*.proto'])\n"})
    try:
        with pytest.raises(ExecutionError) as error:
            generate_openapi(rule_runner, Address("src/protos/empty", target_name="empty", generated_name="openapi"))
    finally:
        # The shared workspace must not keep a target that fails every run.
        rule_runner.write_files({"src/protos/empty/BUILD": ""})
    message = str(error.value)
    expected = "src/protos/empty#openapi: `sources` (nothing/*.proto) matches no .proto file.\n    fix: point `sources`"
    assert expected in message, message
    assert "usage:" not in message, message


def test_message_too_large_for_the_runtime_is_a_located_error(rule_runner: RuleRunner) -> None:
    fields = "\n".join(f"  string field_{i} = {i};" for i in range(1, 4201))
    rule_runner.write_files(
        {
            "src/protos/wide/wide.proto": f'syntax = "proto3";\npackage wide;\nmessage Wide {{\n{fields}\n}}\n',
            "src/protos/wide/BUILD": "sse_proto_library(name='wide')\n",
        }
    )
    with pytest.raises(ExecutionError) as error:
        generate_openapi(rule_runner, Address("src/protos/wide", target_name="wide", generated_name="openapi"))
    message = str(error.value)
    assert "src/protos/wide/wide.proto:3:1: error: message wide.Wide: the message has 4200 fields" in message, message
    assert "fix: split the message" in message
    assert "Traceback" not in message.split("ssegen could not generate code")[1]


def test_invalid_cases_are_present() -> None:
    cases = sorted(p.name for p in INVALID_CASES.iterdir())
    assert len(cases) >= 20
    for case in cases:
        assert (INVALID_CASES / case / "expected_error.txt").read_text().strip(), case


def test_tool_pins_match_the_repo_constraints(rule_runner: RuleRunner) -> None:
    """The tool PEX and the repo's own tests use the same versions of the generator's packages."""
    constraints = {
        line.split("==")[0].lower(): line.strip()
        for line in Path("3rdparty/python/constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    subsystem = rule_runner.request(SsegenSubsystem, [])
    for requirement in subsystem.requirements:
        name = requirement.split("==")[0].lower()
        if name in TOOL_ONLY_PINS:
            continue
        assert constraints.get(name) == requirement, f"{requirement} vs constraints.txt {constraints.get(name)}"


# Pins the tool PEX does not share with the repo's resolve, which pantsbuild.pants 2.17 holds back.
TOOL_ONLY_PINS = {"setuptools": (78, 1, 1)}  # the oldest without CVE-2022-40897, -2024-6345, -2025-47273


def test_tool_only_pins_have_the_advisory_fixes(rule_runner: RuleRunner) -> None:
    pins = {r.split("==")[0].lower(): r.split("==")[1] for r in rule_runner.request(SsegenSubsystem, []).requirements}
    for name, fixed in TOOL_ONLY_PINS.items():
        assert tuple(int(part) for part in pins[name].split(".")) >= fixed, f"{name}=={pins[name]}"


def test_tailor_proposes_libraries_for_annotated_protos(rule_runner: RuleRunner) -> None:
    annotated = 'syntax = "proto3";\nimport "sebuf/http/annotations.proto";\n'
    rule_runner.write_files(
        {
            "protos/api/a.proto": annotated,
            "protos/api/b.proto": annotated,
            "protos/owned/c.proto": annotated,
            "protos/plain/d.proto": 'syntax = "proto3";\nmessage D {}\n',
        }
    )
    request = PutativeSseProtoTargetsRequest(("protos/api", "protos/owned", "protos/plain"))
    owned = AllOwnedSources(["protos/owned/c.proto"])
    assert rule_runner.request(PutativeTargets, [request, owned]) == PutativeTargets()  # off by default
    configure(rule_runner, "--ssegen-tailor")
    try:
        proposed = rule_runner.request(PutativeTargets, [request, owned])
    finally:
        configure(rule_runner)
    assert proposed == PutativeTargets(
        [PutativeTarget.for_target_type(SseProtoLibraryTarget, "protos/api", "api", ["a.proto", "b.proto"])]
    )


def test_two_libraries_generating_code_from_one_proto_is_an_error(rule_runner: RuleRunner) -> None:
    write_shop(rule_runner)
    rule_runner.write_files(
        {"src/protos/shop/api/BUILD": "sse_proto_library(name='api')\nsse_proto_library(name='copy', outputs=['ts_client'])\n"}
    )
    with pytest.raises(ExecutionError) as error:
        generate(rule_runner, Address("src/protos/shop/api", target_name="api", generated_name="ts"), SseTypeScriptSourcesField)
    api = Address("src/protos/shop/api", target_name="api", generated_name="ts")
    copy = Address("src/protos/shop/api", target_name="copy", generated_name="ts")
    assert (
        f"src/protos/shop/api/price.proto belongs to {api} and {copy}: each would generate its ts code, into the "
        "same files." in str(error.value)
    )
    # Languages that do not collide are unaffected.
    assert generate(rule_runner, Address("src/protos/shop/api", target_name="api", generated_name="go"), SseGoSourcesField)


def test_go_package_prefix_reaches_the_generator(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({
        "src/protos/chat/v1/chat.proto": dedent(
            """\
            syntax = "proto3";
            package chat.v1;
            import "sebuf/http/annotations.proto";
            service ChatService { rpc Ping(PingRequest) returns (PingRequest); }
            message PingRequest {}
            """
        ),
        "src/protos/chat/v1/BUILD": "sse_proto_library(name='chat', outputs=['go_server'], "
        "go_package_prefix='example.com/gen')\n",
    })
    files = generate(rule_runner, Address("src/protos/chat/v1", target_name="chat", generated_name="go"), SseGoSourcesField)
    server = files["src/protos/chat/v1/chatv1http/chat_server.ssegen.go"]
    assert 'chatv1 "example.com/gen/chat/v1"' in server
    assert '"POST /chatv1/ping"' in server
