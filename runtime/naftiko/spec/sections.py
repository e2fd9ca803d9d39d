"""Reading the sections of a capability document: lists of mappings, operations by name.

The rules, the linter and the builder walk the same raw data; these are the accessors they
share, tolerant of whatever shape an unchecked file has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from naftiko.jsontypes import JSON


def items(parent: object, key: str) -> Iterator[tuple[int, dict[str, JSON]]]:
    """(index, entry) of each mapping in ``parent[key]``; nothing when it is not a list."""
    values = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield index, value


def adapter_units(
    adapter: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any], dict[str, Any] | None]]:
    """(path, unit, REST resource or None) of each tool, MCP resource and REST operation."""
    for t_index, tool in items(adapter, "tools"):
        yield (*path, "tools", t_index), tool, None
    for r_index, resource in items(adapter, "resources"):
        if adapter.get("type") == "mcp":
            yield (*path, "resources", r_index), resource, None
            continue
        for o_index, operation in items(resource, "operations"):
            yield (*path, "resources", r_index, "operations", o_index), operation, resource


def output_nodes(
    outputs: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """(path, node) of every output parameter in ``outputs``, nested ones included
    (`properties` and `items`, one item or a list of them)."""
    if not isinstance(outputs, list):
        return
    stack: list[tuple[tuple[str | int, ...], Any]] = [
        ((*path, i), o) for i, o in enumerate(outputs)
    ]
    while stack:
        where, node = stack.pop()
        if not isinstance(node, dict):
            continue
        yield where, node
        properties = node.get("properties")
        if isinstance(properties, dict):
            stack.extend(((*where, "properties", k), v) for k, v in properties.items())
        children = node.get("items")
        if isinstance(children, dict):
            stack.append(((*where, "items"), children))
        elif isinstance(children, list):
            stack.extend(((*where, "items", i), v) for i, v in enumerate(children))


def operations_of(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Operation name -> operation, across resources (the first of a name wins)."""
    found: dict[str, dict[str, Any]] = {}
    for _, resource in items(entry, "resources"):
        for _, operation in items(resource, "operations"):
            name = operation.get("name")
            if isinstance(name, str) and name not in found:
                found[name] = {**operation, "__resource__": resource}
    return found
