"""The one conversion ladder: a value to a declared type, only when nothing is lost.

Inputs (MCP arguments, REST query strings, `naftiko call -p` text) and outputs (upstream
fields under typed `outputParameters`) climb the same ladder, so `2` for a string parameter
is `"2"` everywhere, `"2"` for an integer is 2, and `"true"` for a boolean is true. Text
inputs may also spell arrays and objects (JSON, or `a,b` for an array).
"""

from __future__ import annotations

import json
import logging
from typing import cast

from naftiko.jsontypes import JSON

log = logging.getLogger("naftiko.convert")

EXACT: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class _Unconverted:
    def __repr__(self) -> str:
        return "UNCONVERTED"


UNCONVERTED = cast("JSON", _Unconverted())  # a JSON value to the types: returned in place of one
_warned: set[str] = set()


def convert(value: JSON, declared: str | None, *, text: bool = False) -> JSON:
    """``value`` as ``declared``, or UNCONVERTED; ``text`` lets strings spell arrays/objects."""
    if declared is None or type(value) in EXACT.get(declared, (type(value),)):
        return value
    if declared == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return UNCONVERTED
    if declared in ("number", "integer"):
        return _number(value, declared)
    if declared == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return UNCONVERTED
    if declared in ("array", "object") and text and isinstance(value, str):
        return _spelled(value, declared)
    return UNCONVERTED


def coerce(value: JSON, declared: str | None, where: str = "") -> JSON:
    """An output field converted when lossless; otherwise kept, with one warning per field."""
    if value is None:
        return value
    converted = convert(value, declared)
    if converted is not UNCONVERTED:
        return converted
    if where and where not in _warned:
        _warned.add(where)
        log.warning(
            "output %s: %r is not a lossless %s; kept as is", where, type(value).__name__, declared
        )
    return value


def problem(declared: str) -> str:
    """What an input that cannot be converted is told."""
    article = "an" if declared[0] in "aeiou" else "a"
    return "must be true or false" if declared == "boolean" else f"must be {article} {declared}"


def _number(value: JSON, declared: str) -> JSON:
    if isinstance(value, bool):
        return UNCONVERTED
    if isinstance(value, float):
        if declared == "integer":
            return int(value) if value.is_integer() else UNCONVERTED
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
        if declared == "number":
            try:
                number = float(value)
            except ValueError:
                return UNCONVERTED
            return number if number == number and abs(number) != float("inf") else UNCONVERTED
    return UNCONVERTED


def _spelled(value: str, declared: str) -> JSON:
    kind = list if declared == "array" else dict
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, kind):
        return parsed
    if declared == "array":
        return [part for part in value.split(",") if part]
    return UNCONVERTED
