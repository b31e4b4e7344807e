"""Lets Pants' Go backend compile the package ssegen generates (`:name#go`) and infer it.

- `map_sse_go_import_paths` tells each `go_mod` which import path every `#go` target provides
  (`<go_package>/<name>http`, read from the protos), so `go_package`/`go_binary` targets that
  import it get the dependency inferred.
- `build_sse_go_package` turns a `#go` target into a `BuildGoPackageRequest`: the generated files,
  and the packages they import, resolved through the same mapping (the protoc-gen-go messages of
  `protobuf_sources`, `google.golang.org/protobuf` from go.mod, the standard library).
- `#go_messages` targets (see messages.py) are mapped and built the same way, at the import path
  of their protos' go_package (their own, or the one the prefix or an override gives them).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import DefaultDict, Dict, Optional, Set, Tuple, Type

from pants.backend.go.dependency_inference import (
    GoImportPathsMappingAddressSet,
    GoModuleImportPathsMapping,
    GoModuleImportPathsMappings,
    GoModuleImportPathsMappingsHook,
)
from pants.backend.go.target_type_rules import GoImportPathMappingRequest
from pants.backend.go.target_types import GoOwningGoModAddressField, GoThirdPartyPackageDependenciesField
from pants.backend.go.util_rules.build_pkg import BuildGoPackageRequest, FallibleBuildGoPackageRequest
from pants.backend.go.util_rules.build_pkg_target import (
    BuildGoPackageRequestForStdlibRequest,
    BuildGoPackageTargetRequest,
    GoCodegenBuildRequest,
)
from pants.backend.go.util_rules.first_party_pkg import FallibleFirstPartyPkgAnalysis
from pants.backend.go.util_rules.go_mod import (
    AllGoModTargets,
    GoModInfo,
    GoModInfoRequest,
    OwningGoMod,
    OwningGoModRequest,
)
from pants.backend.go.util_rules.import_analysis import GoStdLibPackages, GoStdLibPackagesRequest
from pants.backend.go.util_rules.pkg_analyzer import PackageAnalyzerSetup
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.core.util_rules.stripped_source_files import StrippedSourceFiles
from pants.engine.addresses import Address, Addresses
from pants.engine.fs import Digest, DigestContents, MergeDigests
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    AllTargets,
    HydratedSources,
    HydrateSourcesRequest,
    SourcesField,
    Target,
    Targets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.dirutil import group_by_dir
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from ssegen.golayout import generated_go_package, parse_go_package
from ssegen.rules.go import messages
from ssegen.rules.go.messages import SseGoMessageFiles, SseGoMessageFilesRequest
from ssegen.rules.rules import go_package_settings
from ssegen.rules.subsystem import SsegenSubsystem
from ssegen.rules.target_types import (
    SseGoInputField,
    SseGoMessagesInputField,
    SseGoMessagesSourcesField,
    SseGoSourcesField,
)


@dataclass(frozen=True)
class SseGoImportPathsRequest:
    address: Address


@dataclass(frozen=True)
class SseGoImportPaths:
    """The import paths of the packages a `#go` target generates (one per go_package with services)."""

    import_paths: Tuple[str, ...]


@rule(desc="Read the Go import paths of an ssegen Go target", level=LogLevel.DEBUG)
async def sse_go_import_paths(request: SseGoImportPathsRequest, subsystem: SsegenSubsystem) -> SseGoImportPaths:
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="ssegen Go"))
    tgt = wrapped.target
    if tgt.has_field(SseGoMessagesInputField):
        files = await Get(SseGoMessageFiles, SseGoMessageFilesRequest(tgt.address))
        return SseGoImportPaths(tuple(sorted({parse_go_package(p).import_path for p in files.go_packages.values()})))
    sources = await Get(SourceFiles, SourceFilesRequest([tgt[SseGoInputField]]))
    # Import paths (source-root relative): what go_package_prefix and go_package_overrides key on.
    stripped = await Get(StrippedSourceFiles, SourceFiles, sources)
    contents = await Get(DigestContents, Digest, stripped.snapshot.digest)
    prefix, overrides = go_package_settings(tgt, subsystem.go_package_prefix)
    packages = {
        generated_go_package(c.content.decode(errors="replace"), c.path, prefix, overrides) for c in contents
    }
    return SseGoImportPaths(tuple(sorted(p.http_import_path for p in packages if p is not None)))


async def _owning_go_mod(tgt: Target, all_go_mods: AllGoModTargets) -> Optional[Address]:
    """The go_mod a `#go` target belongs to: its `go_mod_address`, else the nearest go_mod above
    it, else the repo's only go_mod. None when there is no telling: the target then takes no part
    in Go builds (a repo can generate Go without building it with Pants)."""
    if tgt[GoOwningGoModAddressField].value:
        return (await Get(OwningGoMod, OwningGoModRequest(tgt.address))).address
    ancestors = [
        m.address
        for m in all_go_mods
        if m.address.spec_path == "" or tgt.address.spec_path == m.address.spec_path
        or tgt.address.spec_path.startswith(m.address.spec_path + "/")
    ]
    if ancestors:
        return max(ancestors, key=lambda a: len(a.spec_path))
    return all_go_mods[0].address if len(all_go_mods) == 1 else None


class SseGoImportPathsMappingsHook(GoModuleImportPathsMappingsHook):
    pass


@rule(desc="Map the Go import paths of ssegen's Go targets", level=LogLevel.DEBUG)
async def map_sse_go_import_paths(
    _: SseGoImportPathsMappingsHook, all_targets: AllTargets, all_go_mods: AllGoModTargets
) -> GoModuleImportPathsMappings:
    targets = [t for t in all_targets if t.has_field(SseGoInputField) or t.has_field(SseGoMessagesInputField)]
    import_paths = await MultiGet(Get(SseGoImportPaths, SseGoImportPathsRequest(t.address)) for t in targets)
    by_module: DefaultDict[Address, DefaultDict[str, Set[Address]]] = defaultdict(lambda: defaultdict(set))
    for tgt, paths in zip(targets, import_paths):
        go_mod = await _owning_go_mod(tgt, all_go_mods)
        if go_mod is None:
            continue
        for path in paths.import_paths:
            by_module[go_mod][path].add(tgt.address)

    def module_mapping(paths: Dict[str, Set[Address]]) -> GoModuleImportPathsMapping:
        return GoModuleImportPathsMapping(
            mapping=FrozenDict(
                {p: GoImportPathsMappingAddressSet(tuple(sorted(a)), infer_all=False) for p, a in sorted(paths.items())}
            ),
            address_to_import_path=FrozenDict({a: p for p, addresses in sorted(paths.items()) for a in addresses}),
        )

    return GoModuleImportPathsMappings(FrozenDict({m: module_mapping(p) for m, p in sorted(by_module.items())}))


class SseGoCodegenBuildRequest(GoCodegenBuildRequest):
    generate_from = SseGoInputField


class SseGoMessagesCodegenBuildRequest(GoCodegenBuildRequest):
    generate_from = SseGoMessagesInputField


def _failed(import_path: str, message: str) -> FallibleBuildGoPackageRequest:
    return FallibleBuildGoPackageRequest(request=None, import_path=import_path, exit_code=1, stderr=message)


async def _third_party_owners(mapping: GoModuleImportPathsMapping, imports: Tuple[str, ...]) -> Dict[str, Address]:
    """The imports that go.mod's requirements provide although other targets map them too, each
    to its go_third_party_package.

    The case is protovalidate's: validate.proto has a `protobuf_sources` target (protoc needs it)
    whose go_package is that of the module protovalidate is built against. The module's package is
    the one to link: protovalidate imports it, and one binary cannot hold two packages of one
    import path. (Pants 2.17's protobuf backend would build both, and fails on the third-party
    target instead.)"""
    shared = sorted({i for i in imports if i in mapping.mapping and len(mapping.mapping[i].addresses) > 1})
    if not shared:
        return {}
    owners = await Get(Targets, Addresses(a for i in shared for a in mapping.mapping[i].addresses))
    third_party = {t.address for t in owners if t.has_field(GoThirdPartyPackageDependenciesField)}
    chosen = {}
    for imported in shared:
        candidates = [a for a in mapping.mapping[imported].addresses if a in third_party]
        if len(candidates) == 1:
            chosen[imported] = candidates[0]
    return chosen


# Above the rules that await it: Pants 2.17 finds a rule's Gets in helpers defined before it only.
async def _build_generated_package(
    request: GoCodegenBuildRequest,
    analyzer: PackageAnalyzerSetup,
    all_go_mods: AllGoModTargets,
    input_field: Type[SourcesField],
    output_field: Type[SourcesField],
    which_protos: str,
) -> FallibleBuildGoPackageRequest:
    tgt = request.target
    paths = await Get(SseGoImportPaths, SseGoImportPathsRequest(tgt.address))
    if len(paths.import_paths) != 1:
        found = ", ".join(paths.import_paths) or "none"
        return _failed(
            "",
            f"{tgt.address} must generate exactly one Go package to be built by Pants; it generates: {found}.\n"
            f"    fix: split the sse_proto_library so that each one's {which_protos} share one go_package.",
        )
    (import_path,) = paths.import_paths
    go_mod = await _owning_go_mod(tgt, all_go_mods)
    if go_mod is None:
        return _failed(
            import_path,
            f"{tgt.address} is not in a Go module: no go_mod above it, and the repo has {len(all_go_mods)}.\n"
            f"    fix: set `{GoOwningGoModAddressField.alias}` on the sse_proto_library.",
        )

    generated, go_mod_info = await MultiGet(
        Get(
            HydratedSources,
            HydrateSourcesRequest(tgt[input_field], for_sources_types=(output_field,), enable_codegen=True),
        ),
        Get(GoModInfo, GoModInfoRequest(go_mod)),
    )
    directories = sorted(group_by_dir(generated.snapshot.files))
    if len(directories) != 1:
        return _failed(import_path, f"{tgt.address} generated Go files in {len(directories)} directories: {directories}.")
    (directory,) = directories

    analysis_input = await Get(Digest, MergeDigests([generated.snapshot.digest, analyzer.digest]))
    analysis_result = await Get(
        FallibleProcessResult,
        Process(
            (analyzer.path, directory),
            input_digest=analysis_input,
            description=f"Analyze the Go package {import_path} generated by ssegen",
            level=LogLevel.DEBUG,
            env={"CGO_ENABLED": "0"},
        ),
    )
    fallible = FallibleFirstPartyPkgAnalysis.from_process_result(
        analysis_result,
        dir_path=directory,
        import_path=import_path,
        # Like first-party packages, the generated code is compiled at the language version of the
        # module that builds it.
        minimum_go_version=go_mod_info.minimum_go_version or "",
        description_of_source=f"the Go code ssegen generated for {tgt.address}",
    )
    if fallible.analysis is None:
        return _failed(import_path, fallible.stderr or "")
    analysis = fallible.analysis

    mapping, stdlib = await MultiGet(
        Get(GoModuleImportPathsMapping, GoImportPathMappingRequest(go_mod)),
        Get(
            GoStdLibPackages,
            GoStdLibPackagesRequest(
                with_race_detector=request.build_opts.with_race_detector, cgo_enabled=request.build_opts.cgo_enabled
            ),
        ),
    )
    third_party = await _third_party_owners(mapping, analysis.imports)
    dependencies: Set[Address] = set()
    stdlib_imports = []
    unresolved = []
    for imported in sorted(set(analysis.imports)):
        owners = mapping.mapping.get(imported)
        if imported in third_party:
            dependencies.add(third_party[imported])
        elif owners and (owners.infer_all or len(owners.addresses) == 1):
            dependencies.update(owners.addresses)
        elif owners:
            return _failed(
                import_path,
                f"The Go code generated for {tgt.address} imports {imported}, which several targets provide: "
                f"{', '.join(str(a) for a in owners.addresses)}.",
            )
        elif imported in stdlib:
            stdlib_imports.append(imported)
        elif imported != "unsafe":
            unresolved.append(imported)
    if unresolved:
        return _failed(
            import_path,
            f"The Go code generated for {tgt.address} imports packages no target of {go_mod} provides: "
            f"{', '.join(unresolved)}.\n"
            "    fix: require their module in go.mod (google.golang.org/protobuf; buf.build/go/protovalidate when "
            "the protos use buf.validate); for the messages of protos outside any sse_proto_library, add "
            "`protobuf_sources` for them (with `pants.backend.experimental.codegen.protobuf.go` enabled).",
        )

    built = await MultiGet(
        *(
            Get(FallibleBuildGoPackageRequest, BuildGoPackageTargetRequest(a, build_opts=request.build_opts))
            for a in sorted(dependencies)
        ),
        *(
            Get(FallibleBuildGoPackageRequest, BuildGoPackageRequestForStdlibRequest(i, build_opts=request.build_opts))
            for i in stdlib_imports
        ),
    )
    direct_dependencies = []
    for dependency in built:
        if dependency.request is None:
            return FallibleBuildGoPackageRequest(
                request=None,
                import_path=import_path,
                exit_code=dependency.exit_code,
                stderr=dependency.stderr,
                dependency_failed=True,
            )
        direct_dependencies.append(dependency.request)

    return FallibleBuildGoPackageRequest(
        request=BuildGoPackageRequest(
            import_path=import_path,
            pkg_name=analysis.name,
            digest=generated.snapshot.digest,
            dir_path=analysis.dir_path,
            go_files=analysis.go_files,
            s_files=analysis.s_files,
            direct_dependencies=tuple(direct_dependencies),
            minimum_go_version=analysis.minimum_go_version,
            build_opts=request.build_opts,
        ),
        import_path=import_path,
    )


@rule(desc="Set up the build of a Go package generated by ssegen", level=LogLevel.DEBUG)
async def build_sse_go_package(
    request: SseGoCodegenBuildRequest, analyzer: PackageAnalyzerSetup, all_go_mods: AllGoModTargets
) -> FallibleBuildGoPackageRequest:
    return await _build_generated_package(
        request, analyzer, all_go_mods, SseGoInputField, SseGoSourcesField, "protos with services"
    )


@rule(desc="Set up the build of the Go messages generated for ssegen", level=LogLevel.DEBUG)
async def build_sse_go_messages_package(
    request: SseGoMessagesCodegenBuildRequest, analyzer: PackageAnalyzerSetup, all_go_mods: AllGoModTargets
) -> FallibleBuildGoPackageRequest:
    return await _build_generated_package(
        request, analyzer, all_go_mods, SseGoMessagesInputField, SseGoMessagesSourcesField, "protos whose messages ssegen generates"
    )


def rules():
    return [
        *collect_rules(),
        UnionRule(GoModuleImportPathsMappingsHook, SseGoImportPathsMappingsHook),
        UnionRule(GoCodegenBuildRequest, SseGoCodegenBuildRequest),
        UnionRule(GoCodegenBuildRequest, SseGoMessagesCodegenBuildRequest),
        *messages.rules(),
    ]
