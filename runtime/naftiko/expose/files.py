"""Files served from a declared directory (MCP static resources, skill contents).

Every requested path segment must be a plain name, and the resolved file must stay inside
the directory (symlinks included): nothing outside what the capability declared is served.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from naftiko.contained import UnsafePath, inside

__all__ = ["UnsafePath", "inside", "listing", "media_type"]

_KNOWN_TYPES = {".md": "text/markdown", ".yaml": "application/yaml", ".yml": "application/yaml"}


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
