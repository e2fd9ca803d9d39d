"""The shape of a parsed JSON or YAML value, for the boundaries between packages.

A document read from a file or an upstream is not known field by field until it is checked;
these name what it can be, so that a reader narrows (``isinstance``) before it reaches in.
"""

from __future__ import annotations

from typing import TypeAlias, TypeGuard

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
Object: TypeAlias = "dict[str, JSON]"


def is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number: an int or a float, never a boolean (which Python counts as an int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def dig(value: JSON, *path: str | int) -> JSON:
    """What ``path`` (keys of objects, indexes of arrays) reaches in ``value``; None where
    the value there is missing or not of the kind the path steps into."""
    for step in path:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return None
    return value
