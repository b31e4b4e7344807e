"""The generator's options as Bazel attributes. Names, choices and defaults are those of
src/python/ssegen/options.py (a test compares them), so both build systems pass the generator the
same protoc plugin parameter and get the same bytes."""

OUTPUTS = ["go_client", "go_server", "openapi", "ts_client", "ts_node", "ts_server"]

# What runs unless `outputs` says otherwise: all but the Node.js adapter.
DEFAULT_OUTPUTS = ["go_client", "go_server", "openapi", "ts_client", "ts_server"]

# Outputs of one language share one tree artifact (and so one generator action).
LANGUAGE_OF = {
    "go_client": "go",
    "go_server": "go",
    "openapi": "openapi",
    "ts_client": "ts",
    "ts_node": "ts",
    "ts_server": "ts",
}

OPENAPI_VERSIONS = ["3.1", "3.2"]
OPENAPI_FORMATS = ["yaml", "json"]
DEFAULT_PATH_STYLES = ["sebuf", "words"]

# Options passed to the generator whatever their value: name -> default.
OPTION_DEFAULTS = {
    "default_path_style": "sebuf",
    "openapi_bundle": False,
    "openapi_bundle_name": "openapi",
    "openapi_format": "yaml",
    "openapi_info_version": "1.0.0",
    "openapi_title": "",
    "openapi_version": "3.1",
}

# Options passed only when set, so the rule works with generators that predate them.
OPTIONAL_OPTIONS = ["go_package_prefix"]

# A dict of import path -> go_package, passed as protoc-gen-go's `M<file>=<value>` parameters.
GO_PACKAGE_OVERRIDES = "go_package_overrides"

def _checked(name, value):
    if "," in value:
        fail("%s must not contain a comma (the generator's parameter separates options with commas): %r" % (name, value))
    return value

def plugin_parameter(attr, outputs):
    """`outputs=...` per output, `key=value` per option sorted by key, then the go_package
    overrides sorted by file, as the Pants rule writes it."""
    items = ["outputs=" + o for o in outputs]
    for name in sorted(OPTION_DEFAULTS.keys() + OPTIONAL_OPTIONS):
        value = getattr(attr, name)
        if name in OPTIONAL_OPTIONS and not value:
            continue
        if type(value) == "bool":
            value = "true" if value else "false"
        items.append("%s=%s" % (name, _checked(name, value)))
    overrides = getattr(attr, GO_PACKAGE_OVERRIDES)
    for path in sorted(overrides.keys()):
        items.append("M%s=%s" % (_checked(GO_PACKAGE_OVERRIDES, path), _checked(GO_PACKAGE_OVERRIDES, overrides[path])))
    return ",".join(items)
