"""`[ssegen].environment`: the generator and its tool PEX run in the named environment, not in that
of whatever needs the code. (The remote execution harness shows it with a real remote_environment.)"""
from __future__ import annotations

import os

import pytest  # pants: no-infer-dep (the pytest tool provides it)
from pants.backend.codegen.protobuf.target_types import ProtobufSourcesGeneratorTarget, ProtobufSourceTarget
from pants.backend.codegen.protobuf.target_types import rules as protobuf_target_rules
from pants.core.util_rules.environments import LocalEnvironmentTarget
from pants.core.util_rules import source_files, stripped_source_files
from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.engine.target import HydratedSources, HydrateSourcesRequest
from pants.testutil.rule_runner import RuleRunner

from ssegen.rules import register
from ssegen.rules.rules_test import configure, generate_openapi, write_shop

OPENAPI = Address("src/protos/shop/api", target_name="api", generated_name="openapi")
# An environment in which no interpreter can be found: the tool PEX cannot be built there.
NO_PYTHON = "local_environment(name='no_python', python_bootstrap_search_path=['/nonexistent/ssegen-test'])\n"
NAMES = "--environments-preview-names={'no_python': '//:no_python'}"


@pytest.fixture
def rule_runner() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *source_files.rules(),
            *stripped_source_files.rules(),
            *protobuf_target_rules(),
            QueryRule(HydratedSources, [HydrateSourcesRequest]),
            QueryRule(DigestContents, [Digest]),
        ],
        target_types=[*register.target_types(), ProtobufSourcesGeneratorTarget, ProtobufSourceTarget, LocalEnvironmentTarget],
        ca_certs_path=os.environ.get("PANTS_CA_CERTS_PATH"),
    )
    write_shop(rule_runner)
    rule_runner.write_files({"BUILD": NO_PYTHON})
    return rule_runner


def test_generator_runs_in_the_named_environment(rule_runner: RuleRunner) -> None:
    # Defined but not chosen, the environment changes nothing.
    configure(rule_runner, NAMES)
    assert "openapi: 3.1.0" in generate_openapi(rule_runner, OPENAPI)["src/protos/shop/api/PriceService.openapi.yaml"]

    configure(rule_runner, NAMES, "--ssegen-environment=no_python")
    with pytest.raises(ExecutionError) as error:
        generate_openapi(rule_runner, OPENAPI)
    # The tool PEX looked for its interpreter where that environment says (and found none).
    message = str(error.value)
    assert "Find interpreter for constraints" in message and "No interpreters could be found" in message, message


def test_unknown_environment_names_the_option(rule_runner: RuleRunner) -> None:
    configure(rule_runner, NAMES, "--ssegen-environment=nowhere")
    with pytest.raises(ExecutionError) as error:
        generate_openapi(rule_runner, OPENAPI)
    message = str(error.value)
    assert "Unrecognized environment name `nowhere`" in message
    assert "the option `[ssegen].environment`" in message
