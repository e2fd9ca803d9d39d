"""The one YAML loader: libyaml's safe loader, bounded before anything is built.

Every YAML the runtime reads (capability files, bind files, OpenAPI documents, upstream
answers) goes through here. Mapping keys are always the text written (YAML 1.1 would read
`on:` or `yes:` as true, which JSON then sends as "True"). A document is refused when its
text is too large or when its aliases would expand it past a node budget: a few hundred
bytes of nested aliases (a "billion laughs") must not cost gigabytes or hours in the checks
that walk the data.
"""

from __future__ import annotations

import yaml

from naftiko.jsontypes import JSON

try:
    Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    Loader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
MAX_BYTES = 16 * 1024 * 1024
MAX_NODES = 1_000_000


class YamlLimit(yaml.YAMLError):
    """A document over the size or alias-expansion bounds."""


def compose(text: str) -> yaml.Node | None:
    """The node graph of one document, bounded; raises yaml.YAMLError (YamlLimit included)."""
    if len(text) > MAX_BYTES:
        raise YamlLimit(f"the document is larger than {MAX_BYTES // (1024 * 1024)} MB")
    loader = Loader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
    finally:
        loader.dispose()
    if node is not None:
        expanded = _expanded(node, {})
        if expanded > MAX_NODES:
            raise YamlLimit(
                f"its aliases expand it to more than {MAX_NODES:,} nodes; "
                "write the repeated parts out, or use fewer nested aliases"
            )
    return node


def construct(node: yaml.Node | None) -> JSON:
    """Plain data from a composed node (aliases become shared objects, not copies)."""
    if node is None:
        return None
    loader = Loader("")
    try:
        data: JSON = loader.construct_document(node)
        return data
    finally:
        loader.dispose()


def loads(text: str) -> JSON:
    """Plain data from YAML text; raises yaml.YAMLError."""
    return construct(compose(text))


def _expanded(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes the document has once every alias is expanded, computed once per node."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a recursive alias counts once
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != _STR and not key.style:
                key.tag = _STR  # `on:`, `yes:`, `200:` stay the text written, never True or 200
            total += _expanded(key, sizes) + _expanded(value, sizes)
            if total > MAX_NODES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded(item, sizes)
            if total > MAX_NODES:
                break
    sizes[id(node)] = total
    return total
