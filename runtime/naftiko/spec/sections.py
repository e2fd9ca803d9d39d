"""Reading the sections of a capability document: lists of mappings, operations by name.

The rules, the linter and the builder walk the same raw data; these are the accessors they
share, tolerant of whatever shape an unchecked file has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def items(parent: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, entry) of each mapping in ``parent[key]``; nothing when it is not a list."""
    values = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield index, value


def operations_of(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Operation name -> operation, across resources (the first of a name wins)."""
    found: dict[str, dict[str, Any]] = {}
    for _, resource in items(entry, "resources"):
        for _, operation in items(resource, "operations"):
            name = operation.get("name")
            if isinstance(name, str) and name not in found:
                found[name] = {**operation, "__resource__": resource}
    return found
