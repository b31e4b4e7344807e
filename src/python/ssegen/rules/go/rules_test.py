"""Rule tests of the Go build integration: a RuleRunner with Pants' Go and protobuf Go backends
sets up the build of the package ssegen generates, and reports the mistakes a user can make
clearly. (testprojects/monorepo compiles and tests generated code through Pants for real; these
stop short of compiling, which would build the standard library and protobuf runtime again.)

Needs what `./pants` provides in the environment: Go (PANTS_GOLANG_GO_SEARCH_PATHS), protoc
(PANTS_PROTOC_*) and the module proxy (downloads google.golang.org/protobuf once per run)."""
from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent
from typing import Dict

import pytest  # pants: no-infer-dep (the pytest tool provides it)
from pants.backend.codegen.protobuf.target_types import ProtobufSourcesGeneratorTarget, ProtobufSourceTarget
from pants.backend.codegen.protobuf.target_types import rules as protobuf_target_rules
from pants.backend.experimental.codegen.protobuf.go import register as protobuf_go
from pants.backend.experimental.go import register as go
from pants.backend.go.dependency_inference import GoModuleImportPathsMapping
from pants.backend.go.target_type_rules import GoImportPathMappingRequest
from pants.backend.go.util_rules.build_opts import GoBuildOptions
from pants.backend.go.util_rules.build_pkg import FallibleBuildGoPackageRequest
from pants.backend.go.util_rules.build_pkg_target import BuildGoPackageTargetRequest
from pants.core.util_rules import source_files, stripped_source_files
from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents
from pants.engine.rules import QueryRule
from pants.engine.target import HydratedSources, HydrateSourcesRequest
from pants.testutil.rule_runner import RuleRunner

import ssegen
from ssegen.rules import register as ssegen_backend
from ssegen.rules.go import register as ssegen_go
from ssegen.rules.target_types import SseGoMessagesInputField, SseGoMessagesSourcesField
from ssegen.testing import PANTS_BOOTSTRAP_ENV

GO_MOD = dedent(
    """\
    module example.com/shop

    go 1.23

    require google.golang.org/protobuf v1.36.12
    """
)
GO_SUM = dedent(
    """\
    google.golang.org/protobuf v1.36.12 h1:pJOKDDOyeXErUroCihFAd5LQuwXBSpVnKGrj5o/fwxc=
    google.golang.org/protobuf v1.36.12/go.mod h1:HTf+CrKn2C3g5S8VImy6tdcUvCska2kB7j23XfzDpco=
    """
)


def api_proto(package: str, go_package: str, service: str) -> str:
    return dedent(
        f"""\
        syntax = "proto3";
        package {package};
        import "sebuf/http/annotations.proto";
        option go_package = "{go_package}";
        service {service} {{
          rpc GetItem(GetItemRequest) returns (Item) {{
            option (sebuf.http.config) = {{path: "/items/{{id}}" method: HTTP_METHOD_GET}};
          }}
          rpc WatchItems(WatchItemsRequest) returns (stream Item);
        }}
        message GetItemRequest {{ string id = 1; }}
        message WatchItemsRequest {{ string prefix = 1; }}
        message Item {{ string id = 1; int64 stock = 2; }}
        """
    )


