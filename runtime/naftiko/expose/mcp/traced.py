"""What a traced MCP request's span is named and which trace context it continues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from naftiko.expose.mcp.jsonrpc import Wire
from naftiko.observe import tracing


def span_name(method: str, params: dict[str, Any]) -> str:
    name = params.get("name") if method in ("tools/call", "prompts/get") else None
    return f"{method} {name}" if isinstance(name, str) and len(name) <= 128 else method


def span_shape(
    shapes: tracing.Shapes, adapter: str, method: str, route: str, params: dict[str, Any]
) -> tracing.Shape:
    """What a request's span shares with the others of its method and tool (its route
    names both), kept per both."""
    key = (method, route)
    return shapes.get(key) or _new_shape(shapes, key, adapter, params)


def _new_shape(
    shapes: tracing.Shapes, key: tuple[str, str], adapter: str, params: dict[str, Any]
) -> tracing.Shape:
    method, route = key
    attributes: dict[str, Any] = {"mcp.method.name": method, "naftiko.adapter": adapter}
    if method == "tools/call":
        attributes["gen_ai.tool.name"] = params.get("name")
        if route == method:  # a name too long (or odd) for the route: not kept
            return tracing.Shape(route, tracing.SERVER, attributes)
    return shapes.add(key, route, attributes)


def carrier(params: dict[str, Any], wire: Wire | None) -> Mapping[str, str] | None:
    """The caller's trace context: `_meta` first (both eras may carry it), then headers."""
    meta = params.get("_meta")
    if type(meta) is not dict or not ("traceparent" in meta or "tracestate" in meta):
        return wire.trace or None if wire is not None else None
    found = dict(wire.trace) if wire is not None else {}
    for key in ("traceparent", "tracestate"):
        if isinstance(meta.get(key), str):
            found[key] = meta[key]
    return found or None
