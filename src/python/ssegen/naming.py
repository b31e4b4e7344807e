"""Name conversions shared by the model and the renderers."""
from __future__ import annotations

import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """GetHTTPStatus -> get_http_status; already snake_case names are unchanged."""
    return _WORD_BOUNDARY.sub("_", name).lower()


def sebuf_snake_case(name: str) -> str:
    """sebuf's Go server default path segment: an underscore before every capital after the first
    letter, then lower case (GetHTTPStatus -> get_h_t_t_p_status)."""
    return "".join(("_" + c.lower()) if c.isupper() and i else c.lower() for i, c in enumerate(name))


def json_name_of(proto_name: str) -> str:
    """protoc's default JSON name: underscores dropped, the letter after each one upper-cased."""
    out = []
    upper_next = False
    for ch in proto_name:
        if ch == "_":
            upper_next = True
        elif upper_next:
            out.append(ch.upper())
            upper_next = False
        else:
            out.append(ch)
    return "".join(out)
