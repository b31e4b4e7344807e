"""`sse_proto_library` and the per-language targets it generates.

Each generated target has its own sources field class, so exactly one code generator applies to
it: consumers that hydrate sources broadly (`shell_command`, `adhoc_tool`, the JS backend) never
see two candidate generators for one field.
"""
from __future__ import annotations

from typing import ClassVar, Dict, Sequence, Tuple

from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    BoolField,
    Dependencies,
    DictStringToStringField,
    InvalidFieldException,
    MultipleSourcesField,
    StringField,
    StringSequenceField,
    Target,
    TargetGenerator,
)
from pants.util.strutil import help_text

from ssegen.options import (
    DEFAULT_OUTPUTS,
    DEFAULT_PATH_STYLES,
    LANGUAGE_OF,
    OPENAPI_FORMATS,
    OPENAPI_VERSIONS,
    OUTPUTS,
)


class SseProtoSourcesField(MultipleSourcesField):
    """Base of every sse_proto_* sources field. No code generator is registered for it itself."""

    default = ("*.proto",)
    expected_file_extensions = (".proto",)
    help = help_text(
        """
        The `.proto` files to generate from. Their imports (other `sse_proto_library` or
        `protobuf_sources` targets, the bundled `sebuf/http/*.proto` annotations and the
        well-known types) are found through dependencies, which are inferred from `import`
        statements.
        """
    )

    def validate_resolved_files(self, files: Sequence[str]) -> None:
        super().validate_resolved_files(files)
        if not files:
            # Else the generator would run without files and fail with its usage text.
            raise InvalidFieldException(
                f"{self.address}: `{self.alias}` ({', '.join(self.globs)}) matches no .proto file.\n"
                "    fix: point `sources` at the target's .proto files, or remove the target."
            )


class SseProtoLibrarySourcesField(SseProtoSourcesField):
    pass


class SseGoInputField(SseProtoSourcesField):
    pass


class SseTsInputField(SseProtoSourcesField):
    pass


class SseGoMessagesInputField(SseProtoSourcesField):
    pass


class SseOpenApiInputField(SseProtoSourcesField):
    pass


class SseGoSourcesField(FileSourceField):
    """The generated Go package: files, so tests, `adhoc_tool` and `export-codegen` can use them."""

    expected_file_extensions = (".go",)


class SseGoMessagesSourcesField(FileSourceField):
    """protoc-gen-go's messages of the protos that no protobuf_sources target generates, or that get
    their go_package from the prefix or an override (Pants' protobuf backend reads go_package from
    the file only)."""

    expected_file_extensions = (".go",)


class SseTypeScriptSourcesField(FileSourceField):
    """The generated TypeScript: files, which the JavaScript backend's `package_json` and
    `adhoc_tool` consume (Pants 2.17 has no TypeScript target type)."""

    expected_file_extensions = (".ts",)


class SseOpenApiSourcesField(ResourceSourceField):
    """The generated OpenAPI documents: resources, so Python/PEX targets and archives can use them."""

    expected_file_extensions = (".yaml", ".json")


class SseProtoDependenciesField(Dependencies):
    pass


class SseOutputsField(StringSequenceField):
    alias = "outputs"
    default = DEFAULT_OUTPUTS
    valid_choices = OUTPUTS
    help = help_text(
        f"""
        Which generators run. Each output lands in the generated target of its language:
        {", ".join(f"`{o}` in `:name#{LANGUAGE_OF[o]}`" for o in OUTPUTS)}. Default: all but
        `ts_node` (a node:http adapter for the TypeScript server, which needs Node.js).
        """
    )


class GeneratorOptionField:
    """A field passed to the generator as the option `option_name` (the protoc plugin parameter)."""

    option_name: ClassVar[str]


class SseOpenApiVersionField(StringField, GeneratorOptionField):
    alias = "openapi_version"
    option_name = "openapi_version"
    default = "3.1"
    valid_choices = OPENAPI_VERSIONS
    help = help_text(
        """
        OpenAPI version of the documents. `3.1` describes a stream as `text/event-stream` with an
        `x-sse-event-schema` extension; `3.2` describes each event with `itemSchema`.
        """
    )


class SseOpenApiFormatField(StringField, GeneratorOptionField):
    alias = "openapi_format"
    option_name = "openapi_format"
    default = "yaml"
    valid_choices = OPENAPI_FORMATS
    help = "Serialisation of the OpenAPI documents: `yaml` or `json`."


class SseOpenApiBundleField(BoolField, GeneratorOptionField):
    alias = "openapi_bundle"
    option_name = "openapi_bundle"
    default = False
    help = help_text(
        """
        Write one document with every service of the target (operation ids become
        `Service_Method`) instead of one `<Service>.openapi.<format>` per service.
        """
    )


class SseOpenApiBundleNameField(StringField, GeneratorOptionField):
    alias = "openapi_bundle_name"
    option_name = "openapi_bundle_name"
    default = "openapi"
    help = "File name (without extension) of the bundled document; see `openapi_bundle`."


class SseOpenApiTitleField(StringField, GeneratorOptionField):
    alias = "openapi_title"
    option_name = "openapi_title"
    default = ""
    help = "`info.title` of the documents. Default: `<Service> API`, or `API` for a bundle."


class SseOpenApiInfoVersionField(StringField, GeneratorOptionField):
    alias = "openapi_info_version"
    option_name = "openapi_info_version"
    default = "1.0.0"
    help = "`info.version` of the documents: the version of your API, not of OpenAPI."


