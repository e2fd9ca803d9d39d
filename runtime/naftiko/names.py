"""How names compare: parameter names match with '-' and '_' alike, case-insensitively."""

from __future__ import annotations


def norm(name: str) -> str:
    """The form two names share when they mean the same parameter."""
    return name.replace("-", "_").lower()


# `with` values read a caller's input as `<prefix>.<name>` under these prefixes, besides the
# adapter's own namespace and its type
GENERIC_PREFIXES = frozenset({"rest", "tools", "mcp", "skill"})
