"""JSON on the request path: orjson, with the standard library as the fallback.

orjson parses and writes several times faster. Integers are exact up to 64 bits; beyond
that orjson reads them as floats, as JavaScript clients do from 2**53 on (APIs send such
identifiers as strings for that reason). Documents orjson refuses (an exponent beyond the
range of a double) are parsed by the standard library; values it cannot write (integers
beyond 64 bits, non-string keys) are written by it too.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import orjson

from naftiko.jsontypes import JSON

_Parser: Any = None
# validates without building the document, several times faster than parsing it (a
# platform without its wheel parses instead)
with contextlib.suppress(ImportError):
    from simdjson import Parser as _Parser

_checker = _Parser() if _Parser is not None else None


def loads(data: bytes) -> JSON:
    """Parse JSON; ValueError (as json.loads raises) when it is not JSON (NaN and Infinity
    included, which orjson refuses and the standard library would take), is nested past
    orjson's 1,024 levels, or holds a lone surrogate that no UTF-8 text can carry."""
    try:
        parsed: JSON = orjson.loads(data)
        return parsed
    except orjson.JSONDecodeError:
        pass
    try:
        # the standard library decides, with its own message
        value: JSON = json.loads(data, parse_constant=_not_json)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise ValueError("the document is nested too deeply") from None
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate, which UTF-8 cannot carry") from None
    return value


def fragment(data: bytes) -> object:
    """JSON text that ``dumps`` embeds as it is: the caller vouches that it is JSON (as
    ``is_json`` found it)."""
    return orjson.Fragment(data)


def is_json(data: bytes) -> bool:
    """Whether ``data`` is one JSON document ``loads`` reads, without building it: what a
    pass-through answer needs (its bytes go on as they came). simdjson decides what it
    accepts; what it refuses (a number beyond a double, say) ``loads`` decides."""
    if _checker is not None:
        try:
            _checker.parse(data)  # the document is dropped at once: the parser is free again
            return True
        except (ValueError, RuntimeError):  # UnicodeDecodeError is a ValueError
            pass
    try:
        loads(data)
    except ValueError:
        return False
    return True


def _not_json(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON")


def dumps(value: object) -> bytes:
    """Compact UTF-8 JSON."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
