"""YAML text of the OpenAPI documents, written fast and byte-identical to PyYAML's `yaml.dump`.

The reference is `yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True,
width=1 << 16)`: block style, key order kept, multi-line strings (comments) as literal blocks.
Two things make that slow on big APIs, and both are replaced here when libyaml is present:
PyYAML's pure-Python emitter (libyaml's writes the same bytes for these documents, except that it
escapes NEL and characters beyond U+FFFF, writes empty and multi-line keys differently and ends a
document that has a literal block with trailing blank lines with `...`, so documents with those
keep the pure-Python one), and its generic representer (`_node` builds the same node graph directly). yaml_text_test compares
the results with the reference on the golden projects and on awkward strings.
"""
from __future__ import annotations

import io
import json
import re
from typing import Any, Dict

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_LIBYAML_ESCAPES = re.compile("[\x85\U00010000-\U0010ffff]")
_SETTINGS: Dict[str, Any] = {"default_flow_style": False, "allow_unicode": True, "width": 1 << 16, "sort_keys": False}


class Dumper(yaml.SafeDumper):
    """Writes multi-line strings (comments) as literal blocks, which read like the proto comments."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> Node:
    return dumper.represent_scalar(_STR, value, style="|" if "\n" in value else None)


Dumper.add_representer(str, _represent_str)

if yaml.__with_libyaml__:

    class FastDumper(yaml.CSafeDumper):
        """Dumper's representation, emitted by libyaml."""

    FastDumper.add_representer(str, _represent_str)
else:
    FastDumper = Dumper  # type: ignore[misc]


def reference(document: Any, dumper: type = Dumper) -> str:
    """What `yaml.dump` writes: the definition of the output."""
    return yaml.dump(document, Dumper=dumper, **_SETTINGS)


def dump(document: Any) -> str:
    """The YAML text of a document, as `reference` writes it."""
    if FastDumper is Dumper or _LIBYAML_ESCAPES.search(json.dumps(document, ensure_ascii=False)):
        return reference(document)
    stream = io.StringIO()
    dumper = FastDumper(stream, **_SETTINGS)
    try:
        root = _Nodes(dumper).node(document)
    except _AwkwardKey:
        return reference(document)
    dumper.open()
    dumper.serialize(root)
    dumper.close()
    text = stream.getvalue()
    return reference(document) if text.endswith("\n...\n") else text


class _AwkwardKey(Exception):
    """A key libyaml would write differently."""


class _Nodes:
    """The node graph PyYAML's representer makes of plain JSON-like data. A dict or list met
    twice becomes one node, which the emitter writes as an anchor and alias, as PyYAML does."""

    def __init__(self, dumper: yaml.SafeDumper) -> None:
        self.dumper = dumper
        self.seen: Dict[int, Node] = {}

    def node(self, value: Any) -> Node:
        kind = type(value)
        if kind is str:
            return ScalarNode(_STR, value, style="|" if "\n" in value else None)
        if kind is dict or kind is list:
            known = self.seen.get(id(value))
            if known is not None:
                return known
            if kind is dict:
                node: Node = MappingNode(_MAP, [], flow_style=False)
                self.seen[id(value)] = node
                node.value.extend((self.key(k), self.node(v)) for k, v in value.items())
            else:
                node = SequenceNode(_SEQ, [], flow_style=False)
                self.seen[id(value)] = node
                node.value.extend(self.node(v) for v in value)
            return node
        return self.dumper.represent_data(value)

    def key(self, value: Any) -> Node:
        if type(value) is str and (not value or "\n" in value):
            raise _AwkwardKey()
        return self.node(value)