def annotation_protos() -> Dict[str, str]:
    """The sebuf.http protos ssegen ships, as protobuf_sources (Pants' protoc needs them)."""
    root = Path(ssegen.__file__).parent / "protos" / "sebuf" / "http"
    files = {f"protos/sebuf/http/{p.name}": p.read_text() for p in sorted(root.glob("*.proto"))}
    assert files, f"no protos in {root}"
    files["protos/sebuf/http/BUILD"] = "protobuf_sources()\n"
    return files


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *go.rules(),
            *protobuf_go.rules(),
            *ssegen_backend.rules(),
            *ssegen_go.rules(),
            *source_files.rules(),
            *stripped_source_files.rules(),
            *protobuf_target_rules(),
            QueryRule(FallibleBuildGoPackageRequest, [BuildGoPackageTargetRequest]),
            QueryRule(GoModuleImportPathsMapping, [GoImportPathMappingRequest]),
            QueryRule(HydratedSources, [HydrateSourcesRequest]),
            QueryRule(DigestContents, [Digest]),
        ],
        target_types=[
            *go.target_types(),
            *protobuf_go.target_types(),
            *ssegen_backend.target_types(),
            ProtobufSourcesGeneratorTarget,
            ProtobufSourceTarget,
        ],
        ca_certs_path=os.environ.get("PANTS_CA_CERTS_PATH"),
    )
    # RuleRunner ignores pants.toml: pass what ./pants and pants.toml set.
    rule_runner.set_options(
        [
            "--source-root-patterns=['/protos']",
            "--subprocess-environment-env-vars=['PIP_CONFIG_FILE=/dev/null']",
            "--golang-cgo-enabled=false",
            "--golang-subprocess-env-vars=['PATH', 'GOPROXY', 'GOSUMDB=off', 'SSL_CERT_FILE', 'SSL_CERT_DIR']",
        ],
        env_inherit={
            *PANTS_BOOTSTRAP_ENV,
            "GOPROXY",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "PANTS_PROTOC_VERSION",
            "PANTS_PROTOC_KNOWN_VERSIONS",
            "PANTS_PROTOC_URL_TEMPLATE",
            "PANTS_GOLANG_GO_SEARCH_PATHS",
        },
    )
    return rule_runner


def setup_build(rule_runner: RuleRunner, files: Dict[str, str], address: Address) -> FallibleBuildGoPackageRequest:
    rule_runner.write_files({"BUILD": "go_mod(name='mod')\n", "go.mod": GO_MOD, "go.sum": GO_SUM, **annotation_protos(), **files})
    return rule_runner.request(
        FallibleBuildGoPackageRequest, [BuildGoPackageTargetRequest(address, build_opts=GoBuildOptions(cgo_enabled=False))]
    )


API = Address("protos/shop/v1", target_name="api", generated_name="go")
API_MESSAGES = Address("protos/shop/v1", target_name="api", generated_name="go_messages")


def test_sets_up_the_generated_package_against_the_protobuf_messages(rule_runner: RuleRunner) -> None:
    fallible = setup_build(
        rule_runner,
        {
            "protos/shop/v1/shop.proto": api_proto("shop.v1", "example.com/shop/gen/shopv1", "ShopService"),
            "protos/shop/v1/BUILD": "protobuf_sources(name='messages')\nsse_proto_library(name='api')\n",
        },
        API,
    )
    assert fallible.request is not None, fallible.stderr
    assert fallible.import_path == "example.com/shop/gen/shopv1/shopv1http"
    assert fallible.request.pkg_name == "shopv1http"
    assert {d.import_path for d in fallible.request.direct_dependencies} >= {
        "example.com/shop/gen/shopv1",
        "google.golang.org/protobuf/encoding/protojson",
        "net/http",
    }

    mapping = rule_runner.request(GoModuleImportPathsMapping, [GoImportPathMappingRequest(Address("", target_name="mod"))])
    assert mapping.mapping["example.com/shop/gen/shopv1/shopv1http"].addresses == (API,)
    assert mapping.address_to_import_path[API] == "example.com/shop/gen/shopv1/shopv1http"


def test_messages_without_protobuf_sources_are_generated_by_ssegen(rule_runner: RuleRunner) -> None:
    fallible = setup_build(
        rule_runner,
        {
            "protos/shop/v1/shop.proto": api_proto("shop.v1", "example.com/shop/gen/shopv1", "ShopService"),
            "protos/shop/v1/BUILD": "sse_proto_library(name='api')\n",
        },
        API,
    )
    assert fallible.request is not None, fallible.stderr
    (messages,) = [d for d in fallible.request.direct_dependencies if d.import_path == "example.com/shop/gen/shopv1"]
    assert messages.pkg_name == "shopv1" and messages.go_files == ("shop.pb.go",)
    mapping = rule_runner.request(GoModuleImportPathsMapping, [GoImportPathMappingRequest(Address("", target_name="mod"))])
    assert mapping.mapping["example.com/shop/gen/shopv1"].addresses == (API_MESSAGES,)


