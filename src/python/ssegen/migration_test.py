"""What a team moving from sebuf's plugins relies on, checked in every output: default paths."""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest  # pants: no-infer-dep (the pytest tool provides it)

from ssegen.descriptors import compile_request
from ssegen.generate import generate

STATUS_PROTO = """\
syntax = "proto3";
package status.v1;
import "sebuf/http/annotations.proto";
option go_package = "example.com/gen/statusv1;statusv1";

service StatusService {
  option (sebuf.http.service_config) = {base_path: "/api"};
  rpc GetHTTPStatus(Empty) returns (Empty);
}
service BareService {
  rpc GetUserByID(Empty) returns (Empty);
}
message Empty {}
"""


def generate_all(tmp_path: Path, parameter: str) -> Dict[str, Dict[str, str]]:
    (tmp_path / "status.proto").write_text(STATUS_PROTO)
    return generate(compile_request(["status.proto"], [str(tmp_path)], parameter))


def text_of(outputs: Dict[str, Dict[str, str]], language: str) -> str:
    return "\n".join(outputs[language][p] for p in sorted(outputs[language]))


@pytest.mark.parametrize(
    "parameter, expected, absent",
    [
        ("", ("/api/get_h_t_t_p_status", "/statusv1/get_user_by_i_d"), ("/api/get_http_status",)),
        (
            "default_path_style=words",
            ("/api/get_http_status", '"/get_user_by_id"'),
            ("get_h_t_t_p_status", "/statusv1/"),
        ),
    ],
)
def test_default_paths_are_the_same_in_every_output(tmp_path: Path, parameter: str, expected, absent) -> None:
    outputs = generate_all(tmp_path, parameter)
    for language in ("go", "ts", "openapi"):
        text = text_of(outputs, language)
        for path in expected:
            # OpenAPI writes the bare path as a key; Go and TS quote it.
            assert path.strip('"') in text, (language, path)
        for path in absent:
            assert path not in text, (language, path)
    # The Go server registers exactly these patterns on its mux.
    go = text_of(outputs, "go")
    for path in expected:
        assert f'"POST {path.strip(chr(34))}"' in go, path
