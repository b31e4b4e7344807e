"""sse_proto_library: ssegen's generator, run by protoc on the files of proto_library targets."""

load(":options.bzl", "DEFAULT_OUTPUTS", "DEFAULT_PATH_STYLES", "LANGUAGE_OF", "OPENAPI_FORMATS", "OPENAPI_VERSIONS", "OPTION_DEFAULTS", "OUTPUTS", "plugin_parameter")
load(":proto_info.bzl", "ProtoInfo")

_LANGUAGES = ["go", "openapi", "ts"]

_SourcePathsInfo = provider(
    doc = "The workspace path of each direct source of a proto_library, by the path of the file protoc reads.",
    fields = {"paths": "dict: File.path of a direct source (maybe a virtual import) -> workspace path"},
)

def _source_paths_aspect_impl(target, ctx):
    # proto_library compiles copies of its srcs under _virtual_imports/ when it changes import
    # paths (strip_import_prefix, import_prefix), one per source, in the order of srcs.
    direct = target[ProtoInfo].direct_sources
    srcs = ctx.rule.files.srcs
    paths = {}
    if len(direct) == len(srcs):
        for compiled, source in zip(direct, srcs):
            if compiled.basename == source.basename:
                paths[compiled.path] = source.path
    return [_SourcePathsInfo(paths = paths)]

_source_paths_aspect = aspect(implementation = _source_paths_aspect_impl)

def _import_path(f, proto_source_root):
    """The path protoc knows a file by: relative to its proto_library's source root."""
    if proto_source_root in ("", "."):
        return f.short_path
    if not f.path.startswith(proto_source_root + "/"):
        fail("%s is not under its proto source root %s" % (f.path, proto_source_root))
    return f.path[len(proto_source_root) + 1:]

def _proto_path(path):
    return path or "."

def _generate(ctx, outputs, out_dir, outputs_files, expected, mnemonic):
    """One protoc run generating `outputs` into out_dir (the directory of outputs_files)."""
    infos = [d[ProtoInfo] for d in ctx.attr.deps]
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("--label", str(ctx.label))
    args.add("--protoc", ctx.executable._protoc)
    args.add("--plugin", ctx.executable._plugin)
    args.add("--out", out_dir)
    args.add("--parameter", plugin_parameter(ctx.attr, outputs))
    args.add_all(
        depset(transitive = [i.transitive_proto_path for i in infos]),
        map_each = _proto_path,
        before_each = "--proto-path",
        uniquify = True,
    )
    files = []
    for dep, info in zip(ctx.attr.deps, infos):
        workspace_paths = dep[_SourcePathsInfo].paths
        for f in info.direct_sources:
            import_path = _import_path(f, info.proto_source_root)
            files.append(import_path)
            args.add("--source", "%s=%s" % (import_path, workspace_paths.get(f.path, f.path)))
    if expected != None:
        args.add_all(expected, before_each = "--expect")
    args.add_all(files)
    ctx.actions.run(
        executable = ctx.executable._action,
        arguments = [args],
        inputs = depset(transitive = [i.transitive_sources for i in infos]),
        tools = [ctx.executable._protoc, ctx.executable._plugin],
        outputs = outputs_files,
        mnemonic = mnemonic,
        progress_message = "Generating %s with ssegen for %s" % (", ".join(outputs), ctx.label),
    )

def _selected_outputs(ctx):
    outputs = []
    for o in ctx.attr.outputs:
        if o not in LANGUAGE_OF:
            fail("unknown output %r; choose from %s" % (o, ", ".join(OUTPUTS)), attr = "outputs")
        if o not in outputs:
            outputs.append(o)
    if not outputs:
        fail("no outputs selected; choose from %s" % ", ".join(OUTPUTS), attr = "outputs")
    return outputs

def _declared_language(path):
    if path.endswith(".go"):
        return "go"
    if path.endswith(".ts"):
        return "ts"
    return "openapi"

def _declared_files(ctx, outputs):
    """`outs` given: one action, which fails unless it generates exactly these files."""
    for p in ctx.attr.outs:
        if p.startswith("/") or ".." in p.split("/"):
            fail("outs are paths relative to the import root, like market/v1/market_data.ts: %r" % p, attr = "outs")
    files = [ctx.actions.declare_file(ctx.label.name + "/" + p) for p in ctx.attr.outs]
    out_dir = files[0].path[:-len(ctx.attr.outs[0]) - 1]
    _generate(ctx, outputs, out_dir, files, ctx.attr.outs, "SsegenGenerate")
    groups = {}
    for p, f in zip(ctx.attr.outs, files):
        groups.setdefault(_declared_language(p), []).append(f)
    return files, groups

