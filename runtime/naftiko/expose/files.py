"""Files served from a declared directory (MCP static resources, skill contents).

Every requested path segment must be a plain name, and the resolved file must stay inside
the directory (symlinks included): nothing outside what the capability declared is served.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Sequence
from pathlib import Path

_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_KNOWN_TYPES = {".md": "text/markdown", ".yaml": "application/yaml", ".yml": "application/yaml"}


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


def listing(root: Path) -> list[Path]:
    """Every regular file under ``root``, sorted, that stays inside it."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    base = root.resolve()
    return sorted(p for p in root.rglob("*") if p.is_file() and base in p.resolve().parents)


def media_type(path: Path, declared: str = "") -> str:
    if declared:
        return declared
    return (
        _KNOWN_TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )
