"""Give freed memory back to the system after a request that held a lot of it.

Python frees a large answer's objects at once, but the C allocator keeps the pages for
reuse, so the process's resident size stays at its peak. glibc's `malloc_trim` hands them
back; elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from collections.abc import Callable


def _trimmer() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        found: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return found


_TRIM = _trimmer()


def trim() -> None:
    """Hand freed heap pages back to the system, where the allocator can."""
    if _TRIM is not None:
        _TRIM(0)


_PENDING: list[asyncio.TimerHandle] = []


def trim_soon(delay: float = 0.5) -> None:
    """Trim ``delay`` seconds after the last call: once the answers in hand are written
    and freed, not between two big lists."""
    if _TRIM is None:
        return
    for handle in _PENDING:
        handle.cancel()
    _PENDING[:] = [asyncio.get_running_loop().call_later(delay, trim)]
