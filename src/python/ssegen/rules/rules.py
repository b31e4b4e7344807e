"""Codegen rules: one generator process per library, shared by every language target it generates."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import PurePath
from typing import Dict, List, Tuple

import ssegen
from pants.backend.codegen.protobuf.target_types import ProtobufSourceField
from pants.backend.python.target_types import EntryPoint
from pants.backend.python.util_rules import pex
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.backend.python.util_rules.pex_requirements import PexRequirements
from pants.core.util_rules.environments import EnvironmentNameRequest
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.core.util_rules.stripped_source_files import StrippedSourceFiles
from pants.engine.addresses import Address
from pants.engine.environment import EnvironmentName
from pants.engine.fs import AddPrefix, CreateDigest, Digest, DigestSubset, FileContent, PathGlobs, RemovePrefix, Snapshot
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    GeneratedSources,
    GeneratedTargets,
    GenerateSourcesRequest,
    GenerateTargetsRequest,
    SourcesField,
    TransitiveTargets,
    TransitiveTargetsRequest,
)
from pants.engine.unions import UnionMembership, UnionRule
from pants.source.source_root import SourceRoot, SourceRootRequest, SourceRootsRequest, SourceRootsResult
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from ssegen.errors import to_source_paths
from ssegen.rules.dependency_inference import SseProtoImportMapping
from ssegen.rules.subsystem import SsegenSubsystem
from ssegen.rules.target_types import (
    LANGUAGE_TARGETS,
    GeneratorOptionField,
    SseGoInputField,
    SseGoPackageOverridesField,
    SseGoPackagePrefixField,
    SseGoSourcesField,
    SseOpenApiInputField,
    SseOpenApiSourcesField,
    SseOutputsField,
    SseProtoGoMessagesTarget,
    SseProtoLibrarySourcesField,
    SseProtoLibraryTarget,
    SseProtoSourcesField,
    SseTsInputField,
    SseTypeScriptSourcesField,
    languages_of,
)

_OUT = "__ssegen_out"

logger = logging.getLogger(__name__)


class SsegenGenerationFailed(Exception):
    """The protos or their annotations have a problem; the message says where and how to fix it."""


@dataclass(frozen=True)
class SsegenTool:
    pex: VenvPex


def generator_files() -> List[Tuple[str, bytes]]:
    """(path in the PEX, content) of the generator: its modules, templates and bundled protos, in
    a stable order.

    Only these are shipped: the plugin, tests and test helpers stay out, so the tool PEX (and so
    every codegen cache key) does not change when only they do. Reading them outside the engine is
    sound: pantsd restarts when a file on the pythonpath changes, and an installed wheel's do not.
    """
    root = os.path.dirname(os.path.abspath(ssegen.__file__))
    paths = [
        os.path.join(root, name)
        for name in os.listdir(root)
        if name.endswith(".py") and not name.endswith("_test.py") and name != "conftest.py"
    ]
    for subdir, suffix in (("templates", ".mako"), ("protos", ".proto")):
        for directory, _, names in os.walk(os.path.join(root, subdir), followlinks=True):
            paths.extend(os.path.join(directory, name) for name in names if name.endswith(suffix))
    files = []
    for path in sorted(paths):
        with open(path, "rb") as f:
            files.append((os.path.join("ssegen", os.path.relpath(path, root)), f.read()))
    return files


@rule(desc="Build the ssegen generator", level=LogLevel.DEBUG)
async def build_ssegen_tool(subsystem: SsegenSubsystem) -> SsegenTool:
    sources = await Get(Digest, CreateDigest(FileContent(path, content) for path, content in generator_files()))
    venv_pex = await Get(
        VenvPex,
        PexRequest(
            output_filename="ssegen.pex",
            internal_only=True,
            requirements=PexRequirements(subsystem.requirements, description_of_origin="[ssegen].requirements"),
            interpreter_constraints=InterpreterConstraints(subsystem.interpreter_constraints),
            main=EntryPoint("ssegen.cli"),
            sources=sources,
        ),
    )
    return SsegenTool(venv_pex)


@dataclass(frozen=True)
class SsegenRunRequest:
    """One generator run. Holds content only (no target address, no language), so all language
    targets of a library share one process, and identical inputs share cache entries."""

    protos: Digest  # every proto the files import, transitively, at their import paths
    files: Tuple[str, ...]  # the files to generate from, as import paths
    parameter: str
    # Import path -> path in the repo, to point error messages at the file the user edits.
    repo_paths: FrozenDict[str, str]


@dataclass(frozen=True)
class SsegenRunResult:
    output: Digest  # <output name>/<import path dir>/<file>


@dataclass(frozen=True)
class _SsegenProcessRequest:
    """A generator run in the environment the rule graph is in (see run_ssegen)."""

    run: SsegenRunRequest


@rule(desc="Generate with ssegen", level=LogLevel.DEBUG)
async def run_ssegen(request: SsegenRunRequest, subsystem: SsegenSubsystem) -> SsegenRunResult:
    if subsystem.environment is None:
        return await Get(SsegenRunResult, _SsegenProcessRequest(request))
    # The tool PEX and the generator process both run in the chosen environment: the PEX's
    # interpreter is the one that environment finds.
    environment = await Get(
        EnvironmentName,
        EnvironmentNameRequest(subsystem.environment, description_of_origin="the option `[ssegen].environment`"),
    )
    return await Get(SsegenRunResult, {_SsegenProcessRequest(request): _SsegenProcessRequest, environment: EnvironmentName})


@rule(desc="Generate with ssegen", level=LogLevel.DEBUG)
async def run_ssegen_process(process: _SsegenProcessRequest, tool: SsegenTool) -> SsegenRunResult:
    request = process.run
    result = await Get(
        FallibleProcessResult,
        VenvPexProcess(
            tool.pex,
            argv=("--out", _OUT, "--param", request.parameter, *request.files),
            input_digest=request.protos,
            output_directories=(_OUT,),
            description=f"Generate with ssegen from {', '.join(sorted(request.repo_paths[f] for f in request.files))}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        message = to_source_paths(result.stderr.decode(errors="replace").strip(), request.repo_paths)
        raise SsegenGenerationFailed(f"ssegen could not generate code:\n{message}")
    warnings = result.stderr.decode(errors="replace").strip()
    if warnings:
        logger.warning(to_source_paths(warnings, request.repo_paths))
    return SsegenRunResult(await Get(Digest, RemovePrefix(result.output_digest, _OUT)))


def generator_parameter(tgt, default_go_package_prefix: str = "") -> str:
    """The generator options of a target, as the protoc plugin parameter string."""
    items = [f"outputs={o}" for o in tgt[SseOutputsField].value or ()]
    for field in sorted(tgt.field_values.values(), key=lambda f: f.alias):
        if isinstance(field, GeneratorOptionField):
            value = field.value
            items.append(f"{field.option_name}={str(value).lower() if isinstance(value, bool) else value}")
    prefix, overrides = go_package_settings(tgt, default_go_package_prefix)
    if prefix:
        items.append(f"go_package_prefix={prefix}")
    items += [f"M{path}={value}" for path, value in sorted(overrides.items())]
    return ",".join(items)


def go_package_settings(tgt, default_prefix: str) -> Tuple[str, Dict[str, str]]:
    """The target's go_package prefix (its field, else `[ssegen]`'s) and per-file overrides."""
    prefix = tgt[SseGoPackagePrefixField].value
    return (default_prefix if prefix is None else prefix), dict(tgt[SseGoPackageOverridesField].value or {})


async def generate_language(request: GenerateSourcesRequest, language: str, subsystem: SsegenSubsystem) -> GeneratedSources:
    tgt = request.protocol_target
    transitive = await Get(TransitiveTargets, TransitiveTargetsRequest([tgt.address]))
    proto_fields = [
        t[SourcesField]
        for t in transitive.closure
        if t.has_field(SseProtoSourcesField) or t.has_field(ProtobufSourceField)
    ]
    all_sources, own_sources, source_root = await MultiGet(
        Get(SourceFiles, SourceFilesRequest(proto_fields, for_sources_types=(SseProtoSourcesField, ProtobufSourceField))),
        Get(SourceFiles, SourceFilesRequest([tgt[SourcesField]])),
        Get(SourceRoot, SourceRootRequest, SourceRootRequest.for_target(tgt)),
    )
    roots = await Get(SourceRootsResult, SourceRootsRequest, SourceRootsRequest.for_files(all_sources.files))

    def import_path(file: str) -> str:
        root = roots.path_to_root[PurePath(file)].path
        return file if root == "." else str(PurePath(file).relative_to(root))

    repo_paths: Dict[str, str] = {}
    for f in sorted(all_sources.files):
        other = repo_paths.setdefault(import_path(f), f)
        if other != f:
            raise SsegenGenerationFailed(
                f"{tgt.address} sees two files with the import path {import_path(f)}: {other} and {f} (under "
                "different source roots), and protoc can compile only one of them.\n"
                "    fix: give one of the files another path below its source root, or keep the library that owns "
                "one of them out of the other's dependencies."
            )
    to_import_path = {repo: imp for imp, repo in repo_paths.items()}
    stripped = await Get(StrippedSourceFiles, SourceFiles, all_sources)
    own_files = tuple(sorted(to_import_path[f] for f in own_sources.files))
    if language in LANGUAGES_WRITING_PER_FILE:
        await _check_single_owner(tgt.address, tuple(sorted(own_sources.files)), language)
    run = await Get(
        SsegenRunResult,
        SsegenRunRequest(
            protos=stripped.snapshot.digest,
            files=own_files,
            parameter=generator_parameter(tgt, subsystem.go_package_prefix),
            repo_paths=FrozenDict(repo_paths),
        ),
    )
    subset = await Get(Digest, DigestSubset(run.output, PathGlobs([f"{language}/**"])))
    output = await Get(Digest, RemovePrefix(subset, language))
    if source_root.path != ".":
        output = await Get(Digest, AddPrefix(output, source_root.path))
    return GeneratedSources(await Get(Snapshot, Digest, output))


# The target each generated name (`:name#<key>`) is of.
GENERATED_TARGETS = {**LANGUAGE_TARGETS, "go_messages": SseProtoGoMessagesTarget}


# Languages whose output paths follow the proto files, so two targets generating from one file
# write the same files. (OpenAPI documents follow services and options: a bundle next to
# per-service documents is legitimate.)
LANGUAGES_WRITING_PER_FILE = ("go", "ts")


async def _check_single_owner(address: Address, files: Tuple[str, ...], language: str) -> None:
    """No other target generates this language from one of these files (repo paths)."""
    mapping = await Get(SseProtoImportMapping)
    for file in files:
        others = [a for a in mapping.files_by_language.get(language, FrozenDict()).get(file, ()) if a != address]
        if others:
            raise SsegenGenerationFailed(
                f"{file} belongs to {address} and {', '.join(str(a) for a in others)}: each would "
                f"generate its {language} code, into the same files.\n"
                "    fix: let one sse_proto_library own the file (narrow the others' `sources`, e.g. with a "
                "`!file.proto` exclude), or select different `outputs`."
            )


class GenerateSseGoRequest(GenerateSourcesRequest):
    input = SseGoInputField
    output = SseGoSourcesField


@rule(desc="Generate Go with ssegen", level=LogLevel.DEBUG)
async def generate_sse_go(request: GenerateSseGoRequest, subsystem: SsegenSubsystem) -> GeneratedSources:
    return await generate_language(request, "go", subsystem)


class GenerateSseTypeScriptRequest(GenerateSourcesRequest):
    input = SseTsInputField
    output = SseTypeScriptSourcesField


@rule(desc="Generate TypeScript with ssegen", level=LogLevel.DEBUG)
async def generate_sse_typescript(request: GenerateSseTypeScriptRequest, subsystem: SsegenSubsystem) -> GeneratedSources:
    return await generate_language(request, "ts", subsystem)


class GenerateSseOpenApiRequest(GenerateSourcesRequest):
    input = SseOpenApiInputField
    output = SseOpenApiSourcesField


@rule(desc="Generate OpenAPI documents with ssegen", level=LogLevel.DEBUG)
async def generate_sse_openapi(request: GenerateSseOpenApiRequest, subsystem: SsegenSubsystem) -> GeneratedSources:
    return await generate_language(request, "openapi", subsystem)


class GenerateSseProtoLibraryTargets(GenerateTargetsRequest):
    generate_from = SseProtoLibraryTarget


@rule(desc="Generate the language targets of sse_proto_library", level=LogLevel.DEBUG)
async def generate_sse_proto_library_targets(
    request: GenerateSseProtoLibraryTargets, union_membership: UnionMembership
) -> GeneratedTargets:
    generator = request.generator
    targets = []
    languages = languages_of(generator[SseOutputsField].value or ())
    # protoc-gen-go's messages of the files that no protobuf_sources target generates, or whose
    # go_package the prefix or an override gives, are built by ssegen's Go backend (`#go_messages`).
    if "go" in languages:
        languages += ("go_messages",)
    for language in languages:
        cls = GENERATED_TARGETS[language]
        # The template holds every field given to the library; each target takes the ones it has.
        aliases = {f.alias for f in cls.class_field_types(union_membership)}
        fields = {alias: value for alias, value in request.template.items() if alias in aliases}
        fields[SseProtoLibrarySourcesField.alias] = generator[SseProtoLibrarySourcesField].value
        targets.append(
            cls(
                fields,
                request.template_address.create_generated(language),
                union_membership,
                residence_dir=generator.address.spec_path,
            )
        )
    return GeneratedTargets(generator, targets)


def rules():
    return [
        *collect_rules(),
        *pex.rules(),
        UnionRule(GenerateSourcesRequest, GenerateSseGoRequest),
        UnionRule(GenerateSourcesRequest, GenerateSseTypeScriptRequest),
        UnionRule(GenerateSourcesRequest, GenerateSseOpenApiRequest),
        UnionRule(GenerateTargetsRequest, GenerateSseProtoLibraryTargets),
    ]