def _trees(ctx, outputs):
    """No `outs`: a directory per language (<name>.go, <name>.ts, <name>.openapi), each from its
    own action, so a consumer of one language runs only its generator."""
    files = []
    groups = {}
    for language in _LANGUAGES:
        selected = [o for o in outputs if LANGUAGE_OF[o] == language]
        if not selected:
            continue
        tree = ctx.actions.declare_directory("%s.%s" % (ctx.label.name, language))
        _generate(ctx, selected, tree.path, [tree], None, "SsegenGenerate" + language.capitalize())
        files.append(tree)
        groups[language] = [tree]
    return files, groups

def _sse_proto_library_impl(ctx):
    outputs = _selected_outputs(ctx)
    files, groups = _declared_files(ctx, outputs) if ctx.attr.outs else _trees(ctx, outputs)
    return [
        DefaultInfo(files = depset(files), runfiles = ctx.runfiles(files = files)),
        OutputGroupInfo(**{language: depset(f) for language, f in groups.items()}),
    ]

sse_proto_library = rule(
    implementation = _sse_proto_library_impl,
    doc = """Generates ssegen's Go server and client, TypeScript client and server and OpenAPI
documents from the .proto files of `deps` (not from the files they import).

Without `outs`, each language is one directory (tree artifact): `<name>.go`, `<name>.ts`,
`<name>.openapi`, also output groups `go`, `ts`, `openapi`. With `outs`, the files are declared
(what `go_library(srcs = ...)` needs) and the build fails, listing the difference, unless the
generator writes exactly those.""",
    attrs = {
        "deps": attr.label_list(
            providers = [ProtoInfo],
            aspects = [_source_paths_aspect],
            mandatory = True,
            doc = "proto_library targets whose files to generate from.",
        ),
        "outputs": attr.string_list(default = DEFAULT_OUTPUTS, doc = "Which generators run: " + ", ".join(OUTPUTS) + ". Default: all but ts_node."),
        "outs": attr.string_list(doc = "The generated files, relative to the import root (e.g. market/v1/marketv1http/ssegen_server.go), instead of a directory per language."),
        "default_path_style": attr.string(default = OPTION_DEFAULTS["default_path_style"], values = DEFAULT_PATH_STYLES, doc = "Path of methods without one: sebuf (as sebuf's Go server registers it) or words."),
        "go_package_prefix": attr.string(doc = "go_package of protos without the option: this prefix + the file's directory (buf managed mode). Passed only when set."),
        "go_package_overrides": attr.string_dict(doc = "go_package of single files by import path, e.g. {\"acme/chat/v1/chat.proto\": \"example.com/gen/chatv1;chatv1\"}."),
        "openapi_version": attr.string(default = OPTION_DEFAULTS["openapi_version"], values = OPENAPI_VERSIONS, doc = "3.1 (text/event-stream with x-sse-event-schema) or 3.2 (itemSchema)."),
        "openapi_format": attr.string(default = OPTION_DEFAULTS["openapi_format"], values = OPENAPI_FORMATS, doc = "yaml or json."),
        "openapi_bundle": attr.bool(default = OPTION_DEFAULTS["openapi_bundle"], doc = "One document for every service instead of one per service."),
        "openapi_bundle_name": attr.string(default = OPTION_DEFAULTS["openapi_bundle_name"], doc = "File name (without extension) of the bundle."),
        "openapi_title": attr.string(default = OPTION_DEFAULTS["openapi_title"], doc = "info.title; default `<Service> API`, or `API` for a bundle."),
        "openapi_info_version": attr.string(default = OPTION_DEFAULTS["openapi_info_version"], doc = "info.version: the version of your API."),
        "_protoc": attr.label(default = Label("@com_google_protobuf//:protoc"), executable = True, cfg = "exec"),
        "_plugin": attr.label(default = Label("//rules/bazel:protoc-gen-ssegen"), executable = True, cfg = "exec"),
        "_action": attr.label(default = Label("//rules/bazel:ssegen_action"), executable = True, cfg = "exec"),
    },
)
