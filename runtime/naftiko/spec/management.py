"""The control adapter's blocks, as far as the runtime reads them: `management.scripting`
and `observability`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from naftiko.jsontypes import is_number
from naftiko.location import Location
from naftiko.spec.model import Observability, Scripting
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


def observability(block: Any) -> Observability | None:
    """An `observability` block (validation has checked its fields; what is still odd is
    left at its default)."""
    if not isinstance(block, dict):
        return None
    metrics, traces = _part(block, "metrics"), _part(block, "traces")
    local = _part(traces, "local")
    endpoint = _part(_part(block, "exporters"), "otlp").get("endpoint")
    sampling, size = traces.get("sampling"), local.get("buffer-size")
    propagation = traces.get("propagation")
    return Observability(
        enabled=block.get("enabled") is not False,
        metrics=_part(metrics, "local").get("enabled") is not False,
        endpoint=endpoint if isinstance(endpoint, str) and endpoint.strip() else None,
        sampling=float(sampling) if is_number(sampling) and 0 <= sampling <= 1 else None,
        buffer_size=int(size) if is_number(size) and size >= 1 else None,
        local_traces=local.get("enabled") is not False,
        propagation=propagation if isinstance(propagation, str) else "w3c",
    )


def _part(block: dict[str, Any], key: str) -> dict[str, Any]:
    found = block.get(key)
    return found if isinstance(found, dict) else {}


def text(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def _positive(value: Any, default: int) -> int:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return value if whole and value > 0 else default
