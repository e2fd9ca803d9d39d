"""An MCP request's span shape: kept per method and tool, bounded, never confused."""

from __future__ import annotations

from naftiko.expose.mcp.traced import span_name, span_shape
from naftiko.observe import tracing


def shape_of(shapes: tracing.Shapes, method: str, params: dict) -> tracing.Shape:
    return span_shape(shapes, "agents", method, span_name(method, params), params)


def test_calls_of_one_tool_share_a_shape() -> None:
    shapes = tracing.Shapes(tracing.SERVER)
    first = shape_of(shapes, "tools/call", {"name": "get-item", "arguments": {"id": 1}})
    again = shape_of(shapes, "tools/call", {"name": "get-item", "arguments": {"id": 2}})
    assert first is again
    assert first.name == "tools/call get-item"
    assert first.attributes == {
        "mcp.method.name": "tools/call",
        "naftiko.adapter": "agents",
        "gen_ai.tool.name": "get-item",
    }


def test_a_method_named_like_a_tool_call_gets_its_own_shape() -> None:
    shapes = tracing.Shapes(tracing.SERVER)
    tool = shape_of(shapes, "tools/call", {"name": "x"})
    odd = shape_of(shapes, "tools/call x", {})
    assert tool.name == odd.name == "tools/call x"
    assert odd.attributes == {"mcp.method.name": "tools/call x", "naftiko.adapter": "agents"}
    assert "gen_ai.tool.name" in tool.attributes


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