def test_messages_are_generated_without_targets_for_the_annotation_protos(rule_runner: RuleRunner) -> None:
    # As in a repo that only exports the generated code: no protobuf_sources for sebuf/http, whose
    # protos ssegen ships; protoc gets those.
    rule_runner.write_files({
        "BUILD": "go_mod(name='mod')\n", "go.mod": GO_MOD, "go.sum": GO_SUM, "protos/sebuf/http/BUILD": "",
        "protos/shop/v1/shop.proto": api_proto("shop.v1", "example.com/shop/gen/shopv1", "ShopService"),
        "protos/shop/v1/BUILD": "sse_proto_library(name='api')\n",
    })
    tgt = rule_runner.get_target(API_MESSAGES)
    generated = rule_runner.request(
        HydratedSources,
        [HydrateSourcesRequest(tgt[SseGoMessagesInputField], for_sources_types=(SseGoMessagesSourcesField,), enable_codegen=True)],
    )
    assert generated.snapshot.files == ("protos/shop/v1/shop.pb.go",)
    text = rule_runner.request(DigestContents, [generated.snapshot.digest])[0].content.decode()
    assert "\npackage shopv1\n" in text and '"github.com/SebastienMelki/sebuf/http"' in text


def test_a_module_go_mod_lacks_is_reported(rule_runner: RuleRunner) -> None:
    fallible = setup_build(
        rule_runner,
        {
            "go.mod": "module example.com/shop\n\ngo 1.23\n",
            "go.sum": "",
            "protos/shop/v1/shop.proto": api_proto("shop.v1", "example.com/shop/gen/shopv1", "ShopService"),
            "protos/shop/v1/BUILD": "protobuf_sources(name='messages')\nsse_proto_library(name='api')\n",
        },
        API,
    )
    assert fallible.request is None
    assert fallible.stderr.startswith(
        "The Go code generated for protos/shop/v1:api#go imports packages no target of //:mod provides: "
        "google.golang.org/protobuf/encoding/protojson, "
    ), fallible.stderr
    assert fallible.stderr.endswith(
        "    fix: require their module in go.mod (google.golang.org/protobuf; buf.build/go/protovalidate when "
        "the protos use buf.validate); for the messages of protos outside any sse_proto_library, add "
        "`protobuf_sources` for them (with `pants.backend.experimental.codegen.protobuf.go` enabled)."
    ), fallible.stderr


def test_a_library_of_two_go_packages_is_reported(rule_runner: RuleRunner) -> None:
    fallible = setup_build(
        rule_runner,
        {
            "protos/shop/v1/shop.proto": api_proto("shop.v1", "example.com/shop/gen/shopv1", "ShopService"),
            "protos/shop/v1/stock/stock.proto": api_proto("shop.v1.stock", "example.com/shop/gen/stockv1", "StockService"),
            "protos/shop/v1/BUILD": "protobuf_sources(name='messages', sources=['**/*.proto'])\n"
            "sse_proto_library(name='api', sources=['**/*.proto'])\n",
        },
        API,
    )
    assert fallible.request is None
    assert fallible.stderr == (
        "protos/shop/v1:api#go must generate exactly one Go package to be built by Pants; it generates: "
        "example.com/shop/gen/shopv1/shopv1http, example.com/shop/gen/stockv1/stockv1http.\n"
        "    fix: split the sse_proto_library so that each one's protos with services share one go_package."
    )


