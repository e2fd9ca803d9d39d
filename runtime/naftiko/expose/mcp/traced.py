"""What a traced MCP request's span is named and which trace context it continues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from naftiko.expose.mcp.jsonrpc import Wire
from naftiko.observe import tracing
from naftiko.spec.model import Adapter

MAX_ID = 128  # characters of a request's id kept on its span (`jsonrpc.request.id`)
_NAMED = ("tools/call", "prompts/get")  # methods whose span names what they call


def span_name(method: str, params: dict[str, Any]) -> str:
    name = params.get("name") if method in _NAMED else None
    return f"{method} {name}" if isinstance(name, str) and len(name) <= 128 else method


def span_shape(
    shapes: tracing.Shapes,
    fixed: Mapping[str, Any],
    method: str,
    route: str,
    params: dict[str, Any],
    version: str,
) -> tracing.Shape:
    """What a request's span shares with the others of its method and tool (its route
    names both) and protocol version, kept per all three; ``fixed`` is the adapter's part."""
    key = (method, route, version)
    return shapes.get(key) or _new_shape(shapes, key, fixed, params)


def _new_shape(
    shapes: tracing.Shapes,
    key: tuple[str, str, str],
    fixed: Mapping[str, Any],
    params: dict[str, Any],
) -> tracing.Shape:
    method, route, version = key
    attributes = {"mcp.method.name": method, "mcp.protocol.version": version, **fixed}
    if method == "tools/call":
        attributes["gen_ai.operation.name"] = "execute_tool"
        attributes["gen_ai.tool.name"] = params.get("name")
    elif method == "prompts/get":
        attributes["gen_ai.prompt.name"] = params.get("name")
    if route == method and method in _NAMED:  # a name too long (or odd) for the route
        return tracing.Shape(route, tracing.SERVER, attributes)  # not kept
    return shapes.add(key, route, attributes)


def adapter_attributes(adapter: Adapter) -> dict[str, str]:
    return {
        "network.transport": "pipe" if adapter.transport == "stdio" else "tcp",  # or HTTP
        "naftiko.adapter": adapter.namespace,
    }


def describe(span: tracing.Span, answered: dict[str, Any] | None) -> None:
    """A JSON-RPC error is the span's error (its code), as a tool's `isError` answer is."""
    result = answered.get("result") if answered is not None else None
    if answered is not None and "error" in answered:
        code = str(answered["error"].get("code"))
        span.set("rpc.response.status_code", code)
        span.fail(code)
    elif isinstance(result, dict) and result.get("isError") is True:
        span.fail("tool_error")


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
