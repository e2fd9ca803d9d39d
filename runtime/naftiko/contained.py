"""Paths kept inside a declared directory: served files, skill contents, script files.

Every segment must be a plain name, and the resolved path (symlinks followed) must stay
inside the directory, so that nothing outside what the capability declared is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")


class UnsafePath(ValueError):
    """A segment that is not a plain name, or a path that leaves its directory."""


def inside(root: Path, segments: Sequence[str]) -> Path:
    """The file ``root/segments...``, checked; it may not exist."""
    for segment in segments:
        if not _SEGMENT.match(segment) or segment in (".", ".."):
            raise UnsafePath(f"invalid path segment {segment!r}")
    base = root.resolve()
    target = base.joinpath(*segments).resolve() if segments else base
    if target != base and base not in target.parents:
        raise UnsafePath("the path leaves its directory")
    return target