def test_go_package_prefix_and_overrides_give_the_import_paths(rule_runner: RuleRunner) -> None:
    # The protos have no go_package: the prefix (buf managed mode) and an override supply it.
    no_option = api_proto("shop.v1", "", "ShopService").replace('option go_package = "";\n', "")
    stock = api_proto("stock.v2", "", "StockService").replace('option go_package = "";\n', "")
    rule_runner.write_files({
        "BUILD": "go_mod(name='mod')\n", "go.mod": GO_MOD, "go.sum": GO_SUM, **annotation_protos(),
        "protos/shop/v1/shop.proto": no_option,
        "protos/shop/v1/BUILD": "sse_proto_library(name='api', go_package_prefix='example.com/shop/gen')\n",
        "protos/stock/v2/stock.proto": stock,
        "protos/stock/v2/BUILD": "sse_proto_library(name='api', go_package_prefix='example.com/shop/gen', "
        "go_package_overrides={'stock/v2/stock.proto': 'example.com/shop/stock;stockpb'})\n",
    })
    mapping = rule_runner.request(GoModuleImportPathsMapping, [GoImportPathMappingRequest(Address("", target_name="mod"))])
    assert mapping.address_to_import_path[API] == "example.com/shop/gen/shop/v1/shopv1http"
    stock_api = Address("protos/stock/v2", target_name="api", generated_name="go")
    assert mapping.address_to_import_path[stock_api] == "example.com/shop/stock/stockpbhttp"
    # protoc-gen-go's messages of the remapped files are ssegen's to build, at the same go_package.
    assert mapping.address_to_import_path[API_MESSAGES] == "example.com/shop/gen/shop/v1"
    stock_messages = Address("protos/stock/v2", target_name="api", generated_name="go_messages")
    assert mapping.address_to_import_path[stock_messages] == "example.com/shop/stock"


def test_messages_of_a_proto_without_go_package_are_generated_at_the_prefixed_import_path(rule_runner: RuleRunner) -> None:
    no_option = api_proto("shop.v1", "", "ShopService").replace('option go_package = "";\n', "")
    fallible = setup_build(
        rule_runner,
        {
            "protos/shop/v1/shop.proto": no_option,
            "protos/shop/v1/BUILD": "sse_proto_library(name='api', go_package_prefix='example.com/shop/gen')\n",
        },
        API,
    )
    assert fallible.request is not None, fallible.stderr
    (messages,) = [d for d in fallible.request.direct_dependencies if d.import_path == "example.com/shop/gen/shop/v1"]
    assert messages.pkg_name == "shopv1"
    assert messages.go_files == ("shop.pb.go",)
    # The messages import the annotations' Go package (protoc-gen-go imports every dependency).
    assert "github.com/SebastienMelki/sebuf/http" in {d.import_path for d in messages.direct_dependencies}


def test_without_the_prefix_no_target_provides_the_messages(rule_runner: RuleRunner) -> None:
    no_option = api_proto("shop.v1", "", "ShopService").replace('option go_package = "";\n', "")
    rule_runner.write_files({
        "BUILD": "go_mod(name='mod')\n", "go.mod": GO_MOD, "go.sum": GO_SUM, **annotation_protos(),
        "protos/shop/v1/shop.proto": no_option,
        "protos/shop/v1/BUILD": "sse_proto_library(name='api')\n",
    })
    mapping = rule_runner.request(GoModuleImportPathsMapping, [GoImportPathMappingRequest(Address("", target_name="mod"))])
    assert API_MESSAGES not in mapping.address_to_import_path
    assert "example.com/shop/gen/shop/v1" not in mapping.mapping


def test_files_with_their_own_go_package_keep_the_protobuf_backends_messages(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({
        "BUILD": "go_mod(name='mod')\n", "go.mod": GO_MOD, "go.sum": GO_SUM, **annotation_protos(),
        "protos/shop/v1/shop.proto": api_proto("shop.v1", "example.com/shop/gen/shopv1", "ShopService"),
        "protos/shop/v1/BUILD": "protobuf_sources(name='messages')\n"
        "sse_proto_library(name='api', go_package_prefix='example.com/other')\n",
    })
    mapping = rule_runner.request(GoModuleImportPathsMapping, [GoImportPathMappingRequest(Address("", target_name="mod"))])
    assert mapping.mapping["example.com/shop/gen/shopv1"].addresses == (
        Address("protos/shop/v1", target_name="messages", relative_file_path="shop.proto"),
    )
    assert API_MESSAGES not in mapping.address_to_import_path
