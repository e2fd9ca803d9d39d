"""Byte sizes as files write them: `5242880`, `"5MiB"`, `"5 MB"` (decimal and binary units)."""

from __future__ import annotations

import re

_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "KIB": 1024, "MIB": 1024**2}
_UNITS["GIB"] = 1024**3


def size(value: object) -> int | None:
    """Bytes from 5242880, "5MiB" or "5 MB"; None for nothing or what is not a size."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(value or ""))
    if found is None or found.group(2).upper() not in _UNITS:
        return None
    return int(float(found.group(1)) * _UNITS[found.group(2).upper()])
