"""The control adapter's `management` block, as far as the engine reads it: `scripting`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from naftiko.location import Location
from naftiko.spec.model import Scripting
from naftiko.spec.yaml import JsonPath


def scripting(exposes: Any, where: Callable[[JsonPath], Location]) -> Scripting | None:
    """The first control adapter's `management.scripting`, when written."""
    if not isinstance(exposes, list):
        return None
    for index, adapter in enumerate(exposes):
        if not isinstance(adapter, dict) or adapter.get("type") != "control":
            continue
        management = adapter.get("management")
        block = management.get("scripting") if isinstance(management, dict) else None
        if not isinstance(block, dict):
            continue
        enabled = block.get("enabled")
        allowed = block.get("allowedLanguages")
        return Scripting(
            enabled=enabled if isinstance(enabled, bool) else None,
            default_location=text(block.get("defaultLocation")),
            default_language=text(block.get("defaultLanguage")),
            timeout_ms=_positive(block.get("timeout"), 60_000),
            statement_limit=_positive(block.get("statementLimit"), 100_000),
            allowed_languages=tuple(str(a) for a in allowed) if isinstance(allowed, list) else (),
            where=where(("capability", "exposes", index, "management", "scripting")),
        )
    return None


def text(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def _positive(value: Any, default: int) -> int:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return value if whole and value > 0 else default
