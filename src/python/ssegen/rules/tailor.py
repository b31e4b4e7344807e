"""`pants tailor` support: proposes `sse_proto_library` targets for unowned protos that use the
`sebuf.http` annotations (behind `[ssegen].tailor`, since `protobuf_sources` also claims protos)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pants.core.goals.tailor import AllOwnedSources, PutativeTarget, PutativeTargets, PutativeTargetsRequest
from pants.engine.fs import DigestContents, PathGlobs, Paths
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.dirutil import group_by_dir
from pants.util.logging import LogLevel

from ssegen.rules.subsystem import SsegenSubsystem
from ssegen.rules.target_types import SseProtoLibraryTarget

_ANNOTATIONS_IMPORT = re.compile(rb'^\s*import\s+(?:public\s+|weak\s+)?"sebuf/http/[^"]+\.proto"\s*;', re.MULTILINE)


@dataclass(frozen=True)
class PutativeSseProtoTargetsRequest(PutativeTargetsRequest):
    pass


@rule(level=LogLevel.DEBUG, desc="Determine candidate sse_proto_library targets to create")
async def find_putative_sse_proto_targets(
    request: PutativeSseProtoTargetsRequest, all_owned_sources: AllOwnedSources, subsystem: SsegenSubsystem
) -> PutativeTargets:
    if not subsystem.tailor:
        return PutativeTargets()
    all_protos = await Get(Paths, PathGlobs, request.path_globs("*.proto"))
    unowned = sorted(set(all_protos.files) - set(all_owned_sources))
    if not unowned:
        return PutativeTargets()
    contents = await Get(DigestContents, PathGlobs(unowned))
    annotated = [fc.path for fc in contents if _ANNOTATIONS_IMPORT.search(fc.content)]
    return PutativeTargets(
        PutativeTarget.for_target_type(SseProtoLibraryTarget, path=directory, name=None, triggering_sources=sorted(files))
        for directory, files in group_by_dir(annotated).items()
    )


def rules():
    return [*collect_rules(), UnionRule(PutativeTargetsRequest, PutativeSseProtoTargetsRequest)]
