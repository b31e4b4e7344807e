"""protoc-gen-go's messages of the protos of an `sse_proto_library` that no `protobuf_sources`
target generates (`:name#go_messages`).

Pants' protobuf Go backend generates the messages of files that have a `protobuf_sources` target,
at the import path of their own `go_package`. It cannot for files whose go_package comes from
`go_package_prefix` or `go_package_overrides` (it reads the file only), and it fails on files that
import protovalidate's validate.proto when go.mod also provides that package (its own target maps
the same import path). So ssegen generates the messages of a library's files that are remapped, or
that no `protobuf_sources` target covers: the same protoc and the same protoc-gen-go build as that
backend (its plugin setup rule, so both share one cached plugin build), with protoc-gen-go's
`M<file>=<go_package>` flag for every file of the closure that the prefix or an override remaps.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import PurePath
from typing import Dict, List, Tuple

from pants.backend.codegen.protobuf.go.rules import _SetupGoProtocPlugin
from pants.backend.codegen.protobuf.protoc import Protoc
from pants.backend.codegen.protobuf.target_types import AllProtobufTargets, ProtobufSourceField
from pants.core.util_rules.external_tool import DownloadedExternalTool, ExternalToolRequest
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.core.util_rules.stripped_source_files import StrippedSourceFiles
from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_SNAPSHOT, AddPrefix, CreateDigest, Digest, DigestContents, Directory, FileContent, MergeDigests, RemovePrefix, Snapshot
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    GeneratedSources,
    GenerateSourcesRequest,
    SourcesField,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.source.source_root import SourceRoot, SourceRootRequest, SourceRootsRequest, SourceRootsResult
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from ssegen.golayout import effective_go_package_of, remapped_go_package
from ssegen.rules.rules import SsegenGenerationFailed, generator_files, go_package_settings
from ssegen.rules.subsystem import SsegenSubsystem
from ssegen.rules.target_types import SseGoMessagesInputField, SseGoMessagesSourcesField, SseProtoSourcesField

_OUT = "__protoc_gen_go_out"


@functools.lru_cache(maxsize=None)
def bundled_protos() -> Tuple[Tuple[str, bytes], ...]:
    """The annotation protos the generator ships (ssegen/protos), by import path."""
    root = "ssegen/protos/"
    return tuple((path[len(root):], content) for path, content in generator_files() if path.startswith(root))


def remapped_files(contents: DigestContents, prefix: str, overrides: Dict[str, str]) -> Dict[str, str]:
    """Import path -> go_package of the files (at their import paths) that the prefix or an
    override gives another go_package than their own option."""
    remapped = {}
    for content in contents:
        go_package = remapped_go_package(content.content.decode(errors="replace"), content.path, prefix, overrides)
        if go_package:
            remapped[content.path] = go_package
    return remapped


@dataclass(frozen=True)
class SseGoMessageFilesRequest:
    address: Address


@dataclass(frozen=True)
class SseGoMessageFiles:
    """The files of a `#go_messages` target whose messages ssegen generates: import path ->
    go_package (as protoc-gen-go reads the option)."""

    go_packages: FrozenDict[str, str]


@rule(desc="Find the protos whose Go messages ssegen generates", level=LogLevel.DEBUG)
async def sse_go_message_files(
    request: SseGoMessageFilesRequest, subsystem: SsegenSubsystem, protobuf_targets: AllProtobufTargets
) -> SseGoMessageFiles:
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="ssegen Go messages"))
    tgt = wrapped.target
    sources = await Get(SourceFiles, SourceFilesRequest([tgt[SseGoMessagesInputField]]))
    roots, contents = await MultiGet(
        Get(SourceRootsResult, SourceRootsRequest, SourceRootsRequest.for_files(sources.files)),
        Get(DigestContents, Digest, sources.snapshot.digest),
    )
    with_protobuf_sources = {t[ProtobufSourceField].file_path for t in protobuf_targets}
    prefix, overrides = go_package_settings(tgt, subsystem.go_package_prefix)
    go_packages = {}
    for content in contents:
        root = roots.path_to_root[PurePath(content.path)].path
        import_path = content.path if root == "." else os.path.relpath(content.path, root)
        text = content.content.decode(errors="replace")
        if content.path in with_protobuf_sources:
            # Its messages are the protobuf backend's, at its own go_package, unless that is remapped.
            go_package = remapped_go_package(text, import_path, prefix, overrides)
        else:
            go_package = effective_go_package_of(text, import_path, prefix, overrides)
        if go_package:
            go_packages[import_path] = go_package
    return SseGoMessageFiles(FrozenDict(sorted(go_packages.items())))


class GenerateSseGoMessagesRequest(GenerateSourcesRequest):
    input = SseGoMessagesInputField
    output = SseGoMessagesSourcesField


@rule(desc="Generate Go messages with protoc-gen-go for ssegen", level=LogLevel.DEBUG)
async def generate_sse_go_messages(
    request: GenerateSseGoMessagesRequest,
    subsystem: SsegenSubsystem,
    protoc: Protoc,
    go_protoc_plugin: _SetupGoProtocPlugin,
    platform: Platform,
) -> GeneratedSources:
    tgt = request.protocol_target
    transitive = await Get(TransitiveTargets, TransitiveTargetsRequest([tgt.address]))
    proto_fields = [
        t[SourcesField] for t in transitive.closure if t.has_field(SseProtoSourcesField) or t.has_field(ProtobufSourceField)
    ]
    all_protos, to_generate, source_root = await MultiGet(
        Get(StrippedSourceFiles, SourceFilesRequest(proto_fields, for_sources_types=(SseProtoSourcesField, ProtobufSourceField))),
        Get(SseGoMessageFiles, SseGoMessageFilesRequest(tgt.address)),
        Get(SourceRoot, SourceRootRequest, SourceRootRequest.for_target(tgt)),
    )
    if not to_generate.go_packages:
        return GeneratedSources(EMPTY_SNAPSHOT)
    contents = await Get(DigestContents, Digest, all_protos.snapshot.digest)
    prefix, overrides = go_package_settings(tgt, subsystem.go_package_prefix)
    remapped = remapped_files(contents, prefix, overrides)

    # The sebuf.http annotations the protos import need no target for ssegen: protoc gets ssegen's
    # copy when the closure has none (building the messages still needs their Go package).
    bundled = [FileContent(path, content) for path, content in bundled_protos() if path not in all_protos.snapshot.files]
    downloaded_protoc, empty_out = await MultiGet(
        Get(DownloadedExternalTool, ExternalToolRequest, protoc.get_request(platform)),
        Get(Digest, CreateDigest([Directory(_OUT), *bundled])),
    )
    input_digest = await Get(Digest, MergeDigests([all_protos.snapshot.digest, empty_out]))
    protoc_dir, plugin_dir = "__protoc", "__protoc_gen_go"
    argv: List[str] = [
        os.path.join(protoc_dir, downloaded_protoc.exe),
        f"--plugin=go={os.path.join('.', plugin_dir, 'protoc-gen-go')}",
        f"--go_out={_OUT}",
        "--go_opt=paths=source_relative",
        # Every file of the closure protoc-gen-go sees needs an import path, not only those generated.
        *(f"--go_opt=M{path}={go_package}" for path, go_package in sorted(remapped.items())),
        *to_generate.go_packages,
    ]
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=argv,
            # As in Pants' protobuf backend: protoc finds a relative --plugin only on PATH.
            env={"PATH": plugin_dir},
            input_digest=input_digest,
            immutable_input_digests={protoc_dir: downloaded_protoc.digest, plugin_dir: go_protoc_plugin.digest},
            description=f"Generate Go messages with protoc-gen-go from {', '.join(to_generate.go_packages)}",
            level=LogLevel.DEBUG,
            output_directories=(_OUT,),
        ),
    )
    if result.exit_code != 0:
        raise SsegenGenerationFailed(
            f"protoc-gen-go could not generate the Go messages of {tgt.address}:\n"
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    output = await Get(Digest, RemovePrefix(result.output_digest, _OUT))
    if source_root.path != ".":
        output = await Get(Digest, AddPrefix(output, source_root.path))
    return GeneratedSources(await Get(Snapshot, Digest, output))


def rules():
    return [*collect_rules(), UnionRule(GenerateSourcesRequest, GenerateSseGoMessagesRequest)]
