"""Bazel repositories from the Go module proxy: rules_go, its Go dependencies and a Go SDK, for
machines where GitHub and the Go download site cannot be reached but the module proxy can.

The `go` command on PATH downloads (into its module cache, so other output bases reuse it) and
checks each module against its go.sum line; the sum pinned here must match as well.
"""

def _go(rctx, args, what, environment = {}, working_directory = "", go = None):
    go = go or rctx.which("go")
    if not go:
        fail("%s: needs `go` on PATH, to download Go modules from the module proxy" % rctx.name)
    env = {"GOTOOLCHAIN": "local", "GOFLAGS": "-modcacherw"}
    env.update(environment)
    result = rctx.execute([go] + args, environment = env, working_directory = working_directory, timeout = 1800)
    if result.return_code != 0:
        fail("%s: %s failed:\n%s%s" % (rctx.name, what, result.stdout, result.stderr))
    return result.stdout

def _download(rctx, module, version, sum, output):
    """Extracts module@version into `output`, after checking its go.sum hash against `sum`."""
    info = json.decode(_go(rctx, ["mod", "download", "-json", "%s@%s" % (module, version)], "go mod download %s@%s" % (module, version)))
    if info.get("Sum") != sum:
        fail("%s: %s@%s has sum %s, expected %s" % (rctx.name, module, version, info.get("Sum"), sum))
    rctx.extract(info["Zip"], output = output, stripPrefix = "%s@%s" % (module, version))

def _go_module_impl(rctx):
    _download(rctx, rctx.attr.module, rctx.attr.version, rctx.attr.sum, ".")
    if rctx.attr.upstream_patch:
        # A patch that another module ships (e.g. rules_go's BUILD files for a newer protobuf-go).
        module, _, version = rctx.attr.upstream_patch_module.partition("@")
        _download(rctx, module, version, rctx.attr.upstream_patch_module_sum, "_upstream")
        rctx.patch(rctx.path("_upstream/" + rctx.attr.upstream_patch), strip = 1)
        rctx.delete("_upstream")
    for patch in rctx.attr.patches:
        rctx.patch(patch, strip = 1)
    if not rctx.path("WORKSPACE").exists and not rctx.path("WORKSPACE.bazel").exists:
        rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)

go_module = repository_rule(
    implementation = _go_module_impl,
    doc = "A Go module (Starlark rules or Go sources with BUILD files) from the module proxy.",
    attrs = {
        "module": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "sum": attr.string(mandatory = True, doc = "The module's go.sum hash (h1:...)."),
        "patches": attr.label_list(doc = "Patches (-p1) of this repository, applied last."),
        "upstream_patch": attr.string(doc = "A patch (-p1) of this repository: its path in upstream_patch_module."),
        "upstream_patch_module": attr.string(doc = "module@version holding upstream_patch."),
        "upstream_patch_module_sum": attr.string(doc = "That module's go.sum hash."),
    },
    environ = ["GOPROXY", "GONOSUMDB", "GOSUMDB", "GOPRIVATE", "GOMODCACHE", "GOPATH", "HOME", "PATH"],
)

def _go_sdk_module_impl(rctx):
    toolchain_version = "v0.0.1-go%s.%s" % (rctx.attr.go_version, rctx.attr.platform)
    _download(rctx, "golang.org/toolchain", toolchain_version, rctx.attr.sum, ".")

    # Module zips keep no file modes.
    rctx.execute(["sh", "-c", "chmod +x bin/* pkg/tool/*/*"])

    # rules_go 0.34 links against the SDK's precompiled standard library, which Go stopped
    # shipping in 1.20: build it into pkg/ as older SDKs had it, with the SDK's own go.
    _go(rctx, ["install", "std"], "go install std", go = rctx.path("bin/go"), environment = {
        "GOROOT": str(rctx.path(".")),
        "GODEBUG": "installgoroot=all",
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
        "GOCACHE": str(rctx.path("_gocache")),
    }, working_directory = str(rctx.path(".")))
    rctx.delete("_gocache")
    rctx.file("ROOT", "")
    rctx.file("BUILD.bazel", 'exports_files(["ROOT"])\n')
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)

go_sdk_module = repository_rule(
    implementation = _go_sdk_module_impl,
    doc = "A Go SDK from the module proxy's golang.org/toolchain module; use with go_wrap_sdk(root_file = \"@NAME//:ROOT\").",
    attrs = {
        "go_version": attr.string(mandatory = True),
        "platform": attr.string(default = "linux-amd64"),
        "sum": attr.string(mandatory = True),
    },
    environ = ["GOPROXY", "GONOSUMDB", "GOSUMDB", "GOPRIVATE", "GOMODCACHE", "GOPATH", "HOME", "PATH"],
)
