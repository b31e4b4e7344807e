"""Generator options: one set of names for the Pants fields and the protoc plugin parameter.

The protoc parameter is `key=value` pairs separated by commas; `outputs` may repeat, e.g.
`--ssegen_opt=outputs=openapi,openapi_version=3.2,openapi_format=json`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Dict, List, Mapping, Tuple

from ssegen.errors import OptionsError

# The outputs that exist today; every generator added to ssegen joins this tuple.
OUTPUTS = ("go_client", "go_server", "openapi", "ts_client", "ts_node", "ts_server")
# What runs unless `outputs` says otherwise: all but the Node.js adapter, which only Node users
# want (everything else runs anywhere).
DEFAULT_OUTPUTS = tuple(o for o in OUTPUTS if o != "ts_node")
# The language of each output: outputs of one language are written to one tree (and, in Pants, to
# one generated target), so e.g. the Go server and client share a package.
LANGUAGE_OF = {
    "go_client": "go",
    "go_server": "go",
    "openapi": "openapi",
    "ts_client": "ts",
    "ts_server": "ts",
    "ts_node": "ts",
}
OPENAPI_VERSIONS = ("3.1", "3.2")
OPENAPI_FORMATS = ("yaml", "json")
# The path of a method without `config.path`. `sebuf`: what sebuf's Go server registers
# (base_path + snake case with an underscore before every capital; without a base path, a
# `/<go package name>` prefix), so URLs stay the same after a switch. `words`: base_path + snake
# case by words (GetHTTPStatus -> get_http_status), no prefix: for new APIs.
DEFAULT_PATH_STYLES = ("sebuf", "words")


@dataclass(frozen=True)
class Options:
    outputs: Tuple[str, ...] = DEFAULT_OUTPUTS
    # OpenAPI 3.1 describes a stream as text/event-stream plus x-sse-event-schema; 3.2 has itemSchema.
    openapi_version: str = "3.1"
    openapi_format: str = "yaml"
    # One document for every service of the run instead of one per service.
    openapi_bundle: bool = False
    openapi_bundle_name: str = "openapi"
    openapi_title: str = ""
    openapi_info_version: str = "1.0.0"
    default_path_style: str = "sebuf"
    # buf managed mode's go_package for files without the option: prefix + "/" + the file's directory.
    go_package_prefix: str = ""
    # Per-file go_package values, as protoc-gen-go's `M<file>=<import path>[;<name>]` parameters.
    go_package_overrides: Tuple[Tuple[str, str], ...] = ()

    @property
    def go_package_override_map(self) -> Mapping[str, str]:
        return dict(self.go_package_overrides)

    @classmethod
    def parse(cls, parameter: str) -> "Options":
        values: Dict[str, object] = {}
        outputs: List[str] = []
        overrides: Dict[str, str] = {}
        known = {f.name: f for f in fields(cls) if f.name != "go_package_overrides"}
        for item in [p.strip() for p in parameter.split(",") if p.strip()]:
            key, sep, value = item.partition("=")
            if not sep:
                raise OptionsError(f"option {item!r} has no value; write it as key=value.")
            if key.startswith("M") and key.endswith(".proto"):
                if not value:
                    raise OptionsError(f"option {key} needs a go_package value: M<file>=<import path>[;<name>].")
                overrides[key[1:]] = value
                continue
            if key not in known:
                raise OptionsError(f"unknown option {key!r}; known options: {', '.join(sorted(known))}.")
            if key == "outputs":
                outputs.append(value)
            elif known[key].type in (bool, "bool"):
                if value not in ("true", "false"):
                    raise OptionsError(f"option {key} must be true or false, not {value!r}.")
                values[key] = value == "true"
            else:
                values[key] = value
        options = replace(cls(), **values)  # type: ignore[arg-type]
        if outputs:
            options = replace(options, outputs=tuple(sorted(set(outputs))))
        if overrides:
            options = replace(options, go_package_overrides=tuple(sorted(overrides.items())))
        options.validate()
        return options

    def validate(self) -> None:
        for output in self.outputs:
            if output not in OUTPUTS:
                raise OptionsError(f"unknown output {output!r}; choose from {', '.join(OUTPUTS)}.")
        if self.openapi_version not in OPENAPI_VERSIONS:
            raise OptionsError(
                f"openapi_version must be one of {', '.join(OPENAPI_VERSIONS)}, not {self.openapi_version!r}."
            )
        if self.openapi_format not in OPENAPI_FORMATS:
            raise OptionsError(
                f"openapi_format must be one of {', '.join(OPENAPI_FORMATS)}, not {self.openapi_format!r}."
            )
        if self.default_path_style not in DEFAULT_PATH_STYLES:
            raise OptionsError(
                f"default_path_style must be one of {', '.join(DEFAULT_PATH_STYLES)}, not {self.default_path_style!r}."
            )
        if not self.openapi_bundle_name or "/" in self.openapi_bundle_name:
            raise OptionsError("openapi_bundle_name must be a plain file name without extension, e.g. openapi.")
