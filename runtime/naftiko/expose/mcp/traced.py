"""What a traced MCP request's span is named and which trace context it continues."""

from __future__ import annotations

from typing import Any

from naftiko.expose.mcp.jsonrpc import Wire
from naftiko.observe import tracing


def span_name(method: str, params: dict[str, Any]) -> str:
    name = params.get("name") if method in ("tools/call", "prompts/get") else None
    return f"{method} {name}" if isinstance(name, str) and len(name) <= 128 else method


def span_shape(
    shapes: tracing.Shapes, adapter: str, method: str, route: str, params: dict[str, Any]
) -> tracing.Shape:
    """What a request's span shares with the others of its method and tool, kept per both."""
    tool = params.get("name") if method == "tools/call" else None
    key = (route, tool) if tool is None or isinstance(tool, str) else None
    found = shapes.get(key) if key is not None else None
    if found is None:
        attributes: dict[str, Any] = {"mcp.method.name": method, "naftiko.adapter": adapter}
        if method == "tools/call":
            attributes["gen_ai.tool.name"] = tool
        if key is None:
            return tracing.Shape(route, tracing.SERVER, attributes)
        found = shapes.add(key, route, attributes)
    return found


def carrier(params: dict[str, Any], wire: Wire | None) -> dict[str, str] | None:
    """The caller's trace context: `_meta` first (both eras may carry it), then headers."""
    if not tracing.active():
        return None
    found = dict(wire.trace) if wire is not None else {}
    meta = params.get("_meta")
    if isinstance(meta, dict):
        for key in ("traceparent", "tracestate"):
            if isinstance(meta.get(key), str):
                found[key] = meta[key]
    return found or None