OPENAPI_OPTION_FIELDS = (
    SseOpenApiVersionField,
    SseOpenApiFormatField,
    SseOpenApiBundleField,
    SseOpenApiBundleNameField,
    SseOpenApiTitleField,
    SseOpenApiInfoVersionField,
)


class SseDefaultPathStyleField(StringField, GeneratorOptionField):
    alias = "default_path_style"
    option_name = "default_path_style"
    default = "sebuf"
    valid_choices = DEFAULT_PATH_STYLES
    help = help_text(
        """
        The path of a method without `(sebuf.http.config).path`. `sebuf`: the path sebuf's Go
        server registers, so deployed URLs stay the same after a switch: the base path, then the
        method name in snake case with an underscore before every capital (`GetHTTPStatus` ->
        `get_h_t_t_p_status`); without a base path, `/<go package name>` first. `words`: the
        base path, then snake case by words (`get_http_status`), without a prefix.
        """
    )


class SseGoPackagePrefixField(StringField):
    alias = "go_package_prefix"
    help = help_text(
        """
        The `go_package` of protos without the option, as buf's managed mode gives it: this prefix
        plus the file's directory (`example.com/gen` + `acme/chat/v1/chat.proto` ->
        `example.com/gen/acme/chat/v1`, package `chatv1` for a versioned proto package, else the
        directory's last element). Files with the option keep it. Default: `[ssegen].go_package_prefix`.
        """
    )


class SseGoPackageOverridesField(DictStringToStringField):
    alias = "go_package_overrides"
    help = help_text(
        """
        The `go_package` of single files by import path (as in `import` statements), over the
        option and the prefix: `{"acme/chat/v1/chat.proto": "example.com/gen/chatv1;chatv1"}`.
        """
    )


# Options for teams moving from sebuf's plugins, which every output reads.
MIGRATION_OPTION_FIELDS = (SseDefaultPathStyleField, SseGoPackagePrefixField, SseGoPackageOverridesField)


# Every language target carries every generator option, so all language targets of a library ask
# for the same generator run (one process for all languages).
_LANGUAGE_TARGET_FIELDS = (
    *COMMON_TARGET_FIELDS, SseProtoDependenciesField, SseOutputsField, *OPENAPI_OPTION_FIELDS, *MIGRATION_OPTION_FIELDS
)


class SseProtoGoTarget(Target):
    alias = "sse_proto_go"
    core_fields = (*_LANGUAGE_TARGET_FIELDS, SseGoInputField)
    help = "The Go package generated by an `sse_proto_library` (`:name#go`); not declared directly."


class SseProtoTsTarget(Target):
    alias = "sse_proto_ts"
    core_fields = (*_LANGUAGE_TARGET_FIELDS, SseTsInputField)
    help = "The TypeScript modules generated by an `sse_proto_library` (`:name#ts`); not declared directly."


class SseProtoOpenApiTarget(Target):
    alias = "sse_proto_openapi"
    core_fields = (*_LANGUAGE_TARGET_FIELDS, SseOpenApiInputField)
    help = "The OpenAPI documents generated by an `sse_proto_library` (`:name#openapi`); not declared directly."


class SseProtoGoMessagesTarget(Target):
    alias = "sse_proto_go_messages"
    core_fields = (
        *COMMON_TARGET_FIELDS, SseProtoDependenciesField, SseGoPackagePrefixField, SseGoPackageOverridesField,
        SseGoMessagesInputField,
    )
    help = help_text(
        """
        protoc-gen-go's Go messages of the protos of an `sse_proto_library` that no
        `protobuf_sources` target generates, or that get their `go_package` from
        `go_package_prefix` or `go_package_overrides` (`:name#go_messages`, generated with the
        library's Go outputs); not declared directly.
        """
    )


# The generated target class, input field and output field of each language.
LANGUAGE_TARGETS: Dict[str, type] = {"go": SseProtoGoTarget, "openapi": SseProtoOpenApiTarget, "ts": SseProtoTsTarget}
LANGUAGE_INPUT_FIELDS: Dict[str, type] = {
    "go": SseGoInputField, "go_messages": SseGoMessagesInputField, "openapi": SseOpenApiInputField, "ts": SseTsInputField
}


class SseProtoLibraryTarget(TargetGenerator):
    alias = "sse_proto_library"
    core_fields = (*COMMON_TARGET_FIELDS, SseProtoLibrarySourcesField, SseOutputsField)
    copied_fields = (*COMMON_TARGET_FIELDS, SseProtoLibrarySourcesField, SseOutputsField)
    generated_target_cls = SseProtoOpenApiTarget
    moved_fields = (SseProtoDependenciesField, *OPENAPI_OPTION_FIELDS, *MIGRATION_OPTION_FIELDS)
    help = help_text(
        """
        Protobuf services annotated with `sebuf.http` options, and the code ssegen generates from
        them: one generated target per language (`:name#go`, `:name#ts`, `:name#openapi`, for
        the languages its `outputs` ask for), each with exactly one code generator, so
        `export-codegen`, tests, language backends and `adhoc_tool` can consume it.
        """
    )


def languages_of(outputs: Tuple[str, ...]) -> Tuple[str, ...]:
    return tuple(sorted({LANGUAGE_OF[o] for o in outputs}))
