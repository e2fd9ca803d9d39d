"""An MCP request's span shape: kept per method and tool, bounded, never confused."""

from __future__ import annotations

from naftiko.expose.mcp.traced import span_name, span_shape
from naftiko.observe import tracing

FIXED = {"network.transport": "tcp", "naftiko.adapter": "agents"}


def shape_of(
    shapes: tracing.Shapes, method: str, params: dict, version: str = "2025-11-25"
) -> tracing.Shape:
    return span_shape(shapes, FIXED, method, span_name(method, params), params, version)


def test_calls_of_one_tool_share_a_shape() -> None:
    shapes = tracing.Shapes(tracing.SERVER)
    first = shape_of(shapes, "tools/call", {"name": "get-item", "arguments": {"id": 1}})
    again = shape_of(shapes, "tools/call", {"name": "get-item", "arguments": {"id": 2}})
    assert first is again
    assert first.name == "tools/call get-item"
    assert first.attributes == {
        "mcp.method.name": "tools/call",
        "mcp.protocol.version": "2025-11-25",
        "network.transport": "tcp",
        "naftiko.adapter": "agents",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get-item",
    }


def test_each_protocol_version_has_its_own_shape() -> None:
    shapes = tracing.Shapes(tracing.SERVER)
    old = shape_of(shapes, "tools/list", {}, "2025-06-18")
    new = shape_of(shapes, "tools/list", {}, "2026-07-28")
    assert old.attributes["mcp.protocol.version"] == "2025-06-18"
    assert new.attributes["mcp.protocol.version"] == "2026-07-28"


def test_a_prompt_is_named_on_its_span() -> None:
    shape = shape_of(tracing.Shapes(tracing.SERVER), "prompts/get", {"name": "summary"})
    assert shape.name == "prompts/get summary"
    assert shape.attributes["gen_ai.prompt.name"] == "summary"
    assert "gen_ai.operation.name" not in shape.attributes


def test_a_method_named_like_a_tool_call_gets_its_own_shape() -> None:
    shapes = tracing.Shapes(tracing.SERVER)
    tool = shape_of(shapes, "tools/call", {"name": "x"})
    odd = shape_of(shapes, "tools/call x", {})
    assert tool.name == odd.name == "tools/call x"
    assert odd.attributes["mcp.method.name"] == "tools/call x"
    assert "gen_ai.tool.name" in tool.attributes and "gen_ai.tool.name" not in odd.attributes


def test_a_tool_name_too_long_for_the_span_name_is_not_kept() -> None:
    shapes = tracing.Shapes(tracing.SERVER)
    long = "t" * 200
    shape = shape_of(shapes, "tools/call", {"name": long})
    assert shape.name == "tools/call" and shape.attributes["gen_ai.tool.name"] == long
    assert (
        shape_of(shapes, "tools/call", {"name": "u" * 200}).attributes["gen_ai.tool.name"]
        == "u" * 200
    )
    assert len(shapes) == 0


def test_shapes_stay_within_their_bound() -> None:
    shapes = tracing.Shapes(tracing.SERVER, limit=8)
    for n in range(50):
        shape_of(shapes, "tools/call", {"name": f"tool-{n}"})
    assert len(shapes) <= 8
