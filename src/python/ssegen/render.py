"""Mako rendering shared by the code renderers: templates live in templates/<language>/."""
from __future__ import annotations

import os
from typing import Any

from mako.lookup import TemplateLookup

from ssegen.version import GENERATED_NOTICE

_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
_LOOKUP = TemplateLookup(
    directories=[_TEMPLATES],
    strict_undefined=True,  # a misspelt name in a template fails loudly instead of rendering ""
    input_encoding="utf-8",
)


def render_template(name: str, **context: Any) -> str:
    """Renders templates/<name>; the result always ends with exactly one newline.

    Every template may use `generated_notice`, the first line of a generated file.
    """
    text = _LOOKUP.get_template(name).render(generated_notice=GENERATED_NOTICE, **context)
    return text.rstrip("\n") + "\n"
